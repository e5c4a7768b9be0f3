/*
 * local.c - the same contract on the machine berth runs on (builds,
 * registry logins, hooks), and the interactive ssh session that replaces
 * berth (app exec -i, console).
 *
 * A command whose words are all values runs as an argv; one with shell
 * words (a pipe, a redirection, Kamal's escaped values) runs through
 * /bin/sh -c with the line cmd_to_shell() built, in which every value is
 * quoted: the same line a host's shell would get.
 */
#include "remote/remote-int.h"
#include "log.h"
#include "quote.h"
#include "run-command.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

static void local_argv(const struct shcmd *c, struct strvec *argv)
{
	struct strbuf line = STRBUF_INIT;

	if (shcmd_is_argv(c)) {
		shcmd_to_argv(c, argv);
		return;
	}
	shcmd_to_shell(c, &line, 0);
	strvec_pushl(argv, "/bin/sh", "-c", line.buf, NULL);
	strbuf_release(&line);
}

static int planned(const struct shcmd *c, const char *kind, unsigned flags, char **shown)
{
	struct strbuf sb = STRBUF_INIT;

	shcmd_to_shell(c, &sb, 1);
	*shown = log_redact(sb.buf);
	strbuf_release(&sb);
	if (remote.mode.dry_run || remote.mode.answers) {
		struct strbuf prefix = STRBUF_INIT;
		strbuf_addf(&prefix, "[local] %s ", kind);
		out_line(stdout, prefix.buf, *shown);
		strbuf_release(&prefix);
	}
	return remote.mode.answers || (remote.mode.dry_run && !(flags & REMOTE_QUERY));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "  env: A=1 B=2", sorted, secret values redacted: what a hook gets. */
static void plan_env(const struct strvec *env)
{
	const char **v = xcalloc(env->nr + 1, sizeof(*v));
	struct strbuf sb = STRBUF_INIT;

	memcpy(v, env->v, env->nr * sizeof(*v));
	qsort(v, env->nr, sizeof(*v), cmp_str);
	for (size_t i = 0; i < env->nr; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", v[i]);
	out_line(stdout, "  env: ", sb.buf);
	strbuf_release(&sb);
	free(v);
}

static int finish(int status, const char *shown, const struct strbuf *err, unsigned flags)
{
	if (status < 0)
		return -1;
	if (status && !(flags & REMOTE_NO_RAISE)) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addbuf(&msg, err);
		strbuf_rtrim(&msg);
		error("`%s` exited with status %d%s%s", shown, status, msg.len ? ":\n" : "",
		      msg.buf);
		strbuf_release(&msg);
		return -1;
	}
	return (flags & REMOTE_NO_RAISE) ? status : 0;
}

int local_run_env(const struct shcmd *c, const struct strvec *env, unsigned flags)
{
	struct local_opts o = { env, NULL, 0, NULL, flags };
	return local_exec(c, &o);
}

int local_run_input(const struct shcmd *c, const struct strvec *env, const char *input,
		    size_t len, unsigned flags)
{
	struct local_opts o = { env, input, len, NULL, flags };
	return local_exec(c, &o);
}

int local_exec(const struct shcmd *c, const struct local_opts *o)
{
	const struct strvec *env = o->env;
	unsigned flags = o->flags;
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char *shown;
	int status;

	if (planned(c, "RUN", flags, &shown)) {
		if (env && env->nr && (flags & REMOTE_SHOW_ENV))
			plan_env(env);
		status = remote.mode.answers ? dryrun_answer("RUN", "local", shown, NULL) : 0;
		free(shown);
		return (flags & REMOTE_NO_RAISE) ? (status < 0 ? 0 : status) : 0;
	}
	if (remote.mode.verbose)
		out_line(stderr, "  [local] $ ", shown);
	local_argv(c, &cp.args);
	if (env)
		strvec_pushvec(&cp.env, env);
	cp.stdin_data = o->input;
	cp.stdin_len = o->len;
	cp.dir = o->dir;
	cp.new_process_group = 1;
	remote_local_child = &cp.pid;
	/* With -v the output streams; otherwise it is shown only on failure. */
	if (remote.mode.verbose || (flags & REMOTE_STREAM)) {
		status = run_command(&cp);
	} else {
		status = capture_command(&cp, &out, &err);
		if (status > 0 && !err.len)
			strbuf_addbuf(&err, &out);
	}
	remote_local_child = NULL;
	child_process_clear(&cp);
	if (remote_signal && status)
		strbuf_addstr(&err, "(interrupted)");
	status = finish(status, shown, &err, flags);
	free(shown);
	strbuf_release(&out);
	strbuf_release(&err);
	return status;
}

int local_run(const struct shcmd *c, unsigned flags)
{
	struct local_opts o = { NULL, NULL, 0, NULL, flags };
	return local_exec(c, &o);
}

int local_capture(const struct shcmd *c, struct strbuf *out, unsigned flags)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf err = STRBUF_INIT;
	char *shown;
	int status;

	if (planned(c, "CAPTURE", flags | REMOTE_QUERY, &shown)) {
		status = dryrun_answer("CAPTURE", "local", shown, out);
		free(shown);
		return status < 0 ? 0 : status;
	}
	local_argv(c, &cp.args);
	cp.new_process_group = 1;
	remote_local_child = &cp.pid;
	status = capture_command(&cp, out, &err);
	remote_local_child = NULL;
	child_process_clear(&cp);
	status = finish(status, shown, &err, flags);
	free(shown);
	strbuf_release(&err);
	return status;
}

