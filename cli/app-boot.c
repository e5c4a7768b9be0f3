/*
 * app-boot.c - Kamal's app boot (cli/app.h): a version's containers
 * started on every app host, role by role, traffic moved to each new
 * container only once it is healthy, the old one stopped after.
 *
 * The order is Kamal's, so that the goldens' plans match and a team's
 * expectations hold: assets, error pages and certificates on every host
 * first (a new container never starts on a host missing them), then the
 * hosts in boot groups with the pre/post-app-boot hooks around each, the
 * primary role's first healthy container opening a barrier that the
 * other roles wait at (a broken release stops at its first web host
 * instead of taking the workers down with it), then the latest tag.
 *
 * Where berth does better: a container that does not become healthy is
 * explained (the end of its log and its health check's answer, on every
 * host where it happens, not just the first), and the barrier is only
 * set when the primary role boots in this run, so `--roles=job` does not
 * wait for a web container that will never come.
 */
#include "cli/app.h"
#include "cli/app-verbs.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/app.h"
#include "commands/env-file.h"
#include "config/kamal-app.h"
#include "log.h"

#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <time.h>

/* The primary role's first healthy container lets the other roles boot. */
struct barrier {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state;  /* 0 not yet, 1 open, -1 closed */
	int active; /* the primary role boots in this run */
};

struct boot_run {
	struct cli_context *ctx;
	struct kamal *k;
	const char *primary_role;
	struct barrier barrier;
	struct strvec error_pages; /* local files to upload, none: no pages */
};

/* Kamal's Barrier#open/#close: only the first call counts; 1 if it was this one. */
static int barrier_set(struct barrier *b, int state)
{
	int first;
	pthread_mutex_lock(&b->lock);
	first = !b->state;
	if (first)
		b->state = state;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return first;
}

