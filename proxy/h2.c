/*
 * h2.c - HTTP/2 connections and their streams (see h2.h for the design).
 *
 * nghttp2 parses and writes frames; this file moves bytes between it and
 * the TLS socket, turns each request stream into a stream conn for the
 * relay, and feeds the relay's HTTP/1.1 answer back as HEADERS and DATA.
 */
#include "h2.h"
#include "log.h"
#include <nghttp2/nghttp2.h>

/*
 * Memory per connection is bounded by these: unread request bytes by the
 * windows (as Go's server: 1 MiB for the connection; several stalled
 * uploads can stall the others' uploads, never their GETs), response bytes
 * by RESP_BUF per stream and OUT_MAX for the socket.
 */
#define STREAM_WINDOW (256 * 1024)
#define CONN_WINDOW (1024 * 1024)
#define RESP_BUF (32 * 1024)
#define OUT_MAX (64 * 1024)
#define READ_BUF 16384
#define CLOSE_GRACE_MS 5000 /* for a GOAWAY to leave before the socket closes */

struct h2_stream {
	struct h2_session *s;
	int32_t id;
	struct conn *sc; /* NULL once the relay is done with it */
	struct h2_reqhead req;
	struct strbuf body; /* request DATA the relay has not taken yet */
	size_t body_off;
	struct h2_resp resp;
	struct rbuf data; /* response payload not yet in DATA frames */
	unsigned started : 1, chunked : 1, req_ended : 1, last_chunk : 1, kick : 1,
		closed : 1, resp_started : 1, resp_ended : 1, deferred : 1;
	struct h2_stream *prev, *next;
};

struct h2_session {
	nghttp2_session *ng;
	struct conn *c;
	struct h2_stream *streams;
	int nopen;    /* streams nghttp2 has open */
	int nwaiting; /* of which the headers are not complete yet */
	unsigned pending : 1, kicked : 1, dead : 1, closing : 1;
	struct h2_session *next_pending;
};

static struct h2_session *pending_list;

static void mark_pending(struct h2_session *s)
{
	if (s->pending || s->dead)
		return;
	s->pending = 1;
	s->next_pending = pending_list;
	pending_list = s;
}

/* The stream has work for the relay; h2_step() runs it outside callbacks. */
static void kick(struct h2_stream *st)
{
	st->kick = 1;
	st->s->kicked = 1;
	mark_pending(st->s);
}

int h2_pending(void)
{
	return pending_list != NULL;
}

void h2_flush_pending(void)
{
	struct h2_session *list = pending_list;
	pending_list = NULL;
	while (list) {
		struct h2_session *s = list;
		list = s->next_pending;
		s->pending = 0;
		if (!s->dead)
			relay_run(s->c);
	}
}

/* ---------- streams ---------- */

static struct h2_stream *stream_of(nghttp2_session *ng, int32_t id)
{
	return nghttp2_session_get_stream_user_data(ng, id);
}

static void stream_free(struct h2_stream *st)
{
	h2_reqhead_release(&st->req);
	strbuf_release(&st->body);
	strbuf_release(&st->resp.head);
	buf_free(&st->data);
	free(st);
}

/* Request bytes nobody will read: acknowledged, or the window shrinks. */
static void drop_body(struct h2_stream *st)
{
	size_t left = st->body.len - st->body_off;
	strbuf_release(&st->body);
	st->body_off = 0;
	if (!left || st->s->dead)
		return;
	if (st->closed)
		nghttp2_session_consume_connection(st->s->ng, left);
	else
		nghttp2_session_consume(st->s->ng, st->id, left);
	mark_pending(st->s);
}

/* What the HTTP/1 path does with a head it cannot take. */
static void reject(struct conn *sc, int status)
{
	sc->in_request = 1;
	sc->keep_alive = 0;
	access_log_begin(sc, NULL);
	send_local(sc, status, NULL, NULL, NULL, NULL);
}

