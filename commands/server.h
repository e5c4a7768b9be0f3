/*
 * server.h - Kamal::Commands::Server and the host-wide bits of "server
 * exec" and "server bootstrap" (Docker's install steps are in docker.h).
 */
#ifndef BERTH_COMMANDS_SERVER_H
#define BERTH_COMMANDS_SERVER_H

#include "commands/kamal.h"

/* mkdir -p .kamal */
void kc_server_ensure_run_directory(struct shcmd *out);
/* rm -r .kamal/apps/<service>[-<destination>] */
void kc_server_remove_app_directory(struct shcmd *out, const struct kamal *k);
/* ls .kamal/apps | wc -l: other apps still deployed keep the proxy. */
void kc_server_app_directory_count(struct shcmd *out);

/*
 * "server exec CMD": the user's command is shell text for the host's
 * shell, one word as Kamal sends it (so a one-word command gets SSHKit's
 * /usr/bin/env, and "ls -la" goes as it is).
 */
void kc_server_exec(struct shcmd *out, const char *cmd);
/* The audit record of it: Executed cmd 'CMD' on HOST */
void kc_server_exec_record(struct shcmd *out, const struct kamal *k, const char *cmd,
			   const char *host);

#endif
