/*
 * h2msg.c - HTTP/2 messages to and from the HTTP/1.1 the relay speaks
 * (see h2.h). Pure functions over buffers: no session, no sockets.
 */
#include "h2.h"
#include <strings.h>

/* The relay built the head itself; this only guards against a bug. */
#define RESP_HEAD_MAX (1024 * 1024)

void h2_reqhead_init(struct h2_reqhead *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->method, 0);
	strbuf_init(&r->path, 0);
	strbuf_init(&r->authority, 0);
	strbuf_init(&r->fields, 0);
	strbuf_init(&r->cookie, 0);
	r->max = max;
}

void h2_reqhead_release(struct h2_reqhead *r)
{
	strbuf_release(&r->method);
	strbuf_release(&r->path);
	strbuf_release(&r->authority);
	strbuf_release(&r->fields);
	strbuf_release(&r->cookie);
}

static int name_is(const char *name, size_t nlen, const char *lit)
{
	return nlen == strlen(lit) && !memcmp(name, lit, nlen);
}

/*
 * Go's canonical form ("Content-Type"): what targets behind kamal-proxy
 * see for every request, whichever protocol the client spoke.
 */
static void add_canonical(struct strbuf *sb, const char *name, size_t n)
{
	int up = 1;
	strbuf_grow(sb, n);
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (up && ch >= 'a' && ch <= 'z')
			ch -= 'a' - 'A';
		up = ch == '-';
		sb->buf[sb->len + i] = ch;
	}
	strbuf_setlen(sb, sb->len + n);
}

void h2_reqhead_add(struct h2_reqhead *r, const char *name, size_t nlen,
		    const char *value, size_t vlen)
{
	/* Past the limit nothing more is kept: the answer will be 431. */
	r->size += nlen + vlen + 32;
	if (r->size > r->max)
		r->too_big = 1;
	if (r->too_big)
		return;
	if (nlen && name[0] == ':') {
		struct strbuf *dst = name_is(name, nlen, ":method")	  ? &r->method
				     : name_is(name, nlen, ":path")	  ? &r->path
				     : name_is(name, nlen, ":authority") ? &r->authority
									  : NULL;
		/* :scheme says https, which X-Forwarded-Proto tells the target. */
		if (dst) {
			strbuf_reset(dst);
			strbuf_add(dst, value, vlen);
		}
		return;
	}
	if (name_is(name, nlen, "cookie")) {
		/* h2 may split cookies across fields; HTTP/1.1 wants one line. */
		if (r->cookie.len)
			strbuf_addstr(&r->cookie, "; ");
		strbuf_add(&r->cookie, value, vlen);
		return;
	}
	/* Pseudo-headers come first, so :authority is known by now. */
	if (name_is(name, nlen, "host") && r->authority.len)
		return;
	if (name_is(name, nlen, "content-length"))
		r->has_length = 1;
	add_canonical(&r->fields, name, nlen);
	strbuf_addstr(&r->fields, ": ");
	strbuf_add(&r->fields, value, vlen);
	strbuf_addstr(&r->fields, "\r\n");
}

void h2_reqhead_write(struct h2_reqhead *r, int body, struct strbuf *out)
{
	strbuf_addbuf(out, &r->method);
	strbuf_addch(out, ' ');
	strbuf_addbuf(out, &r->path);
	strbuf_addstr(out, " HTTP/1.1\r\n");
	if (r->authority.len) {
		strbuf_addstr(out, "Host: ");
		strbuf_addbuf(out, &r->authority);
		strbuf_addstr(out, "\r\n");
	}
	strbuf_addbuf(out, &r->fields);
	if (r->cookie.len) {
		strbuf_addstr(out, "Cookie: ");
		strbuf_addbuf(out, &r->cookie);
		strbuf_addstr(out, "\r\n");
	}
	if (body && !r->has_length)
		strbuf_addstr(out, "Transfer-Encoding: chunked\r\n");
	strbuf_addstr(out, "Connection: close\r\n\r\n");
}

