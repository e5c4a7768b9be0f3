/*
 * daemon.c - starting the daemon: limits, listeners, restored state, loop.
 * Startup problems are fatal (die); after that nothing is.
 */
#include "proxy.h"
#include "log.h"
#include "cli.h"
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

struct proxy_config cfg;

static int mkdir_p(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static void listen_all(int port, int tls, int metrics)
{
	if (port <= 0)
		return;
	if (!cfg.binds.nr) {
		if (relay_listen(NULL, port, tls, metrics) < 0)
			die("cannot listen on port %d", port);
		return;
	}
	for (size_t i = 0; i < cfg.binds.nr; i++)
		if (relay_listen(cfg.binds.v[i], port, tls, metrics) < 0)
			die("cannot listen on %s port %d", cfg.binds.v[i], port);
}

int daemon_main(volatile int *stop, void (*on_signal)(int))
{
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!cfg.max_conns) {
		/* Each client may hold a target connection too. */
		long lim = ((long)rl.rlim_cur - 64) / 2;
		cfg.max_conns = lim > 100000 ? 100000 : lim < 16 ? 16 : (int)lim;
	}
	if (!cfg.header_timeout_ms)
		cfg.header_timeout_ms = 30000;
	if (!cfg.idle_timeout_ms)
		cfg.idle_timeout_ms = 60000;
	if (!cfg.max_head)
		cfg.max_head = 64 * 1024;
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (mkdir_p(cfg.state_dir) < 0)
		die_errno("cannot create state directory '%s'", cfg.state_dir);
	if (loop_init() < 0)
		die("cannot start the event loop");
	router_restore();
	if (cfg.holder) {
		struct strbuf path = STRBUF_INIT;
		strbuf_addf(&path, "%s/%s", cfg.state_dir, HANDOFF_SOCKET_NAME);
		handoff_fetch(strbuf_detach(&path, NULL), stop);
	} else {
		listen_all(cfg.http_port, 0, 0);
		listen_all(cfg.https_port, 1, 0);
		listen_all(cfg.metrics_port, 0, 1);
	}
	if (control_listen(cfg.socket_path) < 0)
		die("cannot open the control socket");
	log_warn("berth-proxy %s listening: http %d, https %d, control %s",
		 BERTH_PROXY_VERSION, cfg.http_port, cfg.https_port, cfg.socket_path);
	loop_run(stop);
	access_log_drain();
	control_unlink(cfg.socket_path);
	return 0;
}
