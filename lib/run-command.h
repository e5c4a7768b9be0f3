/*
 * run-command.h - the only way berth starts another program.
 *
 * Programs are started from an argv (never a shell string built from user
 * data). The caller's protocol:
 *  1. Fill a struct child_process (CHILD_PROCESS_INIT), push args (and env).
 *  2. Either run_command() (inherits stdout and stderr), or
 *     capture_command() to collect stdout (and optionally stderr) into
 *     strbufs, or hand many to run_processes_parallel().
 *  3. child_process_clear() releases args/env.
 *
 * Return values: the child's exit status (0..255), 128+signal if it was
 * killed, or -1 (with an error printed unless silent_exec_failure) if it
 * could not be started.
 *
 * Guarantees, for every way of starting a child:
 *  - the child gets exactly fds 0, 1 and 2: every descriptor berth opens is
 *    close-on-exec, including the write end of the child's own stdin pipe,
 *    so a child that reads stdin to EOF sees EOF once stdin_data is written;
 *  - stdin is stdin_data if set, else /dev/null unless inherit_stdin;
 *  - the environment is built in the parent before fork (the child only
 *    dups descriptors, changes directory and execs: nothing that could
 *    deadlock on a lock another thread held at fork time);
 *  - signal dispositions and the signal mask are reset in the child;
 *    SIGPIPE is ignored in berth only while it writes a child's stdin.
 */
#ifndef BERTH_RUN_COMMAND_H
#define BERTH_RUN_COMMAND_H

#include "strbuf.h"
#include "strvec.h"
#include <signal.h>
#include <sys/types.h>

struct child_process {
	struct strvec args;
	struct strvec env;  /* "NAME=value" added, "NAME" removed */
	const char *dir;    /* chdir here first, if set */
	const char *stdin_data; /* fed to stdin if set, else /dev/null unless inherit_stdin */
	size_t stdin_len;
	unsigned inherit_stdin : 1;
	unsigned no_stderr : 1; /* send stderr to /dev/null */
	unsigned silent_exec_failure : 1;
	unsigned new_process_group : 1; /* setpgid(0, 0): signals to berth's group skip it */
	/*
	 * PR_SET_PDEATHSIG(SIGKILL): the child is killed when berth dies, even
	 * by SIGKILL. Linux sends it when the *thread* that forked exits, so
	 * only set it where that thread also waits for the child (all of
	 * run-command's own ways do).
	 */
	unsigned die_with_parent : 1;
	pid_t pid;
};

#define CHILD_PROCESS_INIT { STRVEC_INIT, STRVEC_INIT, NULL, NULL, 0, 0, 0, 0, 0, 0, 0 }

void child_process_clear(struct child_process *cp);

int run_command(struct child_process *cp);
/* err may be NULL: stderr then goes to ours (or /dev/null if no_stderr). */
int capture_command(struct child_process *cp, struct strbuf *out, struct strbuf *err);

/*
 * Sends sig to the process group of every running child started with
 * new_process_group (by any thread): how Ctrl-C stops them all. It also
 * sets run_command_stopping.
 */
void run_command_signal_groups(int sig);

/*
 * Set when berth is stopping (by run_command_signal_groups, or by a
 * signal handler: it is async-signal-safe to set): a child in its own
 * process group that starts from then on gets SIGTERM as soon as it
 * exists. Without it, a Ctrl-C that came while a child was being started
 * (its pid not known yet) left that child running, and berth waiting for
 * it. The signals SIGINT, SIGTERM and SIGHUP are blocked in the starting
 * thread from before fork() until the child's group is known, so a handler
 * run then finds its pid. Cleared for cleanup that must still run
 * commands (releasing the deploy lock).
 */
extern volatile sig_atomic_t run_command_stopping;

/* Convenience: run argv (NULL-terminated) and capture stdout. */
int capture_argv(const char **argv, struct strbuf *out);

/*
 * run_processes_parallel() - many children at once, git's shape.
 *
 * The runner asks get_next_task() for a child to start whenever fewer than
 * `processes` run; it returns 1 after filling cp (and may set *task_cb to
 * its own per-task pointer), or 0 when there is nothing more to start (the
 * runner then waits for the running ones; it asks again after each one
 * ends, so a task may depend on an earlier one's result).
 *
 * Output: each child's stdout and stderr are read into struct
 * child_output. Unless opts->stream is set, they are only kept, and
 * task_finished() gets them whole, so one host's output is never
 * interleaved with another's. With stream set, every complete line is
 * also handed to on_line() as it arrives (a line is never split; a last
 * line without newline is handed over when the child ends).
 *
 * Each child gets opts->timeout_ms (0: none): past it, the child's process
 * group is sent SIGTERM, then SIGKILL two seconds later, and
 * task_finished() sees timed_out set. Children are started in their own
 * process group, so that all of a child's descendants can be stopped.
 *
 * Interruption: while the runner runs, SIGINT, SIGTERM and SIGHUP are
 * caught; the first stops new starts and sends SIGTERM to every running
 * child's group (SIGKILL after two seconds), waits for them all, and the
 * runner returns -1 with *interrupted (opts->interrupted, if set) holding
 * the signal number, so the caller can clean up and then die. Berth's
 * previous handlers are restored before it returns.
 *
 * Returns 0 if every task_finished() returned 0 (or, without a callback,
 * every child exited 0), -1 otherwise.
 */
struct child_output {
	struct strbuf out;
	struct strbuf err;
	int status;     /* as run_command(); -1 if it could not start */
	int timed_out;
	long elapsed_ms;
};

struct run_parallel_opts {
	size_t processes;   /* at most this many at once; 0: no limit */
	long timeout_ms;    /* per child; 0: none */
	int stream;         /* hand lines to on_line as they come */
	int (*get_next_task)(struct child_process *cp, void *data, void **task_cb);
	int (*task_finished)(struct child_output *res, void *data, void *task_cb);
	/* is_err: the line came on stderr. line has no trailing newline. */
	void (*on_line)(const char *line, int is_err, void *data, void *task_cb);
	void *data;
	int *interrupted;   /* the signal that stopped the run, or 0; set before the stopped children's task_finished */
};

int run_processes_parallel(const struct run_parallel_opts *opts);

/* The simple form: n prepared children, at most max_jobs at once. */
struct parallel_result {
	int status;
	struct strbuf out; /* stdout then stderr of the child */
};
int run_parallel(struct child_process *children, size_t n, size_t max_jobs,
		 struct parallel_result *results);

#endif