/* The request's headers are complete: the relay gets it as HTTP/1.1. */
static void stream_start(struct h2_session *s, struct h2_stream *st)
{
	struct conn *sc = relay_stream_conn(s->c);
	sc->h2s = st;
	st->sc = sc;
	st->started = 1;
	s->nwaiting--;
	sc->start_us = now_ms();
	if (st->req.too_big) {
		reject(sc, 431);
	} else if (slice_eq((struct slice){ st->req.method.buf, st->req.method.len },
			    "CONNECT")) {
		reject(sc, 501); /* tunnels (and RFC 8441 WebSockets) are not offered */
	} else {
		struct strbuf head = STRBUF_INIT;
		int body = !st->req_ended;
		st->chunked = body && !st->req.has_length;
		h2_reqhead_write(&st->req, body, &head);
		/* A body is read through this buffer: give it room to stream. */
		sc->in.cap = body && head.len < READ_BUF ? READ_BUF : head.len;
		sc->in.p = xmalloc(sc->in.cap);
		memcpy(sc->in.p, head.buf, head.len);
		sc->in.len = head.len;
		sc->readable = 1;
		strbuf_release(&head);
	}
	h2_reqhead_release(&st->req);
	kick(st);
}

ssize_t h2_stream_read(struct conn *sc, struct rbuf *b)
{
	struct h2_stream *st = sc->h2s;
	size_t avail = st->body.len - st->body_off, room = b->cap - b->len;
	/* The relay reads into an emptied buffer of READ_BUF bytes or more. */
	if (avail && room > 32) {
		char *dst = b->p + b->len;
		size_t n = avail < room - 32 ? avail : room - 32, put = 0;
		if (st->chunked)
			put = snprintf(dst, 20, "%zx\r\n", n);
		memcpy(dst + put, st->body.buf + st->body_off, n);
		put += n;
		if (st->chunked) {
			memcpy(dst + put, "\r\n", 2);
			put += 2;
		}
		st->body_off += n;
		if (st->body_off == st->body.len || st->body_off >= READ_BUF) {
			memmove(st->body.buf, st->body.buf + st->body_off, st->body.len - st->body_off);
			strbuf_setlen(&st->body, st->body.len - st->body_off);
			st->body_off = 0;
		}
		/* Taken for the target: now the client may send more. */
		nghttp2_session_consume(st->s->ng, st->id, n);
		mark_pending(st->s);
		b->len += put;
		return put;
	}
	if (!st->req_ended) {
		sc->readable = 0;
		return -1;
	}
	if (st->chunked && !st->last_chunk && room >= 5) {
		memcpy(b->p + b->len, "0\r\n\r\n", 5);
		b->len += 5;
		st->last_chunk = 1;
		return 5;
	}
	return 0;
}

