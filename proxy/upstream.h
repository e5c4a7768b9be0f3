/*
 * upstream.h - connections to targets (upstream.c).
 *
 * Every struct upstream holds one reference to its target (t->refs),
 * whether it serves a request (u->c set) or idles in the target's pool
 * (u->c NULL). Whoever ends an upstream's life drops that reference:
 * pool_remove() does, upstream_close() does not.
 */
#ifndef BERTH_PROXY_UPSTREAM_H
#define BERTH_PROXY_UPSTREAM_H

#include "relay-int.h"

/*
 * A pooled connection (unless fresh) or a new one (connect in progress);
 * NULL if none, with *connect_err the errno of a connect() that failed at
 * once (0: no socket to try with).
 */
struct upstream *upstream_get(struct target *t, int fresh, int *connect_err);
/*
 * The request goes to c->tgt now, on a pooled or a new connection
 * (CS_PROXY); connect_fresh(): on a new one. A connect() that fails at
 * once goes to target_refused().
 */
void connect_target(struct conn *c);
void connect_fresh(struct conn *c);
/*
 * c's target could not be reached (err), and nothing of the request left:
 * the target is ejected and an idempotent request tries another target,
 * else the client gets a 502.
 */
void target_refused(struct conn *c, int err);
/* Closes u's socket; u is freed by upstream_reap(). Keeps the target ref. */
void upstream_close(struct upstream *u);
/* Idle: into t's pool (or closed, if draining or full). */
void pool_put(struct upstream *u);
/* Out of its target's pool, dropping the reference. */
void pool_remove(struct upstream *u);
/* c's upstream, pooled again when reuse, else closed; c->up is NULL after. */
void upstream_release(struct conn *c, int reuse);
/* Reads what u has into u->in: whether anything happened (bytes, EOF). */
int read_upstream(struct conn *c, struct upstream *u);
/* Frees the upstreams closed during this loop iteration. */
void upstream_reap(void);
/* Idle connections' read buffers go back (a burst is over). */
void pool_free_buffers(void);
/* Closes idle connections past their time; returns how many. */
int pool_tick(uint64_t now);

#endif
