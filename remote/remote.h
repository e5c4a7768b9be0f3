/*
 * remote.h - running commands on hosts (and locally), the way Kamal's
 * SSHKit does, over the OpenSSH client.
 *
 * Why the ssh program and not a library: the user's ~/.ssh/config, agents,
 * ProxyJump, known_hosts and hardware keys keep working exactly as in their
 * terminal. Each host gets one ControlMaster per berth run, started the
 * first time the host is used; every command and upload then rides it
 * (~10 ms instead of ~250 ms for a fresh connection), spoken to directly
 * in OpenSSH's mux protocol rather than through an ssh process each
 * (mux.h). The sockets live in a
 * private 0700 directory that remote_teardown() removes, after asking each
 * master to exit; berth calls it at exit, on error and on Ctrl-C. Masters
 * also die on their own after pool_idle_timeout idle seconds, so even a
 * SIGKILLed berth leaves nothing running for long.
 *
 * The protocol:
 *  1. remote_setup() once, with the settings from the config's ssh: and
 *     sshkit: keys (ssh_settings_from_config) and the run's mode.
 *  2. on_hosts(hosts, fn, data, opts): fn(session, data) runs once per host,
 *     in parallel (at most opts->parallel at once; connection starts are
 *     also bounded by max_concurrent_starts), each host's calls in order.
 *     Inside fn, host_run/host_capture/host_test/host_upload act on that
 *     host. A failing call records what failed (host, command with secrets
 *     redacted, exit status, the tail of stderr) and returns -1; fn then
 *     usually returns -1 too. on_hosts() waits for every host, prints one
 *     error per failed host, and returns -1 if any failed. Hosts that did
 *     not fail are not stopped by another host's failure, as with Kamal.
 *  3. remote_teardown() (registered with atexit by remote_setup).
 *
 * Dry run (mode.dry_run): commands that change a host are printed in the
 * format of ../shared/conformance/kamal-commands ("[HOST] RUN ...",
 * "[HOST] UPLOAD path from=<io> mode=0600" plus "  | " content lines,
 * "[local] RUN ...") and not run; queries (host_capture, and host_run with
 * REMOTE_QUERY) still run, so the plan fits the hosts as they are. With
 * BERTH_DRY_RUN_ANSWERS=FILE nothing connects at all: queries are
 * answered from FILE (format in docs/remote.md). Hosts then run one after
 * another, so the printed plan is in a stable order.
 *
 * Output: in normal mode each on_hosts() step prints one line per host as
 * it ends, "HOST  LABEL  1.2 s" (a failure says "failed"); -v also prints
 * every command as sent (redacted) and its output, each line prefixed with
 * the host; -q prints errors only. On a TTY a status line shows the step's
 * progress while it runs.
 *
 * Secrets: no secret is ever put on an argv here. Commands are built from
 * words that hold no secret (env goes into files uploaded on stdin); the
 * trace and error messages pass through log.h's redaction all the same.
 */
#ifndef BERTH_REMOTE_H
#define BERTH_REMOTE_H

#include "commands/shcmd.h"
#include "strbuf.h"
#include "strvec.h"

struct config;

/* The ssh: and sshkit: keys of a Kamal config, as the ssh client takes them. */
struct ssh_settings {
	char *user;            /* ssh/user, default "root" */
	char *port;            /* ssh/port, default "22" */
	char *proxy;           /* ssh/proxy as -J takes it: "root@" added when no user */
	char *proxy_command;   /* ssh/proxy_command */
	struct strvec keys;    /* ssh/keys: identity files */
	int keys_only;         /* ssh/keys_only: IdentitiesOnly */
	struct strvec key_data; /* ssh/key_data: private keys' text, for the run's own agent */
	int use_config;        /* ssh/config: 1 the default files, 0 none */
	struct strvec config_files; /* ssh/config: a file or list of files */
	char *log_level;       /* ssh/log_level as OpenSSH's LogLevel */
	int forward_agent;     /* ssh/forward_agent, default on as in sshkit */
	unsigned max_concurrent_starts; /* sshkit/max_concurrent_starts, 30 */
	unsigned pool_idle_timeout;     /* sshkit/pool_idle_timeout, 900 s */
	unsigned dns_retries;           /* sshkit/dns_retries, 3 */
	unsigned connect_timeout;       /* x-berth/ssh/connect_timeout, 10 s */
};

