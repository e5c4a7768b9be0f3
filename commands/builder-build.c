/*
 * builder-build.c - the build command of each builder (see builder.h):
 * docker buildx build, pack build + docker push, or the classic
 * docker build + docker push when buildx is absent.
 */
#include "commands/builder.h"
#include "commands/utils.h"

static void image_names(struct strbuf *image, struct strbuf *latest, const struct kc_builder *b,
			int dirty)
{
	const struct config *cfg = b->k->cfg;

	strbuf_addf(image, "%s:%s", cfg->repository, b->k->version);
	kamal_latest_image(cfg, latest);
	if (dirty) {
		strbuf_addstr(image, "-dirty");
		strbuf_addstr(latest, "-dirty");
	}
}

static void tag_options(struct shcmd *out, const struct kc_builder *b, int dirty)
{
	struct strbuf image = STRBUF_INIT, latest = STRBUF_INIT;

	image_names(&image, &latest, b, dirty);
	shcmd_addl(out, "-t", image.buf, "-t", latest.buf, NULL);
	strbuf_release(&image);
	strbuf_release(&latest);
}

static void service_label(struct shcmd *out, const struct kc_builder *b)
{
	kc_argumentize_pair(out, "--label", "service", b->k->cfg->service, 0);
}

/* --secret id="NAME": buildx reads the value from the env of the same name. */
static void build_secrets(struct shcmd *out, const struct ynode *secrets)
{
	for (size_t i = 0; secrets && secrets->kind == YNODE_SEQ && i < secrets->nr; i++)
		kc_argumentize_pair(out, "--secret", "id", ynode_str(secrets->items[i]), 0);
}

static void optional_value(struct shcmd *out, const char *opt, const struct ynode *n)
{
	struct strbuf v = STRBUF_INIT;

	if (!n)
		return;
	kc_ruby_to_s(&v, n);
	shcmd_addl(out, opt, v.buf, NULL);
	strbuf_release(&v);
}

/* Builder::Base#build_options, in Kamal's order. */
static void build_options(struct shcmd *out, const struct kc_builder *b)
{
	const struct kamal_builder *c = &b->cfg;

	if (c->cache_to && c->cache_from)
		shcmd_addl(out, "--cache-to", c->cache_to, "--cache-from", c->cache_from, NULL);
	service_label(out, b);
	kc_argumentize_ynode(out, "--build-arg", c->args, 1);
	build_secrets(out, c->secrets);
	shcmd_addl(out, "--file", c->dockerfile, NULL);
	if (c->target)
		shcmd_addl(out, "--target", c->target, NULL);
	if (c->ssh) {
		/* Kamal sends it as written: "default=$SSH_AUTH_SOCK" expands locally */
		shcmd_add(out, "--ssh");
		shcmd_add_shell(out, c->ssh);
	}
	optional_value(out, "--provenance", c->provenance);
	optional_value(out, "--sbom", c->sbom);
}

static void buildx_build(struct shcmd *out, const struct kc_builder *b,
			 const struct kc_build_options *o)
{
	struct strbuf name = STRBUF_INIT;

	shcmd_addl(out, "docker", "buildx", "build", NULL);
	shcmd_addf(out, "--output=type=%s", o->output ? o->output : "registry");
	kc_builder_platform_options(out, &b->cfg.arches);
	if (strcmp(b->cfg.driver, "docker")) {
		kc_builder_builder_name(&name, b);
		shcmd_addl(out, "--builder", name.buf, NULL);
	}
	tag_options(out, b, o->tag_as_dirty);
	build_options(out, b);
	if (o->no_cache)
		shcmd_add(out, "--no-cache");
	shcmd_add(out, b->cfg.context);
	shcmd_add_shell(out, "2>&1");
	strbuf_release(&name);
}

/* docker push IMAGE && docker push LATEST, after a build for the registry. */
static void push_tags(struct shcmd *out, const struct kc_builder *b, int dirty)
{
	struct strbuf image = STRBUF_INIT, latest = STRBUF_INIT;

	image_names(&image, &latest, b, dirty);
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "docker", "push", image.buf, NULL);
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "docker", "push", latest.buf, NULL);
	strbuf_release(&image);
	strbuf_release(&latest);
}

