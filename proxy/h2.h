/*
 * h2.h - HTTP/2 over TLS (ALPN "h2") for client connections.
 *
 * A TLS connection that negotiated h2 (struct conn in state CS_H2) owns an
 * nghttp2 session. Each request stream becomes a *stream conn*: a struct
 * conn without a socket (ev.fd is -1) that relay.c drives exactly like an
 * HTTP/1.1 client connection. The stream's header list is written into the
 * stream conn's read buffer as an HTTP/1.1 head (its DATA frames follow as
 * the body, chunked when there is no content-length), and the HTTP/1.1
 * response the relay writes back is parsed into HEADERS and DATA frames.
 * So routing, service states, header rewriting, the upstream pool, body
 * limits, timeouts, drain and the access log are the HTTP/1 code, not a
 * copy of it; targets keep speaking HTTP/1.1.
 *
 * Ownership:
 *  1. The session (c->h2) owns its streams. A stream points at its stream
 *     conn while the relay runs it; the stream conn points back (c->h2s).
 *  2. Whichever ends first detaches from the other: relay_close() of a
 *     stream conn calls h2_stream_detach(); nghttp2 closing a stream
 *     (RST_STREAM, or the connection ending) closes its stream conn with
 *     relay_close(), which logs 499 and drops the upstream.
 *  3. Streams and the session are freed when the connection is reaped.
 *
 * Flow control: request DATA is acknowledged (WINDOW_UPDATE) only as the
 * relay hands it to the target, and response bytes go into a bounded
 * buffer per stream, so a slow target or a slow reader stalls only its own
 * stream.
 *
 * Calls into nghttp2 that can run callbacks happen only in h2_step(); the
 * relay side just queues work and marks the session pending, and
 * h2_flush_pending() (once per loop iteration) runs the sessions that have
 * something to send.
 */
#ifndef BERTH_PROXY_H2_H
#define BERTH_PROXY_H2_H

#include "relay-int.h"
#include <sys/uio.h>

#define H2_MAX_STREAMS 100

/* ---- the connection (relay.c and tls.c hooks) ---- */

/* TLS negotiated "h2": c becomes an h2 connection (state CS_H2). */
int h2_start(struct conn *c);
/* relay_run() for CS_H2: reads frames, runs streams, writes frames. */
int h2_step(struct conn *c);
/* relay_close() of an h2 connection: its stream conns end too (499). */
void h2_conn_closed(struct conn *c);
/* relay_reap(): frees the session and its streams. */
void h2_free(struct conn *c);
/* The idle deadline passed: GOAWAY, then close. */
void h2_timeout(struct conn *c);
/* Daemon shutdown: GOAWAY; streams in flight finish, then close. */
void h2_shutdown(struct conn *c);

/* ---- a stream conn's I/O (what sockets are for other conns) ---- */

/* Request bytes for the relay: >0 bytes, 0 end, -1 none yet (readable=0). */
ssize_t h2_stream_read(struct conn *sc, struct rbuf *b);
/* Response bytes from the relay: bytes taken, -1 full (writable=0), -2 gone. */
ssize_t h2_stream_writev(struct conn *sc, const struct iovec *iov, int n);
/* relay_close() of a stream conn: the stream ends or is reset. */
void h2_stream_detach(struct conn *sc);

/* ---- message translation (h2msg.c; pure, unit-tested) ---- */

/*
 * A request's header list, collected field by field and then written as
 * an HTTP/1.1 head. The HTTP/1 parser checks the result as strictly as a
 * head read from a socket, so only what h2 does differently lives here:
 * pseudo-headers, :authority as Host, cookies split across fields (joined
 * with "; "), and framing (Transfer-Encoding: chunked when a body follows
 * without content-length). "Connection: close" ends the head, so the relay
 * ends the stream conn after one exchange.
 */
struct h2_reqhead {
	struct strbuf method, path, authority, fields, cookie;
	size_t size, max; /* header list size (RFC 9113 6.5.2) and its limit */
	unsigned too_big : 1, has_length : 1;
};

void h2_reqhead_init(struct h2_reqhead *r, size_t max);
void h2_reqhead_release(struct h2_reqhead *r);
/* Adds one field as nghttp2 delivered it (validated, lowercase names). */
void h2_reqhead_add(struct h2_reqhead *r, const char *name, size_t nlen,
		    const char *value, size_t vlen);
/* The HTTP/1.1 head; body: DATA frames will follow. */
void h2_reqhead_write(struct h2_reqhead *r, int body, struct strbuf *out);

/*
 * The relay's HTTP/1.1 response, parsed back. h2_resp_feed() takes bytes
 * as the relay writes them and returns how many it consumed (-1 if they
 * are not HTTP): head bytes until a head is complete, then it stops and
 * sets *got_head, with h filled (slices into r->head, names lowercased,
 * valid until the next feed). Body bytes are decoded (chunked framing and
 * trailers removed) into out while out has room; r->done says the body
 * ended.
 */
struct h2_resp {
	struct strbuf head;
	int is_head; /* the request was HEAD: no body whatever the head says */
	enum http_body body;
	uint64_t left;
	struct http_chunked ch;
	unsigned in_body : 1, done : 1, head_taken : 1;
};

ssize_t h2_resp_feed(struct h2_resp *r, const char *p, size_t n, struct rbuf *out,
		     struct http_head *h, int *got_head);
/* Whether an HTTP/1 response field stays out of an h2 response. */
int h2_resp_hop_field(struct slice name);

#endif
