/*
 * builder.c - which builder Kamal picks, and its setup (see builder.h).
 * The build command is in builder-build.c, the clone steps and the hosts'
 * pull in builder-clone.c.
 */
#include "commands/builder.h"
#include "commands/utils.h"
#include "quote.h"

static void arches_minus(struct strvec *out, const struct strvec *all, const struct strvec *minus)
{
	for (size_t i = 0; i < all->nr; i++)
		if (strvec_find(minus, all->v[i]) < 0)
			strvec_push(out, all->v[i]);
}

/* Configuration::Builder's local_arches/remote_arches and Builder#target. */
static void pick_kind(struct kc_builder *b, const char *docker_arch)
{
	const struct kamal_builder *c = &b->cfg;
	int remote, local;

	if (!c->local_disabled) {
		for (size_t i = 0; i < c->arches.nr; i++)
			if (!c->remote || (docker_arch && !strcmp(c->arches.v[i], docker_arch)))
				strvec_push(&b->local_arches, c->arches.v[i]);
	}
	if (c->remote)
		arches_minus(&b->remote_arches, &c->arches, &b->local_arches);
	remote = b->remote_arches.nr > 0;
	local = !c->local_disabled && (!c->arches.nr || b->local_arches.nr);
	if (remote)
		b->kind = local ? KC_BUILDER_HYBRID : KC_BUILDER_REMOTE;
	else if (c->pack_builder)
		b->kind = KC_BUILDER_PACK;
	else if (starts_with(c->driver, "cloud"))
		b->kind = KC_BUILDER_CLOUD;
	else
		b->kind = KC_BUILDER_LOCAL;
}

void kc_builder_init(struct kc_builder *b, const struct kamal *k, const char *docker_arch,
		     int buildx)
{
	memset(b, 0, sizeof(*b));
	b->k = k;
	b->buildx = buildx;
	strvec_init(&b->local_arches);
	strvec_init(&b->remote_arches);
	kamal_builder_init(k->cfg, &b->cfg);
	kamal_registry(k->cfg, config_get(k->cfg, "registry"), &b->registry);
	pick_kind(b, docker_arch && *docker_arch ? docker_arch : NULL);
}

void kc_builder_release(struct kc_builder *b)
{
	kamal_builder_release(&b->cfg);
	strvec_clear(&b->local_arches);
	strvec_clear(&b->remote_arches);
}

const char *kc_builder_name(const struct kc_builder *b)
{
	static const char *names[] = { "local", "remote", "hybrid", "pack", "cloud" };

	return names[b->kind];
}

static int docker_driver(const struct kc_builder *b)
{
	return !strcmp(b->cfg.driver, "docker");
}

