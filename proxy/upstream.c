/*
 * upstream.c - connections to targets.
 *
 * A target keeps a pool of idle connections (an idle one only exists
 * because as many requests ran at once a moment ago); a request takes one
 * from there or connects afresh. Closed upstreams wait on a grave list
 * until the end of the loop iteration, as closed client connections do,
 * since an event for them may still be queued.
 */
#include "relay-int.h"
#include "upstream.h"
#include "log.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EVMASK (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
/*
 * Idle target connections kept per target. An idle one closes after
 * POOL_IDLE_MS; a small cap made busy HTTP/2 connections (up to 100 streams
 * each) open and close a target connection per request.
 */
#define POOL_MAX 512
#define POOL_IDLE_MS 15000

static struct upstream *grave_ups;

void upstream_close(struct upstream *u)
{
	if (u->dead)
		return;
	u->dead = 1;
	loop_del(&u->ev);
	close(u->ev.fd);
	buf_free(&u->in);
	u->next_idle = grave_ups;
	grave_ups = u;
}

void pool_remove(struct upstream *u)
{
	struct upstream **pp = &u->tgt->idle;
	while (*pp && *pp != u)
		pp = &(*pp)->next_idle;
	if (*pp) {
		*pp = u->next_idle;
		u->tgt->nidle--;
	}
	target_put(u->tgt);
}

void pool_put(struct upstream *u)
{
	struct target *t = u->tgt;
	if (t->draining || t->nidle >= POOL_MAX) {
		upstream_close(u);
		target_put(t);
		return;
	}
	u->c = NULL;
	u->got_bytes = 0;
	u->in.pos = u->in.len = 0;
	u->idle_deadline = now_ms() + POOL_IDLE_MS;
	u->next_idle = t->idle;
	t->idle = u;
	t->nidle++;
}

/*
 * A pooled connection (unless fresh) or a new one, connect in progress;
 * holds a ref. NULL when none: *connect_err is the errno of a connect()
 * that failed at once, 0 when we could not even try (no socket).
 */
struct upstream *upstream_get(struct target *t, int fresh, int *connect_err)
{
	*connect_err = 0;
	while (t->idle && !fresh) {
		struct upstream *u = t->idle;
		t->idle = u->next_idle;
		t->nidle--;
		if (u->eof || u->rdhup || u->dead) {
			upstream_close(u);
			target_put(t);
			continue;
		}
		u->reused = 1;
		return u;
	}
	int fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&t->sa, t->salen) < 0 &&
	    errno != EINPROGRESS) {
		*connect_err = errno;
		close(fd);
		errno = *connect_err;
		return NULL;
	}
	struct upstream *u = xcalloc(1, sizeof(*u));
	u->ev.type = EV_UPSTREAM;
	u->ev.fd = fd;
	u->tgt = t;
	u->connecting = 1;
	t->refs++;
	if (loop_add(&u->ev, EVMASK) < 0) {
		close(fd);
		free(u);
		t->refs--;
		return NULL;
	}
	return u;
}
int read_upstream(struct conn *c, struct upstream *u)
{
	if (!u->readable || !buf_room(&u->in, 16384))
		return 0;
	ssize_t n = sock_fill(u->ev.fd, NULL, &u->in, &u->readable, u->rdhup);
	if (n > 0) {
		u->got_bytes = 1;
		return 1;
	}
	if (n == 0 || n == -2) {
		u->eof = 1;
		return 1;
	}
	return 0;
}

static void connect_to(struct conn *c, int fresh)
{
	int err;
	c->up = upstream_get(c->tgt, fresh, &err);
	if (!c->up) {
		if (err) {
			target_refused(c, err);
			return;
		}
		log_warn("cannot connect to target '%s': %s", c->tgt->addr, strerror(errno));
		send_local(c, 502, NULL, NULL, NULL, NULL);
		return;
	}
	c->up->c = c;
	c->uhead_off = 0;
	c->state = CS_PROXY;
	c->deadline = now_ms() + c->svc->target_timeout_ms;
}

void connect_target(struct conn *c)
{
	connect_to(c, 0);
}

void connect_fresh(struct conn *c)
{
	connect_to(c, 1);
}

