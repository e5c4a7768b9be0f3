/*
 * request.c - the request head a target gets.
 *
 * The client's head is rewritten once, into c->uhead, before any of it
 * leaves: the request line (the matched path prefix stripped), the
 * client's headers without the hop-by-hop ones, and what kamal-proxy
 * adds: X-Forwarded-For/-Proto/-Host, X-Request-ID, X-Request-Start.
 * Everything is appended from slices of the client's read buffer; nothing
 * is allocated per header.
 */
#include "relay-int.h"
#include <sys/random.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	if (!rng_state) {
		if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state))
			rng_state = wall_ms() ^ (uint64_t)getpid() << 32;
		rng_state |= 1;
	}
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void add_request_id(struct strbuf *sb)
{
	uint64_t a = rng_next(), b = rng_next();
	/* a version-4 UUID */
	sb_add_hex(sb, a >> 32, 8);
	strbuf_addch(sb, '-');
	sb_add_hex(sb, a >> 16, 4);
	strbuf_addstr(sb, "-4");
	sb_add_hex(sb, a, 3);
	strbuf_addch(sb, '-');
	sb_add_hex(sb, ((b >> 48) & 0x3fff) | 0x8000, 4);
	strbuf_addch(sb, '-');
	sb_add_hex(sb, b, 12);
}

int http_hop_by_hop(struct slice n)
{
	switch (n.n) {
	case 2: return slice_caseeq(n, "te");
	case 7: return slice_caseeq(n, "trailer") || slice_caseeq(n, "upgrade");
	case 10: return slice_caseeq(n, "connection") || slice_caseeq(n, "keep-alive");
	case 16: return slice_caseeq(n, "proxy-connection");
	}
	return 0;
}

static void add_header(struct strbuf *sb, struct slice name, struct slice value)
{
	strbuf_add(sb, name.p, name.n);
	strbuf_addstr(sb, ": ");
	strbuf_add(sb, value.p, value.n);
	strbuf_addstr(sb, "\r\n");
}

/* The request line, with the matched prefix stripped if the service says so. */
static void add_request_line(struct strbuf *sb, struct conn *c,
			     struct http_head *h, size_t prefix_len)
{
	strbuf_add(sb, h->method.p, h->method.n);
	strbuf_addch(sb, ' ');
	if (prefix_len && c->svc->strip_prefix) {
		struct slice rest = { h->path.p + prefix_len, h->path.n - prefix_len };
		if (!rest.n || rest.p[0] != '/')
			strbuf_addch(sb, '/');
		strbuf_add(sb, rest.p, rest.n);
		if (h->path.n < h->target.n)
			strbuf_add(sb, h->path.p + h->path.n,
				   h->target.n - h->path.n);
	} else {
		strbuf_add(sb, h->target.p, h->target.n);
	}
	strbuf_addstr(sb, c->minor0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
}

/*
 * An upgrade (WebSocket) goes on as one: Connection is hop-by-hop and
 * names only the hop's options, so we send our own, but the Upgrade
 * header says what the client asks the target to switch to, and a
 * server that does not see it answers as to a plain request.
 */
static int forwards_upgrade(struct conn *c, struct http_head *h, struct slice n)
{
	return h->upgrade && !c->minor0 && n.n == 7 && slice_caseeq(n, "upgrade");
}

/* buffered: the body will be here already, so Expect goes (we answered it). */
void build_upstream_head(struct conn *c, struct http_head *h,
			 size_t prefix_len, int buffered)
{
	struct service *s = c->svc;
	struct strbuf *sb = &c->uhead;
	const struct slice *xff = NULL, *xfp = NULL, *xfh = NULL, *cip = NULL;
	int have_id = 0, have_start = 0;
	strbuf_reset(sb);
	c->uhead_off = 0;
	add_request_line(sb, c, h, prefix_len);
	for (size_t i = 0; i < h->nhdr; i++) {
		struct slice n = h->hdr[i].name;
		if (http_hop_by_hop(n) && !forwards_upgrade(c, h, n))
			continue;
		if (buffered && n.n == 6 && slice_caseeq(n, "expect"))
			continue;
		if (n.n == 15 && slice_caseeq(n, "x-forwarded-for")) {
			xff = &h->hdr[i].value;
			continue;
		}
		if (n.n == 17 && slice_caseeq(n, "x-forwarded-proto")) {
			xfp = &h->hdr[i].value;
			continue;
		}
		if (n.n == 16 && slice_caseeq(n, "x-forwarded-host")) {
			xfh = &h->hdr[i].value;
			continue;
		}
		if (n.n == 12 && slice_caseeq(n, "x-request-id"))
			have_id = 1;
		if (n.n == 15 && slice_caseeq(n, "x-request-start"))
			have_start = 1;
		if (s->client_ip_header && slice_caseeq(n, s->client_ip_header))
			cip = &h->hdr[i].value;
		add_header(sb, n, h->hdr[i].value);
	}
	strbuf_addstr(sb, "X-Forwarded-For: ");
	if (s->forward_headers && xff && xff->n) {
		strbuf_add(sb, xff->p, xff->n);
		strbuf_addstr(sb, ", ");
	}
	if (cip && cip->n)
		strbuf_add(sb, cip->p, cip->n);
	else
		strbuf_addstr(sb, c->addr);
	strbuf_addstr(sb, "\r\nX-Forwarded-Proto: ");
	if (s->forward_headers && xfp && xfp->n)
		strbuf_add(sb, xfp->p, xfp->n);
	else
		strbuf_addstr(sb, c->ln->tls ? "https" : "http");
	strbuf_addstr(sb, "\r\nX-Forwarded-Host: ");
	if (s->forward_headers && xfh && xfh->n)
		strbuf_add(sb, xfh->p, xfh->n);
	else
		strbuf_add(sb, h->host.p, h->host.n);
	strbuf_addstr(sb, "\r\n");
	if (!have_id) {
		strbuf_addstr(sb, "X-Request-ID: ");
		size_t at = sb->len;
		add_request_id(sb);
		strbuf_setlen(&c->reqid, 0);
		strbuf_add(&c->reqid, sb->buf + at, sb->len - at);
		strbuf_addstr(sb, "\r\n");
	}
	if (!have_start) {
		strbuf_addstr(sb, "X-Request-Start: t=");
		sb_add_u64(sb, wall_ms());
		strbuf_addstr(sb, "\r\n");
	}
	if (h->upgrade && !c->minor0)
		strbuf_addstr(sb, "Connection: Upgrade\r\n");
	strbuf_addstr(sb, "\r\n");
}
