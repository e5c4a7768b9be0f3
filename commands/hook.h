/*
 * hook.h - Kamal::Commands::Hook: the local hook scripts
 * (.kamal/hooks/<name>) and the environment Kamal gives them.
 *
 * A hook gets Kamal::Tags as KAMAL_* variables: KAMAL_RECORDED_AT,
 * KAMAL_PERFORMER, KAMAL_DESTINATION (when set), KAMAL_VERSION,
 * KAMAL_SERVICE_VERSION (service@version, the version cut to 7
 * characters unless it holds "_"), KAMAL_SERVICE, then the details of
 * the run: KAMAL_HOSTS, KAMAL_ROLES, KAMAL_LOCK, KAMAL_COMMAND,
 * KAMAL_SUBCOMMAND, KAMAL_RUNTIME. berth adds a BERTH_* twin of each
 * with the same value, for hooks written for berth. The hooks that run
 * with secrets (pre-connect, pre-deploy, post-deploy) also get every
 * secret under its own name.
 */
#ifndef BERTH_COMMANDS_HOOK_H
#define BERTH_COMMANDS_HOOK_H

#include "commands/kamal.h"

/* The hooks Kamal 2.12 runs, in no particular order; NULL-terminated. */
extern const char *const kc_hook_names[];

/* Whether Kamal runs the hook with the secrets in its env (pre-connect,
 * pre-deploy, post-deploy). */
int kc_hook_with_secrets(const char *hook);

/* hooks_path/NAME */
void kc_hook_file(struct strbuf *out, const struct kamal *k, const char *hook);
/* The hook's command: its path (SSHKit sends it as /usr/bin/env PATH). */
void kc_hook_run(struct shcmd *out, const struct kamal *k, const char *hook);

struct kc_hook_details {
	const char *hosts;       /* the hosts, comma-separated */
	const char *roles;       /* --roles given, comma-separated; NULL: none */
	int lock;                /* whether this run holds the deploy lock */
	const char *command;     /* e.g. "deploy", "proxy" */
	const char *subcommand;  /* e.g. "reboot"; NULL for a main command */
	const char *runtime;     /* post-deploy: whole seconds; NULL: none */
};

/*
 * Appends NAME=value for the hook's environment to env: the tags, the
 * details, their BERTH_* twins, then secrets (NAME=value strings, NULL
 * for a hook that runs without them).
 */
void kc_hook_env(struct strvec *env, const struct kamal *k, const struct kc_hook_details *d,
		 const struct strvec *secrets);

#endif
