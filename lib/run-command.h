/*
 * run-command.h - the only way berth starts another program.
 *
 * Programs are started from an argv (never a shell string built from user
 * data). The caller's protocol:
 *  1. Fill a struct child_process (CHILD_PROCESS_INIT), push args.
 *  2. Either run_command() (inherits stdio), or capture_command() to collect
 *     stdout (and optionally stderr) into strbufs.
 *  3. child_process_clear() releases args/env.
 *
 * Return values: the child's exit status (0..255), 128+signal if it was
 * killed, or -1 (with an error printed) if it could not be started.
 *
 * run_parallel() runs many children at once and keeps each one's output
 * together, for "do X on every host".
 */
#ifndef BERTH_RUN_COMMAND_H
#define BERTH_RUN_COMMAND_H

#include "strbuf.h"
#include "strvec.h"
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
	pid_t pid;
};

#define CHILD_PROCESS_INIT { STRVEC_INIT, STRVEC_INIT, NULL, NULL, 0, 0, 0, 0, 0 }

void child_process_clear(struct child_process *cp);

int run_command(struct child_process *cp);
/* err may be NULL: stderr then goes to ours (or /dev/null if no_stderr). */
int capture_command(struct child_process *cp, struct strbuf *out, struct strbuf *err);

/* Convenience: run argv (NULL-terminated) and capture stdout. */
int capture_argv(const char **argv, struct strbuf *out);

struct parallel_result {
	int status;
	struct strbuf out; /* stdout and stderr, interleaved as written */
};

/*
 * Runs n children, at most max_jobs at a time (0: all at once). results
 * must hold n entries; each gets the child's status and combined output.
 * Returns 0 if every child exited 0, else -1.
 */
int run_parallel(struct child_process *children, size_t n, size_t max_jobs,
		 struct parallel_result *results);

#endif
