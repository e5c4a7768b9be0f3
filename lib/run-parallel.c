/*
 * run-parallel.c - run_processes_parallel(): many children at once, each
 * one's output kept together, timeouts, and a clean stop on Ctrl-C (the
 * contract is in run-command.h).
 *
 * One poll loop serves every running child: it writes each child's stdin
 * as the pipe takes it, reads stdout and stderr into that child's own
 * buffers, and reaps children as they exit. A child is finished when it
 * has exited; its pipes are then drained of what is already there and
 * closed, rather than read to EOF, because a daemon it left behind (an
 * ssh ControlMaster, say) may hold them open for minutes.
 */
#include "run-command.h"
#include "run-command-int.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The grace between SIGTERM and SIGKILL for a child being stopped. */
#define KILL_GRACE_MS 2000
/* How often exited children whose pipes stay open are looked for. */
#define REAP_TICK_MS 100

struct slot {
	struct child_process cp;
	void *task_cb;
	int in, out, err;       /* -1 once closed */
	size_t in_off;
	size_t line_start[2];   /* streaming: where the next line of out/err begins */
	long started, deadline, kill_at;
	int exited;
	struct child_output res;
};

struct pp {
	const struct run_parallel_opts *o;
	struct slot *slots;
	size_t nr, alloc, max;
	int no_more, failed;
};

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void stream_lines(struct pp *pp, struct slot *s, int is_err, int flush)
{
	struct strbuf *sb = is_err ? &s->res.err : &s->res.out;
	size_t *start = &s->line_start[is_err];

	if (!pp->o->stream || !pp->o->on_line)
		return;
	for (;;) {
		char *nl = memchr(sb->buf + *start, '\n', sb->len - *start);
		if (!nl) {
			if (flush && *start < sb->len) {
				char *rest = xstrndup(sb->buf + *start, sb->len - *start);
				pp->o->on_line(rest, is_err, pp->o->data, s->task_cb);
				free(rest);
				*start = sb->len;
			}
			return;
		}
		*nl = '\0';
		pp->o->on_line(sb->buf + *start, is_err, pp->o->data, s->task_cb);
		*nl = '\n';
		*start = (size_t)(nl - sb->buf) + 1;
	}
}

