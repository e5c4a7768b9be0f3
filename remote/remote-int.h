/*
 * remote-int.h - what the files of remote/ share among themselves.
 */
#ifndef BERTH_REMOTE_INT_H
#define BERTH_REMOTE_INT_H

#include "remote/mux.h"
#include "remote/remote.h"

#include <pthread.h>
#include <signal.h>

/* settings.c */
void ssh_parse_host(const char *spec, struct strbuf *user, struct strbuf *host,
		    struct strbuf *port);

/* ssh.c: the run's state and the connections. */
struct remote_run {
	struct ssh_settings ssh;
	struct remote_mode mode;
	char *dir;              /* the private 0700 directory, NULL before setup */
	char *control_path;     /* dir/%C */
	char *config_file;      /* dir/ssh_config including ssh/config's files */
	char *agent_sock;       /* dir/agent when key_data is set */
	pid_t agent_pid;
	struct strvec connected; /* hosts with a master, for teardown */
	struct mux_host *muxes;  /* what each connected host's master is spoken to at */
	struct strvec forwards;  /* "PORT HOST" remote forwards to cancel */
	pthread_mutex_t lock;   /* connected, output */
	pthread_mutex_t starts; /* with start_cond: max_concurrent_starts */
	pthread_cond_t start_cond;
	unsigned starting;
	int setup;
};
extern struct remote_run remote;
/* The first of SIGINT, SIGTERM, SIGHUP since setup, or 0. */
extern volatile sig_atomic_t remote_signal;
/* The pid (and process group) of the local child running now, for Ctrl-C. */
extern volatile pid_t *remote_local_child;

/* The ControlPath for this run (ssh expands %C). */
const char *remote_control_path(void);
/* Connects host's master unless it is connected; -1 with a message in why. */
int remote_connect(const char *host, struct strbuf *why);
/*
 * Where host's master listens, for commands without an ssh process
 * (mux.h); NULL when commands go through the ssh client (no master, or
 * BERTH_SSH_MUX=0). Stable until remote_teardown().
 */
const struct mux_target *remote_mux_target(const char *host);
/* The argv of one command on host over its master: ssh ... host -- line. */
void remote_command_argv(const char *host, const char *line, struct strvec *argv);
/* The environment ssh children need (the run's agent). */
void remote_child_env(struct strvec *env);

/* dryrun.c: BERTH_DRY_RUN_ANSWERS */
int dryrun_load_answers(const char *path, struct strbuf *err);
/* The canned answer for kind ("CAPTURE", "RUN", "TEST") and line: status, or -1 if none. */
int dryrun_answer(const char *kind, const char *host, const char *line, struct strbuf *out);
void dryrun_free_answers(void);

/* output.c: one line at a time, the progress line kept out of the way. */
void out_line(FILE *fp, const char *prefix, const char *line);
void out_progress(const char *text); /* NULL clears it */

#endif
