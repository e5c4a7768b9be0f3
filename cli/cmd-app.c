/*
 * cmd-app.c - `berth app VERB`: start, stop, inspect and remove the app's
 * containers on its hosts, one role at a time on each host, as Kamal's
 * Cli::App does (exec and logs are in cmd-app-exec.c, boot in app-boot.c).
 *
 * Every verb sends Kamal's own commands (commands/app.h) in Kamal's order
 * on each host, so a host moves between Kamal and berth freely.
 */
#include "cli/app.h"
#include "cli/app-verbs.h"

#include <pthread.h>
#include "cli/commands.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/app.h"
#include "commands/auditor.h"
#include "commands/server.h"
#include "config/kamal-app.h"
#include "log.h"

/* ---- what the verbs share ---- */

struct roles_step {
	struct cli_context *ctx;
	struct config *cfg;
	app_role_fn fn;
	void *data;
	int parallel;
};

/* One role of a host in a thread of its own (boot.parallel_roles). */
struct role_call {
	app_role_fn fn;
	struct host_session *h;
	const struct config_role *role;
	void *data;
	int r;
};

static void *role_thread(void *v)
{
	struct role_call *t = v;
	t->r = t->fn(t->h, t->role, t->data);
	return NULL;
}

int app_roles_at_once(struct host_session *h, const struct config_role *const *roles, size_t n,
		      app_role_fn fn, void *const *data)
{
	struct role_call *t = xcalloc(n ? n : 1, sizeof(*t));
	pthread_t *th = xcalloc(n ? n : 1, sizeof(*th));
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		t[i] = (struct role_call){ fn, h, roles[i], data[i], 0 };
		if (pthread_create(&th[i], NULL, role_thread, &t[i]))
			die("cannot start a thread for the role %s", roles[i]->name);
	}
	for (size_t i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (t[i].r < 0)
			r = -1;
	}
	free(th);
	free(t);
	return r;
}

/* Every role of the host at once, each given the step's data. */
static int roles_at_once(struct roles_step *s, struct host_session *h, const struct strvec *roles)
{
	const struct config_role **rs = xcalloc(roles->nr, sizeof(*rs));
	void **data = xcalloc(roles->nr, sizeof(*data));
	int r;

	for (size_t i = 0; i < roles->nr; i++) {
		rs[i] = config_role(s->cfg, roles->v[i]);
		data[i] = s->data;
	}
	r = app_roles_at_once(h, rs, roles->nr, s->fn, data);
	free(rs);
	free(data);
	return r;
}

static int roles_host(struct host_session *h, void *data)
{
	struct roles_step *s = data;
	struct strvec roles = STRVEC_INIT;
	int r = 0;

	cli_roles_on(s->ctx, host_name(h), &roles);
	/* A plan (dry run) is read top to bottom: its roles stay in order. */
	if (s->parallel && roles.nr > 1 && !remote_planned())
		r = roles_at_once(s, h, &roles);
	else
		for (size_t i = 0; i < roles.nr && !r; i++)
			r = s->fn(h, config_role(s->cfg, roles.v[i]), s->data);
	strvec_clear(&roles);
	return r < 0 ? -1 : 0;
}

static int on_roles(struct cli_context *ctx, const struct strvec *hosts, app_role_fn fn,
		    void *data, const char *label, int parallel)
{
	struct roles_step s = { ctx, cli_load_config(ctx), fn, data, parallel };
	struct on_hosts_opts o = { label, 0, !label };

	/* The selection is made here, before the hosts' threads read it. */
	cli_primary_role(ctx);
	if (cli_pre_connect(ctx) < 0)
		return -1;
	return on_hosts(hosts, roles_host, &s, &o);
}

int app_on_roles(struct cli_context *ctx, const struct strvec *hosts, app_role_fn fn,
		 void *data, const char *label)
{
	return on_roles(ctx, hosts, fn, data, label, 0);
}

