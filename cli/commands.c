/*
 * commands.c - the command table, help, and dispatch to commands and verbs.
 */
#include "commands.h"
#include "log.h"
#include "strbuf.h"


static const struct cli_option config_options[] = {
	{ "json", 0, CLI_OPT_BOOL, "Print it as JSON, for tools", "false" },
	CLI_OPTIONS_END
};

/* Summaries are berth's own words; the names and options are Kamal 2.12's. */
const struct cli_command cli_commands[] = {
	{ "accessory", NULL, accessory_verbs, "VERB [NAME]", "Run the services the app needs beside it: databases, caches, mail", NULL, 0 },
	{ "app", NULL, app_verbs, "VERB", "Run, inspect and control the app's containers", NULL, 0 },
	{ "audit", cmd_audit, NULL, "", "Show the end of each host's audit log", NULL, CLI_REMOTE },
	{ "build", NULL, build_verbs, "VERB", "Build the app's image, push it, pull it onto the hosts", NULL, 0 },
	{ "config", cmd_config, NULL, "[--json]", "Show the configuration as Kamal resolves it (secrets included)", config_options, 0 },
	{ "db", NULL, db_verbs, "VERB", "PostgreSQL restore: core tables live first, large ones after (berth)", NULL, 0 },
	{ "deploy", cmd_deploy, NULL, "[-P] [--no-cache]", "Build, push and boot the app on every host, moving traffic with no downtime", cli_deploy_options, CLI_REMOTE },
	{ "details", cmd_details, NULL, "", "Show the proxy and accessory containers on each host", NULL, CLI_REMOTE },
	{ "docs", NULL, NULL, "[SECTION]", "Show the documentation of a configuration section", NULL, 0 },
	{ "help", cmd_help, NULL, "[COMMAND]", "List the commands, or show one command's usage and options", NULL, CLI_OWN_ARGS },
	{ "init", cmd_init, NULL, "", "Write a starter config/deploy.yml, .kamal/secrets and sample hooks", NULL, 0 },
	{ "lock", NULL, lock_verbs, "VERB", "Take, release or show the deploy lock", NULL, 0 },
	{ "proxy", NULL, proxy_verbs, "VERB", "Run and control the proxy in front of the app on each host", NULL, 0 },
	{ "prune", NULL, prune_verbs, "VERB", "Remove old images and stopped containers from the hosts", NULL, 0 },
	{ "redeploy", cmd_redeploy, NULL, "[-P] [--no-cache]", "Deploy without booting the proxy or pruning", cli_deploy_options, CLI_REMOTE },
	{ "registry", NULL, registry_verbs, "VERB", "Log in to and out of the image registry, here and on the hosts", NULL, 0 },
	{ "remove", cmd_remove, NULL, "[-y]", "Remove the proxy, the app, accessories and registry logins from the hosts", cli_remove_options, CLI_REMOTE },
	{ "rollback", cmd_rollback, NULL, "VERSION", "Go back to VERSION, whose containers are still on the hosts", NULL, CLI_REMOTE },
	{ "secrets", NULL, secrets_verbs, "VERB", "Fetch secrets from vaults, and show the resolved ones", NULL, 0 },
	{ "server", NULL, server_verbs, "VERB", "Install Docker on the hosts, or run a command on them", NULL, 0 },
	{ "setup", cmd_setup, NULL, "[-P] [--no-cache]", "Bootstrap the hosts, boot the accessories and deploy", cli_deploy_options, CLI_REMOTE },
	{ "upgrade", NULL, NULL, "", "Move hosts from Kamal 1 to Kamal 2", NULL, 0 },
	{ "version", cmd_version, NULL, "", "Show the version", NULL, CLI_OWN_ARGS },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int has_verbs(const struct cli_verb *verbs)
{
	for (; verbs && verbs->name; verbs++)
		if (verbs->fn)
			return 1;
	return 0;
}

/* Whether a command or group does anything in this build. */
static int implemented(const struct cli_command *c)
{
	return c->fn || has_verbs(c->verbs);
}

static int not_yet(const struct cli_context *ctx, const char *what)
{
	fprintf(stderr,
		"%s: '%s' is not implemented in this version of berth yet.\n"
		"Run '%s help' for the commands that are.\n",
		ctx->program, what, ctx->program);
	return 2;
}

static void print_usage(const struct cli_context *ctx, const char *group, const char *name,
			const char *usage, const char *summary, const struct cli_option *options)
{
	if (group)
		printf("Usage:\n  %s %s %s\n\n%s\n", ctx->program, group, usage, summary);
	else
		printf("Usage:\n  %s %s %s\n\n%s\n", ctx->program, name, usage, summary);
	cli_print_options(stdout, options);
}

/*
 * Runs a command or verb with its capabilities: its options parsed, ssh
 * set up for commands that reach hosts, the deploy lock held around the
 * ones that change them.
 */
static int run_verb(const char *group, const char *name, cli_fn fn,
		    const struct cli_option *options, unsigned flags, int argc,
		    const char **argv, struct cli_context *ctx)
{
	struct strbuf err = STRBUF_INIT;
	int ret;

	ctx->command = group ? group : name;
	ctx->subcommand = group ? name : NULL;
	if (!(flags & CLI_OWN_ARGS)) {
		if (cli_parse_options(options, argc, argv, &ctx->args, &err) < 0) {
			error("%s", err.buf);
			fprintf(stderr, "Run '%s %s%s%s --help' for its options.\n", ctx->program,
				ctx->command, group ? " " : "", group ? name : "");
			strbuf_release(&err);
			cli_args_clear(&ctx->args);
			return 2;
		}
	}
	if (flags & CLI_REMOTE)
		cli_remote(ctx);
	if (flags & CLI_LOCK) {
		if (cli_acquire_lock(ctx, NULL) < 0)
			return 1;
		ret = fn(argc, argv, ctx);
		if (cli_release_lock(ctx) < 0 && !ret)
			ret = 1;
	} else {
		ret = fn(argc, argv, ctx);
	}
	cli_args_clear(&ctx->args);
	return ret;
}

int cli_run_group(const char *group, const struct cli_verb *verbs, int argc,
		  const char **argv, struct cli_context *ctx)
{
	const char *verb = argc > 1 ? argv[1] : "help";
	struct strbuf what = STRBUF_INIT;
	int ret;

	if (!strcmp(verb, "help") || !strcmp(verb, "--help")) {
		printf("Commands:\n");
		for (const struct cli_verb *v = verbs; v->name; v++)
			if (v->fn && !(v->flags & CLI_HIDDEN))
				printf("  %s %s %-28s # %s\n", ctx->program, group,
				       v->usage, v->summary);
		return 0;
	}
	for (const struct cli_verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, verb))
			continue;
		if (!v->fn)
			break;
		if (cli_wants_help(argc - 1, argv + 1) &&
		    !((v->flags & CLI_OWN_ARGS) && !v->options)) {
			print_usage(ctx, group, v->name, v->usage, v->summary, v->options);
			return 0;
		}
		return run_verb(group, v->name, v->fn, v->options, v->flags, argc - 1, argv + 1,
				ctx);
	}
	strbuf_addf(&what, "%s %s", group, verb);
	ret = not_yet(ctx, what.buf);
	strbuf_release(&what);
	return ret;
}