void ssh_settings_init(struct ssh_settings *s);
void ssh_settings_release(struct ssh_settings *s);
/* Fills s from cfg (key_data through the secrets). -1 with err. */
int ssh_settings_from_config(struct ssh_settings *s, struct config *cfg, struct strbuf *err);

/*
 * The run's ssh config file (-F): the user's files (ssh/config) included
 * first, berth's defaults after them, so that the user's settings win.
 */
void ssh_config_text(const struct ssh_settings *s, struct strbuf *out);

/*
 * "ssh", the options for one host ("user@host:port" as SSHKit reads it),
 * then the extra options (NULL-terminated, may be NULL), then the
 * destination; no remote command. Pure: for the tests, and for the
 * interactive path (ssh -t). config_path (the file of ssh_config_text,
 * NULL: none) and control_path may be NULL.
 */
void ssh_host_argv(const struct ssh_settings *s, const char *config_path,
		   const char *control_path, const char *host, const char **extra,
		   struct strvec *argv);

struct remote_mode {
	int dry_run;             /* print what changes hosts, do not run it */
	const char *answers;     /* BERTH_DRY_RUN_ANSWERS: answer queries from this file */
	int verbose, quiet;
};

int remote_setup(const struct ssh_settings *s, const struct remote_mode *mode,
		 struct strbuf *err);
void remote_teardown(void);
int remote_dry_run(void);
/* A plan is printed (dry run, or answers from a file): the hosts one after another. */
int remote_planned(void);

/* Set when SIGINT/SIGTERM/SIGHUP stopped a step: the signal number. */
int remote_interrupted(void);
/*
 * Forgets the interruption so that cleanup (releasing the deploy lock)
 * can still reach the hosts; returns the signal, for the exit status.
 */
int remote_clear_interrupt(void);

struct host_session;
typedef int (*host_fn)(struct host_session *h, void *data);

struct on_hosts_opts {
	const char *label;   /* the step, for progress lines: "pull" */
	size_t parallel;     /* at most this many hosts at once; 0: all */
	int quiet_step;      /* no per-host step line (queries whose output is the point) */
};

int on_hosts(const struct strvec *hosts, host_fn fn, void *data,
	     const struct on_hosts_opts *opts);

/* The host as the config names it ([user@]host[:port]), and the host alone (SSHKit's to_s). */
const char *host_name(const struct host_session *h);
const char *host_shown(const struct host_session *h);

/* Flags for host_run_flags / host_capture_flags. */
#define REMOTE_QUERY 1u        /* changes nothing: runs in a dry run too */
#define REMOTE_NO_RAISE 2u     /* a non-zero exit is an answer, not a failure */
#define REMOTE_QUIET 4u        /* not traced with -v (lock polls and the like) */
#define REMOTE_SHOW_ENV 8u     /* local: a dry run shows the env it adds (hooks) */
#define REMOTE_STREAM 16u      /* local: output streams as with -v (build dev) */
#define REMOTE_CHANGES 32u     /* a capture that changes the host (app exec): not run in a dry run */

/* 0 on success; -1 (recorded) on failure. With REMOTE_NO_RAISE: the exit status. */
int host_run(struct host_session *h, const struct shcmd *c);
int host_run_flags(struct host_session *h, const struct shcmd *c, unsigned flags);
/* Runs c with stdin_data on its stdin (never argv): for docker login and the like. */
int host_run_stdin(struct host_session *h, const struct shcmd *c, const char *stdin_data,
		   size_t len, unsigned flags);
/*
 * Stdout into out (trailing newlines kept), a query unless flags has
 * REMOTE_CHANGES. 0, or -1 recorded.
 */
int host_capture(struct host_session *h, const struct shcmd *c, struct strbuf *out);
int host_capture_flags(struct host_session *h, const struct shcmd *c, struct strbuf *out,
		       unsigned flags);
