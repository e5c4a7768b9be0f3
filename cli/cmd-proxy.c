/*
 * cmd-proxy.c - `berth proxy boot|reboot|start|stop|restart|details|logs|
 * remove|boot_config`: the proxy container (named kamal-proxy, as Kamal
 * names it, so a host moves between Kamal and berth freely) on every host
 * of a role that runs the proxy.
 */
#include "cli.h"

#include <pthread.h>
#include "cli/exec.h"
#include "cli/hooks.h"
#include "cli/build.h"
#include "cli/proxy.h"
#include "commands/auditor.h"
#include "commands/docker.h"
#include "commands/proxy.h"
#include "commands/proxy-holder.h"
#include "commands/registry.h"
#include "commands/server.h"
#include "config/kamal-host.h"
#include "log.h"

#include <unistd.h>

struct proxy_run {
	struct cli_context *ctx;
	struct kamal *k;
	const char *record; /* audit line, or NULL */
	int reboot;
	int force;
	int others;         /* remove: hosts where other apps are installed */
	int with_holder;    /* stop/start: berth's port holder too (not for restart) */
	pthread_mutex_t lock;
};

static int record(struct host_session *h, struct kamal *k, const char *line)
{
	struct shcmd c = SHCMD_INIT;
	int r;
	kc_auditor_record(&c, k, NULL, line);
	r = kx_run_flags(h, &c, REMOTE_QUIET);
	shcmd_clear(&c);
	return r;
}

static int create_network(struct host_session *h, void *data)
{
	struct shcmd c = SHCMD_INIT;
	int status;
	kc_docker_create_network(&c);
	/* Already there is the usual answer after the first boot. */
	status = kx_run_flags(h, &c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	return status < 0 ? -1 : 0;
}

/* Kamal::Utils.older_version?: Gem::Version order, "v" dropped. */
static int older_version(const char *a, const char *b)
{
	if (*a == 'v')
		a++;
	if (*b == 'v')
		b++;
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y;
		while (*a && *a != '.')
			a++;
		while (*b && *b != '.')
			b++;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

static int boot_host(struct host_session *h, void *data)
{
	struct proxy_run *p = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf version = STRBUF_INIT;
	int r;

	if (cli_proxy_registry_login(p->ctx, h) < 0)
		return -1;
	kc_proxy_version(&c);
	r = kx_capture(h, &c, &version, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	strbuf_trim(&version);
	if (r >= 0 && version.len && older_version(version.buf, KAMAL_PROXY_MINIMUM_VERSION)) {
		r = host_fail(h, "kamal-proxy version %s is too old, run `%s proxy reboot` in order to "
			      "update to at least %s", version.buf, log_program(),
			      KAMAL_PROXY_MINIMUM_VERSION);
		strbuf_release(&version);
		return r;
	}
	strbuf_release(&version);
	if (r < 0 || kx_run_builder(h, kc_proxy_ensure_apps_config_directory, 0) < 0)
		return -1;
	return cli_proxy_boot_host(p->ctx, h);
}

static int all_hosts_network(struct cli_context *ctx)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "network", 0, 1 };
	int r;
	cli_hosts(ctx, &hosts);
	r = on_hosts(&hosts, create_network, NULL, &o);
	strvec_clear(&hosts);
	return r;
}

int cli_proxy_boot(struct cli_context *ctx)
{
	struct proxy_run p = { ctx, cli_kamal(ctx), NULL, 0, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "proxy boot", 0, 0 };
	int r;

	if (cli_proxy_check_settings(ctx) < 0 || cli_pre_connect(ctx) < 0 ||
	    all_hosts_network(ctx) < 0)
		return -1;
	cli_proxy_hosts(ctx, &hosts);
	r = on_hosts(&hosts, boot_host, &p, &o);
	strvec_clear(&hosts);
	return r;
}

static int proxy_boot(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_proxy_boot(ctx) ? 1 : 0;
}

static int reboot_host(struct host_session *h, void *data)
{
	struct proxy_run *p = data;

	if (record(h, p->k, "Rebooted proxy") < 0 || cli_proxy_registry_login(p->ctx, h) < 0 ||
	    kx_run_builder(h, kc_proxy_ensure_apps_config_directory, 0) < 0)
		return -1;
	return cli_proxy_reboot_host(p->ctx, h);
}

/* Kamal's confirming(): without -y there must be someone to ask. */
int cli_confirm(struct cli_context *ctx, const char *question)
{
	char answer[16];

	if (cli_opt_bool(&ctx->args, "confirmed"))
		return 1;
	if (!isatty(0))
		die("%s Nobody to ask (stdin is not a terminal): give -y to go ahead", question);
	printf("%s [y, N] ", question);
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "y\n")) {
		log_info("Aborted");
		return 0;
	}
	return 1;
}

