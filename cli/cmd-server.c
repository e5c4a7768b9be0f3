/*
 * cmd-server.c - `berth server bootstrap|exec`: Docker onto the hosts, and
 * a command on every selected host.
 */
#include "cli.h"
#include "cli/deploy.h"

#include <pthread.h>
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/bootstrap.h"
#include "commands/docker.h"
#include "commands/server.h"
#include "log.h"

struct bootstrap {
	struct kamal *k;
	struct strvec missing; /* hosts without Docker we could not install it on */
	pthread_mutex_t lock;
};

static int test(struct host_session *h, void (*build)(struct shcmd *))
{
	struct shcmd c = SHCMD_INIT;
	int status;
	build(&c);
	status = kx_run_flags(h, &c, REMOTE_QUERY | REMOTE_NO_RAISE);
	shcmd_clear(&c);
	return status;
}

static int bootstrap_host(struct host_session *h, void *data)
{
	struct bootstrap *b = data;
	int status = test(h, kc_docker_installed);

	if (status < 0)
		return -1;
	if (!status)
		return 0;
	status = test(h, kc_docker_superuser);
	if (status < 0)
		return -1;
	if (status) {
		pthread_mutex_lock(&b->lock);
		strvec_push(&b->missing, host_name(h));
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	host_say(h, "Docker is missing: installing it");
	if (kx_run_builder(h, kc_bootstrap_install_docker, 0) < 0)
		return -1;
	if (test(h, kc_docker_root) && test(h, kc_docker_in_docker_group)) {
		if (kx_run_builder(h, kc_docker_add_to_docker_group, 0) < 0)
			return -1;
		/* The session ends here on purpose: the next login has the group. */
		test(h, kc_docker_refresh_session);
	}
	return 0;
}

int cli_server_bootstrap(struct cli_context *ctx)
{
	struct bootstrap b = { cli_kamal(ctx), STRVEC_INIT, PTHREAD_MUTEX_INITIALIZER };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "bootstrap", 0, 0 };
	int r;

	cli_hosts(ctx, &hosts);
	r = on_hosts(&hosts, bootstrap_host, &b, &o);
	strvec_clear(&hosts);
	if (!r && b.missing.nr) {
		char *list = strvec_join(&b.missing, ", ");
		error("Docker is not installed on %s and can't be installed automatically without "
		      "root access (or sudo without a password). Install it by hand: "
		      "https://docs.docker.com/engine/install/", list);
		free(list);
		r = -1;
	}
	strvec_clear(&b.missing);
	if (!r)
		r = cli_run_hook(ctx, "docker-setup", NULL);
	return r ? -1 : 0;
}

static int server_bootstrap(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_server_bootstrap(ctx) ? 1 : 0;
}

struct exec_run {
	struct kamal *k;
	const char *cmd;
	int raw, quiet;
};

static int exec_host(struct host_session *h, void *data)
{
	struct exec_run *e = data;
	struct shcmd rec = SHCMD_INIT, c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_server_exec_record(&rec, e->k, e->cmd, host_shown(h));
	r = kx_run_flags(h, &rec, REMOTE_QUIET);
	shcmd_clear(&rec);
	if (!r) {
		kc_server_exec(&c, e->cmd);
		r = kx_capture(h, &c, &out, 0);
		shcmd_clear(&c);
	}
	if (!r && e->raw) {
		fwrite(out.buf, 1, out.len, stdout);
		fflush(stdout);
	} else if (!r) {
		strbuf_trim(&out);
		host_print(h, "App", out.buf, e->quiet);
	}
	strbuf_release(&out);
	return r;
}

static int server_exec(int argc, const char **argv, struct cli_context *ctx)
{
	struct exec_run e = { cli_kamal(ctx), NULL, cli_opt_bool(&ctx->args, "raw"), ctx->quiet };
	struct strvec hosts = STRVEC_INIT, words = STRVEC_INIT;
	struct strbuf cmd = STRBUF_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	char *list;
	int r;

	if (!ctx->args.positional.nr)
		die("'%s server exec' needs a command to run", ctx->program);
	if (e.raw && cli_opt_bool(&ctx->args, "interactive"))
		die("Raw is not compatible with interactive");
	/* Kamal::Utils.join_commands: each word stripped, joined with spaces. */
	for (size_t i = 0; i < ctx->args.positional.nr; i++) {
		struct strbuf w = STRBUF_INIT;
		strbuf_addstr(&w, ctx->args.positional.v[i]);
		strbuf_trim(&w);
		strbuf_addf(&cmd, "%s%s", i ? " " : "", w.buf);
		strbuf_release(&w);
	}
	e.cmd = cmd.buf;
	if (cli_pre_connect(ctx) < 0)
		return 1;
	if (cli_opt_bool(&ctx->args, "interactive")) {
		struct shcmd c = SHCMD_INIT;
		const char *host = cli_primary_host(ctx);
		if (!e.raw)
			log_info("Running '%s' on %s interactively...", e.cmd, host);
		kc_server_exec(&c, e.cmd);
		r = remote_exec_interactive(host, &c);
		shcmd_clear(&c);
		strbuf_release(&cmd);
		return r;
	}
	cli_hosts(ctx, &hosts);
	list = strvec_join(&hosts, ", ");
	if (!e.raw)
		log_info("Running '%s' on %s...", e.cmd, list);
	free(list);
	r = on_hosts(&hosts, exec_host, &e, &o);
	strvec_clear(&hosts);
	strvec_clear(&words);
	strbuf_release(&cmd);
	return r ? 1 : 0;
}

static const struct cli_option exec_options[] = {
	{ "interactive", 'i', CLI_OPT_BOOL, "Run it on the primary host with a terminal (for consoles and shells)", "false" },
	{ "raw", 0, CLI_OPT_BOOL, "Print each host's output exactly as it came, nothing added", "false" },
	CLI_OPTIONS_END
};

const struct cli_verb server_verbs[] = {
	{ "bootstrap", server_bootstrap, "bootstrap", "Install Docker on hosts that lack it, then run the docker-setup hook", NULL, CLI_REMOTE | CLI_LOCK },
	{ "exec", server_exec, "exec [CMD...]", "Run a shell command on every selected host and show what each printed", exec_options, CLI_REMOTE },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
