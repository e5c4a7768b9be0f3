/*
 * cmd-accessory.c - `berth accessory VERB`. Being written (stubs for cli/app.h):
 * a project without accessories boots and removes none.
 */
#include "cli/app.h"
#include "config/model.h"
#include "log.h"

int cli_accessory_boot(struct cli_context *ctx, const char *name)
{
	if (!strcmp(name, "all") && !cli_load_config(ctx)->accessories_nr)
		return 0;
	error("accessory boot: not implemented yet");
	return -1;
}

int cli_accessory_remove(struct cli_context *ctx, const char *name)
{
	if (!strcmp(name, "all") && !cli_load_config(ctx)->accessories_nr)
		return 0;
	error("accessory remove: not implemented yet");
	return -1;
}
