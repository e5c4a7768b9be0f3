/*
 * ssh.c - the run's private directory, one ControlMaster per host, the
 * run's own ssh-agent for key_data, and tearing all of it down.
 *
 * A master is started explicitly (ssh -M -N -f) the first time a host is
 * used, rather than by the first command with ControlMaster=auto: two
 * commands racing to become the master would make one of them connect on
 * its own, and a failure to connect is then reported once, as the host's
 * connection error, not as whichever command happened to come first.
 * `ssh -f` returns once the master is authenticated, with the master in
 * the background, detached from our pipes.
 */
#include "remote/remote-int.h"
#include "log.h"
#include "run-command.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct remote_run remote = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.starts = PTHREAD_MUTEX_INITIALIZER,
	.start_cond = PTHREAD_COND_INITIALIZER,
};


const char *remote_control_path(void)
{
	/* Made once at setup: the host threads all read it. */
	return remote.control_path;
}

static char *make_dir(struct strbuf *err)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct strbuf sb = STRBUF_INIT;

	/* A socket path must fit sun_path (108 bytes): %C alone is 40. */
	if (!base || !*base || strlen(base) > 48 || access(base, W_OK))
		base = "/tmp";
	strbuf_addf(&sb, "%s/berth-XXXXXX", base);
	if (!mkdtemp(sb.buf)) {
		strbuf_addf(err, "cannot create a directory for ssh's sockets in %s: %s\n", base,
			    strerror(errno));
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/* The run's own -F file: the user's files, then berth's defaults. */
static int write_config(struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	FILE *fp;

	ssh_config_text(&remote.ssh, &sb);
	strbuf_addf(&path, "%s/ssh_config", remote.dir);
	fp = fopen(path.buf, "w");
	if (!fp || fputs(sb.buf, fp) < 0 || fclose(fp)) {
		strbuf_addf(err, "cannot write %s: %s\n", path.buf, strerror(errno));
		strbuf_release(&sb);
		strbuf_release(&path);
		return -1;
	}
	remote.config_file = strbuf_detach(&path, NULL);
	strbuf_release(&sb);
	return 0;
}

void remote_child_env(struct strvec *env)
{
	if (remote.agent_sock)
		strvec_pushf(env, "SSH_AUTH_SOCK=%s", remote.agent_sock);
}

/* key_data: an agent of our own, the keys handed to it on stdin. */
static int start_agent(struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	const char *pid;
	int r;

	strvec_pushf(&cp.env, "%s/agent", remote.dir);
	remote.agent_sock = xstrdup(cp.env.v[0]);
	strvec_clear(&cp.env);
	strvec_pushl(&cp.args, "ssh-agent", "-s", "-a", remote.agent_sock, NULL);
	r = capture_command(&cp, &out, &why);
	child_process_clear(&cp);
	pid = strstr(out.buf, "SSH_AGENT_PID=");
	if (r || !pid) {
		strbuf_addf(err, "cannot start ssh-agent for ssh/key_data: %s\n", why.buf);
		goto out;
	}
	remote.agent_pid = (pid_t)atoi(pid + strlen("SSH_AGENT_PID="));
	for (size_t i = 0; !r && i < remote.ssh.key_data.nr; i++) {
		const char *key = remote.ssh.key_data.v[i];
		struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;
		strvec_pushl(&cp.args, "ssh-add", "-q", "-", NULL);
		remote_child_env(&cp.env);
		cp.stdin_data = key;
		cp.stdin_len = strlen(key);
		r = capture_command(&cp, &o, &e);
		child_process_clear(&cp);
		if (r)
			strbuf_addf(err, "ssh/key_data: key %zu was refused by ssh-add: %s\n", i + 1,
				    e.buf);
		strbuf_release(&o);
		strbuf_release(&e);
	}
out:
	strbuf_release(&out);
	strbuf_release(&why);
	return r ? -1 : 0;
}

volatile sig_atomic_t remote_signal;
volatile pid_t *remote_local_child;

/*
 * Only flags and kill() here: both are async-signal-safe. A local child
 * (a build, a hook) runs in its own process group, so a Ctrl-C that
 * reached berth alone (kill -INT) still stops it; on_hosts() stops the
 * hosts' ssh children itself.
 */
static void on_signal(int sig)
{
	volatile pid_t *child = remote_local_child;
	if (!remote_signal)
		remote_signal = sig;
	run_command_stopping = 1; /* a child not started yet is stopped as it starts */
	if (child && *child > 0)
		kill(-*child, SIGTERM);
}

int remote_interrupted(void)
{
	return remote_signal;
}

int remote_clear_interrupt(void)
{
	int sig = remote_signal;
	remote_signal = 0;
	run_command_stopping = 0;
	return sig;
}

int remote_dry_run(void)
{
	return remote.mode.dry_run;
}

int remote_planned(void)
{
	return remote.mode.dry_run || remote.mode.answers;
}

int remote_setup(const struct ssh_settings *s, const struct remote_mode *mode,
		 struct strbuf *err)
{
	struct sigaction sa;

	if (remote.setup)
		return 0;
	remote.ssh = *s;
	remote.mode = *mode;
	/* Canned answers only make sense for a plan: nothing may change. */
	if (mode->answers)
		remote.mode.dry_run = 1;
	strvec_init(&remote.connected);
	strvec_init(&remote.forwards);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	remote.setup = 1;
	atexit(remote_teardown);
	if (mode->answers)
		return dryrun_load_answers(mode->answers, err);
	if (!(remote.dir = make_dir(err)))
		return -1;
	{
		struct strbuf cp = STRBUF_INIT;
		strbuf_addf(&cp, "%s/%%C", remote.dir);
		remote.control_path = strbuf_detach(&cp, NULL);
	}
	if (write_config(err) < 0)
		return -1;
	if (s->key_data.nr && start_agent(err) < 0)
		return -1;
	return 0;
}

static int connected(const char *host)
{
	int found;
	pthread_mutex_lock(&remote.lock);
	found = strvec_find(&remote.connected, host) >= 0;
	pthread_mutex_unlock(&remote.lock);
	return found;
}

/* At most max_concurrent_starts connections are being set up at once. */
static void start_begin(void)
{
	pthread_mutex_lock(&remote.starts);
	while (remote.starting >= remote.ssh.max_concurrent_starts)
		pthread_cond_wait(&remote.start_cond, &remote.starts);
	remote.starting++;
	pthread_mutex_unlock(&remote.starts);
}

static void start_end(void)
{
	pthread_mutex_lock(&remote.starts);
	remote.starting--;
	pthread_cond_signal(&remote.start_cond);
	pthread_mutex_unlock(&remote.starts);
}

static int dns_failure(const char *why)
{
	return strstr(why, "Could not resolve hostname") ||
	       strstr(why, "Temporary failure in name resolution") ||
	       strstr(why, "Name or service not known");
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !remote_signal)
		;
}