/*
 * app_on_roles over the selected app hosts; parallel: the verb takes a
 * host's roles at once when boot.parallel_roles says so (Kamal's start
 * and stop).
 */
static int on_app_roles(struct cli_context *ctx, app_role_fn fn, void *data, const char *label,
			int parallel)
{
	struct strvec hosts = STRVEC_INIT;
	int at_once = parallel && ynode_truthy(config_get(cli_load_config(ctx), "boot/parallel_roles"));
	int r;

	cli_app_hosts(ctx, &hosts);
	r = on_roles(ctx, &hosts, fn, data, label, at_once);
	strvec_clear(&hosts);
	return r;
}

int app_record(struct host_session *h, struct kamal *k, const char *role, const char *line)
{
	struct shcmd c = SHCMD_INIT;
	int r;
	kc_auditor_record(&c, k, role, line);
	r = kx_run_flags(h, &c, REMOTE_QUIET);
	shcmd_clear(&c);
	return r;
}

/* The audit line "text" followed by what it is about. */
static int app_record_about(struct host_session *h, struct kamal *k, const char *role,
			    const char *text, const char *about)
{
	struct strbuf line = STRBUF_INIT;
	int r;
	strbuf_addf(&line, "%s%s", text, about);
	r = app_record(h, k, role, line.buf);
	strbuf_release(&line);
	return r;
}

/* Runs what build made on h; flags as kx_run_flags. */
static int run_cmd(struct host_session *h, struct shcmd *c, unsigned flags)
{
	return kx_run_once(h, c, flags) < 0 ? -1 : 0;
}

/* Captures c on h, stripped; with REMOTE_NO_RAISE a failing command still answers. */
static int capture_cmd(struct host_session *h, struct shcmd *c, unsigned flags,
		       struct strbuf *out)
{
	return kx_capture_once(h, c, out, flags) < 0 ? -1 : 0;
}

int app_current_running_version(struct host_session *h, const struct kamal *k,
				const struct config_role *role, unsigned flags,
				struct strbuf *out)
{
	struct shcmd c = SHCMD_INIT;
	kc_app_current_running_version(&c, k, role);
	return capture_cmd(h, &c, flags, out);
}

struct running {
	struct cli_context *ctx;
	struct strbuf version;
};

static int running_on_primary(struct host_session *h, void *data)
{
	struct running *rv = data;
	struct strvec roles = STRVEC_INIT;
	int r;

	cli_roles_on(rv->ctx, host_name(h), &roles);
	if (!roles.nr)
		r = host_fail(h, "no selected role runs on %s", host_shown(h));
	else
		r = app_current_running_version(h, cli_kamal(rv->ctx),
						config_role(cli_load_config(rv->ctx), roles.v[0]),
						0, &rv->version);
	strvec_clear(&roles);
	return r;
}

char *app_primary_running_version(struct cli_context *ctx)
{
	struct running rv = { ctx, STRBUF_INIT };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	const char *primary = cli_primary_host(ctx);

	if (!primary)
		die("no primary host: the selection has no app host");
	strvec_push(&hosts, primary);
	if (cli_pre_connect(ctx) < 0 || on_hosts(&hosts, running_on_primary, &rv, &o) < 0)
		exit(1);
	strvec_clear(&hosts);
	if (!rv.version.len) {
		strbuf_release(&rv.version);
		return NULL;
	}
	return strbuf_detach(&rv.version, NULL);
}

char *app_version_or_latest(struct cli_context *ctx)
{
	struct strbuf tag = STRBUF_INIT;
	if (ctx->version)
		return xstrdup(ctx->version);
	config_latest_tag(cli_load_config(ctx), &tag);
	return strbuf_detach(&tag, NULL);
}

/* ---- start, stop ---- */

