/*
 * run-command.c - starting children: one at a time (run, capture) and many
 * at once (run_processes_parallel). The contract is in run-command.h.
 */
#include "run-command.h"
#include "run-command-int.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/*
 * Children in their own process group, so that run_command_signal_groups()
 * can stop every one of them (and what they started) on Ctrl-C, whichever
 * thread started them.
 */
static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *groups;
static size_t groups_nr, groups_alloc;

volatile sig_atomic_t run_command_stopping;

/* Under the lock that run_command_signal_groups() takes: no child slips between. */
static void group_add(pid_t pid)
{
	pthread_mutex_lock(&groups_lock);
	ALLOC_GROW(groups, groups_nr + 1, groups_alloc);
	groups[groups_nr++] = pid;
	if (run_command_stopping)
		kill(-pid, SIGTERM);
	pthread_mutex_unlock(&groups_lock);
}

void run_command_reaped(pid_t pid)
{
	pthread_mutex_lock(&groups_lock);
	for (size_t i = 0; i < groups_nr; i++)
		if (groups[i] == pid) {
			groups[i] = groups[--groups_nr];
			break;
		}
	pthread_mutex_unlock(&groups_lock);
}

void run_command_signal_groups(int sig)
{
	pthread_mutex_lock(&groups_lock);
	run_command_stopping = 1;
	for (size_t i = 0; i < groups_nr; i++)
		kill(-groups[i], sig);
	pthread_mutex_unlock(&groups_lock);
}

void child_process_clear(struct child_process *cp)
{
	strvec_clear(&cp->args);
	strvec_clear(&cp->env);
}

/* The child's environment, built before fork: ours with cp->env applied. */
static void build_env(const struct child_process *cp, struct strvec *envp)
{
	for (char **e = environ; *e; e++) {
		int dropped = 0;
		for (size_t i = 0; i < cp->env.nr && !dropped; i++) {
			const char *name = cp->env.v[i];
			size_t n = strcspn(name, "=");
			dropped = !strncmp(*e, name, n) && (*e)[n] == '=';
		}
		if (!dropped)
			strvec_push(envp, *e);
	}
	for (size_t i = 0; i < cp->env.nr; i++)
		if (strchr(cp->env.v[i], '='))
			strvec_push(envp, cp->env.v[i]);
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return error_errno("waitpid");
	}
	run_command_reaped(pid);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * In the child: put src on target. Sources are first moved above 2 so that
 * one target never clobbers another source, and a source that already is
 * its target (a pipe that got fd 0 because ours was closed) loses its
 * close-on-exec flag instead of being dup'ed onto itself.
 */
static void child_fds(int in_fd, int out_fd, int err_fd)
{
	int src[3] = { in_fd, out_fd, err_fd };
	for (int t = 0; t < 3; t++)
		if (src[t] >= 0 && src[t] < 3)
			src[t] = fcntl(src[t], F_DUPFD_CLOEXEC, 3);
	for (int t = 0; t < 3; t++)
		if (src[t] >= 0)
			dup2(src[t], t);
}

