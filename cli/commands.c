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
			printf("Usage:\n  %s %s %s\n\n%s\n", ctx->program, group,
			       v->usage, v->summary);
			return 0;
		}
		return v->fn(argc - 1, argv + 1, ctx);
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
		printf("Usage:\n  %s %s %s\n\n%s\n", ctx->program, cmd->name,
		       cmd->usage, cmd->summary);
		return 0;
	}
	return cmd->fn(argc, argv, ctx);
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
	       "  -H, [--skip-hooks]                     # Don't run hooks\n");
}

int cmd_help(int argc, const char **argv, struct cli_context *ctx)
{
	const struct cli_command *c;
	int pending = 0;

	if (argc > 1) {
		c = cli_find_command(argv[1]);
		if (!c) {
			fprintf(stderr, "%s: no such command '%s'\n", ctx->program, argv[1]);
			return 2;
		}
		if (c->verbs && !c->fn)
			return cli_run_group(c->name, c->verbs, 1, argv + 1, ctx);
		printf("Usage:\n  %s %s %s\n\n%s\n", ctx->program, c->name, c->usage,
		       c->summary);
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
