/*
 * cmd-accessory-exec.c - `berth accessory logs NAME` and `accessory exec
 * NAME CMD...`: reading an accessory's log and running a command in (or
 * beside) its container, on its hosts, as Kamal::Cli::Accessory does.
 * Neither takes the deploy lock (Kamal's do not).
 *
 * Where berth differs: logs --follow follows every host of the accessory
 * at once, each line after its host (Kamal follows the first host only),
 * and the output of a host is under a header naming it.
 */
#include "cli/accessory-verbs.h"
#include "cli/app-verbs.h"
#include "cli/build.h"
#include "cli/hooks.h"
#include "cli/exec.h"
#include "cli/proxy.h"
#include "commands/accessory.h"
#include "config/kamal-app.h"
#include "log.h"

/* ---- logs ---- */

static void logs_options(struct cli_context *ctx, struct kc_logs *o)
{
	const char *lines = cli_opt_str(&ctx->args, "lines");
	o->skip_timestamps = cli_opt_bool(&ctx->args, "skip-timestamps");
	o->since = cli_opt_str(&ctx->args, "since");
	o->grep = cli_opt_str(&ctx->args, "grep");
	o->grep_options = cli_opt_str(&ctx->args, "grep-options");
	o->lines = lines ? lines : (o->since || o->grep) ? NULL : "100";
}

struct acc_logs {
	struct acc_run a;
	struct kc_logs o;
};

static int logs_host(struct host_session *h, void *data)
{
	struct acc_logs *l = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_accessory_logs(&c, l->a.k, l->a.acc, &l->o);
	r = kx_capture(h, &c, &out, 0);
	shcmd_clear(&c);
	if (!r)
		host_print(h, "Accessory", out.buf, l->a.ctx->quiet);
	strbuf_release(&out);
	return r;
}

/*
 * Every host of the accessory at once, from the last 10 lines (or --lines,
 * or all since --since / matching --grep) on, until Ctrl-C.
 */
static int logs_follow(struct acc_logs *l, const struct strvec *hosts)
{
	struct shcmd c = SHCMD_INIT;
	int r;

	if (!cli_opt_str(&l->a.ctx->args, "lines"))
		l->o.lines = (l->o.since || l->o.grep) ? NULL : "10";
	kc_accessory_stream_logs(&c, l->a.k, l->a.acc, &l->o);
	if (!l->a.ctx->quiet && hosts->nr) {
		char *list = strvec_join(hosts, ", ");
		log_info("Following %s's logs on %s (Ctrl-C to stop)...", l->a.acc->name, list);
		free(list);
	}
	r = remote_stream(hosts, &c);
	shcmd_clear(&c);
	return r;
}

int acc_logs(int argc, const char **argv, struct cli_context *ctx)
{
	struct acc_logs l = { { ctx, cli_kamal(ctx), acc_find(ctx, acc_name_arg(ctx, "logs")), NULL, NULL },
			      { 0 } };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	int r;

	logs_options(ctx, &l.o);
	if (cli_pre_connect(ctx) < 0)
		return 1;
	acc_hosts(&l.a, &hosts);
	if (cli_opt_bool(&ctx->args, "follow"))
		r = logs_follow(&l, &hosts);
	else
		r = on_hosts(&hosts, logs_host, &l, &o);
	strvec_clear(&hosts);
	return r ? 1 : 0;
}

/* ---- exec ---- */

struct acc_exec {
	struct acc_run a;
	struct kc_exec e;
	int reuse, raw;
};

static int exec_host(struct host_session *h, void *data)
{
	struct acc_exec *x = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT, line = STRBUF_INIT;
	int r = 0;

	/* A new container may need the image: Kamal logs in to the app's registry first. */
	if (!x->reuse)
		r = cli_registry_login_on(x->a.ctx, h, config_get(x->a.k->cfg, "registry"));
	strbuf_addf(&line, "Executed cmd '%s' on %s accessory", x->e.cmd, x->a.acc->name);
	if (!r)
		r = app_record(h, x->a.k, NULL, line.buf);
	if (!r) {
		if (x->reuse)
			kc_accessory_execute_in_existing_container(&c, x->a.k, x->a.acc, &x->e);
		else
			kc_accessory_execute_in_new_container(&c, x->a.k, x->a.acc, &x->e);
		/* Not a query: a dry run must not run the user's command. */
		r = kx_capture(h, &c, &out, REMOTE_CHANGES);
		shcmd_clear(&c);
	}
	if (!r && x->raw) {
		fwrite(out.buf, 1, out.len, stdout);
		fflush(stdout);
	} else if (!r) {
		strbuf_trim(&out);
		host_print(h, "Accessory", out.buf, x->a.ctx->quiet);
	}
	strbuf_release(&out);
	strbuf_release(&line);
	return r;
}

