/*
 * run-command-int.h - what run-command.c shares with run-parallel.c only.
 */
#ifndef BERTH_RUN_COMMAND_INT_H
#define BERTH_RUN_COMMAND_INT_H

#include "run-command.h"

/*
 * Forks and execs cp with stdin from in_fd (-1: /dev/null, or ours with
 * inherit_stdin), stdout to out_fd and stderr to err_fd (-1: ours, or
 * /dev/null with no_stderr). 0 once the child runs the program, -1 if it
 * could not be started (reported unless silent_exec_failure).
 */
int run_command_spawn(struct child_process *cp, int in_fd, int out_fd, int err_fd);

/* A child reaped outside wait_status(): forget its process group. */
void run_command_reaped(pid_t pid);

#endif
