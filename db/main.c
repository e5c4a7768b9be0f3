/*
 * berth-db - berth's `db` commands, in their own program so that berth
 * itself never loads libpq and libcurl (db/command.h says why).
 *
 * It takes berth's whole command line; berth execs it for `berth db ...`.
 */
#include "cli/cli.h"
#include "db/command.h"

int main(int argc, const char **argv)
{
	cli_db_command = db_command;
	if (db_answer_help(argc, argv))
		return 0;
	return cli_main(argc, argv);
}
