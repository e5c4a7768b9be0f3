/*
 * proxy.c - what berth does about the proxy beyond Kamal's commands: its
 * default image is berth-proxy (the kamal-proxy drop-in built by `make
 * proxy-image`), which no public registry has, so berth brings it to a
 * host that lacks it or holds an older build: through the project's
 * registry, or over ssh. A config that names
 * another proxy image (proxy/run/repository, or boot_config's files on the
 * host) gets that image, exactly as with Kamal.
 *
 * Image identity: the image is tagged with the kamal-proxy release whose
 * protocol it speaks (v0.9.2, so Kamal's own version check accepts it on a
 * host berth set up), and berth tells builds apart by image ID, which is
 * the digest of the image's config, read from the archive's manifest.
 */
#include "cli.h"

#include <pthread.h>
#include "cli/exec.h"
#include "cli/build.h"
#include "cli/proxy.h"
#include "commands/proxy.h"
#include "commands/registry.h"
#include "config/kamal-host.h"
#include "log.h"

#include <errno.h>
#include <unistd.h>

/* The archive: $BERTH_PROXY_IMAGE, else beside berth (a build or an install). */
static const char *image_archive(void)
{
	static char path[4200];
	const char *env = getenv("BERTH_PROXY_IMAGE");
	char self[4096], *slash;
	ssize_t n;
	static const char *const rel[] = { "proxy-image/berth-proxy.tar",
					   "../share/berth/berth-proxy.tar" };

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return NULL;
	slash[1] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		snprintf(path, sizeof(path), "%s%s", self, rel[i]);
		if (!access(path, R_OK))
			return path;
	}
	return NULL;
}

/* The member NAME of an uncompressed tar, into out. 0, or -1. */
static int tar_member(const struct strbuf *tar, const char *name, struct strbuf *out)
{
	size_t off = 0;

	while (off + 512 <= tar->len) {
		const char *h = tar->buf + off;
		char mname[101];
		size_t size;
		if (!h[0])
			break;
		memcpy(mname, h, 100);
		mname[100] = '\0';
		size = strtoul(h + 124, NULL, 8);
		if (off + 512 + size > tar->len)
			break;
		if (!strcmp(mname, name) || (!strncmp(mname, "./", 2) && !strcmp(mname + 2, name))) {
			strbuf_add(out, h + 512, size);
			return 0;
		}
		off += 512 + (size + 511) / 512 * 512;
	}
	return -1;
}

/*
 * The image ID in a manifest.json: its "Config" is "<hex>.json" (docker
 * save before 25) or "blobs/sha256/<hex>" (the OCI layout). NULL if none.
 */
static const char *config_digest(const char *manifest, const char **end)
{
	const char *p = strstr(manifest, "\"Config\"");
	if (!p)
		return NULL;
	p += strlen("\"Config\"");
	p += strspn(p, " \t\n:");
	if (*p++ != '"')
		return NULL;
	if (starts_with(p, "blobs/sha256/"))
		p += strlen("blobs/sha256/");
	*end = p + strspn(p, "0123456789abcdef");
	return *end - p == 64 ? p : NULL;
}

struct archive {
	struct strbuf data;
	char id[80];       /* sha256:<hex> */
	int loaded;
};

static struct archive archive = { STRBUF_INIT, "", 0 };
static struct strbuf archive_why = STRBUF_INIT; /* why there is none */
static pthread_mutex_t archive_lock = PTHREAD_MUTEX_INITIALIZER;

