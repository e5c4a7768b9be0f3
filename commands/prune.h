/*
 * prune.h - Kamal::Commands::Prune: the app's unused images and stopped
 * containers on a host.
 */
#ifndef BERTH_COMMANDS_PRUNE_H
#define BERTH_COMMANDS_PRUNE_H

#include "commands/kamal.h"

/* docker image prune --force --filter label=service=SERVICE */
void kc_prune_dangling_images(struct shcmd *out, const struct kamal *k);
/*
 * Every tagged image of the service that no container uses, except the
 * latest tag and dangling ones still in use:
 *   docker image ls ... | grep -v -w "$(docker container ls -a ...)LATEST\|REPO:<none>" |
 *     while read image tag; do docker rmi $tag; done
 */
void kc_prune_tagged_images(struct shcmd *out, const struct kamal *k);
/* Stopped containers of the service but the newest `retain`. */
void kc_prune_app_containers(struct shcmd *out, const struct kamal *k, long retain);

#endif
