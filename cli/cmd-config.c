/* cmd-config.c - `berth config`: placeholder until the config module lands. */
#include "cli.h"

int cmd_config(int argc, const char **argv, struct cli_context *ctx)
{
	fprintf(stderr, "%s: 'config' is not implemented yet\n", ctx->program);
	return 2;
}