static int barrier_wait(struct barrier *b)
{
	int state;
	pthread_mutex_lock(&b->lock);
	while (!b->state && !remote_interrupted()) {
		/* Woken by the gatekeeper; the timeout only notices Ctrl-C. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->cond, &b->lock, &ts);
	}
	state = b->state;
	pthread_mutex_unlock(&b->lock);
	return state > 0;
}

/* ---- before any container starts ---------------------------------- */

static void find_error_pages(struct config *cfg, struct strvec *out)
{
	const char *path = config_get_str(cfg, "error_pages_path");
	struct strbuf pattern = STRBUF_INIT;
	glob_t g;

	if (!path || !*path)
		return;
	strbuf_addf(&pattern, "%s/[45][0-9][0-9].html", path);
	if (!glob(pattern.buf, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			strvec_push(out, g.gl_pathv[i]);
		globfree(&g);
	}
	strbuf_release(&pattern);
}

static int upload_error_pages(struct host_session *h, struct boot_run *b)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT;
	int r = 0;

	if (!b->error_pages.nr)
		return 0;
	kc_app_create_error_pages_directory(&c, b->k);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	config_proxy_error_pages_directory(b->k->cfg, 0, &dir);
	for (size_t i = 0; i < b->error_pages.nr && !r; i++) {
		const char *file = b->error_pages.v[i], *base = strrchr(file, '/');
		strbuf_reset(&path);
		strbuf_reset(&data);
		strbuf_addf(&path, "%s/%s/%s", dir.buf, b->k->version, base ? base + 1 : file);
		if (strbuf_read_file(&data, file) < 0)
			r = host_fail(h, "cannot read the error page %s: %s", file, strerror(errno));
		else
			r = host_upload(h, path.buf, data.buf, data.len, 0644);
	}
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
	return r;
}

static int sync_assets(struct host_session *h, struct boot_run *b, const struct config_role *role)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf old = STRBUF_INIT;
	int r;

	kc_app_extract_assets(&c, b->k, role);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	kc_app_current_running_version(&c, b->k, role);
	r = kx_capture_once(h, &c, &old, REMOTE_NO_RAISE);
	if (r >= 0) {
		kc_app_sync_asset_volumes(&c, b->k, role, old.buf);
		r = kx_run_once(h, &c, 0);
	}
	strbuf_release(&old);
	return r < 0 ? -1 : 0;
}

/* One certificate file of the role's custom TLS, from the secret ssl/KEY names. */
static int upload_pem(struct host_session *h, struct boot_run *b, const struct config_role *role,
		      const char *key, const char *file)
{
	const char *name = ynode_str(ynode_get(ynode_get(role->proxy, "ssl"), key));
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	const char *pem = name ? config_secret(b->k->cfg, name, &err) : NULL;
	int r;

	if (!pem) {
		r = host_fail(h, "%s", err.len ? err.buf : "no certificate secret named");
	} else {
		config_proxy_host_tls_file(b->k->cfg, role->name, file, &path);
		r = host_upload(h, path.buf, pem, strlen(pem), 0644);
	}
	strbuf_release(&err);
	strbuf_release(&path);
	return r;
}

static int ssl_certificates(struct host_session *h, struct boot_run *b,
			    const struct config_role *role)
{
	struct shcmd c = SHCMD_INIT;

	if (!b->ctx->quiet)
		host_say(h, "Writing SSL certificates for %s", role->name);
	kc_app_create_ssl_directory(&c, b->k, role);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	if (upload_pem(h, b, role, "certificate_pem", "cert.pem") < 0)
		return -1;
	return upload_pem(h, b, role, "private_key_pem", "key.pem");
}

static int prepare_host(struct host_session *h, void *data)
{
	struct boot_run *b = data;
	struct strvec roles = STRVEC_INIT;
	int r = upload_error_pages(h, b);

	cli_roles_on(b->ctx, host_name(h), &roles);
	for (size_t i = 0; i < roles.nr && !r; i++) {
		const struct config_role *role = config_role(b->k->cfg, roles.v[i]);
		if (config_role_assets(b->k->cfg, role))
			r = sync_assets(h, b, role);
		if (!r && role->running_proxy && config_proxy_custom_ssl(role->proxy))
			r = ssl_certificates(h, b, role);
	}
	strvec_clear(&roles);
	return r;
}

/* ---- one role on one host (Kamal::Cli::App::Boot) ------------------ */

struct role_boot {
	struct boot_run *b;
	struct host_session *h;
	const struct config_role *role;
	const char *version;
};

/* The version running now, after renaming a container of ours in the way. */
static int old_version_renamed_if_clashing(struct role_boot *rb, struct strbuf *old)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf id = STRBUF_INIT, renamed = STRBUF_INIT, line = STRBUF_INIT;
	int r;

	kc_app_container_id_for_version(&c, rb->b->k, rb->role, rb->version, 0);
	r = kx_capture_once(rb->h, &c, &id, REMOTE_NO_RAISE);
	if (r >= 0 && id.len) {
		strbuf_addf(&renamed, "%s_replaced_", rb->version);
		strbuf_add_random_hex(&renamed, 8);
		if (!rb->b->ctx->quiet)
			host_say(rb->h, "Renaming container %s to %s as already deployed",
				 rb->version, renamed.buf);
		strbuf_addf(&line, "Renaming container %s to %s", rb->version, renamed.buf);
		r = app_record(rb->h, rb->b->k, rb->role->name, line.buf);
		if (!r) {
			kc_app_rename_container(&c, rb->b->k, rb->role, rb->version, renamed.buf);
			r = kx_run_once(rb->h, &c, 0);
		}
	}
	if (r >= 0) {
		kc_app_current_running_version(&c, rb->b->k, rb->role);
		r = kx_capture_once(rb->h, &c, old, REMOTE_NO_RAISE);
	}
	strbuf_release(&id);
	strbuf_release(&renamed);
	strbuf_release(&line);
	return r < 0 ? -1 : 0;
}

