/*
 * deploy.h - the steps `deploy`, `setup` and `remove` (cli/cmd-deploy.c)
 * take from the commands that also run them on their own. Each returns 0,
 * or -1 once the failure has been reported; none takes the deploy lock.
 */
#ifndef BERTH_CLI_DEPLOY_H
#define BERTH_CLI_DEPLOY_H

#include "cli.h"

/* server bootstrap: Docker on every host (installed when missing), then docker-setup. */
int cli_server_bootstrap(struct cli_context *ctx);
/* prune all: old stopped containers (retain_containers kept), then unused images. */
int cli_prune_all(struct cli_context *ctx);
/* registry remove: log out here (unless skip_local) and on the hosts (unless skip_remote). */
int cli_registry_remove(struct cli_context *ctx, int skip_local, int skip_remote);

#endif
