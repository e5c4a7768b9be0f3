/*
 * session.c - on_hosts() and the calls a host's step makes: run, capture,
 * test, upload (the contract is in remote.h).
 *
 * Each host's step runs in a thread of its own, so that a step reads as
 * Kamal's `on(hosts) do |host| ... end` block: calls in order, decisions
 * on what a query answered. The threads only wait on their own ssh
 * children. Signals are blocked in them; the main thread takes SIGINT,
 * SIGTERM and SIGHUP with sigtimedwait(), and stops every child's process
 * group, which ends each host's current call with a failure. A worker
 * that finishes a host wakes it with SIGUSR1 (blocked everywhere, only
 * ever waited for), so a step ends when its last host does, not at the
 * next tick of the progress line.
 */
#include "remote/remote-int.h"
#include "log.h"
#include "quote.h"
#include "run-command.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

struct host_session {
	const char *host;      /* as the config names it: [user@]host[:port] */
	char *shown;           /* the host alone, as SSHKit prints it */
	pthread_mutex_t lock;  /* failure, failed: a host's roles may boot in threads */
	struct strbuf failure; /* berth's words for what failed */
	long started, ended;
	int done, failed;
};

struct step {
	const struct strvec *hosts;
	host_fn fn;
	void *data;
	const struct on_hosts_opts *opts;
	struct host_session *s;
	size_t next, finished;
	pthread_mutex_t lock;
	pthread_t supervisor;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

const char *host_name(const struct host_session *h)
{
	return h->host;
}

const char *host_shown(const struct host_session *h)
{
	return h->shown;
}

int host_fail(struct host_session *h, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&h->lock);
	/* The first failure is the one to tell. */
	if (!h->failure.len) {
		va_start(ap, fmt);
		strbuf_vaddf(&h->failure, fmt, ap);
		va_end(ap);
		h->failed = 1;
	}
	pthread_mutex_unlock(&h->lock);
	return -1;
}

void host_say(struct host_session *h, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT, prefix = STRBUF_INIT;
	va_list ap;

	if (remote.mode.quiet)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addf(&prefix, "%s  ", h->shown);
	out_line(stdout, prefix.buf, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&prefix);
}

void host_print(struct host_session *h, const char *type, const char *output, int quiet)
{
	struct strbuf sb = STRBUF_INIT;
	if (!quiet)
		strbuf_addf(&sb, "%s Host: %s\n", type, h->shown);
	strbuf_addstr(&sb, output);
	strbuf_rtrim(&sb);
	strbuf_addch(&sb, '\n');
	out_line(stdout, NULL, sb.buf);
	strbuf_release(&sb);
}

/* The last lines of a command's stderr, for its failure message. */
static void tail_lines(struct strbuf *out, const struct strbuf *err, int lines)
{
	size_t end = err->len, start;
	while (end && (err->buf[end - 1] == '\n' || err->buf[end - 1] == '\r'))
		end--;
	start = end;
	while (start && lines) {
		if (err->buf[start - 1] == '\n' && !--lines)
			break;
		start--;
	}
	strbuf_add(out, err->buf + start, end - start);
}

