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
/*
 * The same, for a command built just for this call: c is cleared after
 * the run (the capture's output trimmed, as Kamal's capture strips it).
 */
int kx_run_once(struct host_session *h, struct shcmd *c, unsigned flags);
int kx_capture_once(struct host_session *h, struct shcmd *c, struct strbuf *out,
		    unsigned flags);
/* build(c) and kx_run_once: for the builders that take nothing. */
int kx_run_builder(struct host_session *h, void (*build)(struct shcmd *), unsigned flags);
int kx_local(const struct shcmd *c, unsigned flags);
int kx_local_capture(const struct shcmd *c, struct strbuf *out);
int kx_local_exec(const struct shcmd *c, const struct local_opts *o);

#endif
