#include "run-command.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

void child_process_clear(struct child_process *cp)
{
	strvec_clear(&cp->args);
	strvec_clear(&cp->env);
}

static void apply_env(const struct strvec *env)
{
	for (size_t i = 0; i < env->nr; i++) {
		const char *eq = strchr(env->v[i], '=');
		if (eq) {
			char *name = xstrndup(env->v[i], (size_t)(eq - env->v[i]));
			setenv(name, eq + 1, 1);
			free(name);
		} else {
			unsetenv(env->v[i]);
		}
	}
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return error_errno("waitpid");
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * Forks the child with stdout -> out_fd, stderr -> err_fd (-1: inherit),
 * stdin from in_fd (-1: /dev/null or inherited). The exec error is reported
 * through a close-on-exec pipe so "command not found" is the parent's error.
 */
static int spawn(struct child_process *cp, int in_fd, int out_fd, int err_fd)
{
	int notify[2];
	int child_errno = 0;
	ssize_t n;

	if (!cp->args.nr)
		return error("run-command: empty argv");
	if (pipe2(notify, O_CLOEXEC) < 0)
		return error_errno("pipe");
	fflush(NULL);
	cp->pid = fork();
	if (cp->pid < 0) {
		close(notify[0]);
		close(notify[1]);
		return error_errno("fork");
	}
	if (!cp->pid) {
		int null = open("/dev/null", O_RDWR);
		signal(SIGPIPE, SIG_DFL);
		if (in_fd >= 0)
			dup2(in_fd, 0);
		else if (!cp->inherit_stdin)
			dup2(null, 0);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		else if (cp->no_stderr)
			dup2(null, 2);
		if (cp->dir && chdir(cp->dir) < 0)
			goto fail;
		apply_env(&cp->env);
		execvp(cp->args.v[0], (char *const *)cp->args.v);
	fail:
		child_errno = errno;
		n = write(notify[1], &child_errno, sizeof(child_errno));
		(void)n;
		_exit(127);
	}
	close(notify[1]);
	n = read(notify[0], &child_errno, sizeof(child_errno));
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

int run_command(struct child_process *cp)
{
	int in[2] = { -1, -1 };
	int r;
	if (cp->stdin_data && pipe(in) < 0)
		return error_errno("pipe");
	r = spawn(cp, in[0], -1, -1);
	if (in[0] >= 0)
		close(in[0]);
	if (r < 0) {
		if (in[1] >= 0)
			close(in[1]);
		return -1;
	}
	if (in[1] >= 0) {
		size_t off = 0;
		signal(SIGPIPE, SIG_IGN);
		while (off < cp->stdin_len) {
			ssize_t w = write(in[1], cp->stdin_data + off, cp->stdin_len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(in[1]);
	}
	return wait_status(cp->pid);
}

/* Pumps stdin_data in and both pipes out until all are closed. */
static void pump(struct child_process *cp, int in_fd, int out_fd, int err_fd,
		 struct strbuf *out, struct strbuf *err)
{
	size_t off = 0;
	struct pollfd p[3];
	char buf[8192];

	for (;;) {
		int nfds = 0, io = -1, oo = -1, eo = -1;
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
		if (!nfds)
			return;
		if (poll(p, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (io >= 0 && p[io].revents) {
			ssize_t w = write(in_fd, cp->stdin_data + off, cp->stdin_len - off);
			if (w > 0)
				off += (size_t)w;
			if (w <= 0 || off >= cp->stdin_len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (oo >= 0 && p[oo].revents) {
			ssize_t r = read(out_fd, buf, sizeof(buf));
			if (r > 0)
				strbuf_add(out, buf, (size_t)r);
			else {
				close(out_fd);
				out_fd = -1;
			}
		}
		if (eo >= 0 && p[eo].revents) {
			ssize_t r = read(err_fd, buf, sizeof(buf));
			if (r > 0)
				strbuf_add(err, buf, (size_t)r);
			else {
				close(err_fd);
				err_fd = -1;
			}
		}
	}
}

int capture_command(struct child_process *cp, struct strbuf *out, struct strbuf *err)
{
	int in[2] = { -1, -1 }, o[2], e[2] = { -1, -1 };
	void (*old)(int);
	int r;

	if (cp->stdin_data && pipe2(in, O_CLOEXEC) < 0)
		return error_errno("pipe");
	if (pipe2(o, O_CLOEXEC) < 0 || (err && pipe2(e, O_CLOEXEC) < 0))
		return error_errno("pipe");
	r = spawn(cp, in[0], o[1], e[1]);
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

int run_parallel(struct child_process *children, size_t n, size_t max_jobs,
		 struct parallel_result *results)
{
	size_t next = 0, running = 0, done = 0;
	int *fds = xcalloc(n, sizeof(int));
	int failed = 0;

	if (!max_jobs)
		max_jobs = n;
	for (size_t i = 0; i < n; i++) {
		strbuf_init(&results[i].out, 0);
		results[i].status = -1;
		fds[i] = -1;
	}
	while (done < n) {
		struct pollfd *p;
		size_t *idx, np = 0;
		while (running < max_jobs && next < n) {
			int pipefd[2];
			size_t i = next++;
			if (pipe2(pipefd, O_CLOEXEC) < 0) {
				results[i].status = -1;
				failed = 1;
				done++;
				continue;
			}
			if (spawn(&children[i], -1, pipefd[1], pipefd[1]) < 0) {
				close(pipefd[0]);
				close(pipefd[1]);
				results[i].status = -1;
				failed = 1;
				done++;
				continue;
			}
			close(pipefd[1]);
			fds[i] = pipefd[0];
			running++;
		}
		if (!running)
			continue;
		p = xcalloc(running, sizeof(*p));
		idx = xcalloc(running, sizeof(*idx));
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0) {
				p[np] = (struct pollfd){ fds[i], POLLIN, 0 };
				idx[np++] = i;
			}
		if (poll(p, np, -1) > 0) {
			for (size_t k = 0; k < np; k++) {
				char buf[8192];
				ssize_t r;
				size_t i = idx[k];
				if (!p[k].revents)
					continue;
				r = read(fds[i], buf, sizeof(buf));
				if (r > 0) {
					strbuf_add(&results[i].out, buf, (size_t)r);
					continue;
				}
				close(fds[i]);
				fds[i] = -1;
				results[i].status = wait_status(children[i].pid);
				if (results[i].status)
					failed = 1;
				running--;
				done++;
			}
		}
		free(p);
		free(idx);
	}
	free(fds);
	return failed ? -1 : 0;
}