int cli_run_command(const struct cli_command *cmd, int argc, const char **argv,
		    struct cli_context *ctx)
{
	if (!implemented(cmd))
		return not_yet(ctx, cmd->name);
	if (cmd->verbs && !cmd->fn)
		return cli_run_group(cmd->name, cmd->verbs, argc, argv, ctx);
	if (strcmp(cmd->name, "help") && cli_wants_help(argc, argv)) {
		print_usage(ctx, NULL, cmd->name, cmd->usage, cmd->summary, cmd->options);
		return 0;
	}
	return run_verb(NULL, cmd->name, cmd->fn, cmd->options, cmd->flags, argc, argv, ctx);
}

static void print_global_options(void)
{
	printf("\nOptions:\n"
	       "  -v, [--verbose], [--no-verbose]        # Show every command as sent, and what it printed\n"
	       "  -q, [--quiet], [--no-quiet]            # Print errors only\n"
	       "      [--version=VERSION]                # Act on this version of the app\n"
	       "  -p, [--primary], [--no-primary]        # Only the primary host\n"
	       "  -h, [--hosts=HOSTS]                    # Only these hosts (comma-separated; * and {a,b} match)\n"
	       "  -r, [--roles=ROLES]                    # Only these roles' hosts (comma-separated; * and {a,b} match)\n"
	       "  -c, [--config-file=CONFIG_FILE]        # The deploy config\n"
	       "                                         # Default: config/deploy.yml\n"
	       "  -d, [--destination=DESTINATION]        # Also read config/deploy.DESTINATION.yml over it\n"
	       "  -H, [--skip-hooks]                     # Run no .kamal/hooks\n"
	       "      [--lock-wait], [--no-lock-wait]    # If the deploy lock is taken by a deploy, wait for it\n"
	       "      [--lock-wait-timeout=N]            # Give up waiting for the lock after N seconds\n"
	       "                                         # Default: 900\n"
	       "      [--lock-wait-interval=N]           # Look at the lock every N seconds while waiting\n"
	       "                                         # Default: 15\n"
	       "      [--dry-run]                        # Print what would change on each host, in order; change nothing (berth)\n");
}

