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

/* A pooled connection or a fresh one (connect in progress); NULL if none. */
struct upstream *upstream_get(struct target *t);
/* The request goes to c->tgt now, on a pooled or a new connection (CS_PROXY). */
void connect_target(struct conn *c);
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