static int upload_env_file(struct role_boot *rb)
{
	struct config *cfg = rb->b->k->cfg;
	struct config_env env = CONFIG_ENV_INIT;
	struct strvec entries = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT, file = STRBUF_INIT, path = STRBUF_INIT;
	int r;

	config_role_env(cfg, rb->role, host_name(rb->h), &env);
	if (config_env_secret_values(cfg, &env, &entries, &err) < 0) {
		r = host_fail(rb->h, "%s", err.buf);
	} else {
		kc_env_file(&file, &entries);
		config_role_secrets_path(cfg, rb->role, &path);
		/* 0600, written to a temporary name and renamed: never half there. */
		r = host_upload(rb->h, path.buf, file.buf, file.len, 0600);
	}
	config_env_clear(&env);
	strvec_clear(&entries);
	strbuf_release(&err);
	strbuf_release(&file);
	strbuf_release(&path);
	return r;
}

/* Kamal::Cli::Healthcheck::Poller: Docker's health status, for roles without proxy. */
static int wait_for_healthy(struct role_boot *rb)
{
	struct config *cfg = rb->b->k->cfg;
	struct strbuf s = STRBUF_INIT, status = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	long timeout, delay;
	time_t deadline;
	unsigned attempt = 1;
	int r;

	config_seconds(cfg, "deploy_timeout", "30", &s);
	timeout = atol(s.buf);
	strbuf_reset(&s);
	config_seconds(cfg, "readiness_delay", "7", &s);
	delay = atol(s.buf);
	deadline = time(NULL) + timeout;
	for (;;) {
		strbuf_reset(&status);
		kc_app_status(&c, rb->b->k, rb->role, rb->version);
		r = kx_capture_once(rb->h, &c, &status, 0);
		if (!r && !strcmp(status.buf, "running") && delay > 0) {
			if (!rb->b->ctx->quiet)
				host_say(rb->h, "Container is running, waiting for readiness delay of %ld seconds",
					 delay);
			if (remote_sleep((unsigned)delay * 1000) < 0)
				break;
			strbuf_reset(&status);
			kc_app_status(&c, rb->b->k, rb->role, rb->version);
			r = kx_capture_once(rb->h, &c, &status, 0);
		}
		if (r < 0 || !strcmp(status.buf, "running") || !strcmp(status.buf, "healthy"))
			break;
		if (time(NULL) >= deadline) {
			r = host_fail(rb->h, "%s container not ready after %ld seconds (%s)",
				      rb->role->name, timeout, status.len ? status.buf : "no status");
			break;
		}
		if (remote_sleep(1000 * (unsigned)(attempt < (unsigned)(deadline - time(NULL)) ?
							  attempt : (unsigned)(deadline - time(NULL)))) < 0) {
			r = host_fail(rb->h, "interrupted");
			break;
		}
		attempt++;
	}
	if (!r && !rb->b->ctx->quiet)
		host_say(rb->h, "Container is healthy!");
	strbuf_release(&s);
	strbuf_release(&status);
	return r;
}

static int start_new_version(struct role_boot *rb)
{
	struct kamal *k = rb->b->k;
	struct shcmd c = SHCMD_INIT;
	struct strbuf hex = STRBUF_INIT, hostname = STRBUF_INIT, id = STRBUF_INIT;
	struct strbuf line = STRBUF_INIT;
	int r;

	strbuf_addf(&line, "Booted app version %s", rb->version);
	r = app_record(rb->h, k, rb->role->name, line.buf);
	if (!r) {
		kc_app_ensure_env_directory(&c, k);
		r = kx_run_once(rb->h, &c, 0);
	}
	if (!r)
		r = upload_env_file(rb);
	if (!r) {
		strbuf_add_random_hex(&hex, 6);
		kc_app_boot_hostname(&hostname, host_shown(rb->h), hex.buf);
		kc_app_run(&c, k, rb->role, host_name(rb->h), hostname.buf);
		r = kx_run_once(rb->h, &c, 0);
	}
	if (!r && rb->role->running_proxy) {
		kc_app_container_id_for_version(&c, k, rb->role, rb->version, 0);
		r = kx_capture_once(rb->h, &c, &id, 0);
		if (!r && !id.len)
			r = host_fail(rb->h, "Failed to get endpoint for %s on %s, did the container boot?",
				      rb->role->name, host_shown(rb->h));
		if (!r) {
			kc_app_deploy(&c, k, rb->role, id.buf);
			r = kx_run_once(rb->h, &c, 0);
		}
	} else if (!r) {
		r = wait_for_healthy(rb);
	}
	strbuf_release(&hex);
	strbuf_release(&hostname);
	strbuf_release(&id);
	strbuf_release(&line);
	return r;
}