static void child_signals(void)
{
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * Forks the child with stdout -> out_fd, stderr -> err_fd (-1: inherit),
 * stdin from in_fd (-1: /dev/null or inherited). The exec error is reported
 * through a close-on-exec pipe so "command not found" is the parent's error.
 */
int run_command_spawn(struct child_process *cp, int in_fd, int out_fd, int err_fd)
{
	struct strvec envp = STRVEC_INIT;
	pid_t parent = getpid();
	sigset_t stops, old_mask;
	int notify[2], null;
	int child_errno = 0;
	ssize_t n;

	if (!cp->args.nr)
		return error("run-command: empty argv");
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return error_errno("cannot open /dev/null");
	if (pipe2(notify, O_CLOEXEC) < 0) {
		close(null);
		return error_errno("pipe");
	}
	build_env(cp, &envp);
	fflush(NULL);
	stop_signals(&stops);
	pthread_sigmask(SIG_BLOCK, &stops, &old_mask);
	cp->pid = fork();
	if (cp->pid < 0) {
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		close(notify[0]);
		close(notify[1]);
		close(null);
		strvec_clear(&envp);
		return error_errno("fork");
	}
	if (!cp->pid) {
		child_signals();
		if (cp->new_process_group)
			setpgid(0, 0);
		/*
		 * If berth died between fork() and prctl(), the signal will
		 * never come: the child has been reparented, so it goes now.
		 */
		if (cp->die_with_parent &&
		    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
			_exit(128 + SIGKILL);
		if (in_fd < 0 && !cp->inherit_stdin)
			in_fd = null;
		if (err_fd < 0 && cp->no_stderr)
			err_fd = null;
		child_fds(in_fd, out_fd, err_fd);
		/* Descriptors berth itself inherited open go no further. */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		if (cp->dir && chdir(cp->dir) < 0)
			goto fail;
		execvpe(cp->args.v[0], (char *const *)cp->args.v, (char *const *)envp.v);
	fail:
		child_errno = errno;
		n = write(notify[1], &child_errno, sizeof(child_errno));
		(void)n;
		_exit(127);
	}
	/* Also here, so that a signal sent before the child ran reaches its group. */
	if (cp->new_process_group) {
		setpgid(cp->pid, cp->pid);
		group_add(cp->pid);
	}
	/* A handler run now finds cp->pid set (run_command_stopping). */
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	strvec_clear(&envp);
	close(null);
	close(notify[1]);
	while ((n = read(notify[0], &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
		;
	close(notify[0]);
	if (n == sizeof(child_errno)) {
		wait_status(cp->pid);
		errno = child_errno;
		if (!cp->silent_exec_failure)
			error_errno("cannot run '%s'", cp->args.v[0]);
		return -1;
	}
	return 0;
}

static void write_all_ignoring_sigpipe(int fd, const char *data, size_t len)
{
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	signal(SIGPIPE, old);
}

int run_command(struct child_process *cp)
{
	int in[2] = { -1, -1 };
	int r;
	if (cp->stdin_data && pipe2(in, O_CLOEXEC) < 0)
		return error_errno("pipe");
	r = run_command_spawn(cp, in[0], -1, -1);
	if (in[0] >= 0)
		close(in[0]);
	if (r < 0) {
		if (in[1] >= 0)
			close(in[1]);
		return -1;
	}
	if (in[1] >= 0) {
		write_all_ignoring_sigpipe(in[1], cp->stdin_data, cp->stdin_len);
		close(in[1]);
	}
	return wait_status(cp->pid);
}

/* Reads what fd has; closes it at EOF (or, once the child is gone, when dry). */
static void drain(int *fd, struct strbuf *sb, int exited)
{
	char buf[8192];

	while (*fd >= 0) {
		ssize_t r = read(*fd, buf, sizeof(buf));
		if (r > 0) {
			strbuf_add(sb, buf, (size_t)r);
			if (!exited)
				return;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN && !exited)
			return;
		close(*fd);
		*fd = -1;
	}
}

/*
 * Pumps stdin_data in and both pipes out until the pipes close or the
 * child is gone. The child's end matters, not only EOF: an ssh client
 * run over a ControlMaster hands its descriptors to the master, which
 * keeps the pipes open as long as the remote command runs, even after
 * the client was killed (Ctrl-C); a daemon a command left behind does
 * the same. pidfd (Linux 5.3) says when the child itself has exited.
 */
static void pump(struct child_process *cp, int in_fd, int out_fd, int err_fd,
		 struct strbuf *out, struct strbuf *err)
{
	size_t off = 0;
	struct pollfd p[4];
	int pidfd = (int)syscall(SYS_pidfd_open, cp->pid, 0), exited = 0;

	for (;;) {
		int nfds = 0, io = -1, oo = -1, eo = -1, po = -1;
		if (in_fd >= 0) {
			p[nfds] = (struct pollfd){ in_fd, POLLOUT, 0 };
			io = nfds++;
		}
		if (out_fd >= 0) {
			p[nfds] = (struct pollfd){ out_fd, POLLIN, 0 };
			oo = nfds++;
		}
		if (err_fd >= 0) {
			p[nfds] = (struct pollfd){ err_fd, POLLIN, 0 };
			eo = nfds++;
		}
		if (out_fd < 0 && err_fd < 0 && (in_fd < 0 || exited))
			break;
		if (pidfd >= 0 && !exited) {
			p[nfds] = (struct pollfd){ pidfd, POLLIN, 0 };
			po = nfds++;
		}
		if (poll(p, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (io >= 0 && p[io].revents) {
			ssize_t w = write(in_fd, cp->stdin_data + off, cp->stdin_len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EINTR && errno != EAGAIN) || w == 0 ||
			    off >= cp->stdin_len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (po >= 0 && p[po].revents) {
			exited = 1;
			if (out_fd >= 0)
				fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
			if (err_fd >= 0)
				fcntl(err_fd, F_SETFL, fcntl(err_fd, F_GETFL) | O_NONBLOCK);
		}
		if (out_fd >= 0 && (exited || (oo >= 0 && p[oo].revents)))
			drain(&out_fd, out, exited);
		if (err_fd >= 0 && (exited || (eo >= 0 && p[eo].revents)))
			drain(&err_fd, err, exited);
	}
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (pidfd >= 0)
		close(pidfd);
}

static void close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

int capture_command(struct child_process *cp, struct strbuf *out, struct strbuf *err)
{
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, e[2] = { -1, -1 };
	void (*old)(int);
	int r;

	if ((cp->stdin_data && pipe2(in, O_CLOEXEC) < 0) || pipe2(o, O_CLOEXEC) < 0 ||
	    (err && pipe2(e, O_CLOEXEC) < 0)) {
		r = error_errno("pipe");
		close_pair(in);
		close_pair(o);
		close_pair(e);
		return r;
	}
	r = run_command_spawn(cp, in[0], o[1], e[1]);
	if (in[0] >= 0)
		close(in[0]);
	close(o[1]);
	if (e[1] >= 0)
		close(e[1]);
	if (r < 0) {
		if (in[1] >= 0)
			close(in[1]);
		close(o[0]);
		if (e[0] >= 0)
			close(e[0]);
		return -1;
	}
	old = signal(SIGPIPE, SIG_IGN);
	pump(cp, in[1], o[0], e[0], out, err);
	signal(SIGPIPE, old);
	return wait_status(cp->pid);
}

int capture_argv(const char **argv, struct strbuf *out)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;
	strvec_pushv(&cp.args, argv);
	r = capture_command(&cp, out, NULL);
	child_process_clear(&cp);
	return r;
}
