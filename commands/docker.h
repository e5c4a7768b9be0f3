/*
 * docker.h - Kamal::Commands::Docker (is Docker there, install it, the
 * kamal network) and the helpers of Kamal::Commands::Base every module
 * uses (container ids, directories, files, the local docker check;
 * run_over_ssh is in ssh.h).
 *
 * Every function appends Kamal's words for one command to out (see
 * commands/kamal.h for the contract; commands/sshkit.h for the
 * "/usr/bin/env" SSHKit adds when the command is sent).
 */
#ifndef BERTH_COMMANDS_DOCKER_H
#define BERTH_COMMANDS_DOCKER_H

#include "commands/kamal.h"

/* pipe(sh -c 'curl ... || wget ... || echo "exit 1"', sh): get.docker.com. */
void kc_docker_install(struct shcmd *out);
/* docker -v: fails when the client is missing. */
void kc_docker_installed(struct shcmd *out);
/* docker version: fails when the daemon is not running. */
void kc_docker_running(struct shcmd *out);
/* Root, or sudo may run usermod without a password. */
void kc_docker_superuser(struct shcmd *out);
void kc_docker_root(struct shcmd *out);
void kc_docker_in_docker_group(struct shcmd *out);
void kc_docker_add_to_docker_group(struct shcmd *out);
/* kill -HUP $PPID: the ssh session ends, so the new group applies. */
void kc_docker_refresh_session(struct shcmd *out);
/* docker network create kamal */
void kc_docker_create_network(struct shcmd *out);

/* docker container ls [--all] --filter 'name=^NAME$' --quiet */
void kc_container_id_for(struct shcmd *out, const char *container_name, int only_running);
/* mkdir -p PATH; for a file, its directory (Pathname#dirname). */
void kc_make_directory(struct shcmd *out, const char *path);
void kc_make_directory_for(struct shcmd *out, const char *remote_file);
/* rm -r PATH, rm PATH */
void kc_remove_directory(struct shcmd *out, const char *path);
void kc_remove_file(struct shcmd *out, const char *path);

/*
 * The local check before a build: "docker --version && docker buildx
 * version". berth also builds with the classic builder when buildx is
 * absent (commands/builder.h), and then checks the client alone.
 */
void kc_ensure_docker_installed(struct shcmd *out, int buildx);

#endif