/* Remote#remote_builder_name_suffix: the remote URL with [^a-z0-9_-] as "-". */
static void remote_suffix(struct strbuf *out, const struct kc_builder *b)
{
	for (const char *p = b->cfg.remote ? b->cfg.remote : ""; *p; p++)
		strbuf_addch(out, (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
					  *p == '_' || *p == '-' ? *p : '-');
	if (b->registry.local)
		strbuf_addstr(out, "-local-registry");
}

void kc_builder_builder_name(struct strbuf *out, const struct kc_builder *b)
{
	switch (b->kind) {
	case KC_BUILDER_REMOTE:
		strbuf_addstr(out, "kamal-remote-");
		remote_suffix(out, b);
		break;
	case KC_BUILDER_HYBRID:
		strbuf_addf(out, "kamal-hybrid-%s-", b->cfg.driver);
		remote_suffix(out, b);
		break;
	case KC_BUILDER_CLOUD:
		for (const char *p = b->cfg.driver; *p; p++)
			strbuf_addch(out, *p == ' ' || *p == '/' ? '-' : *p);
		break;
	default:
		strbuf_addf(out, "kamal-local-%s%s", b->registry.local ? "registry-" : "",
			    b->cfg.driver);
	}
}

/* The remote builder's docker context: "<builder name>-context". */
static void context_name(struct strbuf *out, const struct kc_builder *b)
{
	kc_builder_builder_name(out, b);
	strbuf_addstr(out, "-context");
}

static void driver_options(struct shcmd *out, const struct kc_builder *b)
{
	/* a builder container reaches the local registry on the host network */
	if (b->registry.local)
		shcmd_addl(out, "--driver-opt", "network=host", NULL);
}

void kc_builder_platform_options(struct shcmd *out, const struct strvec *arches)
{
	struct strbuf sb = STRBUF_INIT;

	if (!arches->nr)
		return;
	for (size_t i = 0; i < arches->nr; i++)
		strbuf_addf(&sb, "%slinux/%s", i ? "," : "", arches->v[i]);
	shcmd_addl(out, "--platform", sb.buf, NULL);
	strbuf_release(&sb);
}

static void create_remote_context(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf name = STRBUF_INIT, ctx = STRBUF_INIT;

	kc_builder_builder_name(&name, b);
	context_name(&ctx, b);
	shcmd_addl(out, "docker", "context", "create", ctx.buf, "--description", NULL);
	shcmd_addf(out, "%s host", name.buf);
	shcmd_add(out, "--docker");
	shcmd_addf(out, "host=%s", b->cfg.remote);
	strbuf_release(&name);
	strbuf_release(&ctx);
}

/* docker buildx create [--platform P] [--append] --name NAME ... */
static void buildx_create(struct shcmd *out, const struct kc_builder *b,
			  const struct strvec *platforms, int append, int with_driver,
			  int on_context)
{
	struct strbuf name = STRBUF_INIT, ctx = STRBUF_INIT;

	kc_builder_builder_name(&name, b);
	context_name(&ctx, b);
	shcmd_addl(out, "docker", "buildx", "create", NULL);
	if (platforms)
		kc_builder_platform_options(out, platforms);
	if (append)
		shcmd_add(out, "--append");
	shcmd_addl(out, "--name", name.buf, NULL);
	if (with_driver)
		shcmd_addf(out, "--driver=%s", b->cfg.driver);
	driver_options(out, b);
	if (on_context)
		shcmd_add(out, ctx.buf);
	strbuf_release(&name);
	strbuf_release(&ctx);
}

/* "cloud org/builder": buildx takes the endpoint as its own argument. */
static void cloud_driver_words(struct shcmd *out, const struct kc_builder *b)
{
	struct strvec words = STRVEC_INIT;

	quote_split(b->cfg.driver, &words, 0);
	for (size_t i = 0; i < words.nr; i++)
		shcmd_add(out, words.v[i]);
	strvec_clear(&words);
}

void kc_builder_create(struct shcmd *out, const struct kc_builder *b)
{
	struct shcmd ctx = SHCMD_INIT, buildx = SHCMD_INIT, local = SHCMD_INIT;

	if (!b->buildx)
		return;
	switch (b->kind) {
	case KC_BUILDER_LOCAL:
		if (!docker_driver(b))
			buildx_create(out, b, NULL, 0, 1, 0);
		break;
	case KC_BUILDER_REMOTE:
		create_remote_context(&ctx, b);
		buildx_create(&buildx, b, NULL, 0, 0, 1);
		shcmd_combine(out, ";", &ctx, &buildx, NULL);
		break;
	case KC_BUILDER_HYBRID:
		buildx_create(&local, b, &b->local_arches, 0, 1, 0);
		create_remote_context(&ctx, b);
		buildx_create(&buildx, b, &b->remote_arches, 1, 0, 1);
		shcmd_combine(out, "&&", &local, &ctx, &buildx, NULL);
		break;
	case KC_BUILDER_CLOUD:
		shcmd_addl(out, "docker", "buildx", "create", "--driver", NULL);
		cloud_driver_words(out, b);
		break;
	case KC_BUILDER_PACK:
		break;
	}
	shcmd_clear(&ctx);
	shcmd_clear(&buildx);
	shcmd_clear(&local);
}

void kc_builder_remove(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf name = STRBUF_INIT, ctx = STRBUF_INIT;

	kc_builder_builder_name(&name, b);
	context_name(&ctx, b);
	if (!b->buildx || b->kind == KC_BUILDER_PACK ||
	    (b->kind == KC_BUILDER_LOCAL && docker_driver(b))) {
		/* nothing to remove */
	} else if (b->kind == KC_BUILDER_REMOTE || b->kind == KC_BUILDER_HYBRID) {
		shcmd_addl(out, "docker", "context", "rm", ctx.buf, NULL);
		shcmd_add_shell(out, ";");
		shcmd_addl(out, "docker", "buildx", "rm", name.buf, NULL);
	} else {
		shcmd_addl(out, "docker", "buildx", "rm", name.buf, NULL);
	}
	strbuf_release(&name);
	strbuf_release(&ctx);
}

/* Remote#inspect_builder: the builder uses our context, which points at remote. */
static void inspect_remote(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf name = STRBUF_INIT, ctx = STRBUF_INIT;

	kc_builder_builder_name(&name, b);
	context_name(&ctx, b);
	shcmd_addl(out, "docker", "buildx", "inspect", name.buf, NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "grep", "-q", NULL);
	shcmd_addf(out, "Endpoint:.*%s", ctx.buf);
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "docker", "context", "inspect", ctx.buf, "--format",
		   "{{.Endpoints.docker.Host}}", NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "grep", "-xq", b->cfg.remote, NULL);
	shcmd_add_shelll(out, "||", "(echo no compatible builder && exit 1)", NULL);
	strbuf_release(&name);
	strbuf_release(&ctx);
}

void kc_builder_inspect_builder(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf name = STRBUF_INIT;

	if (!b->buildx)
		return;
	if (b->kind == KC_BUILDER_REMOTE || b->kind == KC_BUILDER_HYBRID) {
		inspect_remote(out, b);
	} else if (b->kind == KC_BUILDER_PACK) {
		kc_builder_info(out, b);
	} else if (!docker_driver(b)) {
		kc_builder_builder_name(&name, b);
		shcmd_addl(out, "docker", "buildx", "inspect", name.buf, NULL);
	}
	strbuf_release(&name);
}

void kc_builder_info(struct shcmd *out, const struct kc_builder *b)
{
	int remote = b->kind == KC_BUILDER_REMOTE || b->kind == KC_BUILDER_HYBRID;

	if (b->kind == KC_BUILDER_PACK) {
		shcmd_addl(out, "pack", "builder", "inspect", b->cfg.pack_builder, NULL);
		return;
	}
	shcmd_addl(out, "docker", "context", "ls", NULL);
	if (b->buildx) {
		shcmd_add_shell(out, remote ? ";" : "&&");
		shcmd_addl(out, "docker", "buildx", "ls", NULL);
	}
}

void kc_builder_push_env(const struct kc_builder *b, struct strvec *env)
{
	/* the remote host pushes with its own credentials, not a client token */
	if (b->kind == KC_BUILDER_REMOTE || b->kind == KC_BUILDER_HYBRID)
		strvec_push(env, "BUILDKIT_NO_CLIENT_TOKEN=1");
}

int kc_builder_login_to_registry_locally(const struct kc_builder *b)
{
	return b->kind != KC_BUILDER_REMOTE && b->kind != KC_BUILDER_HYBRID;
}