static int start_master(const char *host, struct strbuf *why)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	char persist[64];
	const char *extra[] = { "-M", "-N", "-f", persist, NULL };

	snprintf(persist, sizeof(persist), "-oControlPersist=%u", remote.ssh.pool_idle_timeout);
	ssh_host_argv(&remote.ssh, remote.config_file, remote_control_path(), host, extra, &cp.args);
	remote_child_env(&cp.env);
	cp.new_process_group = 1;
	r = capture_command(&cp, &out, why);
	child_process_clear(&cp);
	strbuf_release(&out);
	return r;
}

struct mux_host {
	char *host;
	struct mux_target target;
	struct mux_host *next;
};

/*
 * What ssh itself would use for host's commands: `ssh -G` with the same
 * options prints the expanded ControlPath and the SendEnv/SetEnv that
 * apply to this host. If it cannot tell, commands keep the ssh client.
 */
static void probe_mux(const char *host)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct mux_host *m = xcalloc(1, sizeof(*m));
	const char *off = getenv("BERTH_SSH_MUX");
	static const char *extra[] = { "-G", NULL };

	m->host = xstrdup(host);
	mux_target_init(&m->target);
	if (!off || strcmp(off, "0")) {
		ssh_host_argv(&remote.ssh, remote.config_file, remote_control_path(), host, extra,
			      &cp.args);
		cp.new_process_group = 1;
		if (!capture_command(&cp, &out, &err))
			mux_target_parse(&m->target, out.buf);
		child_process_clear(&cp);
	}
	strbuf_release(&out);
	strbuf_release(&err);
	pthread_mutex_lock(&remote.lock);
	m->next = remote.muxes;
	remote.muxes = m;
	pthread_mutex_unlock(&remote.lock);
}

const struct mux_target *remote_mux_target(const char *host)
{
	const struct mux_host *m;
	pthread_mutex_lock(&remote.lock);
	for (m = remote.muxes; m && strcmp(m->host, host); m = m->next)
		;
	pthread_mutex_unlock(&remote.lock);
	return m && m->target.socket ? &m->target : NULL;
}

