/*
 * remote.c - what commands that reach hosts share: ssh set up from the
 * config, the builders' context, and running a Kamal command the way
 * SSHKit's execute does (its command map: /usr/bin/env before every
 * command but docker's).
 */
#include "cli.h"
#include "cli/exec.h"
#include "commands/kamal.h"
#include "commands/sshkit.h"
#include "config/model.h"
#include "log.h"
#include "remote/remote.h"
#include "run-command.h"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

void cli_remote(struct cli_context *ctx)
{
	static int done;
	struct ssh_settings s;
	struct remote_mode m = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct config *cfg;

	if (done)
		return;
	done = 1;
	cfg = cli_load_config(ctx);
	ssh_settings_init(&s);
	if (ssh_settings_from_config(&s, cfg, &err) < 0)
		die_err(&err);
	m.dry_run = ctx->dry_run;
	m.answers = getenv("BERTH_DRY_RUN_ANSWERS");
	m.verbose = ctx->verbose;
	m.quiet = ctx->quiet;
	if (m.answers && !*m.answers)
		m.answers = NULL;
	if (remote_setup(&s, &m, &err) < 0)
		die_err(&err);
	ctx->holding_lock = getenv("KAMAL_LOCK") && !strcmp(getenv("KAMAL_LOCK"), "true");
}

const char *cli_locked_by = "Unknown";

/* git config user.name and user.email in one run; "" when unset. */
static void git_identity(struct strbuf *name, struct strbuf *email, int *have_git)
{
	static const char *argv[] = { "git", "config", "--get-regexp", "^user\\.(name|email)$", NULL };
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	strvec_pushv(&cp.args, argv);
	cp.no_stderr = 1;
	cp.silent_exec_failure = 1;
	r = capture_command(&cp, &out, NULL);
	child_process_clear(&cp);
	*have_git = r >= 0;
	for (char *line = strtok(out.buf, "\n"); line; line = strtok(NULL, "\n")) {
		/* Later lines are the closer config (local over global): they win. */
		if (skip_prefix(line, "user.name ", (const char **)&line)) {
			strbuf_reset(name);
			strbuf_addstr(name, line);
		} else if (skip_prefix(line, "user.email ", (const char **)&line)) {
			strbuf_reset(email);
			strbuf_addstr(email, line);
		}
	}
	strbuf_release(&out);
}

/* whoami(1): the effective user's name. */
static char *whoami(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return xstrdup(pw && pw->pw_name ? pw->pw_name : "unknown");
}

struct kamal *cli_kamal(struct cli_context *ctx)
{
	static struct kamal k;
	static struct strbuf name = STRBUF_INIT, email = STRBUF_INIT;
	static char ts[32];
	struct strbuf err = STRBUF_INIT;
	time_t now = time(NULL);
	int have_git;

	if (ctx->kamal)
		return ctx->kamal;
	k.cfg = cli_load_config(ctx);
	k.version = config_version(k.cfg, &err);
	if (!k.version)
		die_err(&err);
	git_identity(&name, &email, &have_git);
	k.performer = email.len ? email.buf : whoami();
	cli_locked_by = have_git ? name.buf : "Unknown";
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	k.timestamp = ts;
	k.tty = isatty(0);
	ctx->kamal = &k;
	return &k;
}

int kx_run(struct host_session *h, const struct shcmd *c)
{
	return kx_run_flags(h, c, 0);
}

int kx_run_flags(struct host_session *h, const struct shcmd *c, unsigned flags)
{
	struct shcmd full = SHCMD_INIT;
	int r;
	kc_sshkit_command(&full, c);
	r = host_run_flags(h, &full, flags);
	shcmd_clear(&full);
	return r;
}

int kx_capture(struct host_session *h, const struct shcmd *c, struct strbuf *out,
	       unsigned flags)
{
	struct shcmd full = SHCMD_INIT;
	int r;
	kc_sshkit_command(&full, c);
	r = host_capture_flags(h, &full, out, flags);
	shcmd_clear(&full);
	return r;
}

int kx_run_once(struct host_session *h, struct shcmd *c, unsigned flags)
{
	int r = kx_run_flags(h, c, flags);
	shcmd_clear(c);
	return r;
}

int kx_capture_once(struct host_session *h, struct shcmd *c, struct strbuf *out,
		    unsigned flags)
{
	int r = kx_capture(h, c, out, flags);
	shcmd_clear(c);
	strbuf_trim(out);
	return r;
}

int kx_run_builder(struct host_session *h, void (*build)(struct shcmd *), unsigned flags)
{
	struct shcmd c = SHCMD_INIT;
	build(&c);
	return kx_run_once(h, &c, flags);
}

int kx_local(const struct shcmd *c, unsigned flags)
{
	struct shcmd full = SHCMD_INIT;
	int r;
	kc_sshkit_command(&full, c);
	r = local_run(&full, flags);
	shcmd_clear(&full);
	return r;
}

int kx_local_capture(const struct shcmd *c, struct strbuf *out)
{
	struct shcmd full = SHCMD_INIT;
	int r;
	kc_sshkit_command(&full, c);
	r = local_capture(&full, out, REMOTE_QUERY);
	shcmd_clear(&full);
	return r;
}

int kx_local_exec(const struct shcmd *c, const struct local_opts *o)
{
	struct shcmd full = SHCMD_INIT;
	int r;
	kc_sshkit_command(&full, c);
	r = local_exec(&full, o);
	shcmd_clear(&full);
	return r;
}