static int start_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct kamal *k = data;
	struct strbuf version = STRBUF_INIT, endpoint = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	int r;

	if (app_record_about(h, k, NULL, "Started app version ", k->version) < 0)
		return -1;
	kc_app_start(&c, k, role);
	if (run_cmd(h, &c, REMOTE_NO_RAISE) < 0)
		return -1;
	if (!role->running_proxy)
		return 0;
	r = app_current_running_version(h, k, role, REMOTE_NO_RAISE, &version);
	if (!r) {
		kc_app_container_id_for_version(&c, k, role, version.buf, 0);
		r = capture_cmd(h, &c, 0, &endpoint);
	}
	if (!r && !endpoint.len)
		r = host_fail(h, "Failed to get endpoint for %s on %s, did the container boot?",
			      role->name, host_shown(h));
	if (!r) {
		kc_app_deploy(&c, k, role, endpoint.buf);
		r = run_cmd(h, &c, 0);
	}
	strbuf_release(&version);
	strbuf_release(&endpoint);
	return r;
}

static int app_start(int argc, const char **argv, struct cli_context *ctx)
{
	return on_app_roles(ctx, start_role, cli_kamal(ctx), "app start", 1) ? 1 : 0;
}

/* Out of the proxy first (when it routes to the running container), then stopped. */
static int stop_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct kamal *k = data;
	struct strbuf version = STRBUF_INIT, endpoint = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	int r;

	if (app_record(h, k, role->name, "Stopped app") < 0)
		return -1;
	r = 0;
	if (role->running_proxy) {
		r = app_current_running_version(h, k, role, REMOTE_NO_RAISE, &version);
		if (!r) {
			kc_app_container_id_for_version(&c, k, role, version.buf, 0);
			r = capture_cmd(h, &c, 0, &endpoint);
		}
		if (!r && endpoint.len) {
			kc_app_remove(&c, k, role);
			r = run_cmd(h, &c, REMOTE_NO_RAISE);
		}
	}
	strbuf_release(&version);
	strbuf_release(&endpoint);
	if (r < 0)
		return -1;
	kc_app_stop(&c, k, role, NULL);
	return run_cmd(h, &c, REMOTE_NO_RAISE);
}

static int app_stop(int argc, const char **argv, struct cli_context *ctx)
{
	return on_app_roles(ctx, stop_role, cli_kamal(ctx), "app stop", 1) ? 1 : 0;
}

/* ---- what is on the hosts ---- */

struct show {
	struct cli_context *ctx;
	struct kamal *k;
	void (*build)(struct shcmd *out, const struct kamal *k, const struct config_role *role);
};

static int show_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct show *s = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	s->build(&c, s->k, role);
	r = capture_cmd(h, &c, 0, &out);
	if (!r)
		host_print(h, "App", out.buf, s->ctx->quiet);
	strbuf_release(&out);
	return r;
}

/* Once per host, for the host's first selected role (NULL when the command has none). */
static int show_host(struct host_session *h, void *data)
{
	struct show *s = data;
	struct strvec roles = STRVEC_INIT;
	int r;

	cli_roles_on(s->ctx, host_name(h), &roles);
	if (!roles.nr)
		r = host_fail(h, "no selected role runs on %s", host_shown(h));
	else
		r = show_role(h, config_role(s->k->cfg, roles.v[0]), s);
	strvec_clear(&roles);
	return r;
}

static int on_app_hosts(struct cli_context *ctx, host_fn fn, void *data, const char *label)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { label, 0, !label };
	int r;

	cli_app_hosts(ctx, &hosts);
	cli_primary_role(ctx);
	r = cli_pre_connect(ctx) < 0 ? -1 : on_hosts(&hosts, fn, data, &o);
	strvec_clear(&hosts);
	return r;
}

static int app_details(int argc, const char **argv, struct cli_context *ctx)
{
	struct show s = { ctx, cli_kamal(ctx), kc_app_info };
	return on_app_roles(ctx, show_role, &s, NULL, 0) ? 1 : 0;
}

