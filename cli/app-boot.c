/*
 * app-boot.c - Kamal's app boot (see cli/app.h). Being written.
 */
#include "cli/app.h"
#include "log.h"

int cli_app_boot(struct cli_context *ctx, const char *version)
{
	error("app boot: not implemented yet");
	return -1;
}
