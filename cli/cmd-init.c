/* cmd-init.c - `berth init`: placeholder. */
#include "cli.h"

int cmd_init(int argc, const char **argv, struct cli_context *ctx)
{
	fprintf(stderr, "%s: 'init' is not implemented yet\n", ctx->program);
	return 2;
}
