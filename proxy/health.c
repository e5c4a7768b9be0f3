/*
 * health.c - one HTTP GET of a target's health path, in the event loop.
 * A check passes on a 2xx status; it fails on connection errors, any
 * other status, or when it takes longer than its timeout. The callback
 * runs exactly once, after which the check is freed (at the next tick).
 */
#include "relay-int.h"
#include "log.h"
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

struct health_check {
	struct ev ev;
	struct target *t;
	struct strbuf req;
	size_t sent;
	char resp[32];
	size_t rlen;
	uint64_t deadline;
	health_cb cb;
	void *data;
	int connecting, done;
	struct health_check *next;
};

static struct health_check *checks;

static void finish(struct health_check *hc, int ok, const char *why)
{
	if (hc->done)
		return;
	hc->done = 1;
	loop_del(&hc->ev);
	close(hc->ev.fd);
	if (!ok && cfg.debug)
		log_warn("health check of '%s' failed: %s", hc->t->addr, why);
	if (hc->cb)
		hc->cb(hc->data, ok, why);
}

struct health_check *health_start(struct target *t, const char *path,
				  const char *host, int port,
				  uint64_t timeout_ms, health_cb cb, void *data)
{
	struct sockaddr_storage sa = t->sa;
	if (port > 0) {
		if (sa.ss_family == AF_INET)
			((struct sockaddr_in *)&sa)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&sa)->sin6_port = htons(port);
	}
	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, t->salen) < 0 && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	struct health_check *hc = xcalloc(1, sizeof(*hc));
	hc->ev.type = EV_HEALTH;
	hc->ev.fd = fd;
	hc->t = t;
	t->refs++;
	hc->connecting = 1;
	hc->cb = cb;
	hc->data = data;
	hc->deadline = now_ms() + timeout_ms;
	strbuf_init(&hc->req, 0);
	strbuf_addf(&hc->req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kamal-proxy\r\n"
		    "Connection: close\r\n\r\n", path, host && *host ? host : t->addr);
	hc->next = checks;
	checks = hc;
	loop_add(&hc->ev, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	return hc;
}

int health_is_done(struct health_check *hc)
{
	return hc->done;
}

void health_cancel(struct health_check *hc)
{
	if (!hc)
		return;
	hc->cb = NULL;
	finish(hc, 0, "cancelled");
}

void health_event(struct ev *ev, uint32_t events)
{
	struct health_check *hc = (struct health_check *)(void *)ev;
	if (hc->done)
		return;
	if (hc->connecting) {
		int err = 0;
		socklen_t el = sizeof(err);
		getsockopt(hc->ev.fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			finish(hc, 0, strerror(err));
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		hc->connecting = 0;
	}
	while (hc->sent < hc->req.len) {
		ssize_t w = write(hc->ev.fd, hc->req.buf + hc->sent, hc->req.len - hc->sent);
		if (w < 0) {
			if (errno == EAGAIN)
				return;
			finish(hc, 0, strerror(errno));
			return;
		}
		hc->sent += w;
	}
	for (;;) {
		ssize_t n = read(hc->ev.fd, hc->resp + hc->rlen, sizeof(hc->resp) - 1 - hc->rlen);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		hc->rlen += n;
		if (hc->rlen >= 12)
			break;
	}
	hc->resp[hc->rlen] = 0;
	if (hc->rlen < 12 || memcmp(hc->resp, "HTTP/1.", 7)) {
		finish(hc, 0, "no HTTP response");
		return;
	}
	int st = atoi(hc->resp + 9);
	if (st >= 200 && st < 300) {
		finish(hc, 1, NULL);
	} else {
		char why[48];
		snprintf(why, sizeof(why), "unexpected status %d", st);
		finish(hc, 0, why);
	}
}

void health_tick(void)
{
	uint64_t now = now_ms();
	struct health_check **pp = &checks;
	for (struct health_check *hc = checks; hc; hc = hc->next)
		if (!hc->done && hc->deadline <= now)
			finish(hc, 0, "timed out");
	while (*pp) {
		struct health_check *hc = *pp;
		if (hc->done) {
			*pp = hc->next;
			strbuf_release(&hc->req);
			target_put(hc->t);
			free(hc);
		} else {
			pp = &hc->next;
		}
	}
}