static void free_muxes(void)
{
	while (remote.muxes) {
		struct mux_host *m = remote.muxes;
		remote.muxes = m->next;
		mux_target_release(&m->target);
		free(m->host);
		free(m);
	}
}

int remote_connect(const char *host, struct strbuf *why)
{
	int r = 0;

	if (remote.mode.answers || connected(host))
		return 0;
	start_begin();
	for (unsigned attempt = 0;; attempt++) {
		strbuf_reset(why);
		r = start_master(host, why);
		if (!r || remote_signal || attempt >= remote.ssh.dns_retries || !dns_failure(why->buf))
			break;
		/* sshkit's backoff: 0.1 s doubling, at most 2 s. */
		sleep_ms(attempt >= 4 ? 2000 : 100L << attempt);
	}
	start_end();
	if (!r)
		probe_mux(host);
	if (!r) {
		pthread_mutex_lock(&remote.lock);
		strvec_push(&remote.connected, host);
		pthread_mutex_unlock(&remote.lock);
	}
	return r ? -1 : 0;
}

void remote_command_argv(const char *host, const char *line, struct strvec *argv)
{
	static const char *extra[] = { "-T", "-oControlMaster=no", NULL };
	ssh_host_argv(&remote.ssh, remote.config_file, remote_control_path(), host, extra, argv);
	strvec_pushl(argv, "--", line, NULL);
}

/* ssh -O forward|cancel -R 127.0.0.1:PORT:localhost:PORT over host's master. */
static int forward_op(const char *host, const char *op, int port, struct strbuf *why)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	char spec[64];
	const char *extra[] = { "-O", op, "-R", spec, NULL };
	int r;

	snprintf(spec, sizeof(spec), "127.0.0.1:%d:localhost:%d", port, port);
	ssh_host_argv(&remote.ssh, remote.config_file, remote_control_path(), host, extra, &cp.args);
	cp.new_process_group = 1;
	r = capture_command(&cp, &out, why);
	child_process_clear(&cp);
	strbuf_release(&out);
	return r ? -1 : 0;
}

int remote_forward_port(const char *host, int port, struct strbuf *why)
{
	if (remote.mode.answers || remote.mode.dry_run)
		return 0;
	if (remote_connect(host, why) < 0 || forward_op(host, "forward", port, why) < 0)
		return -1;
	pthread_mutex_lock(&remote.lock);
	strvec_pushf(&remote.forwards, "%d %s", port, host);
	pthread_mutex_unlock(&remote.lock);
	return 0;
}

void remote_cancel_forwards(void)
{
	for (size_t i = 0; i < remote.forwards.nr; i++) {
		struct strbuf ignore = STRBUF_INIT;
		int port = atoi(remote.forwards.v[i]);
		forward_op(strchr(remote.forwards.v[i], ' ') + 1, "cancel", port, &ignore);
		strbuf_release(&ignore);
	}
	strvec_clear(&remote.forwards);
}

static void stop_master(const char *host)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf ignore = STRBUF_INIT;

	static const char *extra[] = { "-O", "exit", NULL };

	ssh_host_argv(&remote.ssh, remote.config_file, remote_control_path(), host, extra, &cp.args);
	cp.no_stderr = 1;
	capture_command(&cp, &ignore, NULL);
	child_process_clear(&cp);
	strbuf_release(&ignore);
}

void remote_teardown(void)
{
	if (!remote.setup)
		return;
	remote_cancel_forwards();
	for (size_t i = 0; i < remote.connected.nr; i++)
		stop_master(remote.connected.v[i]);
	strvec_clear(&remote.connected);
	free_muxes();
	if (remote.agent_pid > 0)
		kill(remote.agent_pid, SIGTERM);
	remote.agent_pid = 0;
	if (remote.agent_sock)
		unlink(remote.agent_sock);
	if (remote.config_file)
		unlink(remote.config_file);
	/*
	 * A master told to exit removes its socket a moment later: what is
	 * still there is ours to remove (the directory holds nothing else).
	 */
	if (remote.dir) {
		DIR *d = opendir(remote.dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		}
		if (d)
			closedir(d);
	}
	if (remote.dir && rmdir(remote.dir) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", remote.dir, strerror(errno));
	free(remote.dir);
	free(remote.control_path);
	remote.control_path = NULL;
	free(remote.agent_sock);
	free(remote.config_file);
	remote.dir = remote.agent_sock = remote.config_file = NULL;
	dryrun_free_answers();
	ssh_settings_release(&remote.ssh);
	remote.setup = 0;
}