/*
 * What the user needs when a container does not come up: the end of its
 * log and its health check's log, printed under the host's name. The
 * proxy's own answer (status code or error) is in the failed command's
 * output already.
 */
static void explain_failure(struct role_boot *rb)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT, id = STRBUF_INIT;
	struct kc_logs o = { 0 };

	if (remote_dry_run())
		return;
	/* No container (docker run itself failed, and said why): no log to show. */
	kc_app_container_id_for_version(&c, rb->b->k, rb->role, rb->version, 0);
	if (kx_capture_once(rb->h, &c, &id, REMOTE_NO_RAISE | REMOTE_QUERY | REMOTE_QUIET) < 0 ||
	    !id.len) {
		strbuf_release(&id);
		return;
	}
	o.container_id = id.buf;
	o.lines = "30";
	kc_app_logs(&c, rb->b->k, rb->role, &o);
	if (kx_capture_once(rb->h, &c, &out, REMOTE_NO_RAISE | REMOTE_QUERY | REMOTE_QUIET) >= 0)
		host_print(rb->h, "The last lines of its log",
			   out.len ? out.buf : "(the container printed nothing)", 0);
	strbuf_reset(&out);
	kc_app_container_health_log(&c, rb->b->k, rb->role, rb->version);
	if (kx_capture_once(rb->h, &c, &out, REMOTE_NO_RAISE | REMOTE_QUERY | REMOTE_QUIET) >= 0 &&
	    out.len && strcmp(out.buf, "null"))
		host_print(rb->h, "Its health check", out.buf, 0);
	strbuf_release(&id);
	strbuf_release(&out);
}

static int stop_version(struct role_boot *rb, const char *version)
{
	struct shcmd c = SHCMD_INIT;
	kc_app_stop(&c, rb->b->k, rb->role, version);
	return kx_run_once(rb->h, &c, REMOTE_NO_RAISE) < 0 ? -1 : 0;
}

static int stop_old_version(struct role_boot *rb, const char *old)
{
	struct shcmd c = SHCMD_INIT;

	if (stop_version(rb, old) < 0)
		return -1;
	if (config_role_assets(rb->b->k->cfg, rb->role)) {
		kc_app_clean_up_assets(&c, rb->b->k, rb->role);
		if (kx_run_once(rb->h, &c, 0) < 0)
			return -1;
	}
	if (config_get_str(rb->b->k->cfg, "error_pages_path")) {
		kc_app_clean_up_error_pages(&c, rb->b->k);
		if (kx_run_once(rb->h, &c, 0) < 0)
			return -1;
	}
	return 0;
}

/* After the rename check (old holds the running version): the rest of Boot#run. */
static int boot_role(struct role_boot *rb, const char *old)
{
	struct boot_run *b = rb->b;
	int gatekeeper = b->barrier.active && !strcmp(rb->role->name, b->primary_role);
	int queuer = b->barrier.active && !gatekeeper;
	int r = 0;

	if (queuer) {
		if (!b->ctx->quiet)
			host_say(rb->h, "Waiting for the first healthy %s container before booting %s...",
				 b->primary_role, rb->role->name);
		if (!barrier_wait(&b->barrier))
			return host_fail(rb->h, "First %s container is unhealthy, not booting %s",
					 b->primary_role, rb->role->name);
	}
	r = start_new_version(rb);
	if (r) {
		if (gatekeeper && barrier_set(&b->barrier, -1) && !b->ctx->quiet)
			host_say(rb->h, "First %s container is unhealthy, not booting any other roles",
				 b->primary_role);
		explain_failure(rb);
		stop_version(rb, rb->version);
		return -1;
	}
	if (gatekeeper && barrier_set(&b->barrier, 1) && !b->ctx->quiet)
		host_say(rb->h, "First %s container is healthy, booting any other roles",
			 b->primary_role);
	return *old ? stop_old_version(rb, old) : 0;
}