static int proxy_reboot(int argc, const char **argv, struct cli_context *ctx)
{
	struct proxy_run p = { ctx, cli_kamal(ctx), NULL, 1, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "proxy reboot", 0, 0 };
	int rolling = cli_opt_bool(&ctx->args, "rolling"), r = 0;

	if (cli_proxy_check_settings(ctx) < 0)
		return 1;
	if (!cli_confirm(ctx, cli_proxy_reboot_question(ctx)))
		return 0;
	if (cli_acquire_lock(ctx, NULL) < 0)
		return 1;
	cli_proxy_hosts(ctx, &hosts);
	for (size_t i = 0; i < hosts.nr && !r; i += rolling ? 1 : hosts.nr) {
		struct strvec group = STRVEC_INIT;
		struct strbuf list = STRBUF_INIT;
		struct hook_extra extra = { 0, NULL, NULL };
		for (size_t j = i; j < hosts.nr && (!rolling || j == i); j++) {
			strvec_push(&group, hosts.v[j]);
			strbuf_addf(&list, "%s%s", list.len ? "," : "", hosts.v[j]);
		}
		extra.hosts = list.buf;
		r = cli_run_hook(ctx, "pre-proxy-reboot", &extra);
		if (!r)
			r = cli_pre_connect(ctx) < 0 ? -1 : on_hosts(&group, reboot_host, &p, &o);
		if (!r)
			r = cli_run_hook(ctx, "post-proxy-reboot", &extra);
		strvec_clear(&group);
		strbuf_release(&list);
	}
	strvec_clear(&hosts);
	if (cli_release_lock(ctx) < 0)
		r = -1;
	return r ? 1 : 0;
}

static int start_host(struct host_session *h, void *data)
{
	struct proxy_run *p = data;
	if (record(h, p->k, "Started proxy") < 0)
		return -1;
	if (p->with_holder && kx_run_builder(h, kc_proxy_holder_start, 0) < 0)
		return -1;
	return kx_run_builder(h, kc_proxy_start, 0);
}

static void stop_default(struct shcmd *c)
{
	kc_proxy_stop(c, NULL);
}

static int stop_host(struct host_session *h, void *data)
{
	struct proxy_run *p = data;
	if (record(h, p->k, "Stopped proxy") < 0)
		return -1;
	if (kx_run_builder(h, stop_default, REMOTE_NO_RAISE) < 0)
		return -1;
	return p->with_holder ? kx_run_builder(h, kc_proxy_holder_stop, 0) : 0;
}

static int on_proxy_hosts_with(struct cli_context *ctx, host_fn fn, const char *label,
			       int with_holder)
{
	struct proxy_run p = { ctx, cli_kamal(ctx), NULL, 0, 0, 0, with_holder,
			       PTHREAD_MUTEX_INITIALIZER };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { label, 0, 0 };
	int r;
	if (cli_pre_connect(ctx) < 0)
		return -1;
	cli_proxy_hosts(ctx, &hosts);
	r = on_hosts(&hosts, fn, &p, &o);
	strvec_clear(&hosts);
	return r;
}

static int on_proxy_hosts(struct cli_context *ctx, host_fn fn, const char *label)
{
	return on_proxy_hosts_with(ctx, fn, label, 0);
}

static int proxy_start(int argc, const char **argv, struct cli_context *ctx)
{
	return on_proxy_hosts_with(ctx, start_host, "proxy start", 1) ? 1 : 0;
}

static int proxy_stop(int argc, const char **argv, struct cli_context *ctx)
{
	return on_proxy_hosts_with(ctx, stop_host, "proxy stop", 1) ? 1 : 0;
}