static void list_containers(struct shcmd *out, const struct kamal *k,
			    const struct config_role *role)
{
	kc_app_list_containers(out, k, NULL);
}

static void list_images(struct shcmd *out, const struct kamal *k, const struct config_role *role)
{
	kc_app_list_images(out, k);
}

static int app_containers(int argc, const char **argv, struct cli_context *ctx)
{
	struct show s = { ctx, cli_kamal(ctx), list_containers };
	return on_app_hosts(ctx, show_host, &s, NULL) ? 1 : 0;
}

static int app_images(int argc, const char **argv, struct cli_context *ctx)
{
	struct show s = { ctx, cli_kamal(ctx), list_images };
	return on_app_hosts(ctx, show_host, &s, NULL) ? 1 : 0;
}

static int app_version(int argc, const char **argv, struct cli_context *ctx)
{
	struct show s = { ctx, cli_kamal(ctx), kc_app_current_running_version };
	return on_app_hosts(ctx, show_host, &s, NULL) ? 1 : 0;
}

/* ---- stale containers ---- */

struct stale {
	struct cli_context *ctx;
	struct kamal *k;
	int stop;
};

/* The role's versions on h but the running one, as Kamal's Array#- (every copy goes). */
static int stale_versions(struct host_session *h, const struct kamal *k,
			  const struct config_role *role, struct strvec *out)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf list = STRBUF_INIT, running = STRBUF_INIT;
	int r;

	kc_app_list_versions(&c, k, role, NULL, NULL);
	r = kx_capture(h, &c, &list, REMOTE_NO_RAISE) < 0 ? -1 : 0;
	shcmd_clear(&c);
	if (!r)
		r = app_current_running_version(h, k, role, REMOTE_NO_RAISE, &running);
	for (char *line = list.buf, *end; !r && line < list.buf + list.len; line = end + 1) {
		end = memchr(line, '\n', list.buf + list.len - line);
		if (!end)
			end = list.buf + list.len;
		*end = '\0';
		if (strcmp(line, running.buf))
			strvec_push(out, line);
	}
	/* Ruby's split drops the empty lines at the end only. */
	while (out->nr && !*out->v[out->nr - 1])
		strvec_pop(out);
	strbuf_release(&list);
	strbuf_release(&running);
	return r;
}

static int stale_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct stale *s = data;
	struct strvec versions = STRVEC_INIT;
	struct strbuf msg = STRBUF_INIT;
	int r = stale_versions(h, s->k, role, &versions);

	for (size_t i = 0; i < versions.nr && !r; i++) {
		struct shcmd c = SHCMD_INIT;
		strbuf_reset(&msg);
		if (!s->stop) {
			strbuf_addf(&msg, "Detected stale container for role %s with version %s "
				    "(use `%s app stale_containers --stop` to stop)",
				    role->name, versions.v[i], log_program());
			host_print(h, "App", msg.buf, s->ctx->quiet);
			continue;
		}
		strbuf_addf(&msg, "Stopping stale container for role %s with version %s",
			    role->name, versions.v[i]);
		host_print(h, "App", msg.buf, s->ctx->quiet);
		kc_app_stop(&c, s->k, role, versions.v[i]);
		r = run_cmd(h, &c, REMOTE_NO_RAISE);
	}
	strbuf_release(&msg);
	strvec_clear(&versions);
	return r;
}

int cli_app_stale_containers(struct cli_context *ctx, int stop)
{
	struct stale s = { ctx, cli_kamal(ctx), stop };
	return on_app_roles(ctx, stale_role, &s, stop ? "stop stale containers" : NULL, 0);
}