/* One role's boot on a host, in a thread of its own (boot.parallel_roles). */
struct role_thread {
	struct role_boot rb;
	const char *old;
};

static int boot_role_thread(struct host_session *h, const struct config_role *role, void *v)
{
	struct role_thread *t = v;
	(void)h;
	(void)role;
	return boot_role(&t->rb, t->old);
}

/*
 * With boot.parallel_roles, Kamal boots each role in a thread of its own
 * (on_roles): the host's roles at once, the others waiting at the barrier
 * while the primary one boots. berth checks every role's old container
 * first, then boots the roles in threads. A plan (dry run) stays in order,
 * to be read top to bottom.
 */
static int boot_roles_at_once(struct boot_run *b, struct host_session *h,
			      const struct strvec *roles, struct strbuf *old)
{
	struct role_thread *t = xcalloc(roles->nr ? roles->nr : 1, sizeof(*t));
	const struct config_role **rs = xcalloc(roles->nr ? roles->nr : 1, sizeof(*rs));
	void **data = xcalloc(roles->nr ? roles->nr : 1, sizeof(*data));
	int r;

	for (size_t i = 0; i < roles->nr; i++) {
		struct role_boot rb = { b, h, config_role(b->k->cfg, roles->v[i]), b->k->version };
		t[i].rb = rb;
		t[i].old = old[i].buf;
		rs[i] = rb.role;
		data[i] = &t[i];
	}
	r = app_roles_at_once(h, rs, roles->nr, boot_role_thread, data);
	free(data);
	free(rs);
	free(t);
	return r;
}

/*
 * Each role on the host in turn (Kamal's host-first on_roles), or with
 * boot.parallel_roles all at once, once every role's rename check is done.
 */
static int boot_host(struct host_session *h, void *data)
{
	struct boot_run *b = data;
	struct strvec roles = STRVEC_INIT;
	int parallel = ynode_truthy(config_get(b->k->cfg, "boot/parallel_roles"));
	/* A plan (dry run) is read top to bottom: its roles stay in order. */
	int threads = parallel && !remote_planned();
	struct strbuf *old;
	size_t checked = 0;
	int r = 0;

	cli_roles_on(b->ctx, host_name(h), &roles);
	old = xcalloc(roles.nr ? roles.nr : 1, sizeof(*old));
	for (size_t i = 0; i < roles.nr; i++)
		strbuf_init(&old[i], 0);
	/* Every role's check first with parallel_roles; else each just before its boot. */
	for (size_t i = 0; i < roles.nr && !r; i++) {
		for (; checked < roles.nr && !r && (parallel || checked <= i); checked++) {
			struct role_boot cb = { b, h, config_role(b->k->cfg, roles.v[checked]),
						b->k->version };
			r = old_version_renamed_if_clashing(&cb, &old[checked]);
		}
		if (r || threads)
			break;
		struct role_boot rb = { b, h, config_role(b->k->cfg, roles.v[i]), b->k->version };
		r = boot_role(&rb, old[i].buf);
	}
	if (!r && threads)
		r = boot_roles_at_once(b, h, &roles, old);
	/* A primary role that failed or never got to boot here must not hold the others. */
	if (r && strvec_find(&roles, b->primary_role) >= 0)
		barrier_set(&b->barrier, -1);
	for (size_t i = 0; i < roles.nr; i++)
		strbuf_release(&old[i]);
	free(old);
	strvec_clear(&roles);
	return r;
}

static int tag_host(struct host_session *h, void *data)
{
	struct boot_run *b = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf image = STRBUF_INIT, line = STRBUF_INIT;
	int r;

	config_image_ref(b->k->cfg, b->k->version, &image);
	strbuf_addf(&line, "Tagging %s as the latest image", image.buf);
	r = app_record(h, b->k, NULL, line.buf);
	if (!r) {
		kc_app_tag_latest_image(&c, b->k);
		r = kx_run_once(h, &c, 0);
	}
	strbuf_release(&image);
	strbuf_release(&line);
	return r;
}