/* ssh's own failures (exit 255), said the way a user can act on them. */
static void explain_ssh(struct strbuf *out, const char *host, const char *err)
{
	if (strstr(err, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
		strbuf_addf(out, "the host key of %s has changed: refusing to connect. If the "
			    "server was reinstalled, remove its old key with `ssh-keygen -R %s` "
			    "and try again", host, host);
	else if (strstr(err, "Permission denied"))
		strbuf_addf(out, "ssh refused the login (%s); check ssh/user and ssh/keys in "
			    "the deploy config, and that your key is loaded", err);
	else if (strstr(err, "timed out") || strstr(err, "No route to host"))
		strbuf_addf(out, "cannot connect: %s (the host is down or unreachable)", err);
	else
		strbuf_addf(out, "cannot connect: %s", err);
}

static void trace(struct host_session *h, const char *kind, const char *line)
{
	struct strbuf prefix = STRBUF_INIT;
	if (!remote.mode.verbose)
		return;
	strbuf_addf(&prefix, "  [%s] %s ", h->shown, kind);
	out_line(stderr, prefix.buf, line);
	strbuf_release(&prefix);
}

static void trace_output(struct host_session *h, const struct strbuf *out)
{
	struct strbuf prefix = STRBUF_INIT;
	const char *p = out->buf;
	if (!remote.mode.verbose || !out->len)
		return;
	strbuf_addf(&prefix, "  [%s]   ", h->shown);
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		char *line = xstrndup(p, (size_t)(nl - p));
		out_line(stderr, prefix.buf, line);
		free(line);
		p = *nl ? nl + 1 : nl;
	}
	strbuf_release(&prefix);
}

/* The dry run's plan line: "[HOST] RUN line". */
static void plan(const char *host, const char *kind, const char *line)
{
	struct strbuf prefix = STRBUF_INIT;
	strbuf_addf(&prefix, "[%s] %s ", host, kind);
	out_line(stdout, prefix.buf, line);
	strbuf_release(&prefix);
}

/*
 * The command straight through the host's master (mux.h), when it has one:
 * 0 with *status, or -1 when nothing ran and the ssh client is to be used.
 */
static int run_over_mux(struct host_session *h, const char *line, const char *stdin_data,
			size_t len, struct strbuf *o, struct strbuf *e, int *status)
{
	const struct mux_target *t = remote_mux_target(h->host);

	if (!t)
		return -1;
	if (!mux_run(t, line, remote.ssh.forward_agent, stdin_data, len, o, e, status,
		     &remote_signal))
		return 0;
	strbuf_reset(o);
	strbuf_reset(e);
	return -1;
}

/*
 * Runs line on the host; stdout into out (may be NULL). Returns the exit
 * status, or -1 when it could not run at all (recorded).
 */
static int exec_line(struct host_session *h, const char *line, const char *shown,
		     const char *stdin_data, size_t len, struct strbuf *out, unsigned flags)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT, why = STRBUF_INIT;
	int status;

	if (remote_signal)
		return host_fail(h, "interrupted");
	if (remote_connect(h->host, &why) < 0) {
		struct strbuf msg = STRBUF_INIT;
		if (remote_signal) {
			strbuf_release(&why);
			return host_fail(h, "interrupted");
		}
		strbuf_trim(&why);
		explain_ssh(&msg, h->host, why.buf);
		host_fail(h, "%s", msg.buf);
		strbuf_release(&msg);
		strbuf_release(&why);
		return -1;
	}
	if (!(flags & REMOTE_QUIET))
		trace(h, "$", shown);
	if (run_over_mux(h, line, stdin_data, len, &o, &e, &status) < 0) {
		remote_command_argv(h->host, line, &cp.args);
		remote_child_env(&cp.env);
		cp.new_process_group = 1;
		cp.stdin_data = stdin_data;
		cp.stdin_len = len;
		status = capture_command(&cp, &o, &e);
		child_process_clear(&cp);
	}
	if (!(flags & REMOTE_QUIET)) {
		trace_output(h, &o);
		trace_output(h, &e);
	}
	if (remote_signal) {
		/* ssh ends with 255 on the SIGTERM that stopped it: not a connect error. */
		host_fail(h, "interrupted");
		status = -1;
	} else if (status == 255 && !o.len) {
		strbuf_trim(&e);
		explain_ssh(&why, h->host, e.buf);
		host_fail(h, "%s", why.buf);
		status = -1;
	} else if (status && !(flags & REMOTE_NO_RAISE)) {
		struct strbuf tail = STRBUF_INIT;
		tail_lines(&tail, e.len ? &e : &o, 5);
		host_fail(h, "`%s` exited with status %d%s%s", shown, status,
			  tail.len ? ":\n" : "", tail.buf);
		strbuf_release(&tail);
	}
	if (out)
		strbuf_addbuf(out, &o);
	strbuf_release(&o);
	strbuf_release(&e);
	strbuf_release(&why);
	return status;
}

static int dry(unsigned flags)
{
	return remote.mode.answers || (remote.mode.dry_run && !(flags & REMOTE_QUERY));
}

static int run(struct host_session *h, const struct shcmd *c, const char *kind,
	       const char *stdin_data, size_t len, struct strbuf *out, unsigned flags)
{
	struct strbuf line = STRBUF_INIT, shown = STRBUF_INIT;
	char *clean;
	int status;

	shcmd_to_shell(c, &line, 0);
	shcmd_to_shell(c, &shown, 1);
	clean = log_redact(shown.buf);
	if (remote.mode.dry_run || remote.mode.answers)
		plan(h->shown, kind, clean);
	if (dry(flags)) {
		status = remote.mode.answers ? dryrun_answer(kind, h->shown, line.buf, out) : 0;
		if (status < 0)
			status = 0;
		if (status && !(flags & REMOTE_NO_RAISE))
			host_fail(h, "`%s` exited with status %d", clean, status);
	} else {
		status = exec_line(h, line.buf, clean, stdin_data, len, out, flags);
	}
	free(clean);
	strbuf_release(&line);
	strbuf_release(&shown);
	if (status < 0)
		return -1;
	return (flags & REMOTE_NO_RAISE) ? status : (status ? -1 : 0);
}

int host_run(struct host_session *h, const struct shcmd *c)
{
	return run(h, c, "RUN", NULL, 0, NULL, 0);
}

int host_run_flags(struct host_session *h, const struct shcmd *c, unsigned flags)
{
	return run(h, c, "RUN", NULL, 0, NULL, flags);
}

