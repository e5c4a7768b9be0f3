/*
 * cmd-app.c - `berth app VERB`. Being written (stubs for cli/app.h).
 */
#include "cli/app.h"
#include "log.h"

int cli_app_stale_containers(struct cli_context *ctx, int stop)
{
	error("app stale_containers: not implemented yet");
	return -1;
}

int cli_app_remove(struct cli_context *ctx)
{
	error("app remove: not implemented yet");
	return -1;
}

int cli_app_container_available(struct cli_context *ctx, const char *version)
{
	error("not implemented yet");
	return -1;
}