static ssize_t read_data(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len,
			 uint32_t *flags, nghttp2_data_source *src, void *user)
{
	struct h2_stream *st = src->ptr;
	size_t n = st->data.len - st->data.pos;
	if (!n && !st->resp_ended) {
		st->deferred = 1;
		return NGHTTP2_ERR_DEFERRED;
	}
	if (n > len)
		n = len;
	if (n)
		memcpy(buf, st->data.p + st->data.pos, n);
	st->data.pos += n;
	if (st->resp_ended && st->data.pos == st->data.len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	if (n && st->sc) {
		st->sc->writable = 1; /* room again for the relay's bytes */
		kick(st);
	}
	return n;
}

static void resume(struct h2_stream *st)
{
	if (st->deferred) {
		st->deferred = 0;
		nghttp2_session_resume_data(st->s->ng, st->id);
	}
	mark_pending(st->s);
}

static nghttp2_nv nv(struct slice name, struct slice value)
{
	return (nghttp2_nv){ (uint8_t *)name.p, (uint8_t *)value.p, name.n, value.n,
			     NGHTTP2_NV_FLAG_NONE };
}

/* A response head from the relay becomes HEADERS (nghttp2 copies the fields). */
static int submit_head(struct h2_stream *st, struct http_head *h)
{
	nghttp2_nv nva[HTTP_MAX_HEADERS + 1];
	char status[8];
	size_t n = 0;
	int len = snprintf(status, sizeof(status), "%d", h->status);
	nva[n++] = nv((struct slice){ ":status", 7 }, (struct slice){ status, len });
	for (size_t i = 0; i < h->nhdr; i++)
		if (!h2_resp_hop_field(h->hdr[i].name))
			nva[n++] = nv(h->hdr[i].name, h->hdr[i].value);
	if (h->status < 200)
		return nghttp2_submit_headers(st->s->ng, NGHTTP2_FLAG_NONE, st->id, NULL, nva, n,
					      NULL);
	nghttp2_data_provider body = { .source.ptr = st, .read_callback = read_data };
	st->resp_started = 1;
	st->resp_ended = st->resp.done;
	return nghttp2_submit_response(st->s->ng, st->id, nva, n,
				       st->resp_ended ? NULL : &body);
}

/* Feeds one piece of the relay's output; -1 when st->data is full. */
static ssize_t feed(struct h2_stream *st, const char *p, size_t len)
{
	struct http_head h;
	int got_head;
	buf_room(&st->data, RESP_BUF);
	ssize_t r = h2_resp_feed(&st->resp, p, len, &st->data, &h, &got_head);
	if (r < 0 || (got_head && submit_head(st, &h) < 0))
		return -2;
	return r || got_head ? r : -1;
}

ssize_t h2_stream_writev(struct conn *sc, const struct iovec *iov, int n)
{
	struct h2_stream *st = sc->h2s;
	ssize_t total = 0;
	if (st->closed)
		return -2;
	st->resp.is_head = sc->is_head;
	for (int i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		while (len) {
			ssize_t r = feed(st, p, len);
			if (r == -2)
				return -2;
			if (r == -1)
				goto full;
			p += r;
			len -= r;
			total += r;
		}
	}
full:
	if (st->resp.done && st->resp_started)
		st->resp_ended = 1;
	resume(st);
	if (!total) {
		sc->writable = 0;
		return -1;
	}
	return total;
}

void h2_stream_detach(struct conn *sc)
{
	struct h2_stream *st = sc->h2s;
	sc->h2s = NULL;
	st->sc = NULL;
	drop_body(st);
	if (st->closed || st->s->dead)
		return;
	/* A body that runs until close ends cleanly with the request. */
	if (st->resp_started &&
	    (st->resp.done || (st->resp.body == BODY_UNTIL_CLOSE && !sc->in_request))) {
		st->resp_ended = 1;
		resume(st);
		return;
	}
	nghttp2_submit_rst_stream(st->s->ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
	mark_pending(st->s);
}

/* ---------- nghttp2 callbacks ---------- */

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2_session *s = user;
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct h2_stream *st = xcalloc(1, sizeof(*st));
	st->s = s;
	st->id = f->hd.stream_id;
	h2_reqhead_init(&st->req, cfg.max_head);
	strbuf_init(&st->body, 0);
	strbuf_init(&st->resp.head, 0);
	st->next = s->streams;
	if (s->streams)
		s->streams->prev = st;
	s->streams = st;
	s->nopen++;
	s->nwaiting++;
	if (!s->closing)
		s->c->deadline = 0; /* settle_deadline() gives it header time */
	nghttp2_session_set_stream_user_data(ng, st->id, st);
	return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name,
		     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
	struct h2_stream *st = stream_of(ng, f->hd.stream_id);
	/* Trailers are not relayed (targets get a plain chunked body). */
	if (st && f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
		h2_reqhead_add(&st->req, (const char *)name, nlen, (const char *)value, vlen);
	return 0;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2_stream *st = stream_of(ng, f->hd.stream_id);
	if (!st || (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA))
		return 0;
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) {
		st->req_ended = 1;
		if (st->sc) {
			st->sc->readable = 1;
			kick(st);
		}
	}
	if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
		stream_start(user, st);
	return 0;
}

static int on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
		   size_t len, void *user)
{
	struct h2_stream *st = stream_of(ng, id);
	if (!st || !st->sc) {
		nghttp2_session_consume(ng, id, len); /* the answer is out already */
		return 0;
	}
	strbuf_add(&st->body, data, len);
	st->sc->readable = 1;
	kick(st);
	return 0;
}

