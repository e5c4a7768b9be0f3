/*
 * hooks.h - running the hooks in .kamal/hooks as Kamal does (cli/hooks.c).
 */
#ifndef BERTH_CLI_HOOKS_H
#define BERTH_CLI_HOOKS_H

#include "cli.h"

struct hook_extra {
	int secrets;          /* the secrets go into the hook's environment too */
	const char *runtime;  /* KAMAL_RUNTIME, whole seconds (post-deploy) */
	const char *hosts;    /* KAMAL_HOSTS instead of the selected hosts (proxy reboot groups) */
};

/*
 * Runs hook NAME from hooks_path if it exists and -H was not given, with
 * the KAMAL_* (and BERTH_*) variables. A failing hook is an error that
 * shows its output: "Hook `NAME` failed: ...". 0, or -1 reported.
 */
int cli_run_hook(struct cli_context *ctx, const char *name, const struct hook_extra *extra);

/* The pre-connect hook, once, before the first host is reached. */
int cli_pre_connect(struct cli_context *ctx);

#endif
