/*
 * request.c - the request head a target gets.
 *
 * The client's head is rewritten once, into c->uhead, before any of it
 * leaves: the request line (the matched path prefix stripped), the
 * client's headers without the hop-by-hop ones, and what kamal-proxy
 * adds: X-Forwarded-For/-Proto/-Host, X-Kamal-Target, X-Request-ID,
 * X-Request-Start.
 * Everything is appended from slices of the client's read buffer; nothing
 * is allocated per header.
 */
#include "relay-int.h"
#include <ctype.h>
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

static int slice_casecmp_eq(struct slice a, struct slice b)
{
	if (a.n != b.n)
		return 0;
	for (size_t i = 0; i < a.n; i++)
		if (tolower((unsigned char)a.p[i]) != tolower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

int http_connection_names(const struct http_head *h, struct slice n)
{
	for (size_t i = 0; i < h->nhdr; i++) {
		struct slice v = h->hdr[i].value;
		size_t at = 0;
		if (h->hdr[i].name.n != 10 || !slice_caseeq(h->hdr[i].name, "connection"))
			continue;
		while (at < v.n) {
			size_t start, end;
			while (at < v.n && (v.p[at] == ' ' || v.p[at] == '\t' || v.p[at] == ','))
				at++;
			start = at;
			while (at < v.n && v.p[at] != ',')
				at++;
			end = at;
			while (end > start && (v.p[end - 1] == ' ' || v.p[end - 1] == '\t'))
				end--;
			struct slice tok = { v.p + start, end - start };
			if (end > start && (n.p ? slice_casecmp_eq(tok, n) :
					    !http_hop_by_hop(tok) && !slice_caseeq(tok, "close")))
				return 1;
		}
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

/*
 * The request line, in origin-form even when the client sent absolute-form
 * (RFC 9112 3.2.1: a request to an origin server carries path and query
 * only), with the matched prefix stripped if the service says so.
 */
static void add_request_line(struct strbuf *sb, struct conn *c,
			     struct http_head *h, size_t prefix_len)
{
	struct slice path = h->path;
	strbuf_add(sb, h->method.p, h->method.n);
	strbuf_addch(sb, ' ');
	if (prefix_len && c->svc->strip_prefix) {
		path.p += prefix_len;
		path.n -= prefix_len;
		if (!path.n || path.p[0] != '/')
			strbuf_addch(sb, '/');
	}
	strbuf_add(sb, path.p, path.n);
	strbuf_add(sb, h->rest.p, h->rest.n);
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

/*
 * The client's forwarding headers, which the target gets rewritten (see
 * add_forwarded()). Forwarded (RFC 7239) is dropped outright, as Go's
 * reverse proxy drops it: a target must not take a client's word for it.
 */
static int forwarding_header(struct slice n)
{
	switch (n.n) {
	case 9: return slice_caseeq(n, "forwarded");
	case 15: return slice_caseeq(n, "x-forwarded-for");
	case 16: return slice_caseeq(n, "x-forwarded-host");
	case 17: return slice_caseeq(n, "x-forwarded-proto");
	}
	return 0;
}

/* Appends every non-empty value of name, joined by ", "; 0 if none. */
static int add_all_values(struct strbuf *sb, const struct http_head *h,
			  const char *name)
{
	int n = 0;
	for (size_t i = 0; i < h->nhdr; i++) {
		if (!slice_caseeq(h->hdr[i].name, name) || !h->hdr[i].value.n)
			continue;
		if (n++)
			strbuf_addstr(sb, ", ");
		strbuf_add(sb, h->hdr[i].value.p, h->hdr[i].value.n);
	}
	return n;
}

/*
 * X-Kamal-Target: the target chosen, as kamal-proxy's load balancer
 * names it to the target (a client's value comes first with
 * --forward-headers, as For does).
 */
static void add_target_header(struct strbuf *sb, struct conn *c, struct http_head *h)
{
	strbuf_addstr(sb, "X-Kamal-Target: ");
	if (c->svc->forward_headers && add_all_values(sb, h, "x-kamal-target"))
		strbuf_addstr(sb, ", ");
	c->uhead_tgt_at = sb->len;
	c->uhead_tgt_len = strlen(c->tgt->addr);
	strbuf_addstr(sb, c->tgt->addr);
	strbuf_addstr(sb, "\r\n");
}

void upstream_head_retarget(struct conn *c)
{
	struct strbuf sb = STRBUF_INIT;
	size_t end = c->uhead_tgt_at + c->uhead_tgt_len;
	strbuf_add(&sb, c->uhead.buf, c->uhead_tgt_at);
	strbuf_addstr(&sb, c->tgt->addr);
	strbuf_add(&sb, c->uhead.buf + end, c->uhead.len - end);
	c->uhead_tgt_len = strlen(c->tgt->addr);
	strbuf_release(&c->uhead);
	c->uhead = sb;
	c->uhead_off = 0;
}

static void add_line(struct strbuf *sb, const char *name, struct slice v)
{
	strbuf_addstr(sb, name);
	strbuf_addstr(sb, ": ");
	strbuf_add(sb, v.p, v.n);
	strbuf_addstr(sb, "\r\n");
}

/*
 * X-Forwarded-For/-Proto/-Host as kamal-proxy writes them (Go's
 * SetXForwarded): who connected to us, our scheme, the request's host.
 * With --forward-headers (kamal-proxy's default without --tls, where a
 * TLS terminator in front has set them) the client's own are kept: For
 * gets the connecting address appended (--client-ip-header's value, when
 * the request has one, stands for the client's For), and the client's
 * Proto and Host win over ours.
 */
static void add_forwarded(struct strbuf *sb, struct conn *c, struct http_head *h)
{
	struct service *s = c->svc;
	const struct slice *v;
	strbuf_addstr(sb, "X-Forwarded-For: ");
	if (s->forward_headers) {
		v = s->client_ip_header ? http_find(h, s->client_ip_header) : NULL;
		if (v && v->n) {
			strbuf_add(sb, v->p, v->n);
			strbuf_addstr(sb, ", ");
		} else if (add_all_values(sb, h, "x-forwarded-for")) {
			strbuf_addstr(sb, ", ");
		}
	}
	strbuf_addstr(sb, c->addr);
	strbuf_addstr(sb, "\r\n");
	v = s->forward_headers ? http_find(h, "x-forwarded-proto") : NULL;
	if (v && v->n)
		add_line(sb, "X-Forwarded-Proto", *v);
	else
		strbuf_addstr(sb, c->ln->tls ? "X-Forwarded-Proto: https\r\n"
					     : "X-Forwarded-Proto: http\r\n");
	v = s->forward_headers ? http_find(h, "x-forwarded-host") : NULL;
	add_line(sb, "X-Forwarded-Host", v && v->n ? *v : h->host);
}

/*
 * Not for the target: the hop-by-hop headers, those the Connection header
 * names (RFC 9110 7.6.1), and the credentials meant for this proxy
 * (Proxy-Authorization), as Go's reverse proxy drops them.
 */
static int not_forwarded(struct conn *c, struct http_head *h, struct slice n, int named)
{
	if (forwards_upgrade(c, h, n))
		return 0;
	if (http_hop_by_hop(n) || (named && http_connection_names(h, n)))
		return 1;
	return n.n == 19 && slice_caseeq(n, "proxy-authorization");
}

/* buffered: the body will be here already, so Expect goes (we answered it). */
void build_upstream_head(struct conn *c, struct http_head *h,
			 size_t prefix_len, int buffered)
{
	struct strbuf *sb = &c->uhead;
	int have_id = 0, have_start = 0;
	int named = http_connection_names(h, (struct slice){ NULL, 0 });
	strbuf_reset(sb);
	c->uhead_off = 0;
	add_request_line(sb, c, h, prefix_len);
	for (size_t i = 0; i < h->nhdr; i++) {
		struct slice n = h->hdr[i].name;
		if (not_forwarded(c, h, n, named))
			continue;
		if (buffered && n.n == 6 && slice_caseeq(n, "expect"))
			continue;
		if (forwarding_header(n) || (n.n == 14 && slice_caseeq(n, "x-kamal-target")))
			continue;
		if (n.n == 12 && slice_caseeq(n, "x-request-id"))
			have_id = 1;
		if (n.n == 15 && slice_caseeq(n, "x-request-start"))
			have_start = 1;
		/* In absolute-form the URI's authority is the host (RFC 9112 3.2.2). */
		if (h->absolute && n.n == 4 && slice_caseeq(n, "host"))
			add_header(sb, n, h->host);
		else
			add_header(sb, n, h->hdr[i].value);
	}
	add_forwarded(sb, c, h);
	add_target_header(sb, c, h);
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