/* Reads what is there; closes the pipe at EOF (or, once exited, when dry). */
static void read_pipe(struct pp *pp, struct slot *s, int is_err)
{
	int *fd = is_err ? &s->err : &s->out;
	struct strbuf *sb = is_err ? &s->res.err : &s->res.out;
	char buf[16384];

	while (*fd >= 0) {
		ssize_t r = read(*fd, buf, sizeof(buf));
		if (r > 0) {
			strbuf_add(sb, buf, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN && !s->exited)
			break;
		close(*fd);
		*fd = -1;
	}
	stream_lines(pp, s, is_err, *fd < 0);
}

static void write_stdin(struct slot *s)
{
	while (s->in >= 0 && s->in_off < s->cp.stdin_len) {
		ssize_t w = write(s->in, s->cp.stdin_data + s->in_off, s->cp.stdin_len - s->in_off);
		if (w > 0) {
			s->in_off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		break; /* EPIPE: the child does not want the rest */
	}
	if (s->in >= 0) {
		close(s->in);
		s->in = -1;
	}
}

static int nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int start_one(struct pp *pp, struct slot *s)
{
	int in[2] = { -1, -1 }, o[2], e[2];
	struct child_process *cp = &s->cp;

	if (cp->stdin_data && pipe2(in, O_CLOEXEC) < 0)
		return error_errno("pipe");
	if (pipe2(o, O_CLOEXEC) < 0) {
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		return error_errno("pipe");
	}
	if (pipe2(e, O_CLOEXEC) < 0) {
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		close(o[0]);
		close(o[1]);
		return error_errno("pipe");
	}
	cp->new_process_group = 1;
	if (run_command_spawn(cp, in[0], o[1], e[1]) < 0) {
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		close(o[0]);
		close(o[1]);
		close(e[0]);
		close(e[1]);
		return -1;
	}
	if (in[0] >= 0)
		close(in[0]);
	close(o[1]);
	close(e[1]);
	s->in = in[1];
	s->out = o[0];
	s->err = e[0];
	nonblocking(s->out);
	nonblocking(s->err);
	if (s->in >= 0)
		nonblocking(s->in);
	s->started = now_ms();
	s->deadline = pp->o->timeout_ms > 0 ? s->started + pp->o->timeout_ms : 0;
	return 0;
}

static void finish(struct pp *pp, size_t i)
{
	struct slot *s = &pp->slots[i];
	int r;

	s->res.elapsed_ms = now_ms() - s->started;
	/* A child stopped by our Ctrl-C ends like any other: say so before its callback. */
	if (caught && pp->o->interrupted)
		*pp->o->interrupted = caught;
	if (pp->o->task_finished)
		r = pp->o->task_finished(&s->res, pp->o->data, s->task_cb);
	else
		r = s->res.status ? -1 : 0;
	if (r)
		pp->failed = 1;
	strbuf_release(&s->res.out);
	strbuf_release(&s->res.err);
	child_process_clear(&s->cp);
	pp->slots[i] = pp->slots[--pp->nr];
}

/* Asks for tasks until the limit is reached or there are none. */
static void fill(struct pp *pp)
{
	while (!pp->no_more && !caught && (!pp->max || pp->nr < pp->max)) {
		struct slot *s;
		ALLOC_GROW(pp->slots, pp->nr + 1, pp->alloc);
		s = &pp->slots[pp->nr];
		memset(s, 0, sizeof(*s));
		s->cp = (struct child_process)CHILD_PROCESS_INIT;
		s->in = s->out = s->err = -1;
		strbuf_init(&s->res.out, 0);
		strbuf_init(&s->res.err, 0);
		if (!pp->o->get_next_task(&s->cp, pp->o->data, &s->task_cb)) {
			child_process_clear(&s->cp);
			pp->no_more = 1;
			return;
		}
		pp->nr++;
		if (start_one(pp, s) < 0) {
			s->res.status = -1;
			s->started = now_ms();
			finish(pp, pp->nr - 1);
		}
	}
}

static void stop_child(struct slot *s, long now, int timed_out)
{
	if (s->exited || s->kill_at)
		return;
	kill(-s->cp.pid, SIGTERM);
	s->kill_at = now + KILL_GRACE_MS;
	s->res.timed_out |= timed_out;
}

/* Timeouts, interruption and the SIGKILL after the grace. */
static void police(struct pp *pp, long now)
{
	for (size_t i = 0; i < pp->nr; i++) {
		struct slot *s = &pp->slots[i];
		if (caught)
			stop_child(s, now, 0);
		else if (s->deadline && now >= s->deadline)
			stop_child(s, now, 1);
		if (s->kill_at && now >= s->kill_at && !s->exited) {
			kill(-s->cp.pid, SIGKILL);
			s->kill_at = now + 60000;
		}
	}
}

static int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static void reap(struct pp *pp)
{
	for (size_t i = 0; i < pp->nr;) {
		struct slot *s = &pp->slots[i];
		int status;
		if (!s->exited && waitpid(s->cp.pid, &status, WNOHANG) == s->cp.pid) {
			run_command_reaped(s->cp.pid);
			s->exited = 1;
			s->res.status = decode_status(status);
			/* A group member left behind is not ours to keep. */
			if (s->kill_at)
				kill(-s->cp.pid, SIGKILL);
		}
		if (s->exited) {
			read_pipe(pp, s, 0);
			read_pipe(pp, s, 1);
			if (s->in >= 0) {
				close(s->in);
				s->in = -1;
			}
			finish(pp, i);
			continue;
		}
		i++;
	}
}

static long poll_timeout(struct pp *pp, long now)
{
	long t = REAP_TICK_MS;
	for (size_t i = 0; i < pp->nr; i++) {
		const struct slot *s = &pp->slots[i];
		long until = s->kill_at ? s->kill_at : s->deadline;
		if (until && until - now < t)
			t = until - now < 0 ? 0 : until - now;
	}
	return t;
}

static void wait_events(struct pp *pp)
{
	struct pollfd *p = xcalloc(pp->nr * 3 + 1, sizeof(*p));
	size_t np = 0;
	long now = now_ms();

	for (size_t i = 0; i < pp->nr; i++) {
		struct slot *s = &pp->slots[i];
		if (s->in >= 0)
			p[np++] = (struct pollfd){ s->in, POLLOUT, 0 };
		if (s->out >= 0)
			p[np++] = (struct pollfd){ s->out, POLLIN, 0 };
		if (s->err >= 0)
			p[np++] = (struct pollfd){ s->err, POLLIN, 0 };
	}
	if (poll(p, np, (int)poll_timeout(pp, now)) > 0) {
		for (size_t i = 0; i < pp->nr; i++) {
			struct slot *s = &pp->slots[i];
			if (s->in >= 0)
				write_stdin(s);
			if (s->out >= 0)
				read_pipe(pp, s, 0);
			if (s->err >= 0)
				read_pipe(pp, s, 1);
		}
	}
	free(p);
}

int run_processes_parallel(const struct run_parallel_opts *opts)
{
	struct pp pp = { opts, NULL, 0, 0, opts->processes, 0, 0 };
	struct sigaction sa, old_int, old_term, old_hup, old_pipe;

	caught = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);

	fill(&pp);
	while (pp.nr) {
		wait_events(&pp);
		police(&pp, now_ms());
		reap(&pp);
		fill(&pp);
	}
	free(pp.slots);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (opts->interrupted)
		*opts->interrupted = caught;
	return pp.failed || caught ? -1 : 0;
}

/* ---- run_parallel(): the simple form over prepared children ---- */

struct simple {
	struct child_process *children;
	struct parallel_result *results;
	size_t n, next;
};

static int simple_next(struct child_process *cp, void *data, void **task_cb)
{
	struct simple *s = data;
	struct child_process *src;
	if (s->next >= s->n)
		return 0;
	src = &s->children[s->next];
	strvec_pushvec(&cp->args, &src->args);
	strvec_pushvec(&cp->env, &src->env);
	cp->dir = src->dir;
	cp->stdin_data = src->stdin_data;
	cp->stdin_len = src->stdin_len;
	cp->silent_exec_failure = src->silent_exec_failure;
	cp->die_with_parent = src->die_with_parent;
	*task_cb = &s->results[s->next++];
	return 1;
}

static int simple_done(struct child_output *res, void *data, void *task_cb)
{
	struct parallel_result *r = task_cb;
	r->status = res->status;
	strbuf_addbuf(&r->out, &res->out);
	strbuf_addbuf(&r->out, &res->err);
	return res->status ? -1 : 0;
}

int run_parallel(struct child_process *children, size_t n, size_t max_jobs,
		 struct parallel_result *results)
{
	struct simple s = { children, results, n, 0 };
	struct run_parallel_opts o = { 0 };

	for (size_t i = 0; i < n; i++) {
		strbuf_init(&results[i].out, 0);
		results[i].status = -1;
	}
	o.processes = max_jobs;
	o.get_next_task = simple_next;
	o.task_finished = simple_done;
	o.data = &s;
	return run_processes_parallel(&o);
}
