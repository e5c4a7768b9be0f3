/*
 * ssh.h - Kamal::Commands::Base#run_over_ssh: the local ssh command line
 * that runs a command on a host with a terminal (app exec -i, logs -f,
 * server exec -i). It is exec'd locally, not sent, so every word is a
 * raw argv word and no SSHKit mapping applies.
 */
#ifndef BERTH_COMMANDS_SSH_H
#define BERTH_COMMANDS_SSH_H

#include "commands/kamal.h"

/*
 * ssh [-F config]... [-J jump | -o ProxyCommand=...] [-i key]...
 * [-o IdentitiesOnly=yes] -t USER@HOST -p PORT 'LINE', from the config's
 * ssh section; LINE is command as Kamal joins it (without /usr/bin/env).
 */
void kc_run_over_ssh(struct shcmd *out, const struct kamal *k, const char *host,
		     const struct shcmd *command);

#endif
