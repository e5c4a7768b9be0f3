/*
 * command.h - the `db` verbs' implementation, linked only into berth-db.
 *
 * berth keeps libpq and libcurl out of its own process (they cost more to
 * load than reading a whole config takes), so `berth db VERB ...` execs
 * berth-db, which runs the same command line with this function installed
 * as cli_db_command (see cli/db-forward.c).
 */
#ifndef BERTH_DB_COMMAND_H
#define BERTH_DB_COMMAND_H

#include "cli/cli.h"

/* argv[0] is the verb: restore, resume, undo or drop-old. */
int db_command(int argc, const char **argv, struct cli_context *ctx);

#endif
