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

/*
 * Prints VERB's usage and every option it takes, from the table its parser
 * reads, so the two cannot drift. -1 for an unknown verb.
 */
int db_usage(const char *program, const char *verb, FILE *fp);

/*
 * For berth-db's main(): answers "[--global=...] db VERB ... --help" with
 * db_usage() and returns 1, else 0. berth's dispatcher would answer --help
 * with the verb's one-line usage, without the options.
 */
int db_answer_help(int argc, const char **argv);

#endif