/* Kamal's with_lock_if_stopping: only --stop changes the hosts. */
static int app_stale_containers(int argc, const char **argv, struct cli_context *ctx)
{
	int stop = cli_opt_bool(&ctx->args, "stop"), r;

	if (stop && cli_acquire_lock(ctx, NULL) < 0)
		return 1;
	r = cli_app_stale_containers(ctx, stop);
	if (stop && cli_release_lock(ctx) < 0)
		r = -1;
	return r ? 1 : 0;
}

/* ---- the proxy's view of the app: live, maintenance ---- */

struct proxy_mode {
	struct kamal *k;
	const char *drain_timeout, *message;
	int maintenance;
};

static int proxy_mode_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct proxy_mode *p = data;
	struct shcmd c = SHCMD_INIT;

	if (!role->running_proxy)
		return 0;
	if (p->maintenance)
		kc_app_maintenance(&c, p->k, role, p->drain_timeout, p->message);
	else
		kc_app_live(&c, p->k, role);
	return run_cmd(h, &c, 0);
}

static int on_proxy_roles(struct cli_context *ctx, struct proxy_mode *p, const char *label)
{
	struct strvec hosts = STRVEC_INIT;
	int r;
	cli_proxy_hosts(ctx, &hosts);
	r = app_on_roles(ctx, &hosts, proxy_mode_role, p, label);
	strvec_clear(&hosts);
	return r;
}

static int app_live(int argc, const char **argv, struct cli_context *ctx)
{
	struct proxy_mode p = { cli_kamal(ctx), NULL, NULL, 0 };
	return on_proxy_roles(ctx, &p, "app live") ? 1 : 0;
}

static int app_maintenance(int argc, const char **argv, struct cli_context *ctx)
{
	struct proxy_mode p = { cli_kamal(ctx), cli_opt_str(&ctx->args, "drain-timeout"),
				cli_opt_str(&ctx->args, "message"), 1 };
	struct strbuf dflt = STRBUF_INIT, err = STRBUF_INIT;
	long n;
	int r;

	if (cli_opt_num(&ctx->args, "drain-timeout", 0, &n, &err) < 0)
		die("%s", err.buf);
	if (!p.drain_timeout) {
		config_seconds(p.k->cfg, "drain_timeout", "30", &dflt);
		p.drain_timeout = dflt.buf;
	}
	r = on_proxy_roles(ctx, &p, "app maintenance");
	strbuf_release(&dflt);
	return r ? 1 : 0;
}

/* ---- remove ---- */

static int remove_container_role(struct host_session *h, const struct config_role *role,
				 void *data)
{
	struct stale *s = data;
	const char *version = s->ctx->args.positional.v[0];
	struct shcmd c = SHCMD_INIT;

	if (app_record_about(h, s->k, role->name, "Removed app container with version ",
			     version) < 0)
		return -1;
	kc_app_remove_container(&c, s->k, role, version);
	return run_cmd(h, &c, 0);
}

static int app_remove_container(int argc, const char **argv, struct cli_context *ctx)
{
	struct stale s = { ctx, cli_kamal(ctx), 0 };
	if (ctx->args.positional.nr != 1)
		die("'%s app remove_container' takes the VERSION whose containers to remove",
		    ctx->program);
	return on_app_roles(ctx, remove_container_role, &s, "app remove container", 0) ? 1 : 0;
}

static int remove_containers_role(struct host_session *h, const struct config_role *role,
				  void *data)
{
	struct kamal *k = data;
	struct shcmd c = SHCMD_INIT;

	if (app_record(h, k, role->name, "Removed all app containers") < 0)
		return -1;
	kc_app_remove_containers(&c, k, role);
	return run_cmd(h, &c, 0);
}

static int remove_containers(struct cli_context *ctx)
{
	return on_app_roles(ctx, remove_containers_role, cli_kamal(ctx), "app remove containers", 0);
}

/*
 * Kamal's hosts_removing_all_roles: the app hosts where every role the
 * config puts there is selected. Images and directories are shared by
 * the roles of a host, so a host keeping a role keeps them.
 */
