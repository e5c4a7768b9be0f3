/*
 * relay-message.c - the two halves of CS_PROXY's exchange with a target:
 * the request head and body going out (step_request_body()), and the
 * response head coming back, rewritten for the client
 * (step_response_head()). relay.c's step_proxy() drives them and streams
 * the response body.
 */
#include "relay-int.h"
#include "relay-buffer.h"
#include "upstream.h"
#include <strings.h>
#include <time.h>

static void build_response_head(struct conn *c, struct http_head *h)
{
	struct strbuf *sb = &c->out;
	strbuf_addstr(sb, "HTTP/1.1 ");
	sb_add_u64(sb, h->status);
	strbuf_addch(sb, ' ');
	strbuf_add(sb, h->reason.p, h->reason.n);
	strbuf_addstr(sb, "\r\n");
	int upgrade = h->status == 101;
	struct service *s = c->svc;
	int affinity = s && s->nreaders && c->is_write && s->writer_affinity_ms;
	int named = http_connection_names(h, (struct slice){ NULL, 0 });
	for (size_t i = 0; i < h->nhdr; i++) {
		struct slice n = h->hdr[i].name;
		/* Hop-by-hop, or named in the target's Connection header (RFC 9110 7.6.1). */
		if ((http_hop_by_hop(n) || (named && http_connection_names(h, n))) &&
		    !(upgrade && slice_caseeq(n, "upgrade")))
			continue;
		if (n.n == 17 && slice_caseeq(n, "x-writer-affinity")) {
			if (slice_eq(h->hdr[i].value, "false"))
				affinity = 0; /* the target opted out */
			continue;
		}
		strbuf_add(sb, n.p, n.n);
		strbuf_addstr(sb, ": ");
		if (c->cookie_scope && n.n == 10 && slice_caseeq(n, "set-cookie"))
			cookie_scope_add(sb, c->cookie_scope, h->hdr[i].value);
		else
			strbuf_add(sb, h->hdr[i].value.p, h->hdr[i].value.n);
		strbuf_addstr(sb, "\r\n");
	}
	if (affinity) {
		/* Reads after a write go to the writers, which have seen it. */
		uint64_t until = wall_ms() + s->writer_affinity_ms;
		time_t exp = (until + 1000) / 1000;
		struct tm tm;
		char date[64];
		gmtime_r(&exp, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		strbuf_addf(sb, "Set-Cookie: kamal-writer=%llu; Path=/; Expires=%s; HttpOnly\r\n",
			    (unsigned long long)until, date);
	}
	if (upgrade)
		strbuf_addstr(sb, "Connection: Upgrade\r\n");
	else if (!c->keep_alive)
		strbuf_addstr(sb, "Connection: close\r\n");
	else if (c->minor0)
		strbuf_addstr(sb, "Connection: keep-alive\r\n");
	strbuf_addstr(sb, "\r\n");
}

/*
 * A 101 must switch to what the client asked for (RFC 9110 7.8), or the
 * client would speak one protocol to a target speaking another: Go's
 * proxy answers 502 then, and so do we. An Upgrade value too long to
 * keep is held to nothing, so it fails closed.
 */
static int switches_as_asked(struct conn *c, const struct http_head *h)
{
	const struct slice *up = http_find(h, "upgrade");
	return up && up->n && up->n == strlen(c->upgrade_to) &&
	       !strncasecmp(up->p, c->upgrade_to, up->n);
}

int step_response_head(struct conn *c, struct upstream *u)
{
	struct http_head h;
	if (u->in.len > u->in.pos) {
		int r = http_parse_response(u->in.p + u->in.pos,
					    u->in.len - u->in.pos,
					    cfg.max_head, c->is_head, &h);
		if (r < 0) {
			upstream_failed(c, "malformed response");
			return 1;
		}
		if (r > 0) {
			if (h.status < 200 && h.status != 101) {
				/* Interim responses (100 Continue) pass as they are. */
				strbuf_add(&c->out, u->in.p + u->in.pos, r);
				u->in.pos += r;
				return 1;
			}
			if (h.status == 101 && !c->is_upgrade) {
				upstream_failed(c, "unexpected 101");
				return 1;
			}
			if (h.status == 101 && !switches_as_asked(c, &h)) {
				upstream_failed(c, "switched to a protocol other than the one asked for");
				return 1;
			}
			if (c->minor0 && h.body == BODY_CHUNKED)
				c->keep_alive = 0;
			if (!h.keep_alive && h.body == BODY_UNTIL_CLOSE)
				c->keep_alive = 0;
			c->status = h.status;
			c->resp_head = 1;
			c->resp_keep = h.keep_alive;
			c->resp_body = h.body;
			c->resp_left = h.content_length;
			memset(&c->resp_ch, 0, sizeof(c->resp_ch));
			build_response_head(c, &h);
			access_log_response(c, &h);
			u->in.pos += r;
			c->deadline = 0;
			if (h.status == 101) {
				c->state = CS_TUNNEL;
				c->resp_done = 1;
			} else if (c->svc && c->svc->buffer_responses) {
				start_response_buffering(c, &h);
			}
			return 1;
		}
		if (u->in.len - u->in.pos >= cfg.max_head) {
			upstream_failed(c, "response head too large");
			return 1;
		}
	}
	if (u->eof) {
		upstream_failed(c, "connection closed before a response");
		return 1;
	}
	return read_upstream(c, u);
}

/* Sends the rewritten head and request body bytes to the target. */
int step_request_body(struct conn *c, struct upstream *u)
{
	int progress = 0;
	if (c->req_spill)
		return send_request_spill(c, u);
	for (;;) {
		if (!c->req_pend && !c->req_done && c->in.len > c->in.pos) {
			int done;
			if (scan_body(c->req_body, &c->req_left, &c->req_ch,
				      c->in.p + c->in.pos, c->in.len - c->in.pos,
				      &c->req_pend, &done) < 0) {
				c->req_bad = 1;
				return 1;
			}
			if (done)
				c->req_done = 1;
			c->body_in += c->req_pend;
		}
		size_t head = c->uhead.len - c->uhead_off;
		if (!u->writable || (!head && !c->req_pend))
			break;
		struct iovec iov[2];
		int n = 0;
		if (head)
			iov[n++] = (struct iovec){ c->uhead.buf + c->uhead_off, head };
		if (c->req_pend)
			iov[n++] = (struct iovec){ c->in.p + c->in.pos, c->req_pend };
		ssize_t w = sock_writev(u->ev.fd, NULL, iov, n, &u->writable);
		if (w == -1)
			break;
		if (w == -2) {
			u->eof = 1;
			return 1;
		}
		progress = 1;
		if ((size_t)w <= head) {
			c->uhead_off += w;
		} else {
			c->uhead_off = c->uhead.len;
			c->in.pos += w - head;
			c->req_pend -= w - head;
		}
	}
	if (!c->req_done && !c->req_pend && c->in.pos == c->in.len &&
	    c->readable && !c->eof) {
		buf_room(&c->in, 8192);
		ssize_t n = client_fill(c, &c->in);
		if (n > 0) {
			stats.bytes_in += n;
			progress = 1;
		} else if (n == 0 || n == -2) {
			c->eof = 1;
			progress = 1;
		}
	}
	return progress;
}
