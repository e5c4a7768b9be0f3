/*
 * commands.c - the command table, help, and dispatch to commands and verbs.
 */
#include "commands.h"
#include "log.h"
#include "strbuf.h"

/* Groups whose verbs are not implemented yet still list them for help. */
static const struct cli_verb unimplemented_verbs[] = { { NULL, NULL, NULL, NULL } };

const struct cli_command cli_commands[] = {
	{ "accessory", NULL, unimplemented_verbs, "VERB [NAME]", "Manage accessories (db/redis/search)" },
	{ "app", NULL, unimplemented_verbs, "VERB", "Manage application" },
	{ "audit", NULL, NULL, "", "Show audit log from servers" },
	{ "build", NULL, unimplemented_verbs, "VERB", "Build application image" },
	{ "config", cmd_config, NULL, "[--json]", "Show combined config (including secrets!)" },
	{ "db", NULL, db_verbs, "VERB", "PostgreSQL restore: core tables live first, large ones after (berth)" },
	{ "deploy", NULL, NULL, "", "Deploy app to servers" },
	{ "details", NULL, NULL, "", "Show details about all containers" },
	{ "docs", NULL, NULL, "[SECTION]", "Show Kamal configuration documentation" },
	{ "help", cmd_help, NULL, "[COMMAND]", "Describe available commands or one specific command" },
	{ "init", cmd_init, NULL, "", "Create config stub in config/deploy.yml and secrets stub in .kamal" },
	{ "lock", NULL, unimplemented_verbs, "VERB", "Manage the deploy lock" },
	{ "proxy", NULL, unimplemented_verbs, "VERB", "Manage kamal-proxy" },
	{ "prune", NULL, unimplemented_verbs, "VERB", "Prune old application images and containers" },
	{ "redeploy", NULL, NULL, "", "Deploy app to servers without bootstrapping servers, starting kamal-proxy and pruning" },
	{ "registry", NULL, unimplemented_verbs, "VERB", "Login and -out of the image registry" },
	{ "remove", NULL, NULL, "", "Remove kamal-proxy, app, accessories, and registry session from servers" },
	{ "rollback", NULL, NULL, "VERSION", "Rollback app to VERSION" },
	{ "secrets", NULL, secrets_verbs, "VERB", "Helpers for extracting secrets" },
	{ "server", NULL, unimplemented_verbs, "VERB", "Bootstrap servers with curl and Docker" },
	{ "setup", NULL, NULL, "", "Setup all accessories, push the env, and deploy app to servers" },
	{ "upgrade", NULL, NULL, "", "Upgrade from Kamal 1.x to 2.0" },
	{ "version", cmd_version, NULL, "", "Show the version" },
	{ NULL, NULL, NULL, NULL, NULL },
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
			if (v->fn)
				printf("  %s %s %-28s # %s\n", ctx->program, group,
				       v->usage, v->summary);
		return 0;
	}
	for (const struct cli_verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, verb))
			continue;
		if (!v->fn)
			break;
		if (cli_wants_help(argc - 1, argv + 1)) {
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
	       "  -v, [--verbose], [--no-verbose]        # Detailed logging\n"
	       "  -q, [--quiet], [--no-quiet]            # Minimal logging\n"
	       "      [--version=VERSION]                # Run commands against a specific app version\n"
	       "  -p, [--primary], [--no-primary]        # Run commands only on primary host instead of all\n"
	       "  -h, [--hosts=HOSTS]                    # Run commands on these hosts instead of all (separate by comma, supports wildcards with *)\n"
	       "  -r, [--roles=ROLES]                    # Run commands on these roles instead of all (separate by comma, supports wildcards with *)\n"
	       "  -c, [--config-file=CONFIG_FILE]        # Path to config file\n"
	       "                                         # Default: config/deploy.yml\n"
	       "  -d, [--destination=DESTINATION]        # Specify destination to be used for config file (staging -> deploy.staging.yml)\n"
	       "  -H, [--skip-hooks]                     # Don't run hooks\n"
	       "      [--lock-wait], [--no-lock-wait]    # Wait for the deploy lock if it's already held instead of failing immediately\n"
	       "      [--lock-wait-timeout=N]            # Maximum seconds to wait for the deploy lock when --lock-wait is set\n"
	       "                                         # Default: 900\n"
	       "      [--lock-wait-interval=N]           # Seconds between deploy lock polls when --lock-wait is set\n"
	       "                                         # Default: 15\n"
	       "      [--dry-run]                        # Print what would change on each host, in order, and change nothing (berth)\n");
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