/* A complete response lets the client stop sending (RFC 9113 8.1). */
static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2_stream *st = stream_of(ng, f->hd.stream_id);
	if (st && (f->hd.flags & NGHTTP2_FLAG_END_STREAM) && !st->req_ended &&
	    (f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA))
		nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
	return 0;
}

/* Ended both ways, reset by either side, or refused: the relay lets go. */
static int on_stream_close(nghttp2_session *ng, int32_t id, uint32_t err, void *user)
{
	struct h2_session *s = user;
	struct h2_stream *st = stream_of(ng, id);
	if (!st)
		return 0;
	st->closed = 1;
	if (st->sc)
		relay_close(st->sc); /* 499 if unanswered; the upstream is dropped */
	drop_body(st);
	if (st->prev)
		st->prev->next = st->next;
	else
		s->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	s->nopen--;
	if (!st->started)
		s->nwaiting--;
	nghttp2_session_set_stream_user_data(ng, id, NULL);
	stream_free(st);
	return 0;
}

static nghttp2_session_callbacks *callbacks(void)
{
	static nghttp2_session_callbacks *cb;
	if (cb)
		return cb;
	if (nghttp2_session_callbacks_new(&cb))
		return NULL;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	return cb;
}

/* ---------- the connection ---------- */

int h2_start(struct conn *c)
{
	struct h2_session *s = xcalloc(1, sizeof(*s));
	nghttp2_option *opt;
	nghttp2_session_callbacks *cb = callbacks();
	if (!cb || nghttp2_option_new(&opt)) {
		free(s);
		relay_close(c);
		return 0;
	}
	/* Window updates follow the relay's progress, not arrival. */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	int rc = nghttp2_session_server_new2(&s->ng, cb, s, opt);
	nghttp2_option_del(opt);
	if (rc) {
		free(s);
		relay_close(c);
		return 0;
	}
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, cfg.max_head },
	};
	nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, ARRAY_SIZE(iv));
	nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW);
	s->c = c;
	c->h2 = s;
	c->state = CS_H2;
	c->deadline = 0;
	return 1;
}

/* Frames from the client, one read at a time. */
static int h2_read(struct conn *c, struct h2_session *s)
{
	/* A client that does not read what we send gets nothing more read. */
	if (c->eof || !c->readable || c->out.len - c->out_off >= OUT_MAX ||
	    !nghttp2_session_want_read(s->ng))
		return 0;
	buf_room(&c->in, READ_BUF);
	ssize_t n = sock_fill(c->ev.fd, c->ssl, &c->in, &c->readable, c->rdhup);
	if (n == -1)
		return 0;
	if (n <= 0) {
		c->eof = 1;
		relay_close(c); /* streams in flight end as 499 */
		return 0;
	}
	ssize_t r = nghttp2_session_mem_recv(s->ng, (const uint8_t *)c->in.p + c->in.pos,
					     c->in.len - c->in.pos);
	c->in.pos = c->in.len = 0;
	if (r < 0) {
		if (cfg.debug)
			log_warn("HTTP/2 from %s: %s", c->addr, nghttp2_strerror(r));
		relay_close(c);
		return 0;
	}
	return 1;
}

