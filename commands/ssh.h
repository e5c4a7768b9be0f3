/*
 * ssh.h - Kamal::Commands::Base#run_over_ssh: the local ssh command an
 * interactive command (app exec -i, logs -f) is exec'd through.
 */
#ifndef BERTH_COMMANDS_SSH_H
#define BERTH_COMMANDS_SSH_H

#include "commands/kamal.h"

/*
 * ssh [-F config]... [-J jump | -o ProxyCommand=...] [-i key]...
 * [-o IdentitiesOnly=yes] -t USER@HOST -p PORT 'LINE', LINE being command
 * as Kamal joins it (unmapped, see kc_sshkit_line). Every word is raw: the
 * result runs locally as an argv.
 */
void kc_run_over_ssh(struct shcmd *out, const struct kamal *k, const char *host,
		     const struct shcmd *command);

#endif
