/*
 * mux.h - one command over a host's ControlMaster, spoken to directly in
 * OpenSSH's multiplexing protocol (PROTOCOL.mux, "passenger" sessions),
 * instead of starting an ssh client process for each command.
 *
 * Why: a deploy sends ~40 commands per host. Each `ssh -S socket host cmd`
 * is a fork and exec of the ssh client, which reads its config files and
 * then only relays bytes: ~17 ms of CPU here, as much as the remote
 * session's own cost, and on a 2-core machine with 8 hosts that CPU is
 * the wall time. The master does the same work either way (it opens the
 * session channel, forwards the agent, sends the environment); only the
 * relay process goes. What the remote command sees is unchanged.
 *
 * The contract with the master, as ssh's own mux client keeps it: the
 * hello exchange (protocol 4), a new-session request with the command and
 * the environment ssh would send (SendEnv patterns and SetEnv, from
 * `ssh -G`), then the three stdio descriptors passed over the socket. The
 * master answers "session opened" once the remote side accepted the
 * channel, later the exit status, then closes the socket; berth reads
 * until that close, as ssh does, so no output is lost.
 */
#ifndef BERTH_REMOTE_MUX_H
#define BERTH_REMOTE_MUX_H

#include <signal.h>

#include "strbuf.h"
#include "strvec.h"

/* What `ssh -G` says of a host that matters for a mux session. */
struct mux_target {
	char *socket;          /* the expanded ControlPath; NULL: none */
	struct strvec sendenv; /* SendEnv patterns */
	struct strvec setenv;  /* SetEnv "NAME=value" */
};

void mux_target_init(struct mux_target *t);
void mux_target_release(struct mux_target *t);
/* Reads `ssh -G` output (lines "keyword value") into t. Pure. */
void mux_target_parse(struct mux_target *t, const char *g_output);
/*
 * The environment a session gets: env's entries whose name matches a
 * SendEnv pattern (ssh's * and ? wildcards), then every SetEnv. Pure.
 */
void mux_session_env(const struct mux_target *t, const char *const *env, struct strvec *out);

/* The new-session request's packet (length prefix included). Pure. */
void mux_new_session_packet(struct strbuf *pkt, unsigned request_id, int want_agent,
			    const char *command, const struct strvec *env);

/*
 * One packet body off buf (len bytes): its type and, for the replies berth
 * reads, the two numbers after it (request or session id; session id or
 * exit value). Returns the bytes used, 0 when buf holds no whole packet
 * yet, -1 when it is not a packet (too long). Pure.
 */
struct mux_reply {
	unsigned type;
	unsigned a, b;
	int has_a, has_b;
};
long mux_parse_packet(const unsigned char *buf, size_t len, struct mux_reply *r);

#define MUX_MSG_HELLO 0x00000001u
#define MUX_C_NEW_SESSION 0x10000002u
#define MUX_S_OK 0x80000001u
#define MUX_S_PERMISSION_DENIED 0x80000002u
#define MUX_S_FAILURE 0x80000003u
#define MUX_S_EXIT_MESSAGE 0x80000004u
#define MUX_S_SESSION_OPENED 0x80000006u
#define MUX_S_TTY_ALLOC_FAIL 0x80000008u

/*
 * Runs command through the master at t->socket: stdin_data (may be NULL:
 * /dev/null) on its stdin, its stdout and stderr into out and err.
 * Returns 0 when the session ran, *status then its exit status (255 when
 * the master gave none, as ssh says for a lost connection or a signal);
 * -1 when no session was opened (nothing ran on the host: the caller may
 * use the ssh client instead), with the reason in err. A master that goes
 * away after it took the request counts as a session ending with 255:
 * the command may have started, so it must not be sent again. stop is polled
 * every 100 ms; when it turns non-zero the session is abandoned (the
 * master closes the channel, as when ssh is killed) and *status is 255.
 */
int mux_run(const struct mux_target *t, const char *command, int want_agent,
	    const char *stdin_data, size_t len, struct strbuf *out, struct strbuf *err,
	    int *status, const volatile sig_atomic_t *stop);

#endif