static void hosts_removing_all_roles(struct cli_context *ctx, struct strvec *out)
{
	struct config *cfg = cli_load_config(ctx);
	struct strvec hosts = STRVEC_INIT;

	cli_app_hosts(ctx, &hosts);
	for (size_t i = 0; i < hosts.nr; i++) {
		struct strvec selected = STRVEC_INIT;
		size_t all = 0;
		for (size_t j = 0; j < cfg->roles_nr; j++)
			all += strvec_find(&cfg->roles[j].hosts, hosts.v[i]) >= 0;
		cli_roles_on(ctx, hosts.v[i], &selected);
		if (selected.nr == all)
			strvec_push(out, hosts.v[i]);
		strvec_clear(&selected);
	}
	strvec_clear(&hosts);
}

static int remove_images_host(struct host_session *h, void *data)
{
	struct kamal *k = data;
	struct shcmd c = SHCMD_INIT;

	if (app_record(h, k, NULL, "Removed all app images") < 0)
		return -1;
	kc_app_remove_images(&c, k);
	return run_cmd(h, &c, 0);
}

static int remove_directories_host(struct host_session *h, void *data)
{
	struct kamal *k = data;
	struct strbuf dir = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	int r;

	kc_server_remove_app_directory(&c, k);
	if (run_cmd(h, &c, REMOTE_NO_RAISE) < 0)
		return -1;
	config_app_directory(k->cfg, &dir);
	r = app_record_about(h, k, NULL, "Removed ", dir.buf);
	strbuf_release(&dir);
	if (r < 0)
		return -1;
	kc_app_remove_proxy_app_directory(&c, k);
	return run_cmd(h, &c, REMOTE_NO_RAISE);
}

static int on_hosts_removing_all_roles(struct cli_context *ctx, host_fn fn, const char *label)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { label, 0, 0 };
	int r;

	hosts_removing_all_roles(ctx, &hosts);
	r = cli_pre_connect(ctx) < 0 ? -1 : on_hosts(&hosts, fn, cli_kamal(ctx), &o);
	strvec_clear(&hosts);
	return r;
}

int cli_app_remove(struct cli_context *ctx)
{
	if (on_app_roles(ctx, stop_role, cli_kamal(ctx), "app stop", 1) < 0 ||
	    remove_containers(ctx) < 0 ||
	    on_hosts_removing_all_roles(ctx, remove_images_host, "app remove images") < 0 ||
	    on_hosts_removing_all_roles(ctx, remove_directories_host, "app remove directories") < 0)
		return -1;
	return 0;
}

static int app_remove(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_app_remove(ctx) ? 1 : 0;
}

static int app_remove_containers(int argc, const char **argv, struct cli_context *ctx)
{
	return remove_containers(ctx) ? 1 : 0;
}

static int app_remove_images(int argc, const char **argv, struct cli_context *ctx)
{
	return on_hosts_removing_all_roles(ctx, remove_images_host, "app remove images") ? 1 : 0;
}

static int app_remove_app_directories(int argc, const char **argv, struct cli_context *ctx)
{
	return on_hosts_removing_all_roles(ctx, remove_directories_host,
					   "app remove directories") ? 1 : 0;
}

/* ---- rollback's question ---- */

struct available {
	struct kamal *k;
	const char *version;
	pthread_mutex_t lock;
	struct strbuf missing; /* the first host and role without it */
};

static int available_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct available *a = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf id = STRBUF_INIT;
	int r;

	kc_app_container_id_for_version(&c, a->k, role, a->version, 0);
	r = capture_cmd(h, &c, 0, &id);
	if (!r && !id.len) {
		pthread_mutex_lock(&a->lock);
		if (!a->missing.len)
			strbuf_addf(&a->missing, "on %s for role %s", host_shown(h), role->name);
		pthread_mutex_unlock(&a->lock);
		/* As Kamal's raise: this host's other roles are not looked at. */
		r = 1;
	}
	strbuf_release(&id);
	return r;
}