static void env_pairs(struct shcmd *out, const struct strvec *env)
{
	for (size_t i = 0; env && i < env->nr; i++) {
		const char *eq = strchr(env->v[i], '=');
		struct strbuf key = STRBUF_INIT;
		strbuf_add(&key, env->v[i], eq ? (size_t)(eq - env->v[i]) : strlen(env->v[i]));
		kc_argumentize_pair(out, "--env", key.buf, eq ? eq + 1 : NULL, 1);
		strbuf_release(&key);
	}
}

static void pack_build(struct shcmd *out, const struct kc_builder *b,
		       const struct kc_build_options *o)
{
	const struct ynode *bps = b->cfg.pack_buildpacks;

	shcmd_addl(out, "pack", "build", b->k->cfg->repository, "--platform", NULL);
	shcmd_addf(out, "linux/%s", b->local_arches.nr ? b->local_arches.v[0] : "");
	shcmd_addl(out, "--creation-time", "now", "--builder", b->cfg.pack_builder, NULL);
	for (size_t i = 0; bps && bps->kind == YNODE_SEQ && i < bps->nr; i++)
		shcmd_addl(out, "--buildpack", ynode_str(bps->items[i]), NULL);
	/* Kamal always adds the buildpack that turns BP_IMAGE_LABELS into labels */
	shcmd_addl(out, "--buildpack", "paketo-buildpacks/image-labels", NULL);
	tag_options(out, b, o->tag_as_dirty);
	if (o->no_cache)
		shcmd_add(out, "--clear-cache");
	shcmd_add(out, "--env");
	shcmd_addf(out, "BP_IMAGE_LABELS=service=%s", b->k->cfg->service);
	kc_argumentize_ynode(out, "--env", b->cfg.args, 0);
	env_pairs(out, o->secrets_env);
	shcmd_addl(out, "--path", b->cfg.context, NULL);
	if (!o->output || !strcmp(o->output, "registry"))
		push_tags(out, b, o->tag_as_dirty);
}

/* What the classic builder cannot do, or NULL. */
static const char *classic_missing(const struct kc_builder *b)
{
	const struct kamal_builder *c = &b->cfg;

	if (b->kind == KC_BUILDER_REMOTE || b->kind == KC_BUILDER_HYBRID)
		return "a remote builder";
	if (b->kind == KC_BUILDER_CLOUD)
		return "a cloud builder";
	if (c->secrets && c->secrets->kind == YNODE_SEQ && c->secrets->nr)
		return "build secrets (builder/secrets)";
	if (c->ssh)
		return "ssh forwarding (builder/ssh)";
	if (c->cache_from)
		return "a build cache (builder/cache)";
	if (c->provenance || c->sbom)
		return "attestations (builder/provenance, builder/sbom)";
	if (c->arches.nr > 1)
		return "several architectures (builder/arch)";
	return NULL;
}

static int classic_build(struct shcmd *out, const struct kc_builder *b,
			 const struct kc_build_options *o, struct strbuf *err)
{
	const char *missing = classic_missing(b);
	const struct kamal_builder *c = &b->cfg;

	if (missing) {
		strbuf_addf(err, "docker buildx is not installed, and the classic builder "
			    "cannot use %s: install the buildx plugin", missing);
		return -1;
	}
	if (o->output && strcmp(o->output, "registry") && strcmp(o->output, "docker")) {
		strbuf_addf(err, "docker buildx is not installed, and the classic builder has no "
			    "--output %s (only docker and registry): install the buildx plugin",
			    o->output);
		return -1;
	}
	shcmd_addl(out, "docker", "build", NULL);
	tag_options(out, b, o->tag_as_dirty);
	service_label(out, b);
	kc_argumentize_ynode(out, "--build-arg", c->args, 1);
	shcmd_addl(out, "--file", c->dockerfile, NULL);
	if (c->target)
		shcmd_addl(out, "--target", c->target, NULL);
	if (o->no_cache)
		shcmd_add(out, "--no-cache");
	shcmd_add(out, c->context);
	shcmd_add_shell(out, "2>&1");
	if (!o->output || !strcmp(o->output, "registry"))
		push_tags(out, b, o->tag_as_dirty);
	return 0;
}

int kc_builder_push(struct shcmd *out, const struct kc_builder *b,
		    const struct kc_build_options *o, struct strbuf *err)
{
	if (b->kind == KC_BUILDER_PACK) {
		pack_build(out, b, o);
		return 0;
	}
	if (!b->buildx)
		return classic_build(out, b, o, err);
	buildx_build(out, b, o);
	return 0;
}