int host_run_stdin(struct host_session *h, const struct shcmd *c, const char *stdin_data,
		   size_t len, unsigned flags)
{
	return run(h, c, "RUN", stdin_data, len, NULL, flags);
}

int host_capture(struct host_session *h, const struct shcmd *c, struct strbuf *out)
{
	return run(h, c, "CAPTURE", NULL, 0, out, REMOTE_QUERY);
}

int host_capture_flags(struct host_session *h, const struct shcmd *c, struct strbuf *out,
		       unsigned flags)
{
	/* Output wanted is not enough to make a command harmless: app exec runs anything. */
	if (!(flags & REMOTE_CHANGES))
		flags |= REMOTE_QUERY;
	return run(h, c, "CAPTURE", NULL, 0, out, flags);
}

int host_test(struct host_session *h, const struct shcmd *c)
{
	int status = run(h, c, "TEST", NULL, 0, NULL, REMOTE_QUERY | REMOTE_NO_RAISE);
	return status < 0 ? -1 : !status;
}

static void plan_upload(struct host_session *h, const char *path, const char *data,
			size_t len, int mode, const char *from)
{
	struct strbuf head = STRBUF_INIT;
	const char *p = data, *end = data + len;

	if (from)
		strbuf_addf(&head, "%s from=%s", path, from);
	else
		strbuf_addf(&head, "%s from=<io> mode=%04o", path, mode);
	plan(h->shown, "UPLOAD", head.buf);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = xstrndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		out_line(stdout, "  | ", line);
		free(line);
		if (!nl) {
			out_line(stdout, "  | ", "<EOF-no-newline>");
			break;
		}
		p = nl + 1;
	}
	strbuf_release(&head);
}

int host_upload(struct host_session *h, const char *path, const char *data, size_t len,
		int mode)
{
	return host_upload_from(h, path, data, len, mode, NULL);
}

int host_upload_from(struct host_session *h, const char *path, const char *data, size_t len,
		     int mode, const char *from)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf tmp = STRBUF_INIT, dir = STRBUF_INIT, m = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	int r;

	if (remote.mode.dry_run || remote.mode.answers) {
		plan_upload(h, path, data, len, mode, from);
		return 0;
	}
	/* Same directory, so the rename is atomic; the name is ours alone. */
	strbuf_addf(&tmp, "%s.berth-tmp-%ld-%d", path, (long)getpid(), (int)(now_ms() % 100000));
	strbuf_add(&dir, path, slash ? (size_t)(slash - path) : 1);
	if (!slash)
		strbuf_reset(&dir), strbuf_addch(&dir, '.');
	strbuf_addf(&m, "%04o", mode);
	shcmd_addl(&c, "mkdir", "-p", dir.buf, NULL);
	shcmd_add_shelll(&c, "&&", "umask", "077", "&&", "cat", ">", NULL);
	shcmd_add(&c, tmp.buf);
	shcmd_add_shell(&c, "&&");
	shcmd_addl(&c, "chmod", m.buf, tmp.buf, NULL);
	shcmd_add_shell(&c, "&&");
	shcmd_addl(&c, "mv", "-f", tmp.buf, path, NULL);
	shcmd_add_shelll(&c, "||", "{", "rm", "-f", NULL);
	shcmd_add(&c, tmp.buf);
	shcmd_add_shelll(&c, ";", "exit", "1;", "}", NULL);
	r = run(h, &c, "RUN", data, len, NULL, REMOTE_QUIET);
	shcmd_clear(&c);
	strbuf_release(&tmp);
	strbuf_release(&dir);
	strbuf_release(&m);
	return r;
}

/* ---- on_hosts ---- */

static void step_line(struct step *st, struct host_session *h)
{
	struct strbuf sb = STRBUF_INIT;
	double secs = (double)(h->ended - h->started) / 1000.0;

	if (remote.mode.quiet || st->opts->quiet_step || !st->opts->label ||
	    remote.mode.dry_run || remote.mode.answers)
		return;
	strbuf_addf(&sb, "%s  %s  %s%.1f s", h->shown, st->opts->label,
		    h->failed ? "failed after " : "", secs);
	out_line(stdout, NULL, sb.buf);
	strbuf_release(&sb);
}

static void run_host(struct step *st, struct host_session *h)
{
	h->started = now_ms();
	if (st->fn(h, st->data) < 0 && !h->failed)
		host_fail(h, "failed");
	h->ended = now_ms();
	step_line(st, h);
}

static void *worker(void *arg)
{
	struct step *st = arg;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&st->lock);
		i = st->next < st->hosts->nr && !remote_signal ? st->next++ : SIZE_MAX;
		pthread_mutex_unlock(&st->lock);
		if (i == SIZE_MAX)
			break;
		run_host(st, &st->s[i]);
		pthread_mutex_lock(&st->lock);
		st->s[i].done = 1;
		st->finished++;
		pthread_mutex_unlock(&st->lock);
		pthread_kill(st->supervisor, SIGUSR1);
	}
	return NULL;
}

