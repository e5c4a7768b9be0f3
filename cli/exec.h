/*
 * exec.h - running the builders' commands through remote/ as Kamal's
 * SSHKit execute/capture do: the command map applied first
 * (commands/sshkit.h), so hosts get exactly Kamal's lines.
 */
#ifndef BERTH_CLI_EXEC_H
#define BERTH_CLI_EXEC_H

#include "commands/shcmd.h"
#include "remote/remote.h"

/* Kamal::Git.user_name for lock details ("Unknown" without git); set by cli_kamal. */
extern const char *cli_locked_by;

int kx_run(struct host_session *h, const struct shcmd *c);
int kx_run_flags(struct host_session *h, const struct shcmd *c, unsigned flags);
int kx_capture(struct host_session *h, const struct shcmd *c, struct strbuf *out,
	       unsigned flags);
int kx_local(const struct shcmd *c, unsigned flags);
int kx_local_capture(const struct shcmd *c, struct strbuf *out);
int kx_local_exec(const struct shcmd *c, const struct local_opts *o);

#endif
