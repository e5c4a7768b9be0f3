/*
 * cmd-accessory.c - `berth accessory VERB`. Being written (stubs for cli/app.h).
 */
#include "cli/app.h"
#include "log.h"

int cli_accessory_boot(struct cli_context *ctx, const char *name)
{
	error("accessory boot: not implemented yet");
	return -1;
}

int cli_accessory_remove(struct cli_context *ctx, const char *name)
{
	error("accessory remove: not implemented yet");
	return -1;
}
