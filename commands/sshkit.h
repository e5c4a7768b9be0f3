/*
 * sshkit.h - what SSHKit does to a Kamal command just before sending it.
 *
 * Kamal's builders return an array whose first element is a symbol
 * (:mkdir, :docker) or a whole shell string; SSHKit's Command#to_command
 * then maps the command name through its command map, which prefixes
 * "/usr/bin/env " to every name but docker (Kamal maps docker to itself),
 * and wraps the line in "( export K="v" ; ... )" when the call passes an
 * env. A first element that contains whitespace is sent as it is, without
 * either. berth's builders (commands/<module>.h) append Kamal's words
 * only, so they compose the way Kamal's arrays do (an audit record starts
 * with make_directory's words); the execution layer and the golden tests
 * call kc_sshkit_command() on the finished command, once.
 */
#ifndef BERTH_COMMANDS_SSHKIT_H
#define BERTH_COMMANDS_SSHKIT_H

#include "commands/shcmd.h"
#include "strvec.h"

/*
 * Appends cmd to out as SSHKit sends it: "/usr/bin/env" first unless the
 * command name is docker, already /usr/bin/env, or a shell word holding
 * whitespace. An empty command becomes "/usr/bin/env" alone, as SSHKit
 * sends "execute *nil" (a local registry's login).
 */
void kc_sshkit_command(struct shcmd *out, const struct shcmd *cmd);

/*
 * The same with SSHKit's env option: env holds NAME=value strings; when
 * it is not empty and the command is mapped, the line becomes
 * ( export NAME="value" ... ; <line> ), values with '"' escaped.
 */
void kc_sshkit_command_env(struct shcmd *out, const struct shcmd *cmd,
			   const struct strvec *env);

/* The line SSHKit runs for cmd: kc_sshkit_command() rendered by shcmd_to_shell(). */
void kc_sshkit_line(const struct shcmd *cmd, struct strbuf *out, int redact);

#endif