int remote_exec_interactive(const char *host, const struct shcmd *c)
{
	return remote_exec_interactive_shown(host, c, NULL);
}

int remote_exec_interactive_shown(const char *host, const struct shcmd *c,
				  const struct shcmd *kamal_line)
{
	struct strvec argv = STRVEC_INIT;
	struct strbuf line = STRBUF_INIT, shown = STRBUF_INIT;
	static const char *extra[] = { "-t", "-oControlMaster=no", NULL };

	shcmd_to_shell(c, &line, 0);
	if ((remote.mode.dry_run || remote.mode.answers) && kamal_line) {
		shcmd_to_shell(kamal_line, &shown, 1);
		out_line(stdout, "[local] EXEC ", shown.buf);
		strbuf_release(&line);
		strbuf_release(&shown);
		return 0;
	}
	if (remote.mode.dry_run || remote.mode.answers) {
		struct strbuf u = STRBUF_INIT, h = STRBUF_INIT, p = STRBUF_INIT;
		ssh_parse_host(host, &u, &h, &p);
		/* Kamal's run_over_ssh line: what the session amounts to. */
		strbuf_addf(&shown, "ssh -t %s@%s -p %s ", u.len ? u.buf : remote.ssh.user, h.buf,
			    p.len ? p.buf : remote.ssh.port);
		sq_quote_buf(&shown, line.buf);
		out_line(stdout, "[local] EXEC ", shown.buf);
		strbuf_release(&u);
		strbuf_release(&h);
		strbuf_release(&p);
		strbuf_release(&line);
		strbuf_release(&shown);
		return 0;
	}
	{
		/*
		 * A child, not exec: berth stays to close the master and the
		 * agent afterwards. The terminal is in raw mode under ssh -t,
		 * so Ctrl-C reaches the remote program, not us.
		 */
		struct child_process cp = CHILD_PROCESS_INIT;
		int status;
		ssh_host_argv(&remote.ssh, remote.config_file, remote_control_path(), host, extra, &cp.args);
		strvec_pushl(&cp.args, "--", line.buf, NULL);
		remote_child_env(&cp.env);
		cp.inherit_stdin = 1;
		status = run_command(&cp);
		child_process_clear(&cp);
		strvec_clear(&argv);
		strbuf_release(&line);
		strbuf_release(&shown);
		return status;
	}
}

int remote_sleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (remote.mode.dry_run || remote.mode.answers) {
		/* Kamal's plan shows whole seconds of boot.wait and poll sleeps. */
		printf("[local] SLEEP %u\n", (ms + 999) / 1000);
		return 0;
	}
	/* A signal (Ctrl-C) cuts the sleep short; the caller then stops. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (remote_interrupted())
			return -1;
	return remote_interrupted() ? -1 : 0;
}
