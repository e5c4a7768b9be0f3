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
#include "cli/options.h"

struct config;
struct config_accessory;

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
	int dry_run;             /* --dry-run (berth): print what would change hosts */
	int lock_wait;           /* --lock-wait (Kamal 2.12) */
	const char *lock_wait_timeout;  /* --lock-wait-timeout=SECONDS, default 900 */
	const char *lock_wait_interval; /* --lock-wait-interval=SECONDS, default 15 */
	struct config *config;   /* loaded on demand, owned by main */

	/* Set by dispatch for the running command (cli/commands.c). */
	const char *command;     /* "lock" (Kamal's KAMAL_COMMAND) */
	const char *subcommand;  /* "acquire", or NULL (KAMAL_SUBCOMMAND) */
	struct cli_args args;    /* its own options and positional words */
	int holding_lock;        /* we hold the deploy lock (KAMAL_LOCK=true also says so) */
	int connected;           /* the pre-connect hook has run */
	struct kamal *kamal;     /* the builders' context, once the config is loaded */
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
	const struct cli_option *options; /* parsed into ctx->args before fn, and shown by --help */
	unsigned flags;      /* CLI_* below */
};

/*
 * Capabilities, applied in one place (cli_run_verb) before the function
 * runs, as git's RUN_SETUP flags are:
 */
#define CLI_OWN_ARGS 1u  /* the function parses argv and answers --help itself */
#define CLI_REMOTE 2u    /* talks to hosts: config loaded, ssh set up, hosts selected */
#define CLI_LOCK 4u      /* runs holding the deploy lock (Kamal's modify(lock: true)) */
#define CLI_HIDDEN 8u    /* left out of the group's help, as Thor's hide: true */

/* Dispatches argv[1] through verbs; prints group help for none or "help". */
int cli_run_group(const char *group, const struct cli_verb *verbs, int argc,
		  const char **argv, struct cli_context *ctx);

/* Loads config/deploy.yml (+ destination) once; dies with located errors. */
struct config *cli_load_config(struct cli_context *ctx);

/* Whether argv holds --help (commands print their usage then). */
int cli_wants_help(int argc, const char **argv);

/* The builders' context for this run (config, version, performer, time). */
struct kamal *cli_kamal(struct cli_context *ctx);

/*
 * The hosts a command acts on, as Kamal's KAMAL.hosts and friends: -h/-r/-p
 * applied (wildcards with *, {a,b}), primary role's hosts first. Dies with
 * Kamal's "No --hosts match for ..." when a filter matches nothing.
 */
void cli_hosts(struct cli_context *ctx, struct strvec *out);
void cli_proxy_hosts(struct cli_context *ctx, struct strvec *out);
void cli_app_hosts(struct cli_context *ctx, struct strvec *out);
void cli_accessory_hosts(struct cli_context *ctx, struct strvec *out);
const char *cli_primary_host(struct cli_context *ctx);

/* Sets up ssh from the config (once); dies on error. */
void cli_remote(struct cli_context *ctx);

/* Kamal's with_lock: acquire (unless held), then release; 0/-1. */
int cli_acquire_lock(struct cli_context *ctx, const char *message);
int cli_release_lock(struct cli_context *ctx);
/*
 * fn(ctx, data) under the deploy lock: taken and released here, unless the
 * run holds it already (setup around deploy, deploy around accessory boot),
 * whose holder releases it. fn's result, or -1 when the lock failed.
 */
int cli_with_lock(struct cli_context *ctx, int (*fn)(struct cli_context *, void *), void *data);

/* The commands, one per file cli/cmd-<name>.c. */
int cmd_help(int argc, const char **argv, struct cli_context *ctx);
int cmd_version(int argc, const char **argv, struct cli_context *ctx);
int cmd_init(int argc, const char **argv, struct cli_context *ctx);
int cmd_config(int argc, const char **argv, struct cli_context *ctx);
int cmd_secrets(int argc, const char **argv, struct cli_context *ctx);
int cmd_audit(int argc, const char **argv, struct cli_context *ctx);
int cmd_details(int argc, const char **argv, struct cli_context *ctx);
int cmd_deploy(int argc, const char **argv, struct cli_context *ctx);
int cmd_redeploy(int argc, const char **argv, struct cli_context *ctx);
int cmd_rollback(int argc, const char **argv, struct cli_context *ctx);
int cmd_setup(int argc, const char **argv, struct cli_context *ctx);
int cmd_remove(int argc, const char **argv, struct cli_context *ctx);
/* deploy, redeploy and setup's options; remove's. */
extern const struct cli_option cli_deploy_options[];
extern const struct cli_option cli_remove_options[];

/* `accessory details`: each accessory's container (only: just that one); 0/-1. */
int cli_accessory_details(struct cli_context *ctx, const struct config_accessory *only);

/* The whole program: parses argv (argv[0] names it) and runs the command. */
int cli_main(int argc, const char **argv);

/*
 * The `db` verbs' implementation. NULL in berth, which then execs berth-db
 * (found beside its own executable) with the same command line; berth-db
 * sets it before calling cli_main().
 */
extern cli_fn cli_db_command;

#endif
