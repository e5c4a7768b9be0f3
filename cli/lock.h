/*
 * lock.h - the deploy lock (cli/lock.c), for the commands that manage it.
 */
#ifndef BERTH_CLI_LOCK_H
#define BERTH_CLI_LOCK_H

#include "cli.h"

/* mkdir -p .kamal on every selected host (Kamal's ensure_run_directory). */
int cli_ensure_run_directory(struct cli_context *ctx);
/* Takes the lock with message; -1 (reported) when held or on failure. */
int cli_take_lock(struct cli_context *ctx, const char *message);
/* 0 released, 1 there was none, -1 failed. */
int cli_drop_lock(struct cli_context *ctx);
/* 1 with the details in out, 0 no lock, -1 failed. */
int cli_lock_status(struct cli_context *ctx, struct strbuf *out);
/* Prints the details and how long the lock has been held. */
void cli_show_holder(const struct strbuf *status);

#endif