/* ---------- responses ---------- */

int h2_resp_hop_field(struct slice n)
{
	/* Connection-specific in HTTP/1.1, forbidden in h2 (RFC 9113 8.2.2);
	 * trailers are not relayed, so neither is their announcement. */
	return slice_caseeq(n, "connection") || slice_caseeq(n, "keep-alive") ||
	       slice_caseeq(n, "proxy-connection") || slice_caseeq(n, "transfer-encoding") ||
	       slice_caseeq(n, "upgrade") || slice_caseeq(n, "te") || slice_caseeq(n, "trailer");
}

static void lowercase_names(struct h2_resp *r, struct http_head *h)
{
	/* The head is our own copy, so the names can change in place. */
	for (size_t i = 0; i < h->nhdr; i++) {
		char *p = r->head.buf + (h->hdr[i].name.p - r->head.buf);
		for (size_t j = 0; j < h->hdr[i].name.n; j++)
			if (p[j] >= 'A' && p[j] <= 'Z')
				p[j] += 'a' - 'A';
	}
}

static ssize_t feed_head(struct h2_resp *r, const char *p, size_t n, struct http_head *h,
			 int *got_head)
{
	size_t old = r->head.len;
	strbuf_add(&r->head, p, n);
	int hl = http_parse_response(r->head.buf, r->head.len, RESP_HEAD_MAX, r->is_head, h);
	if (hl < 0)
		return -1;
	if (!hl)
		return n;
	strbuf_setlen(&r->head, hl); /* no realloc: h's slices stay valid */
	lowercase_names(r, h);
	*got_head = r->head_taken = 1;
	if (h->status >= 200) {
		r->in_body = 1;
		r->body = h->body;
		r->left = h->content_length;
		memset(&r->ch, 0, sizeof(r->ch));
		r->done = h->body == BODY_NONE || (h->body == BODY_LENGTH && !r->left);
	}
	return hl - old;
}

static size_t put(struct rbuf *out, const char *p, size_t n, uint64_t limit)
{
	size_t room = out->cap - out->len;
	if (n > room)
		n = room;
	if (n > limit)
		n = limit;
	memcpy(out->p + out->len, p, n);
	out->len += n;
	return n;
}

static ssize_t feed_chunked(struct h2_resp *r, const char *p, size_t n, struct rbuf *out)
{
	size_t used = 0;
	int done = 0;
	while (used < n && !done) {
		uint64_t data = http_chunked_data_left(&r->ch);
		size_t take = data ? put(out, p + used, n - used, data) : 1;
		if (!take)
			break; /* out is full */
		/* Framing goes a byte at a time: it is a few bytes per chunk. */
		if (http_chunked_scan(&r->ch, p + used, take, &done) < 0)
			return -1;
		used += take;
	}
	r->done = done;
	return used;
}

static ssize_t feed_body(struct h2_resp *r, const char *p, size_t n, struct rbuf *out)
{
	size_t take;
	if (r->head.alloc)
		strbuf_release(&r->head);
	if (r->done)
		return n ? -1 : 0;
	switch (r->body) {
	case BODY_LENGTH:
		take = put(out, p, n, r->left);
		r->left -= take;
		r->done = !r->left;
		return take;
	case BODY_UNTIL_CLOSE:
		return put(out, p, n, UINT64_MAX);
	case BODY_CHUNKED:
		return feed_chunked(r, p, n, out);
	case BODY_NONE:
		break;
	}
	return -1;
}

ssize_t h2_resp_feed(struct h2_resp *r, const char *p, size_t n, struct rbuf *out,
		     struct http_head *h, int *got_head)
{
	*got_head = 0;
	if (r->in_body)
		return feed_body(r, p, n, out);
	/* An interim head (100 Continue) was handed out last time. */
	if (r->head_taken)
		strbuf_reset(&r->head);
	r->head_taken = 0;
	return feed_head(r, p, n, h, got_head);
}
