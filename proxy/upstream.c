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

/* A pooled connection or a fresh one (connect in progress); holds a ref. */
struct upstream *upstream_get(struct target *t)
{
	while (t->idle) {
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
		close(fd);
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

/* The request goes to c->tgt now, on a pooled or a new connection. */
void connect_target(struct conn *c)
{
	c->up = upstream_get(c->tgt);
	if (!c->up) {
		log_warn("cannot connect to target '%s'", c->tgt->addr);
		send_local(c, 502, NULL, NULL, NULL, NULL);
		return;
	}
	c->up->c = c;
	c->state = CS_PROXY;
	c->deadline = now_ms() + c->svc->target_timeout_ms;
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