/*
 * -i: one session with the terminal on the accessory's first selected host.
 * The session runs the container command itself; Kamal's own ssh line is
 * what a dry run shows.
 */
static int exec_interactive(struct acc_exec *x, const struct strvec *hosts)
{
	struct shcmd c = SHCMD_INIT, shown = SHCMD_INIT;
	const char *host;
	int r = 0;

	if (!hosts->nr)
		die("accessory %s has no host in the selection to run '%s' on", x->a.acc->name,
		    x->e.cmd);
	host = hosts->v[0];
	log_info("Launching '%s' interactively in %s %s container on %s...", x->e.cmd,
		 x->reuse ? "the running" : "a new", x->a.acc->name, host);
	if (x->reuse) {
		kc_accessory_execute_in_existing_container(&c, x->a.k, x->a.acc, &x->e);
		kc_accessory_execute_in_existing_container_over_ssh(&shown, x->a.k, x->a.acc, &x->e);
	} else {
		struct strvec one = STRVEC_INIT;
		strvec_push(&one, host);
		r = cli_registry_login_hosts(x->a.ctx, &one);
		strvec_clear(&one);
		kc_accessory_execute_in_new_container(&c, x->a.k, x->a.acc, &x->e);
		kc_accessory_execute_in_new_container_over_ssh(&shown, x->a.k, x->a.acc, &x->e);
	}
	if (!r)
		r = remote_exec_interactive_shown(host, &c, &shown);
	shcmd_clear(&c);
	shcmd_clear(&shown);
	return r < 0 ? 1 : r;
}

static int exec_run(struct acc_exec *x)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	int r;

	if (cli_pre_connect(x->a.ctx) < 0)
		return 1;
	acc_hosts(&x->a, &hosts);
	if (x->e.interactive) {
		r = exec_interactive(x, &hosts);
	} else {
		log_info("Running '%s' in %s %s container on each of its hosts...", x->e.cmd,
			 x->reuse ? "the running" : "a new", x->a.acc->name);
		r = on_hosts(&hosts, exec_host, x, &o) ? 1 : 0;
	}
	strvec_clear(&hosts);
	return r;
}

int acc_exec(int argc, const char **argv, struct cli_context *ctx)
{
	const struct strvec *w = &ctx->args.positional;
	struct acc_exec x = { { ctx, cli_kamal(ctx), acc_find(ctx, acc_name_arg(ctx, "exec")), NULL, NULL },
			      { 0 }, cli_opt_bool(&ctx->args, "reuse"), cli_opt_bool(&ctx->args, "raw") };
	enum log_level level = log_get_level();
	struct strvec words = STRVEC_INIT;
	char *cmd;
	int r;

	x.e.interactive = cli_opt_bool(&ctx->args, "interactive");
	if (x.raw && x.e.interactive)
		die("Raw is not compatible with interactive");
	if (w->nr < 2)
		die("No command provided. You must specify a command to execute.");
	for (size_t i = 1; i < w->nr; i++)
		strvec_push(&words, w->v[i]);
	cmd = strvec_join(&words, " ");
	x.e.cmd = cmd;
	/* Raw output goes to a pipe as the container wrote it: berth says nothing else there. */
	if (x.raw)
		log_set_level(LOG_QUIET);
	r = exec_run(&x);
	log_set_level(level);
	free(cmd);
	strvec_clear(&words);
	return r;
}

const struct cli_option acc_logs_options[] = {
	{ "since", 's', CLI_OPT_STRING, "Only lines since a time (2013-01-02T13:23:37Z) or a span (42m)", NULL },
	{ "lines", 'n', CLI_OPT_NUMBER, "How many lines from each host (default 100, unless --since or --grep)", NULL },
	{ "grep", 'g', CLI_OPT_STRING, "Only lines matching this", NULL },
	{ "grep-options", 0, CLI_OPT_STRING, "More options for grep", NULL },
	{ "follow", 'f', CLI_OPT_BOOL, "Keep printing new lines from every host of the accessory, each marked with its host, until Ctrl-C", "false" },
	{ "skip-timestamps", 'T', CLI_OPT_BOOL, "Leave out Docker's timestamps", "false" },
	CLI_OPTIONS_END
};

const struct cli_option acc_exec_options[] = {
	{ "interactive", 'i', CLI_OPT_BOOL, "Over ssh with a terminal (for a shell or a console), on the accessory's first host", "false" },
	{ "reuse", 0, CLI_OPT_BOOL, "In the running container instead of a new one", "false" },
	{ "raw", 0, CLI_OPT_BOOL, "Print the command's stdout as it is, and nothing else", "false" },
	CLI_OPTIONS_END
};
