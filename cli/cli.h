/*
 * cli.h - what every berth command receives.
 *
 * cli/run.c parses Kamal's global options wherever they appear on the
 * command line (Thor accepts them anywhere before "--"), expands aliases
 * from the config, and calls the command's function with the remaining
 * words: argv[0] is the command name, then its own arguments and options.
 *
 * A command returns its exit status (0 success, 1 failure, 2 usage) or
 * calls die(). Commands that need the configuration call cli_load_config().
 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include "compat.h"

struct config;

struct cli_context {
	const char *program;     /* "berth", or "kamal" when invoked so */
	const char *destination; /* -d/--destination */
	const char *config_file; /* -c/--config-file, default config/deploy.yml */
	const char *version;     /* --version=VERSION */
	const char *roles;       /* -r/--roles, comma-separated, * wildcards */
	const char *hosts;       /* -h/--hosts, comma-separated, * wildcards */
	int primary;             /* -p/--primary */
	int verbose;             /* -v/--verbose */
	int quiet;               /* -q/--quiet */
	int skip_hooks;          /* -H/--skip-hooks */
	struct config *config;   /* loaded on demand, owned by main */
};

typedef int (*cli_fn)(int argc, const char **argv, struct cli_context *ctx);

/*
 * A verb of a command group (app, accessory, secrets, ...). The table ends
 * with a { NULL } entry. fn NULL means "not implemented yet": it is left out
 * of help and answers with a clear non-zero exit.
 */
struct cli_verb {
	const char *name;
	cli_fn fn;
	const char *usage;   /* e.g. "print" or "extract NAME [SECRETS]" */
	const char *summary; /* one line for help */
};

/* Dispatches argv[1] through verbs; prints group help for none or "help". */
int cli_run_group(const char *group, const struct cli_verb *verbs, int argc,
		  const char **argv, struct cli_context *ctx);

/* Loads config/deploy.yml (+ destination) once; dies with located errors. */
struct config *cli_load_config(struct cli_context *ctx);

/* Whether argv holds --help (commands print their usage then). */
int cli_wants_help(int argc, const char **argv);

/* The commands, one per file cli/cmd-<name>.c. */
int cmd_help(int argc, const char **argv, struct cli_context *ctx);
int cmd_version(int argc, const char **argv, struct cli_context *ctx);
int cmd_init(int argc, const char **argv, struct cli_context *ctx);
int cmd_config(int argc, const char **argv, struct cli_context *ctx);
int cmd_secrets(int argc, const char **argv, struct cli_context *ctx);

/* The whole program: parses argv (argv[0] names it) and runs the command. */
int cli_main(int argc, const char **argv);

/*
 * The `db` verbs' implementation. NULL in berth, which then execs berth-db
 * (found beside its own executable) with the same command line; berth-db
 * sets it before calling cli_main().
 */
extern cli_fn cli_db_command;

#endif
