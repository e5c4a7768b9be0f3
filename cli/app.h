/*
 * app.h - the app's containers on the hosts, as the deploy commands use
 * them: booting a version role by role (cli/app-boot.c), finding and
 * stopping stale containers and removing the app (cli/cmd-app.c), and the
 * accessories setup and remove need (cli/cmd-accessory.c).
 *
 * Each function runs its steps through on_hosts() and returns 0, or -1
 * once the failure has been reported (host, command, output). None of
 * them takes the deploy lock: callers hold it (the verbs through
 * CLI_LOCK, deploy through cli_acquire_lock).
 */
#ifndef BERTH_CLI_APP_H
#define BERTH_CLI_APP_H

#include "cli.h"

struct config_role;

/*
 * Kamal's app boot: assets, error pages and TLS certificates on every app
 * host first, then the hosts in boot groups (boot.limit, boot.wait), with
 * the pre-app-boot and post-app-boot hooks around each group, the primary
 * role's first healthy container opening the way for the other roles, and
 * the new version tagged latest at the end. version NULL: --version, else
 * the latest tag (what `app boot` runs); deploy passes its own version.
 */
int cli_app_boot(struct cli_context *ctx, const char *version);

/* Stale containers (running, not the current version): listed, or stopped. */
int cli_app_stale_containers(struct cli_context *ctx, int stop);

/* app remove: stop, remove the containers, the images and the app directories. */
int cli_app_remove(struct cli_context *ctx);

/* Whether version's container exists for every selected role on every app host. */
int cli_app_container_available(struct cli_context *ctx, const char *version);

/* accessory boot NAME|all; with all, each accessory on its hosts in file order. */
int cli_accessory_boot(struct cli_context *ctx, const char *name);
/* accessory remove NAME|all, without asking (the caller asked). */
int cli_accessory_remove(struct cli_context *ctx, const char *name);

/*
 * The selected roles (-r, and those with a selected host), primary role
 * first, then in the config's order; and those of them on host.
 */
void cli_roles(struct cli_context *ctx, struct strvec *out);
void cli_roles_on(struct cli_context *ctx, const char *host, struct strvec *out);
/* The primary role among the selected ones (Kamal's KAMAL.primary_role). */
const char *cli_primary_role(struct cli_context *ctx);

#endif