/* ---- the groups ----------------------------------------------------- */

/* boot.limit: a number of hosts, or a percentage of all hosts (at least 1). */
static size_t boot_limit(struct config *cfg, size_t nhosts)
{
	const char *limit = config_get_str(cfg, "boot/limit");
	long n;

	if (!limit || !*limit)
		return nhosts;
	n = atol(limit);
	if (limit[strlen(limit) - 1] == '%') {
		n = (long)cfg->all_hosts.nr * n / 100;
		if (n < 1)
			n = 1;
	}
	return n > 0 ? (size_t)n : nhosts;
}

/* Whether the barrier is needed: the primary role and another one boot in this run. */
static int barrier_needed(struct cli_context *ctx, const char *primary,
			  const struct strvec *hosts)
{
	struct strvec roles = STRVEC_INIT;
	int found = 0, others = 0;

	for (size_t i = 0; i < hosts->nr; i++) {
		strvec_clear(&roles);
		cli_roles_on(ctx, hosts->v[i], &roles);
		for (size_t j = 0; j < roles.nr; j++) {
			if (primary && !strcmp(roles.v[j], primary))
				found = 1;
			else
				others = 1;
		}
	}
	strvec_clear(&roles);
	return found && others;
}

static int boot_group(struct boot_run *b, const struct strvec *group)
{
	char *list = strvec_join(group, ",");
	struct hook_extra extra = { 0, NULL, list };
	struct on_hosts_opts o = { "boot", 0, 0 };
	const char *wait = config_get_str(b->k->cfg, "boot/wait");
	int r = cli_run_hook(b->ctx, "pre-app-boot", &extra);

	if (!r)
		r = on_hosts(group, boot_host, b, &o);
	if (!r)
		r = cli_run_hook(b->ctx, "post-app-boot", &extra);
	if (!r && wait && atol(wait) > 0)
		r = remote_sleep((unsigned)atol(wait) * 1000);
	free(list);
	return r;
}

static int boot_version(struct cli_context *ctx, struct boot_run *b)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts prep = { "prepare", 0, 0 }, tag = { "tag latest", 0, 0 };
	size_t limit;
	int r;

	cli_app_hosts(ctx, &hosts);
	if (!ctx->quiet)
		log_info("Start container with version %s (or reboot if already running)...",
			 b->k->version);
	find_error_pages(b->k->cfg, &b->error_pages);
	b->barrier.active = barrier_needed(ctx, b->primary_role, &hosts);
	r = on_hosts(&hosts, prepare_host, b, &prep);
	limit = boot_limit(b->k->cfg, hosts.nr);
	for (size_t i = 0; i < hosts.nr && !r; i += limit) {
		struct strvec group = STRVEC_INIT;
		for (size_t j = i; j < hosts.nr && j < i + limit; j++)
			strvec_push(&group, hosts.v[j]);
		r = boot_group(b, &group);
		strvec_clear(&group);
	}
	if (!r)
		r = on_hosts(&hosts, tag_host, b, &tag);
	strvec_clear(&hosts);
	return r;
}

int cli_app_boot(struct cli_context *ctx, const char *version)
{
	struct kamal *k = cli_kamal(ctx);
	struct boot_run b = { ctx, k, cli_primary_role(ctx),
			      { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 },
			      STRVEC_INIT };
	struct strbuf latest = STRBUF_INIT;
	const char *saved = k->version;
	int r;

	if (!version && ctx->version) {
		version = ctx->version;
	} else if (!version) {
		if (!ctx->quiet)
			log_info("Get most recent version available as an image...");
		config_latest_tag(k->cfg, &latest);
		version = latest.buf;
	}
	if (cli_pre_connect(ctx) < 0)
		return -1;
	/* Kamal's using_version: the builders read the version being booted. */
	k->version = version;
	r = boot_version(ctx, &b);
	k->version = saved;
	strvec_clear(&b.error_pages);
	strbuf_release(&latest);
	return r;
}