int cli_app_container_available(struct cli_context *ctx, const char *version)
{
	struct available a = { cli_kamal(ctx), version, PTHREAD_MUTEX_INITIALIZER, STRBUF_INIT };
	int r = on_app_roles(ctx, available_role, &a, NULL, 0);

	if (r < 0) {
		strbuf_release(&a.missing);
		return -1;
	}
	if (a.missing.len) {
		log_info("Error looking for container version %s: Container not found %s", version,
			 a.missing.buf);
		strbuf_release(&a.missing);
		return 0;
	}
	return 1;
}

/* ---- the table ---- */

static int app_boot(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_app_boot(ctx, NULL) ? 1 : 0;
}

static const struct cli_option stale_options[] = {
	{ "stop", 's', CLI_OPT_BOOL, "Stop the stale containers, rather than only list them", "false" },
	CLI_OPTIONS_END
};

static const struct cli_option maintenance_options[] = {
	{ "drain-timeout", 0, CLI_OPT_NUMBER, "Seconds in-flight requests get to finish (default: drain_timeout of the config)", NULL },
	{ "message", 0, CLI_OPT_STRING, "What clients are shown while the app is down", NULL },
	CLI_OPTIONS_END
};

const struct cli_verb app_verbs[] = {
	{ "boot", app_boot, "boot", "Boot the app's containers on every host (replacing the running ones)", NULL, CLI_REMOTE | CLI_LOCK },
	{ "containers", app_containers, "containers", "Show the app's containers on each host", NULL, CLI_REMOTE },
	{ "details", app_details, "details", "Show each role's containers on each host", NULL, CLI_REMOTE },
	{ "exec", app_exec, "exec [CMD...]", "Run a command in a new (or the running) app container on the hosts", app_exec_options, CLI_REMOTE },
	{ "images", app_images, "images", "Show the app's images on each host", NULL, CLI_REMOTE },
	{ "live", app_live, "live", "Let the proxy send requests to the app again", NULL, CLI_REMOTE | CLI_LOCK },
	{ "logs", app_logs, "logs", "Show the app containers' log lines from each host", app_logs_options, CLI_REMOTE },
	{ "maintenance", app_maintenance, "maintenance", "Have the proxy answer for the app with a maintenance page", maintenance_options, CLI_REMOTE | CLI_LOCK },
	{ "remove", app_remove, "remove", "Stop the app and remove its containers, images and directories from the hosts", NULL, CLI_REMOTE | CLI_LOCK },
	{ "remove_app_directories", app_remove_app_directories, "remove_app_directories", "Remove the app's directories from the hosts", NULL, CLI_REMOTE | CLI_LOCK | CLI_HIDDEN },
	{ "remove_container", app_remove_container, "remove_container VERSION", "Remove the containers of one version from the hosts", NULL, CLI_REMOTE | CLI_LOCK | CLI_HIDDEN },
	{ "remove_containers", app_remove_containers, "remove_containers", "Remove all the app's containers from the hosts", NULL, CLI_REMOTE | CLI_LOCK | CLI_HIDDEN },
	{ "remove_images", app_remove_images, "remove_images", "Remove all the app's images from the hosts", NULL, CLI_REMOTE | CLI_LOCK | CLI_HIDDEN },
	{ "stale_containers", app_stale_containers, "stale_containers", "List running containers of versions other than the current one (or stop them)", stale_options, CLI_REMOTE },
	{ "start", app_start, "start", "Start the existing app containers and route the proxy to them", NULL, CLI_REMOTE | CLI_LOCK },
	{ "stop", app_stop, "stop", "Take the app out of the proxy and stop its containers", NULL, CLI_REMOTE | CLI_LOCK },
	{ "version", app_version, "version", "Show the app version running on each host", NULL, CLI_REMOTE },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
