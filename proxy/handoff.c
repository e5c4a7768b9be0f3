/*
 * handoff.c - berth's port holder and the proxies it serves: listening
 * sockets handed over a unix socket (SCM_RIGHTS).
 *
 * berth runs the holder (`berth-proxy hold`) as the container that
 * publishes the host's ports. It binds the proxy's ports (the same
 * --http-port, --https-port, --metrics-port and --bind flags as run) and
 * hands the listening sockets to every proxy that asks on
 * STATE_DIR/berth-listeners.sock (the state volume both mount). A proxy
 * started with --holder accepts on those very sockets, so an old and a new
 * proxy share one accept queue during a reboot or an upgrade: the old one
 * stops accepting and drains, the new one takes every connection, and no
 * connection waiting in the queue is lost.
 *
 * Neither container needs the other to start: each proxy container has its
 * own network namespace on the kamal network (Docker before 28 restarts
 * containers in any order after a host reboot, and one that joins another's
 * namespace fails to start when it comes first). A proxy that starts before
 * the holder waits for it; one whose holder goes away (its connection to
 * it ends) closes those sockets and asks the new holder for its own.
 *
 * The message: one line per socket, "PORT TLS METRICS\n", with the
 * sockets as SCM_RIGHTS in the same order, sent once on connect. The
 * connection then stays open and carries nothing: its end tells each side
 * the other went away.
 */
#include "proxy.h"
#include "relay-int.h"
#include "log.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_SOCKETS 48
#define MAX_PROXIES 64

struct handed {
	int fd, port, tls, metrics;
};

static int unix_address(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return error("socket path too long: %s", path);
	strcpy(sa->sun_path, path);
	return 0;
}

/* ---- the holder ---- */

static size_t bind_port(struct handed *h, size_t n, int port, int tls, int metrics)
{
	int fds[8];
	if (port <= 0)
		return n;
	for (size_t b = 0; b < (cfg.binds.nr ? cfg.binds.nr : 1); b++) {
		const char *addr = cfg.binds.nr ? cfg.binds.v[b] : NULL;
		int got = relay_open_sockets(addr, port, fds, (int)ARRAY_SIZE(fds));
		if (got < 0)
			die("cannot listen on %s port %d", addr ? addr : "*", port);
		for (int i = 0; i < got && n < MAX_SOCKETS; i++)
			h[n++] = (struct handed){ fds[i], port, tls, metrics };
	}
	return n;
}

/* The path, made ours: refused while another holder answers there. */
static int holder_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_address(path, &sa) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_errno("socket");
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return error("another port holder answers on %s", path);
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return error_errno("cannot listen on %s", path);
	chmod(path, 0600);
	return fd;
}

static int send_sockets(int conn, const struct handed *h, size_t n)
{
	struct strbuf text = STRBUF_INIT;
	char control[CMSG_SPACE(sizeof(int) * MAX_SOCKETS)];
	struct iovec iov;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	ssize_t r;

	for (size_t i = 0; i < n; i++)
		strbuf_addf(&text, "%d %d %d\n", h[i].port, h[i].tls, h[i].metrics);
	iov.iov_base = text.buf;
	iov.iov_len = text.len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	memset(control, 0, sizeof(control));
	msg.msg_control = control;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	for (size_t i = 0; i < n; i++)
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &h[i].fd, sizeof(int));
	r = sendmsg(conn, &msg, MSG_NOSIGNAL);
	strbuf_release(&text);
	return r == (ssize_t)iov.iov_len ? 0 : -1;
}

int handoff_hold(const char *path, volatile int *stop)
{
	struct handed h[MAX_SOCKETS];
	struct pollfd p[1 + MAX_PROXIES];
	size_t n = 0, proxies = 0;
	int lfd;

	n = bind_port(h, n, cfg.http_port, 0, 0);
	n = bind_port(h, n, cfg.https_port, 1, 0);
	n = bind_port(h, n, cfg.metrics_port, 0, 1);
	if ((lfd = holder_socket(path)) < 0)
		return 1;
	log_warn("berth-proxy %s holding: http %d, https %d, for proxies on %s",
		 BERTH_PROXY_VERSION, cfg.http_port, cfg.https_port, path);
	p[0] = (struct pollfd){ lfd, POLLIN, 0 };
	while (!*stop) {
		if (poll(p, 1 + proxies, 1000) < 0 && errno != EINTR)
			die_errno("poll");
		for (size_t i = 1; i <= proxies; i++) {
			char b[64];
			if (!p[i].revents || read(p[i].fd, b, sizeof(b)) > 0)
				continue;
			close(p[i].fd); /* that proxy ended */
			p[i--] = p[proxies--];
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			if (proxies == MAX_PROXIES || send_sockets(c, h, n) < 0) {
				close(c);
				continue;
			}
			p[++proxies] = (struct pollfd){ c, POLLIN, 0 };
		}
	}
	unlink(path);
	return 0;
}

/* ---- a proxy ---- */

static struct ev holder_ev = { EV_HOLDER, -1 };
static const char *holder_path;
static uint64_t holder_lost_at;

/* One attempt: 0 with the sockets in the loop, -1 (quietly) if no holder answers. */
static int fetch_once(void)
{
	struct sockaddr_un sa;
	char text[MAX_SOCKETS * 24], control[CMSG_SPACE(sizeof(int) * MAX_SOCKETS)];
	struct iovec iov = { text, sizeof(text) - 1 };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	int fd, fds[MAX_SOCKETS], nfds = 0;
	ssize_t r;
	char *line;

	if (unix_address(holder_path, &sa) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	for (cm = CMSG_FIRSTHDR(&msg); r > 0 && cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)nfds);
		}
	if (r <= 0 || !nfds) {
		close(fd);
		return -1;
	}
	text[r] = '\0';
	line = text;
	for (int i = 0; i < nfds; i++) {
		int port = 0, tls = 0, metrics = 0;
		if (!line || sscanf(line, "%d %d %d", &port, &tls, &metrics) != 3) {
			close(fds[i]);
			continue;
		}
		relay_adopt_listener(fds[i], port, tls, metrics);
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	holder_ev.fd = fd;
	loop_add(&holder_ev, EPOLLIN | EPOLLRDHUP);
	return 0;
}

void handoff_fetch(const char *path, volatile int *stop)
{
	int said = 0;

	holder_path = path;
	while (fetch_once() < 0 && !*stop) {
		if (!said++)
			log_warn("waiting for berth's port holder on %s", path);
		usleep(100 * 1000);
	}
}

void handoff_event(struct ev *ev, uint32_t events)
{
	char b[64];
	if (read(ev->fd, b, sizeof(b)) > 0)
		return;
	/* The holder went away: its sockets are in a namespace that is gone. */
	loop_del(ev);
	close(ev->fd);
	ev->fd = -1;
	listeners_close();
	holder_lost_at = now_ms();
	log_warn("berth's port holder went away: waiting for the next one on %s", holder_path);
}

void handoff_tick(int shutting_down)
{
	if (holder_path && holder_ev.fd < 0 && !shutting_down && fetch_once() == 0)
		log_warn("listening again through berth's port holder (after %llu ms)",
			 (unsigned long long)(now_ms() - holder_lost_at));
}