/* Frames nghttp2 has ready go to the socket. */
static int h2_write(struct conn *c, struct h2_session *s)
{
	int progress = 0;
	if (c->out_off) {
		memmove(c->out.buf, c->out.buf + c->out_off, c->out.len - c->out_off);
		strbuf_setlen(&c->out, c->out.len - c->out_off);
		c->out_off = 0;
	}
	while (c->out.len < OUT_MAX) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(s->ng, &data);
		if (n < 0) {
			relay_close(c);
			return 0;
		}
		if (!n)
			break;
		strbuf_add(&c->out, data, n);
		progress = 1;
	}
	while (c->writable && c->out_off < c->out.len) {
		struct iovec iov = { c->out.buf + c->out_off, c->out.len - c->out_off };
		ssize_t w = sock_writev(c->ev.fd, c->ssl, &iov, 1, &c->writable);
		if (w == -1)
			break;
		if (w == -2) {
			relay_close(c);
			return 0;
		}
		c->out_off += w;
		progress = 1;
	}
	return progress;
}

static int run_streams(struct h2_session *s)
{
	int progress = 0;
	s->kicked = 0;
	for (struct h2_stream *st = s->streams; st && !s->c->dead; st = st->next) {
		if (!st->kick)
			continue;
		st->kick = 0;
		if (st->sc) {
			relay_run(st->sc);
			progress = 1;
		}
	}
	return progress;
}

/*
 * Idle from the moment the last stream closed; and a connection whose only
 * streams still send their headers gets --header-timeout, as HTTP/1 does.
 * When the deadline passes, h2_timeout() says GOAWAY.
 */
static void settle_deadline(struct conn *c, struct h2_session *s)
{
	if (s->nopen > s->nwaiting || s->closing) {
		if (!s->closing)
			c->deadline = 0;
		return;
	}
	if (!s->nopen) {
		/* Nothing in flight holds buffers for this client now. */
		buf_free(&c->in);
		if (c->out_off == c->out.len)
			strbuf_release(&c->out);
		c->out_off = 0;
	}
	if (!c->deadline)
		c->deadline = now_ms() + (s->nopen ? cfg.header_timeout_ms : cfg.idle_timeout_ms);
}

int h2_step(struct conn *c)
{
	struct h2_session *s = c->h2;
	for (int round = 0; !c->dead; round++) {
		if (round == 64) {
			mark_pending(s); /* fairness: the others get a turn */
			return 0;
		}
		int p = h2_read(c, s);
		if (!c->dead && s->kicked)
			p |= run_streams(s);
		if (!c->dead)
			p |= h2_write(c, s);
		if (!p)
			break;
	}
	if (c->dead)
		return 0;
	if (!nghttp2_session_want_read(s->ng) && !nghttp2_session_want_write(s->ng) &&
	    c->out_off == c->out.len) {
		relay_close(c); /* GOAWAY sent and no stream left */
		return 0;
	}
	settle_deadline(c, s);
	return 0;
}

void h2_timeout(struct conn *c)
{
	struct h2_session *s = c->h2;
	if (s->closing) {
		relay_close(c); /* the GOAWAY did not get out in time */
		return;
	}
	s->closing = 1;
	nghttp2_session_terminate_session(s->ng, NGHTTP2_NO_ERROR);
	c->deadline = now_ms() + CLOSE_GRACE_MS;
	mark_pending(s);
}

void h2_shutdown(struct conn *c)
{
	struct h2_session *s = c->h2;
	nghttp2_submit_goaway(s->ng, NGHTTP2_FLAG_NONE,
			      nghttp2_session_get_last_proc_stream_id(s->ng), NGHTTP2_NO_ERROR,
			      NULL, 0);
	mark_pending(s);
}

void h2_conn_closed(struct conn *c)
{
	struct h2_session *s = c->h2;
	s->dead = 1;
	for (struct h2_stream *st = s->streams; st; st = st->next) {
		st->closed = 1;
		if (st->sc)
			relay_close(st->sc);
	}
}

void h2_free(struct conn *c)
{
	struct h2_session *s = c->h2;
	for (struct h2_session **pp = &pending_list; *pp; pp = &(*pp)->next_pending)
		if (*pp == s) {
			*pp = s->next_pending;
			break;
		}
	while (s->streams) {
		struct h2_stream *st = s->streams;
		s->streams = st->next;
		stream_free(st);
	}
	nghttp2_session_del(s->ng);
	free(s);
	c->h2 = NULL;
}
