/*
 * context.c - what commands share through struct cli_context: the
 * configuration, loaded once, and option helpers.
 */
#include "cli.h"
#include "config/config.h"
#include "log.h"
#include "strbuf.h"

struct config *cli_load_config(struct cli_context *ctx)
{
	struct strbuf err = STRBUF_INIT;
	struct config_options opts = { ctx->config_file, ctx->destination,
				       ctx->version };
	struct config *loaded;

	if (ctx->config)
		return ctx->config;
	if (config_load(&loaded, &opts, &err) < 0)
		die_err(&err);
	strbuf_release(&err);
	ctx->config = loaded;
	return loaded;
}

int cli_wants_help(int argc, const char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help"))
			return 1;
	return 0;
}
