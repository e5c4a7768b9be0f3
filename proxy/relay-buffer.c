/*
 * relay-buffer.c - buffered bodies (--buffer-requests, --buffer-responses).
 *
 * The request or response body goes into a spill (spill.h) before the
 * other side sees it, so a slow client never holds a target connection.
 * These are states of relay.c's machine (CS_BUFFER, CS_REPLY) and the
 * buffered variants of CS_PROXY's steps; relay-buffer.h lists them.
 */
#include "relay-int.h"
#include "relay-buffer.h"
#include "upstream.h"
#include "log.h"
#include <errno.h>
#include <sys/uio.h>

/*
 * Request buffering: the whole body is read into c->req_spill (CS_BUFFER)
 * before the target is contacted, so a slow client never holds a target
 * connection. The target was chosen already and counts the request as
 * in flight (drains and pause wait for it), as kamal-proxy does.
 */
void start_buffering(struct conn *c, int send_continue)
{
	c->req_spill = spill_new(c->svc->buffer_memory);
	/* The target will not see Expect: the answer is ours to give. */
	if (send_continue)
		strbuf_addstr(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
	c->state = CS_BUFFER;
	c->deadline = now_ms() + cfg.idle_timeout_ms;
}

static int buffer_failed(struct conn *c, int st)
{
	if (st == 500)
		log_warn("cannot buffer a request body: %s", strerror(errno));
	c->keep_alive = 0;
	send_local(c, st, NULL, NULL, NULL, NULL);
	return -1;
}

/* Body bytes so far, as --max-request-body counts them (no chunk framing). */
static uint64_t request_body_size(struct conn *c)
{
	return c->req_body == BODY_CHUNKED ? c->req_ch.data : c->body_in;
}

/*
 * Moves the body bytes in c->in into the spill: 1 when the body is
 * complete, 0 when more is to come, -1 when it was answered (400, 413...).
 */
static int take_request_body(struct conn *c)
{
	size_t pend;
	int done;
	if (scan_body(c->req_body, &c->req_left, &c->req_ch, c->in.p + c->in.pos,
		      c->in.len - c->in.pos, &pend, &done) < 0)
		return buffer_failed(c, 400);
	c->body_in += pend;
	if (c->svc->max_req_body && request_body_size(c) > c->svc->max_req_body)
		return buffer_failed(c, 413);
	if (spill_add(c->req_spill, c->in.p + c->in.pos, pend) < 0)
		return buffer_failed(c, 500);
	c->in.pos += pend; /* what follows the body stays: pipelining */
	c->req_done = done;
	return done;
}

int step_buffer(struct conn *c)
{
	int progress = flush_client(c, NULL, NULL); /* 100 Continue */
	if (c->write_error) {
		relay_close(c);
		return 0;
	}
	if (c->in.len > c->in.pos) {
		int r = take_request_body(c);
		if (r) {
			if (r > 0)
				connect_target(c);
			return 1;
		}
	}
	if (c->eof) {
		relay_close(c); /* the client went away mid-body: 499 */
		return 0;
	}
	if (!c->readable)
		return progress;
	buf_room(&c->in, 16384);
	ssize_t n = client_fill(c, &c->in);
	if (n > 0) {
		stats.bytes_in += n;
		c->deadline = now_ms() + cfg.idle_timeout_ms;
		return 1;
	}
	if (n == 0 || n == -2) {
		c->eof = 1;
		return 1;
	}
	return progress;
}

/* CS_PROXY with a buffered body: the head, then the spill, to the target. */
int send_request_spill(struct conn *c, struct upstream *u)
{
	size_t head = c->uhead.len - c->uhead_off;
	const char *p;
	ssize_t n = spill_peek(c->req_spill, &p);
	if (n < 0) {
		log_warn("cannot read a buffered request body back: %s", strerror(errno));
		upstream_failed(c, "request body lost");
		return 1;
	}
	if (!u->writable || (!head && !n))
		return 0;
	struct iovec iov[2];
	int cnt = 0;
	if (head)
		iov[cnt++] = (struct iovec){ c->uhead.buf + c->uhead_off, head };
	if (n)
		iov[cnt++] = (struct iovec){ (void *)p, n };
	ssize_t w = sock_writev(u->ev.fd, NULL, iov, cnt, &u->writable);
	if (w == -1)
		return 0;
	if (w == -2) {
		u->eof = 1;
		return 1;
	}
	if ((size_t)w <= head) {
		c->uhead_off += w;
	} else {
		c->uhead_off = c->uhead.len;
		spill_consume(c->req_spill, w - head);
	}
	if (!spill_left(c->req_spill))
		spill_free(&c->req_spill); /* all sent: memory and file go now */
	return 1;
}

/*
 * Response buffering: the body is read whole into c->resp_spill while
 * its head waits in c->out; then the target connection is let go and
 * CS_REPLY sends both, so a slow client never holds the target. As in
 * kamal-proxy, streams (chunked, server-sent events) are not buffered,
 * and a body over --max-response-body gets a 500 instead.
 */
static void response_too_big(struct conn *c)
{
	strbuf_reset(&c->out);
	c->resp_head = 0;
	c->keep_alive = 0;
	send_local(c, 500, NULL, NULL, NULL, NULL);
}

/* The target failed before any of its buffered response left: a 502. */
static void response_not_sent(struct conn *c, const char *why)
{
	strbuf_reset(&c->out);
	c->resp_head = 0;
	upstream_failed(c, why);
}

void start_response_buffering(struct conn *c, struct http_head *h)
{
	const struct slice *ct = http_find(h, "content-type");
	struct service *s = c->svc;
	if (h->body == BODY_NONE || h->body == BODY_CHUNKED ||
	    (ct && ct->n >= 17 && !strncasecmp(ct->p, "text/event-stream", 17)))
		return;
	if (s->max_resp_body && h->body == BODY_LENGTH &&
	    h->content_length > s->max_resp_body) {
		response_too_big(c);
		return;
	}
	/*
	 * The whole body came with the head (the usual small response) and
	 * is within --buffer-memory: the target has finished writing it, so it
	 * goes out as an unbuffered response does, without a copy first.
	 */
	if (h->body == BODY_LENGTH && h->content_length <= s->buffer_memory &&
	    c->up && c->up->in.len - c->up->in.pos >= h->content_length)
		return;
	c->resp_spill = spill_new(s->buffer_memory);
}

/* CS_PROXY, response buffering: one read's worth per step. */
int buffer_response(struct conn *c, struct upstream *u)
{
	uint64_t max = c->svc ? c->svc->max_resp_body : 0;
	if (u->in.len > u->in.pos && !c->resp_done) {
		size_t pend;
		int done;
		if (scan_body(c->resp_body, &c->resp_left, &c->resp_ch,
			      u->in.p + u->in.pos, u->in.len - u->in.pos,
			      &pend, &done) < 0) {
			response_not_sent(c, "malformed response body");
			return 1;
		}
		c->resp_done = done;
		if (max && spill_left(c->resp_spill) + pend > max) {
			log_warn("response from '%s' over --max-response-body", c->tgt->addr);
			response_too_big(c);
			return 1;
		}
		if (spill_add(c->resp_spill, u->in.p + u->in.pos, pend) < 0) {
			log_warn("cannot buffer a response body: %s", strerror(errno));
			response_too_big(c);
			return 1;
		}
		u->in.pos += pend;
	}
	if (!c->resp_done && u->eof) {
		if (c->resp_body != BODY_UNTIL_CLOSE) {
			response_not_sent(c, "truncated response");
			return 1;
		}
		c->resp_done = 1;
	}
	if (!c->resp_done)
		return read_upstream(c, u);
	if (!c->req_done)
		c->keep_alive = 0;
	upstream_release(c, upstream_reusable(c, u));
	c->state = CS_REPLY;
	c->deadline = now_ms() + cfg.idle_timeout_ms;
	return 1;
}

int step_reply(struct conn *c)
{
	size_t head = c->out.len - c->out_off;
	const char *p;
	ssize_t n = spill_peek(c->resp_spill, &p);
	if (n < 0) {
		log_warn("cannot read a buffered response back: %s", strerror(errno));
		relay_close(c);
		return 0;
	}
	if (!head && !n) {
		strbuf_reset(&c->out);
		c->out_off = 0;
		finish_request(c, 0);
		return 1;
	}
	if (!c->writable)
		return 0;
	struct iovec iov[2];
	int cnt = 0;
	if (head)
		iov[cnt++] = (struct iovec){ c->out.buf + c->out_off, head };
	if (n)
		iov[cnt++] = (struct iovec){ (void *)p, n };
	ssize_t w = client_writev(c, iov, cnt);
	if (w == -1)
		return 0;
	if (w == -2) {
		relay_close(c);
		return 0;
	}
	c->bytes_out += w;
	stats.bytes_out += w;
	if ((size_t)w <= head) {
		c->out_off += w;
	} else {
		c->out_off = c->out.len;
		spill_consume(c->resp_spill, w - head);
	}
	c->deadline = now_ms() + cfg.idle_timeout_ms;
	return 1;
}