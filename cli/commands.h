/*
 * commands.h - the table of berth's top-level commands.
 */
#ifndef BERTH_COMMANDS_H
#define BERTH_COMMANDS_H

#include "cli.h"

struct cli_command {
	const char *name;
	cli_fn fn;                /* NULL: known, not implemented yet */
	const struct cli_verb *verbs; /* for groups: their verbs, else NULL */
	const char *usage;        /* after the command name */
	const char *summary;
	const struct cli_option *options; /* as struct cli_verb */
	unsigned flags;
};

const struct cli_command *cli_find_command(const char *name);
int cli_run_command(const struct cli_command *cmd, int argc, const char **argv,
		    struct cli_context *ctx);

/* For help: the whole table, ending with a { NULL } entry. */
extern const struct cli_command cli_commands[];

/* Verb tables of the groups that have implemented verbs, one per cli/cmd-<group>.c. */
extern const struct cli_verb secrets_verbs[];
extern const struct cli_verb db_verbs[];
extern const struct cli_verb lock_verbs[];
extern const struct cli_verb server_verbs[];
extern const struct cli_verb prune_verbs[];
extern const struct cli_verb registry_verbs[];
extern const struct cli_verb build_verbs[];
extern const struct cli_verb proxy_verbs[];
extern const struct cli_verb app_verbs[];
extern const struct cli_verb accessory_verbs[];

#define BERTH_VERSION "0.1.0"
/* The Kamal release whose behaviour berth follows. */
#define BERTH_KAMAL_VERSION "2.12.0"

#endif
