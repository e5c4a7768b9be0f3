/* cmd-db.c - `berth db ...`: placeholder until the restore tool lands. */
#include "cli.h"
#include "commands.h"

const struct cli_verb db_verbs[] = {
	{ "restore", NULL, "restore [OPTIONS]", "Restore the newest dump: core tables live first, large tables after the swap" },
	{ NULL, NULL, NULL, NULL },
};
