/*
 * cmd-app-exec.c - `berth app exec` (a command in a new or the running
 * app container) and `berth app logs` (the containers' log lines), as
 * Kamal's Cli::App#exec and #logs.
 *
 * exec's four paths are Kamal's: -i with --reuse and -i alone run one
 * interactive session on the primary host (ssh -t); --reuse and the plain
 * form run on every selected role of every app host and print each
 * host's output. The version is switched for the run as Kamal's
 * using_version does: the running one for --reuse, else the latest tag,
 * unless --version says.
 */
#include "cli/app-verbs.h"

#include <fcntl.h>
#include <unistd.h>
#include "cli/app.h"
#include "cli/build.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/app.h"
#include "commands/kamal.h"
#include "config/model.h"
#include "log.h"

/* ---- exec ---- */

struct exec_run {
	struct cli_context *ctx;
	struct kamal *k;
	struct strbuf cmd;  /* the words joined, as Kamal::Utils.join_commands */
	struct strvec env;  /* NAME=value from -e KEY:VALUE */
	int reuse, detach, raw;
};

/*
 * Kamal's refusals, before anything connects: detach runs a container of
 * its own in the background, so it has no terminal and no running
 * container; raw output is for a pipe, which an interactive or detached
 * command does not print to.
 */
static void refuse_options(struct cli_context *ctx)
{
	int interactive = cli_opt_bool(&ctx->args, "interactive");
	int reuse = cli_opt_bool(&ctx->args, "reuse");
	int detach = cli_opt_bool(&ctx->args, "detach");

	if (detach && (interactive || reuse))
		die("Detach is not compatible with %s%s%s", interactive ? "interactive" : "",
		    interactive && reuse ? " or " : "", reuse ? "reuse" : "");
	if (cli_opt_bool(&ctx->args, "raw") && (interactive || detach))
		die("Raw is not compatible with %s%s%s", interactive ? "interactive" : "",
		    interactive && detach ? " or " : "", detach ? "detach" : "");
	if (!ctx->args.positional.nr)
		die("No command provided. You must specify a command to execute.");
}

static void exec_words(struct cli_context *ctx, struct exec_run *e)
{
	const struct strvec *pairs = cli_opt_list(&ctx->args, "env");

	for (size_t i = 0; i < ctx->args.positional.nr; i++) {
		struct strbuf w = STRBUF_INIT;
		strbuf_addstr(&w, ctx->args.positional.v[i]);
		strbuf_trim(&w);
		strbuf_addf(&e->cmd, "%s%s", i ? " " : "", w.buf);
		strbuf_release(&w);
	}
	/* Thor's hash: KEY:VALUE, split at the first colon. */
	for (size_t i = 0; i < pairs->nr; i++) {
		const char *colon = strchr(pairs->v[i], ':');
		strvec_pushf(&e->env, "%.*s=%s", (int)(colon - pairs->v[i]), pairs->v[i],
			     colon + 1);
	}
}

/* The 6 random hex of an exec container's name (Kamal's SecureRandom.hex(3)). */
static void random_suffix(char out[7])
{
	unsigned char b[3] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
		die_errno("cannot read /dev/urandom");
	close(fd);
	snprintf(out, 7, "%02x%02x%02x", b[0], b[1], b[2]);
}

/* Prints what the command printed: Kamal's puts_by_host, or the bytes alone with --raw. */
static void print_output(struct host_session *h, struct exec_run *e, struct strbuf *out)
{
	if (e->raw) {
		fwrite(out->buf, 1, out->len, stdout);
		fflush(stdout);
		return;
	}
	strbuf_trim(out);
	host_print(h, "App", out->buf, e->ctx->quiet);
}

static int exec_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct exec_run *e = data;
	struct kc_exec x = { e->cmd.buf, &e->env, 0, e->detach, NULL };
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	char suffix[7];
	int r;

	strbuf_addf(&line, "Executed cmd '%s' on app version %s", e->cmd.buf, e->k->version);
	/* Kamal's audit line names the role for a reused container only. */
	r = app_record(h, e->k, e->reuse ? role->name : NULL, line.buf);
	strbuf_release(&line);
	if (r < 0)
		return -1;
	if (e->reuse) {
		kc_app_execute_in_existing_container(&c, e->k, role, &x);
	} else {
		random_suffix(suffix);
		x.suffix = suffix;
		kc_app_execute_in_new_container(&c, e->k, role, host_name(h), &x);
	}
	/* Not a query: a dry run must not run the user's command. */
	r = kx_capture(h, &c, &out, REMOTE_CHANGES);
	shcmd_clear(&c);
	if (!r)
		print_output(h, e, &out);
	strbuf_release(&out);
	return r;
}