/* The holder keeps the sockets meanwhile: clients wait, none is refused. */
static int proxy_restart(int argc, const char **argv, struct cli_context *ctx)
{
	if (on_proxy_hosts(ctx, stop_host, "proxy stop") < 0)
		return 1;
	return on_proxy_hosts(ctx, start_host, "proxy start") ? 1 : 0;
}

static int proxy_details(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_proxy_details(ctx) ? 1 : 0;
}

/* ---- remove ---- */

static int count_apps(struct host_session *h, void *data)
{
	struct proxy_run *p = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_server_app_directory_count(&c);
	r = kx_capture(h, &c, &out, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (r >= 0 && atoi(out.buf) > 0) {
		pthread_mutex_lock(&p->lock);
		p->others = 1;
		pthread_mutex_unlock(&p->lock);
	}
	strbuf_release(&out);
	return r < 0 ? -1 : 0;
}

static int remove_container_host(struct host_session *h, void *data)
{
	struct proxy_run *p = data;
	if (record(h, p->k, "Removed proxy container") < 0)
		return -1;
	/* berth's port holder goes with the proxy, before the image can. */
	if (kx_run_builder(h, kc_proxy_remove_container, 0) < 0)
		return -1;
	return kx_run_builder(h, kc_proxy_holder_remove, 0);
}

static int remove_image_host(struct host_session *h, void *data)
{
	struct proxy_run *p = data;
	if (record(h, p->k, "Removed proxy image") < 0)
		return -1;
	return kx_run_builder(h, kc_proxy_remove_image, 0);
}

static int remove_dir_host(struct host_session *h, void *data)
{
	return kx_run_builder(h, kc_proxy_remove_proxy_directory, REMOTE_NO_RAISE) < 0 ? -1 : 0;
}

int cli_proxy_remove(struct cli_context *ctx, int force)
{
	struct proxy_run p = { ctx, cli_kamal(ctx), NULL, 0, force, 0, 0, PTHREAD_MUTEX_INITIALIZER };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts q = { NULL, 0, 1 };
	int r;

	if (cli_pre_connect(ctx) < 0)
		return -1;
	cli_proxy_hosts(ctx, &hosts);
	r = on_hosts(&hosts, count_apps, &p, &q);
	strvec_clear(&hosts);
	if (r < 0)
		return -1;
	if (p.others && !force) {
		log_info("Not removing the proxy, as other apps are installed; ignore this check "
			 "with '%s proxy remove --force'", log_program());
		return 0;
	}
	if (p.others)
		log_info("Forcing, so removing the proxy, even though other apps are installed");
	if (on_proxy_hosts(ctx, stop_host, "proxy stop") < 0 ||
	    on_proxy_hosts(ctx, remove_container_host, "proxy remove container") < 0 ||
	    on_proxy_hosts(ctx, remove_image_host, "proxy remove image") < 0 ||
	    on_proxy_hosts(ctx, remove_dir_host, "proxy remove directory") < 0)
		return -1;
	return 0;
}

static int proxy_remove(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_proxy_remove(ctx, cli_opt_bool(&ctx->args, "force")) ? 1 : 0;
}

/* ---- logs ---- */

int cli_proxy_follow(struct cli_context *ctx, const struct kc_logs_options *o)
{
	struct strvec hosts = STRVEC_INIT;
	struct shcmd c = SHCMD_INIT;
	int r;

	/* Kamal follows from the last 10 lines on one host; berth on every selected one. */
	shcmd_addl(&c, "docker", "logs", KAMAL_PROXY_CONTAINER, NULL);
	if (o->timestamps)
		shcmd_add(&c, "--timestamps");
	shcmd_addl(&c, "--tail", o->lines ? o->lines : "10", "--follow", NULL);
	shcmd_add_shell(&c, "2>&1");
	if (o->grep) {
		/* No terminal here: grep must not hold lines back in its buffer. */
		shcmd_add_shell(&c, "|");
		shcmd_addl(&c, "grep", "--line-buffered", o->grep, NULL);
	}
	cli_proxy_hosts(ctx, &hosts);
	if (!ctx->quiet) {
		char *list = strvec_join(&hosts, ", ");
		log_info("Following the proxy's logs on %s (Ctrl-C to stop)...", list);
		free(list);
	}
	r = remote_stream(&hosts, &c);
	shcmd_clear(&c);
	strvec_clear(&hosts);
	return r ? 1 : 0;
}

struct logs {
	struct kc_logs_options o;
};

static int logs_host(struct host_session *h, void *data)
{
	struct logs *l = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_proxy_logs(&c, &l->o);
	r = kx_capture(h, &c, &out, 0);
	shcmd_clear(&c);
	if (!r)
		host_print(h, "Proxy", out.buf, 0);
	strbuf_release(&out);
	return r;
}

static int proxy_logs(int argc, const char **argv, struct cli_context *ctx)
{
	struct logs l = { { 0 } };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	const char *lines = cli_opt_str(&ctx->args, "lines");
	int r;

	l.o.timestamps = !cli_opt_bool(&ctx->args, "skip-timestamps");
	l.o.since = cli_opt_str(&ctx->args, "since");
	l.o.grep = cli_opt_str(&ctx->args, "grep");
	l.o.lines = lines ? lines : (l.o.since || l.o.grep) ? NULL : "100";
	if (cli_pre_connect(ctx) < 0)
		return 1;
	if (cli_opt_bool(&ctx->args, "follow"))
		return cli_proxy_follow(ctx, &l.o);
	cli_proxy_hosts(ctx, &hosts);
	r = on_hosts(&hosts, logs_host, &l, &o);
	strvec_clear(&hosts);
	return r ? 1 : 0;
}

static const struct cli_option reboot_options[] = {
	{ "rolling", 0, CLI_OPT_BOOL, "One host after another instead of all at once", "false" },
	{ "confirmed", 'y', CLI_OPT_BOOL, "Go ahead without asking", "false" },
	CLI_OPTIONS_END
};

static const struct cli_option logs_options[] = {
	{ "since", 's', CLI_OPT_STRING, "Only lines since a time (2013-01-02T13:23:37Z) or a span (42m)", NULL },
	{ "lines", 'n', CLI_OPT_NUMBER, "How many lines from each host (default 100, unless --since or --grep)", NULL },
	{ "grep", 'g', CLI_OPT_STRING, "Only lines matching this (a request id, say)", NULL },
	{ "follow", 'f', CLI_OPT_BOOL, "Keep printing new lines from every selected host, each line marked with its host, until Ctrl-C", "false" },
	{ "skip-timestamps", 'T', CLI_OPT_BOOL, "Leave out Docker's timestamps", "false" },
	CLI_OPTIONS_END
};

static const struct cli_option remove_options[] = {
	{ "force", 0, CLI_OPT_BOOL, "Remove it even while other apps on the host use it", "false" },
	CLI_OPTIONS_END
};

const struct cli_verb proxy_verbs[] = {
	{ "boot", proxy_boot, "boot", "Start the proxy on every proxy host (it is kept running across deploys)", NULL, CLI_REMOTE | CLI_LOCK },
	{ "boot_config", cli_proxy_boot_config, "boot_config <set|get|reset>", "Set, show or reset the proxy's boot options kept on the hosts (deprecated: use proxy/run)", proxy_boot_config_options, CLI_REMOTE },
	{ "details", proxy_details, "details", "Show the proxy container on each host", NULL, CLI_REMOTE },
	{ "logs", proxy_logs, "logs", "Show the proxy's log lines from each host", logs_options, CLI_REMOTE },
	{ "reboot", proxy_reboot, "reboot", "Replace the proxy container on each host with a fresh one", reboot_options, CLI_REMOTE },
	{ "remove", proxy_remove, "remove", "Remove the proxy's container, image and settings from each host", remove_options, CLI_REMOTE | CLI_LOCK },
	{ "restart", proxy_restart, "restart", "Stop and start the proxy container on each host", NULL, CLI_REMOTE | CLI_LOCK },
	{ "start", proxy_start, "start", "Start the existing proxy container on each host", NULL, CLI_REMOTE | CLI_LOCK },
	{ "stop", proxy_stop, "stop", "Stop the proxy container on each host", NULL, CLI_REMOTE | CLI_LOCK },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