/*
 * Whether a failed connect() says something about the target (it is
 * down, or unreachable) rather than about us (out of ports, memory).
 */
static int target_fault(int err)
{
	return err == ECONNREFUSED || err == ECONNRESET || err == ETIMEDOUT ||
	       err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN ||
	       err == ENETDOWN || err == ECONNABORTED;
}

/*
 * Beyond kamal-proxy, which answers 502 until the next health check: a
 * refused request has not reached any target, so an idempotent one
 * (c->may_retry) goes to another target in rotation, up to RETRY_MAX
 * times; the target leaves the rotation at once (monitor_eject()).
 */
#define RETRY_MAX 3

void target_refused(struct conn *c, int err)
{
	struct target *t = c->tgt, *next = NULL;
	upstream_release(c, 0);
	if (target_fault(err)) {
		monitor_eject(c->svc, t, strerror(err));
		if (c->may_retry && c->tries < RETRY_MAX)
			next = service_repick(c->svc, t);
	}
	if (!next) {
		log_warn("cannot connect to target '%s': %s", t->addr, strerror(err));
		send_local(c, 502, NULL, NULL, NULL, NULL);
		return;
	}
	if (cfg.debug)
		log_info("target '%s' refused a request: sent to '%s'", t->addr, next->addr);
	c->tries++;
	stats.retries++;
	next->refs++;
	next->active++;
	c->tgt = next;
	t->active--;
	target_put(t);
	upstream_head_retarget(c);
	connect_target(c);
}

/*
 * The target failed before or while answering. What it means for the
 * request: sent again (a stale kept-alive connection), sent elsewhere
 * (the target refused it, target_refused()), a 502, or, once the response
 * has begun, the client's connection closed.
 */
void upstream_failed(struct conn *c, const char *why)
{
	struct upstream *u = c->up;
	if (!c->resp_head && u && u->reused && !u->got_bytes &&
	    c->req_body == BODY_NONE) {
		/*
		 * A pooled connection the target had closed (RFC 9112 9.3.1):
		 * the same request on a fresh one. Others of the pool may be
		 * as stale, so not from there.
		 */
		upstream_release(c, 0);
		c->resent = 1;
		connect_fresh(c);
		return;
	}
	/*
	 * Reset before a byte of the request left: as good as refused. So
	 * is a fresh connection failing right after a kept-alive one did:
	 * the target is going away (the kernel took our connect into the
	 * backlog of a listener that is closing), and the request was to be
	 * sent again anyway.
	 */
	if (!c->resp_head && u && u->eof && !u->reused && !u->got_bytes &&
	    (!c->uhead_off || c->resent)) {
		target_refused(c, ECONNRESET);
		return;
	}
	if (c->resp_head) {
		if (cfg.debug)
			log_warn("target '%s' failed mid-response: %s",
				 c->tgt ? c->tgt->addr : "?", why);
		relay_close(c);
		return;
	}
	log_warn("target '%s' failed: %s", c->tgt ? c->tgt->addr : "?", why);
	send_local(c, 502, NULL, NULL, NULL, NULL);
}

void upstream_release(struct conn *c, int reuse)
{
	if (c->up) {
		if (reuse)
			pool_put(c->up);
		else {
			upstream_close(c->up);
			target_put(c->up->tgt);
		}
		c->up = NULL;
	}
}

void upstream_reap(void)
{
	while (grave_ups) {
		struct upstream *u = grave_ups;
		grave_ups = u->next_idle;
		free(u);
	}
}

void pool_free_buffers(void)
{
	for (struct target *t = all_targets(); t; t = t->next)
		for (struct upstream *u = t->idle; u; u = u->next_idle)
			buf_free(&u->in);
}

int pool_tick(uint64_t now)
{
	/* Closing a target's last pooled connection may free the target. */
	int closed = 0;
	for (struct target *t = all_targets(), *tn; t; t = tn) {
		tn = t->next;
		struct upstream *u = t->idle, *un;
		for (; u; u = un) {
			un = u->next_idle;
			if (u->in.p && now + POOL_IDLE_MS - u->idle_deadline > 2000)
				buf_free(&u->in);
			if (u->idle_deadline <= now) {
				pool_remove(u);
				upstream_close(u);
				closed++;
			}
		}
	}
	return closed;
}