/* -i: one session with the terminal, on the primary host, in the primary role's container. */
static int exec_interactive(struct cli_context *ctx, struct exec_run *e)
{
	const char *host = cli_primary_host(ctx), *role_name = cli_primary_role(ctx);
	const struct config_role *role = role_name ? config_role(e->k->cfg, role_name) : NULL;
	struct kc_exec x = { e->cmd.buf, &e->env, 1, 0, NULL };
	struct shcmd c = SHCMD_INIT, shown = SHCMD_INIT;
	char suffix[7];
	int r;

	if (!host || !role)
		die("no primary host to run '%s' on: the selection has no app host", e->cmd.buf);
	log_info("Running '%s' with version %s interactively in %s container on %s...",
		 e->cmd.buf, e->k->version, e->reuse ? "the running" : "a new", host);
	if (e->reuse) {
		kc_app_execute_in_existing_container(&c, e->k, role, &x);
		kc_app_execute_in_existing_container_over_ssh(&shown, e->k, role, host, &x);
	} else {
		struct strvec hosts = STRVEC_INIT;
		strvec_push(&hosts, host);
		r = cli_registry_login_hosts(ctx, &hosts);
		strvec_clear(&hosts);
		if (r < 0)
			return -1;
		random_suffix(suffix);
		x.suffix = suffix;
		kc_app_execute_in_new_container(&c, e->k, role, host, &x);
		kc_app_execute_in_new_container_over_ssh(&shown, e->k, role, host, &x);
	}
	r = remote_exec_interactive_shown(host, &c, &shown);
	shcmd_clear(&c);
	shcmd_clear(&shown);
	return r;
}

static int exec_on_hosts(struct cli_context *ctx, struct exec_run *e)
{
	struct strvec hosts = STRVEC_INIT;
	int r = 0;

	cli_app_hosts(ctx, &hosts);
	if (!e->raw)
		log_info("Running '%s' with version %s in %s container on each host...", e->cmd.buf,
			 e->k->version, e->reuse ? "the running" : "a new");
	if (!e->reuse)
		r = cli_registry_login_hosts(ctx, &hosts);
	if (!r)
		r = app_on_roles(ctx, &hosts, exec_role, e, NULL);
	strvec_clear(&hosts);
	return r;
}

/* The version exec runs: --version, else the running one (reuse) or the latest tag. */
static char *exec_version(struct cli_context *ctx, int reuse)
{
	if (!reuse)
		return app_version_or_latest(ctx);
	if (ctx->version)
		return xstrdup(ctx->version);
	/* Kamal's using_version(nil) keeps the config's version. */
	return app_primary_running_version(ctx);
}

int app_exec(int argc, const char **argv, struct cli_context *ctx)
{
	struct exec_run e = { ctx, cli_kamal(ctx), STRBUF_INIT, STRVEC_INIT,
			      cli_opt_bool(&ctx->args, "reuse"), cli_opt_bool(&ctx->args, "detach"),
			      cli_opt_bool(&ctx->args, "raw") };
	enum log_level level = log_get_level();
	const char *saved = e.k->version;
	char *version;
	int r;

	refuse_options(ctx);
	exec_words(ctx, &e);
	/* Raw output goes to a pipe as the container wrote it: berth says nothing else there. */
	if (e.raw)
		log_set_level(LOG_QUIET);
	if (cli_pre_connect(ctx) < 0)
		return 1;
	version = exec_version(ctx, e.reuse);
	if (version)
		e.k->version = version;
	if (cli_opt_bool(&ctx->args, "interactive"))
		r = exec_interactive(ctx, &e);
	else
		r = exec_on_hosts(ctx, &e);
	e.k->version = saved;
	free(version);
	log_set_level(level);
	strbuf_release(&e.cmd);
	strvec_clear(&e.env);
	return r < 0 ? 1 : r;
}

/* ---- logs ---- */

struct logs_run {
	struct cli_context *ctx;
	struct kamal *k;
	struct kc_logs o;
};

