/*
 * cmd-app.c - `berth app VERB`. Being written (stubs for cli/app.h).
 */
#include "cli/app.h"
#include "cli/commands.h"
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

static int app_boot(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_app_boot(ctx, NULL) ? 1 : 0;
}

const struct cli_verb app_verbs[] = {
	{ "boot", app_boot, "boot", "Boot the app on every app host (or reboot it if running)", NULL, CLI_REMOTE | CLI_LOCK },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
