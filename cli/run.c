/*
 * run.c - berth's command line: global options, aliases, dispatch.
 *
 * The command table is sorted and mirrors `kamal help`. Commands whose
 * function is NULL are known but not implemented yet: they answer with a
 * clear message and exit status 2, and help lists them apart.
 */
#include "cli.h"
#include "commands.h"
#include "config/config.h"
#include "log.h"
#include "quote.h"
#include "remote/remote.h"
#include "strbuf.h"
#include "strvec.h"

#include <libgen.h>

/* Takes the value of an option given as "-x V", "-xV", "--long V" or "--long=V". */
static int take_value(const char **argv, int *i, const char *shrt,
		      const char *lng, const char **value)
{
	const char *a = argv[*i], *rest;
	size_t ln = strlen(lng);

	if ((shrt[0] && !strcmp(a, shrt)) || !strcmp(a, lng)) {
		if (!argv[*i + 1])
			die("option '%s' needs a value", a);
		*value = argv[++*i];
		return 1;
	}
	if (!strncmp(a, lng, ln) && a[ln] == '=') {
		*value = a + ln + 1;
		return 1;
	}
	if (shrt[0] && skip_prefix(a, shrt, &rest) && *rest) {
		*value = *rest == '=' ? rest + 1 : rest;
		return 1;
	}
	return 0;
}

/*
 * Removes Kamal's global (class) options from argv wherever they stand,
 * as Thor does, and records them in ctx. Stops at "--".
 */
static int parse_globals(int argc, const char **argv, struct cli_context *ctx,
			 const char **out)
{
	int n = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			while (i < argc)
				out[n++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			ctx->verbose = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			ctx->quiet = 1;
		else if (!strcmp(a, "-p") || !strcmp(a, "--primary"))
			ctx->primary = 1;
		else if (!strcmp(a, "-H") || !strcmp(a, "--skip-hooks"))
			ctx->skip_hooks = 1;
		else if (!strcmp(a, "--dry-run"))
			ctx->dry_run = 1;
		else if (!strcmp(a, "--lock-wait"))
			ctx->lock_wait = 1;
		else if (!strcmp(a, "--no-lock-wait"))
			ctx->lock_wait = 0;
		else if (take_value(argv, &i, "-d", "--destination", &ctx->destination) ||
			 take_value(argv, &i, "-c", "--config-file", &ctx->config_file) ||
			 take_value(argv, &i, "-r", "--roles", &ctx->roles) ||
			 take_value(argv, &i, "-h", "--hosts", &ctx->hosts) ||
			 take_value(argv, &i, "", "--lock-wait-timeout", &ctx->lock_wait_timeout) ||
			 take_value(argv, &i, "", "--lock-wait-interval", &ctx->lock_wait_interval))
			;
		else if (!strncmp(a, "--version=", 10))
			ctx->version = a + 10;
		else if (!strcmp(a, "--version") && n > 0 && argv[i + 1])
			ctx->version = argv[++i];
		else
			out[n++] = a;
	}
	out[n] = NULL;
	return n;
}

static int config_present(const struct cli_context *ctx)
{
	FILE *fp = fopen(ctx->config_file, "r");
	if (!fp)
		return 0;
	fclose(fp);
	return 1;
}

static void set_log_level(const struct cli_context *ctx)
{
	if (ctx->verbose)
		log_set_level(LOG_VERBOSE);
	else if (ctx->quiet)
		log_set_level(LOG_QUIET);
}

int cli_main(int argc, const char **argv)
{
	struct cli_context ctx = { 0 };
	const char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	const struct cli_command *cmd;
	struct strvec expanded = STRVEC_INIT;
	char *self = xstrdup(argv[0]);
	int n, ret;

	ctx.program = !strcmp(basename(self), "kamal") ? "kamal" : "berth";
	log_set_program(ctx.program);
	ctx.config_file = "config/deploy.yml";
	n = parse_globals(argc - 1, argv + 1, &ctx, args);
	set_log_level(&ctx);
	/* An empty one would name containers "app-web-" and images "app:". */
	if (ctx.version && !*ctx.version)
		die("--version needs a value: the version (git commit or tag) to use");

	if (!n) {
		args[n++] = ctx.version ? "version" : "help";
		args[n] = NULL;
	}
	if (!strcmp(args[0], "--help") || !strcmp(args[0], "-?"))
		args[0] = "help";
	else if (!strcmp(args[0], "--version"))
		args[0] = "version";

	cmd = cli_find_command(args[0]);
	if (!cmd && config_present(&ctx)) {
		const char *alias = config_alias(cli_load_config(&ctx), args[0]);
		if (alias) {
			if (quote_split(alias, &expanded, 0) < 0 || !expanded.nr)
				die("alias '%s' has an unterminated quote: %s", args[0], alias);
			for (int i = 1; i < n; i++)
				strvec_push(&expanded, args[i]);
			log_verbose("alias '%s' expands to '%s'", args[0], alias);
			/*
			 * As kamal does, start over on the expanded words: global
			 * options inside the alias apply, and the configuration is
			 * read again in case they name another destination or file.
			 */
			config_free(ctx.config);
			ctx.config = NULL;
			args = xrealloc(args, (expanded.nr + 1) * sizeof(*args));
			n = parse_globals((int)expanded.nr, expanded.v, &ctx, args);
			set_log_level(&ctx);
			cmd = n ? cli_find_command(args[0]) : NULL;
		}
	}
	if (cmd) {
		ret = cli_run_command(cmd, n, args, &ctx);
	} else {
		fprintf(stderr, "%s: '%s' is not a %s command. See '%s help'.\n",
			ctx.program, args[0], ctx.program, ctx.program);
		ret = 2;
	}
	/* Stopped by Ctrl-C (after its cleanup): the shell's convention. */
	if (remote_interrupted())
		ret = 128 + remote_interrupted();
	if (ctx.config)
		config_free(ctx.config);
	strvec_clear(&expanded);
	free(args);
	free(self);
	return ret;
}