/*
 * For the tests: the long names of a command's or verb's options, from
 * the table its parser reads, then "(own parser)" when it parses itself.
 */
static int print_option_names(int argc, const char **argv)
{
	const struct cli_command *c = cli_find_command(argv[0]);
	const struct cli_option *opts = c ? c->options : NULL;
	unsigned flags = c ? c->flags : 0;

	if (!c)
		return 2;
	if (argc > 1) {
		const struct cli_verb *v = c->verbs;
		while (v && v->name && strcmp(v->name, argv[1]))
			v++;
		if (!v || !v->name)
			return 2;
		opts = v->options;
		flags = v->flags;
	}
	for (; opts && opts->name; opts++)
		printf("%s\n", opts->name);
	if (flags & CLI_OWN_ARGS)
		printf("(own parser)\n");
	return 0;
}

int cmd_help(int argc, const char **argv, struct cli_context *ctx)
{
	const struct cli_command *c;
	int pending = 0;

	if (argc > 1 && !strcmp(argv[1], "--commands")) {
		/* For the tests: every implemented command and verb, a line each. */
		for (c = cli_commands; c->name; c++) {
			if (c->fn)
				printf("%s\n", c->name);
			for (const struct cli_verb *v = c->verbs; v && v->name; v++)
				if (v->fn)
					printf("%s %s\n", c->name, v->name);
		}
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--options"))
		return print_option_names(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "--help"))
		argv[1] = "help";
	if (argc > 1) {
		c = cli_find_command(argv[1]);
		if (!c) {
			fprintf(stderr, "%s: no such command '%s'\n", ctx->program, argv[1]);
			return 2;
		}
		if (c->verbs && !c->fn)
			return cli_run_group(c->name, c->verbs, 1, argv + 1, ctx);
		print_usage(ctx, NULL, c->name, c->usage, c->summary, c->options);
		print_global_options();
		return 0;
	}
	printf("Commands:\n");
	for (c = cli_commands; c->name; c++) {
		if (!implemented(c)) {
			pending++;
			continue;
		}
		printf("  %s %s %-*s # %s\n", ctx->program, c->name,
		       (int)(22 - strlen(c->name)), c->usage, c->summary);
	}
	if (pending) {
		printf("\nNot implemented yet:");
		for (c = cli_commands; c->name; c++)
			if (!implemented(c))
				printf(" %s", c->name);
		printf("\n");
	}
	print_global_options();
	return 0;
}

int cmd_version(int argc, const char **argv, struct cli_context *ctx)
{
	if (!strcmp(ctx->program, "kamal"))
		printf("%s\n", BERTH_KAMAL_VERSION);
	else
		printf("berth %s (Kamal %s compatible)\n", BERTH_VERSION,
		       BERTH_KAMAL_VERSION);
	return 0;
}