static int logs_role(struct host_session *h, const struct config_role *role, void *data)
{
	struct logs_run *l = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int status;

	kc_app_logs(&c, l->k, role, &l->o);
	status = kx_capture(h, &c, &out, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	/* Kamal rescues a failing command only: a host it cannot reach is an error. */
	if (status > 0) {
		strbuf_reset(&out);
		strbuf_addstr(&out, "Nothing found");
	}
	if (status >= 0) {
		strbuf_trim(&out);
		host_print(h, "App", out.buf, l->ctx->quiet);
	}
	strbuf_release(&out);
	return status < 0 ? -1 : 0;
}

/* One stream per selected role on each app host, labelled "host" or "host role". */
static void follow_tasks(struct logs_run *l, const struct strvec *hosts,
			 struct remote_stream_task **tasks, size_t *nr, struct strvec *labels)
{
	*nr = 0;
	for (size_t i = 0; i < hosts->nr; i++) {
		struct strvec roles = STRVEC_INIT;
		cli_roles_on(l->ctx, hosts->v[i], &roles);
		for (size_t j = 0; j < roles.nr; j++) {
			struct shcmd *c = xcalloc(1, sizeof(*c));
			shcmd_init(c);
			kc_app_stream_logs(c, l->k, config_role(l->k->cfg, roles.v[j]), &l->o);
			*tasks = xrealloc(*tasks, (*nr + 1) * sizeof(**tasks));
			(*tasks)[*nr].host = hosts->v[i];
			(*tasks)[*nr].label = roles.nr > 1 ?
				strvec_pushf(labels, "%s %s", hosts->v[i], roles.v[j]) :
				hosts->v[i];
			(*tasks)[(*nr)++].c = c;
		}
		strvec_clear(&roles);
	}
}

/*
 * Kamal follows the primary role on one host through ssh -t; berth
 * follows every selected role on every selected app host at once, each
 * line after its host, until Ctrl-C.
 */
static int logs_follow(struct logs_run *l)
{
	struct strvec hosts = STRVEC_INIT, labels = STRVEC_INIT;
	struct remote_stream_task *tasks = NULL;
	size_t nr;
	int r;

	cli_app_hosts(l->ctx, &hosts);
	follow_tasks(l, &hosts, &tasks, &nr, &labels);
	if (!l->ctx->quiet) {
		char *list = strvec_join(&hosts, ", ");
		log_info("Following the app's logs on %s (Ctrl-C to stop)...", list);
		free(list);
	}
	r = remote_stream_each(tasks, nr);
	for (size_t i = 0; i < nr; i++) {
		shcmd_clear((struct shcmd *)tasks[i].c);
		free((struct shcmd *)tasks[i].c);
	}
	free(tasks);
	strvec_clear(&labels);
	strvec_clear(&hosts);
	return r;
}

int app_logs(int argc, const char **argv, struct cli_context *ctx)
{
	struct logs_run l = { ctx, cli_kamal(ctx), { 0 } };
	struct strvec hosts = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;
	int follow = cli_opt_bool(&ctx->args, "follow"), r;
	const char *lines = cli_opt_str(&ctx->args, "lines");
	long n;

	if (cli_opt_num(&ctx->args, "lines", 0, &n, &err) < 0)
		die("%s", err.buf);
	l.o.container_id = cli_opt_str(&ctx->args, "container-id");
	l.o.skip_timestamps = cli_opt_bool(&ctx->args, "skip-timestamps");
	l.o.since = cli_opt_str(&ctx->args, "since");
	l.o.grep = cli_opt_str(&ctx->args, "grep");
	l.o.grep_options = cli_opt_str(&ctx->args, "grep-options");
	/* Kamal's defaults: the last 10 lines to follow, 100 to show, all with --since or --grep. */
	l.o.lines = lines && *lines ? lines : (l.o.since || l.o.grep) ? NULL : follow ? "10" : "100";
	if (cli_pre_connect(ctx) < 0)
		return 1;
	if (follow)
		return logs_follow(&l) ? 1 : 0;
	cli_app_hosts(ctx, &hosts);
	r = app_on_roles(ctx, &hosts, logs_role, &l, NULL);
	strvec_clear(&hosts);
	return r ? 1 : 0;
}

/* ---- options ---- */

const struct cli_option app_exec_options[] = {
	{ "interactive", 'i', CLI_OPT_BOOL, "Run it over ssh with your terminal, on the primary host (a console, a shell)", "false" },
	{ "reuse", 0, CLI_OPT_BOOL, "Run it in the running container instead of a new one", "false" },
	{ "env", 'e', CLI_OPT_HASH, "Environment variables for the command, as KEY:VALUE words", NULL },
	{ "detach", 0, CLI_OPT_BOOL, "Leave the new container running in the background", "false" },
	{ "raw", 0, CLI_OPT_BOOL, "Print the command's stdout as it is, and nothing else", "false" },
	CLI_OPTIONS_END
};

const struct cli_option app_logs_options[] = {
	{ "since", 's', CLI_OPT_STRING, "Only lines since a time (2013-01-02T13:23:37Z) or a span (42m)", NULL },
	{ "lines", 'n', CLI_OPT_NUMBER, "How many lines from each host (default 100, 10 to follow, unless --since or --grep)", NULL },
	{ "grep", 'g', CLI_OPT_STRING, "Only lines matching this (a request id, say)", NULL },
	{ "grep-options", 0, CLI_OPT_STRING, "More options for grep (-i, -C 3...)", NULL },
	{ "follow", 'f', CLI_OPT_BOOL, "Keep printing new lines from every selected host, each line marked with its host, until Ctrl-C", "false" },
	{ "skip-timestamps", 'T', CLI_OPT_BOOL, "Leave out Docker's timestamps", "false" },
	{ "container-id", 0, CLI_OPT_STRING, "Read this container's logs instead of the running one's", NULL },
	CLI_OPTIONS_END
};