static void show_progress(struct step *st, long t0)
{
	struct strbuf sb = STRBUF_INIT;
	size_t done;
	const char *waiting = NULL;

	pthread_mutex_lock(&st->lock);
	done = st->finished;
	for (size_t i = 0; i < st->hosts->nr && !waiting; i++)
		if (!st->s[i].done && i < st->next)
			waiting = st->s[i].shown;
	pthread_mutex_unlock(&st->lock);
	strbuf_addf(&sb, "%s: %zu/%zu hosts", st->opts->label, done, st->hosts->nr);
	if (waiting)
		strbuf_addf(&sb, ", waiting for %s (%.1f s)", waiting,
			    (double)(now_ms() - t0) / 1000.0);
	out_progress(sb.buf);
	strbuf_release(&sb);
}

/* The signals the main thread takes while a step runs; workers block them. */
static void step_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1); /* a worker finished a host */
}

/* A wake-up still pending would kill the process once unblocked. */
static void drain_wakeups(void)
{
	sigset_t usr1;
	struct timespec zero = { 0, 0 };

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	while (sigtimedwait(&usr1, NULL, &zero) == SIGUSR1)
		;
}

/* Waits for the workers, taking the signals they do not see. */
static void supervise(struct step *st)
{
	sigset_t set;
	struct timespec tick = { 0, 200 * 1000000L };
	long t0 = now_ms();
	int tty = isatty(2) && !remote.mode.quiet && !remote.mode.verbose && st->opts->label;

	step_signals(&set);
	for (;;) {
		int sig, all;
		pthread_mutex_lock(&st->lock);
		all = st->finished == st->hosts->nr ||
		      (remote_signal && st->finished == st->next);
		pthread_mutex_unlock(&st->lock);
		if (all)
			break;
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig > 0 && sig != SIGUSR1 && !remote_signal) {
			remote_signal = sig;
			run_command_signal_groups(SIGTERM);
		}
		if (tty && now_ms() - t0 > 500)
			show_progress(st, t0);
	}
	if (tty)
		out_progress(NULL);
}

/*
 * Even one host gets a thread: the main thread must stay free to take
 * Ctrl-C and stop the host's children, which live in their own process
 * groups and so do not get the terminal's SIGINT themselves.
 */
static void run_threads(struct step *st, size_t nthreads)
{
	size_t n = st->hosts->nr;
	pthread_t *t;
	sigset_t set, old;

	if (!nthreads || nthreads > n)
		nthreads = n;
	t = xcalloc(nthreads, sizeof(*t));
	step_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	st->supervisor = pthread_self();
	for (size_t i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, worker, st))
			die("cannot start a thread for the hosts");
	supervise(st);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	drain_wakeups();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(t);
}

int on_hosts(const struct strvec *hosts, host_fn fn, void *data,
	     const struct on_hosts_opts *opts)
{
	static const struct on_hosts_opts none = { NULL, 0, 0 };
	struct step st = { .hosts = hosts, .fn = fn, .data = data, .opts = opts ? opts : &none,
			   .lock = PTHREAD_MUTEX_INITIALIZER };
	size_t nthreads = st.opts->parallel;
	int failed = 0;

	if (!remote.setup)
		die("BUG: on_hosts() before remote_setup()");
	st.s = xcalloc(hosts->nr ? hosts->nr : 1, sizeof(*st.s));
	for (size_t i = 0; i < hosts->nr; i++) {
		struct strbuf u = STRBUF_INIT, hn = STRBUF_INIT, p = STRBUF_INIT;
		ssh_parse_host(hosts->v[i], &u, &hn, &p);
		st.s[i].host = hosts->v[i];
		st.s[i].shown = strbuf_detach(&hn, NULL);
		strbuf_init(&st.s[i].failure, 0);
		pthread_mutex_init(&st.s[i].lock, NULL);
		strbuf_release(&u);
		strbuf_release(&p);
	}
	/* A plan is read top to bottom: one host after another. */
	if (remote.mode.dry_run || remote.mode.answers)
		nthreads = 1;
	if (hosts->nr)
		run_threads(&st, nthreads);
	for (size_t i = 0; i < hosts->nr; i++) {
		if (st.s[i].failed) {
			error("%s: %s", st.s[i].host, st.s[i].failure.buf);
			failed = 1;
		}
		strbuf_release(&st.s[i].failure);
		pthread_mutex_destroy(&st.s[i].lock);
		free(st.s[i].shown);
	}
	free(st.s);
	if (remote_signal && !failed)
		error("interrupted");
	return failed || remote_signal ? -1 : 0;
}