/* A query whose exit status is the answer: 1 (exit 0), 0 (non-zero), -1 (no answer). */
int host_test(struct host_session *h, const struct shcmd *c);
/*
 * Writes data to path on the host, atomically (a temporary name in the
 * same directory, then rename), with mode; the directory is created.
 * The data goes over stdin of the same connection, never into argv.
 */
int host_upload(struct host_session *h, const char *path, const char *data, size_t len,
		int mode);
/* The same for a local file's content: a dry run names it ("from=PATH", Kamal's form). */
int host_upload_from(struct host_session *h, const char *path, const char *data, size_t len,
		     int mode, const char *from);
/* Records a failure of this host's step in berth's own words. Returns -1. */
int host_fail(struct host_session *h, const char *fmt, ...) BERTH_PRINTF(2, 3);
/* A line of output about this host ("HOST  text"), whole, never interleaved. */
void host_say(struct host_session *h, const char *fmt, ...) BERTH_PRINTF(2, 3);
/*
 * Kamal's puts_by_host: "TYPE Host: HOST", the output, a blank line, as
 * one block (without the header when quiet).
 */
void host_print(struct host_session *h, const char *type, const char *output, int quiet);

/*
 * Runs c on every host at once and prints each line as it arrives,
 * "HOST  line", until every command ends or Ctrl-C (which is success):
 * logs --follow. A dry run prints "[HOST] STREAM line" for each host.
 */
int remote_stream(const struct strvec *hosts, const struct shcmd *c);

/*
 * The same with a command of its own per stream (app logs --follow: one
 * per role on a host): each line printed after the stream's label (its
 * host, or "host role"); a dry run prints "[HOST] STREAM line".
 */
struct remote_stream_task {
	const char *host;
	const char *label;
	const struct shcmd *c;
};
int remote_stream_each(const struct remote_stream_task *tasks, size_t nr);

/*
 * Kamal's local registry (registry/server: localhost:PORT): the host's
 * 127.0.0.1:PORT forwarded to this machine's localhost:PORT (ssh -R over
 * the host's master), so its docker pulls from the registry here. Kept
 * until remote_cancel_forwards() or teardown. Nothing happens in a dry run.
 */
int remote_forward_port(const char *host, int port, struct strbuf *why);
void remote_cancel_forwards(void);

/*
 * Waits ms milliseconds (boot.wait, health polls), or less when Ctrl-C
 * comes: -1 then. A dry run prints "[local] SLEEP N" and does not wait.
 */
int remote_sleep(unsigned ms);

/* The same contract on the machine berth runs on ("[local]" in a dry run). */
struct local_opts {
	const struct strvec *env; /* added to the environment: NAME=value (hooks, secrets) */
	const char *input;        /* on stdin, never argv */
	size_t len;
	const char *dir;          /* runs there (the build directory) */
	unsigned flags;           /* REMOTE_* */
};
int local_exec(const struct shcmd *c, const struct local_opts *o);
int local_run(const struct shcmd *c, unsigned flags);
int local_run_env(const struct shcmd *c, const struct strvec *env, unsigned flags);
/* With input on its stdin (never argv): docker login --password-stdin. */
int local_run_input(const struct shcmd *c, const struct strvec *env, const char *input,
		    size_t len, unsigned flags);
int local_capture(const struct shcmd *c, struct strbuf *out, unsigned flags);

/*
 * An interactive ssh session on host running c (ssh -t, with the
 * terminal): app exec -i, console aliases. Returns its exit status. In a
 * dry run prints "[local] EXEC ..." (Kamal's form) and returns 0.
 */
int remote_exec_interactive(const char *host, const struct shcmd *c);
/*
 * The same, with the line a dry run prints as "[local] EXEC ..." given:
 * Kamal's own ssh command for the session (its run_over_ssh, with the
 * config's keys and proxy), which berth's session amounts to.
 */
int remote_exec_interactive_shown(const char *host, const struct shcmd *c,
				  const struct shcmd *shown);

#endif
