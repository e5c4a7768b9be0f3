/*
 * registry.h - Kamal::Commands::Registry: logging in to the image
 * registry (locally and on every host), and the local registry berth
 * runs for a "localhost:PORT" server.
 *
 * berth differs from Kamal in one way, on purpose: Kamal passes the
 * password on the command line ("docker login S -u U -p P"), where any
 * user on the host can read it from the process list; berth's login reads
 * it from stdin ("--password-stdin"), and the caller writes the password
 * (kamal_registry_credentials()) to the command's stdin. The username is
 * sent as Kamal sends it: escaped, and shown as [REDACTED].
 * tests/conformance/kamal-commands-differences.tsv records it.
 */
#ifndef BERTH_COMMANDS_REGISTRY_H
#define BERTH_COMMANDS_REGISTRY_H

#include "commands/kamal.h"
#include "config/kamal-host.h"

/*
 * docker login [SERVER] -u "<username>" --password-stdin. Nothing for a
 * local registry (Kamal's login returns nil there, and SSHKit then runs
 * an empty command: kc_sshkit_command() turns that into "/usr/bin/env").
 */
void kc_registry_login(struct shcmd *out, const struct kamal_registry *reg,
		       const char *username);
/* docker logout [SERVER] */
void kc_registry_logout(struct shcmd *out, const struct kamal_registry *reg);
/*
 * The local registry: docker start kamal-docker-registry || docker run
 * --detach -p 127.0.0.1:PORT:5000 --name kamal-docker-registry registry:3
 */
void kc_registry_setup(struct shcmd *out, const struct kamal_registry *reg);
/* docker stop kamal-docker-registry && docker rm kamal-docker-registry */
void kc_registry_remove(struct shcmd *out);

#endif