static int load_archive(void)
{
	const char *path = image_archive();
	struct strbuf manifest = STRBUF_INIT;
	const char *cfg, *end;
	int r = -1;

	if (archive.loaded)
		return archive.id[0] ? 0 : -1;
	archive.loaded = 1;
	if (!path) {
		strbuf_addstr(&archive_why, "the berth-proxy image is not built: run `make proxy-image` "
			      "(or set BERTH_PROXY_IMAGE to its archive), or name a proxy image in proxy/run");
		return -1;
	}
	if (strbuf_read_file(&archive.data, path) < 0) {
		strbuf_addf(&archive_why, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (tar_member(&archive.data, "manifest.json", &manifest) < 0 || !(cfg = config_digest(manifest.buf, &end))) {
		strbuf_addf(&archive_why, "%s is not a docker image archive (no manifest.json)", path);
		goto out;
	}
	snprintf(archive.id, sizeof(archive.id), "sha256:%.*s", (int)(end - cfg), cfg);
	r = 0;
out:
	strbuf_release(&manifest);
	return r;
}

int cli_proxy_is_berth(struct cli_context *ctx, const char *host)
{
	const struct ynode *run = kamal_proxy_run(cli_load_config(ctx), host);
	/* boot_config's files on the host may name another image; the
	 * run command reads them there, so only proxy/run decides here. */
	return !run || (!ynode_get(run, "repository") && !ynode_get(run, "registry"));
}

/*
 * The registry route: with a registry of the project's own (not Kamal's
 * localhost one), the image goes up once, beside the app's image and
 * tagged by build (REGISTRY/NAMESPACE/berth-proxy:v0.9.2-<12 hex of its
 * ID>), and each host pulls it and tags it berth-proxy:v0.9.2: one upload
 * from here for any number of hosts, where the ssh route sends the
 * archive to each. A failure on the way (no docker here, a registry that
 * refuses the name) falls back to the ssh route, with a warning.
 *
 * Not by default on Docker Hub, where a first push makes a new public
 * repository in the user's account: x-berth/proxy/image_via (registry or
 * ssh) decides, else BERTH_PROXY_VIA, else the registry route for any
 * registry but Docker Hub and Kamal's local one.
 */
static struct {
	int tried, ok;
	struct strbuf ref;
} via_registry = { 0, 0, STRBUF_INIT };

static int push_step(const char *a0, const char *a1, const char *a2, const char *a3,
		     const struct strbuf *input)
{
	struct shcmd c = SHCMD_INIT;
	int r;
	shcmd_addl(&c, a0, a1, a2, a3, NULL);
	r = input ? local_run_input(&c, NULL, input->buf, input->len, REMOTE_NO_RAISE) :
		    local_run(&c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	return r;
}

static int docker_hub(const char *server)
{
	return !server || !strcmp(server, "docker.io") || !strcmp(server, "index.docker.io") ||
	       !strcmp(server, "registry-1.docker.io");
}

/* x-berth/proxy/image_via, else $BERTH_PROXY_VIA, else NULL; -1 reported. */
static int image_via(const struct config *cfg, const char **via)
{
	const struct ynode *n = ynode_path(cfg->raw, "x-berth/proxy/image_via");
	const char *v = n ? ynode_str(n) : getenv("BERTH_PROXY_VIA");

	if (v && *v && strcmp(v, "registry") && strcmp(v, "ssh")) {
		if (n)
			return error("%s:%u: x-berth/proxy/image_via: must be registry or ssh, not %s",
				     n->file ? n->file : "config/deploy.yml", n->line, v);
		return error("BERTH_PROXY_VIA: must be registry or ssh, not %s", v);
	}
	*via = v && *v ? v : NULL;
	return 0;
}

int cli_proxy_check_settings(struct cli_context *ctx)
{
	const char *via;
	return image_via(cli_load_config(ctx), &via);
}

/* Called with archive_lock held, the archive loaded: 1 when pushed. */
static int push_once(struct cli_context *ctx)
{
	struct config *cfg = cli_load_config(ctx);
	struct kamal_registry reg;
	const char *via = NULL, *slash, *why = NULL;

	if (via_registry.tried)
		return via_registry.ok;
	via_registry.tried = 1;
	kamal_registry(cfg, config_get(cfg, "registry"), &reg);
	if (image_via(cfg, &via) < 0)
		return 0;
	if (reg.local || (via ? strcmp(via, "registry") : docker_hub(reg.server)))
		return 0;
	slash = strrchr(cfg->repository, '/');
	if (slash)
		strbuf_add(&via_registry.ref, cfg->repository, (size_t)(slash - cfg->repository) + 1);
	strbuf_addf(&via_registry.ref, "%s-%.12s", BERTH_PROXY_IMAGE, archive.id + strlen("sha256:"));
	if (cli_registry_login_local(ctx) < 0)
		why = "the registry login here failed";
	else if (push_step("docker", "load", "--quiet", NULL, &archive.data))
		why = "docker load here failed";
	else if (push_step("docker", "tag", BERTH_PROXY_IMAGE, via_registry.ref.buf, NULL))
		why = "docker tag here failed";
	else if (push_step("docker", "push", "--quiet", via_registry.ref.buf, NULL))
		why = "the registry refused the push";
	if (why)
		log_warn("berth-proxy goes to each host over ssh: pushing it as %s: %s (-v shows more)",
			 via_registry.ref.buf, why);
	else if (!ctx->quiet && !remote_dry_run())
		log_info("berth-proxy pushed as %s", via_registry.ref.buf);
	via_registry.ok = !why;
	return via_registry.ok;
}

/* 0 when the host pulled the pushed image; else it takes the ssh route. */
static int pull_on_host(struct host_session *h)
{
	struct shcmd c = SHCMD_INIT, pull = SHCMD_INIT, tag = SHCMD_INIT, untag = SHCMD_INIT;
	const char *ref = via_registry.ref.buf;
	int r;

	shcmd_addl(&pull, "docker", "pull", "--quiet", ref, NULL);
	shcmd_addl(&tag, "docker", "tag", ref, BERTH_PROXY_IMAGE, NULL);
	shcmd_addl(&untag, "docker", "image", "rm", ref, NULL);
	shcmd_combine(&c, "&&", &pull, &tag, &untag, NULL);
	r = host_run_flags(h, &c, REMOTE_NO_RAISE);
	if (!r && !remote_dry_run())
		host_say(h, "berth-proxy pulled from the registry");
	if (r > 0)
		host_say(h, "pulling %s failed (exit %d): loading berth-proxy over ssh", ref, r);
	shcmd_clear(&c);
	shcmd_clear(&pull);
	shcmd_clear(&tag);
	shcmd_clear(&untag);
	return r;
}

int cli_proxy_ensure_image(struct cli_context *ctx, struct host_session *h)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf id = STRBUF_INIT;
	int r, have;

	if (!cli_proxy_is_berth(ctx, host_name(h)))
		return 0;
	pthread_mutex_lock(&archive_lock);
	have = load_archive() == 0;
	pthread_mutex_unlock(&archive_lock);
	/* A dry run plans the load even without the archive at hand. */
	if (!have && !remote_dry_run())
		return host_fail(h, "%s", archive_why.buf);
	shcmd_addl(&c, "docker", "image", "inspect", BERTH_PROXY_IMAGE, "--format", "{{.Id}}", NULL);
	r = host_capture_flags(h, &c, &id, REMOTE_NO_RAISE | REMOTE_QUIET);
	shcmd_clear(&c);
	strbuf_trim(&id);
	if (r < 0)
		return -1;
	if (have && !r && !strcmp(id.buf, archive.id)) {
		strbuf_release(&id);
		return 0;
	}
	strbuf_release(&id);
	if (have) {
		/* The first host to need it pushes it; the others wait for that. */
		pthread_mutex_lock(&archive_lock);
		r = push_once(ctx);
		pthread_mutex_unlock(&archive_lock);
		if (r && (r = pull_on_host(h)) <= 0)
			return r;
	}
	if (have && !remote_dry_run())
		host_say(h, "loading the berth-proxy image (%zu KiB)", archive.data.len / 1024);
	shcmd_addl(&c, "docker", "load", "--quiet", NULL);
	r = host_run_stdin(h, &c, archive.data.buf, archive.data.len, 0);
	shcmd_clear(&c);
	return r;
}

const struct kc_proxy_image cli_proxy_image = { BERTH_PROXY_REPOSITORY, KAMAL_PROXY_MINIMUM_VERSION };

void cli_proxy_start_or_run(struct cli_context *ctx, struct host_session *h, struct shcmd *out)
{
	kc_proxy_start_or_run(out, kamal_proxy_run(cli_load_config(ctx), host_name(h)),
			      &cli_proxy_image);
}

int cli_proxy_registry_login(struct cli_context *ctx, struct host_session *h)
{
	return cli_registry_login_on(ctx, h, config_get(cli_load_config(ctx), "registry"));
}

int cli_registry_login_on(struct cli_context *ctx, struct host_session *h,
			  const struct ynode *registry)
{
	struct kamal_registry reg;
	const char *user = NULL, *password = NULL;
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	struct config *cfg = cli_load_config(ctx);
	int r;

	kamal_registry(cfg, registry, &reg);
	/* Kamal sends an empty command (a bare /usr/bin/env) for a local registry. */
	if (reg.local)
		return 0;
	if (kamal_registry_credentials(cfg, &reg, &user, &password, &err) < 0) {
		strbuf_trim(&err);
		r = host_fail(h, "%s", err.buf);
		strbuf_release(&err);
		return r;
	}
	kc_registry_login(&c, &reg, user);
	r = host_run_stdin(h, &c, password ? password : "", password ? strlen(password) : 0, 0);
	shcmd_clear(&c);
	return r;
}

static void stop_default(struct shcmd *c)
{
	kc_proxy_stop(c, NULL);
}

int cli_proxy_replace(struct cli_context *ctx, struct host_session *h)
{
	struct shcmd c = SHCMD_INIT;
	int r;

	if (kx_run_builder(h, stop_default, REMOTE_NO_RAISE) < 0 ||
	    kx_run_builder(h, kc_proxy_remove_container, 0) < 0 ||
	    kx_run_builder(h, kc_proxy_ensure_apps_config_directory, 0) < 0 ||
	    cli_proxy_ensure_image(ctx, h) < 0)
		return -1;
	kc_proxy_run(&c, kamal_proxy_run(cli_load_config(ctx), host_name(h)), &cli_proxy_image);
	r = kx_run(h, &c);
	shcmd_clear(&c);
	return r;
}

int cli_proxy_current_build(const char *image_id)
{
	int have;
	pthread_mutex_lock(&archive_lock);
	have = load_archive() == 0;
	pthread_mutex_unlock(&archive_lock);
	return !have || !strcmp(image_id, archive.id);
}

const char *cli_proxy_reboot_question(struct cli_context *ctx)
{
	struct strvec hosts = STRVEC_INIT;
	int berth = 1;

	cli_proxy_hosts(ctx, &hosts);
	for (size_t i = 0; i < hosts.nr; i++)
		berth &= cli_proxy_is_berth(ctx, hosts.v[i]);
	strvec_clear(&hosts);
	if (berth)
		return "This replaces the proxy on each host. berth-proxy keeps serving throughout "
		       "(a host whose proxy Kamal booted closes its ports once, for about a second, "
		       "as it moves into berth's port holder). Go ahead?";
	return "This will cause a brief outage on each host. Are you sure?";
}
