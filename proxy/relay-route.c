/*
 * relay-route.c - what becomes of a parsed request head: answered here
 * (metrics, ACME challenges, 404, redirects, a stopped service's 503),
 * held while its service is paused, or sent on to a target the router
 * picks (directly, or once its body is buffered).
 */
#include "relay-int.h"
#include "relay-buffer.h"
#include "upstream.h"

static struct slice host_only(struct slice h)
{
	/* [v6]:port, name:port */
	if (h.n && h.p[0] == '[') {
		const char *e = memchr(h.p, ']', h.n);
		if (e)
			h.n = e + 1 - h.p;
		return h;
	}
	const char *colon = memchr(h.p, ':', h.n);
	if (colon)
		h.n = colon - h.p;
	return h;
}

static int host_matches(struct slice host, const char *want)
{
	size_t n = strlen(want);
	return host.n == n && !strncasecmp(host.p, want, n);
}

static void redirect(struct conn *c, const char *scheme, struct slice host,
		     struct http_head *h)
{
	struct strbuf loc = STRBUF_INIT;
	strbuf_addf(&loc, "Location: %s://", scheme);
	strbuf_add(&loc, host.p, host.n);
	if (!strcmp(scheme, "https") && cfg.https_port != 443)
		strbuf_addf(&loc, ":%d", cfg.https_port);
	strbuf_add(&loc, h->path.p, h->path.n);
	strbuf_add(&loc, h->rest.p, h->rest.n);
	strbuf_addstr(&loc, "\r\n");
	send_local(c, 301, loc.buf, NULL, NULL, "");
	strbuf_release(&loc);
}

/*
 * Reads (GET, HEAD) may go to read targets; as in kamal-proxy, a WebSocket
 * is a write unless the service lets readers take them.
 */
static int is_read_request(const struct service *s, const struct http_head *h,
			   int is_head)
{
	if (is_head)
		return 1;
	if (!slice_eq(h->method, "GET"))
		return 0;
	if (!h->upgrade || s->readers_take_websockets)
		return 1;
	const struct slice *up = http_find(h, "upgrade");
	return !up || !slice_caseeq(*up, "websocket");
}

/*
 * --exclude-metrics-path names paths as the target sees them (prefix
 * stripped, no query), as kamal-proxy matches them.
 */
static int excluded_from_metrics(const struct service *s, struct slice path,
				 size_t prefix_len)
{
	if (!s->no_metrics.nr)
		return 0;
	struct slice p = path;
	if (prefix_len && s->strip_prefix) {
		p.p += prefix_len;
		p.n -= prefix_len;
	}
	const char *q = memchr(p.p, '?', p.n);
	if (q)
		p.n = q - p.p;
	if (!p.n)
		p = (struct slice){ "/", 1 };
	for (size_t i = 0; i < s->no_metrics.nr; i++)
		if (slice_eq(p, s->no_metrics.v[i]))
			return 1;
	return 0;
}

/*
 * A GET or HEAD of the health path as the target would see it (prefix
 * stripped). While a service is paused or stopped on purpose kamal-proxy
 * answers these itself, with 200: a load balancer in front that polls the
 * path must not take the host out of its pool for a planned pause, and
 * the target may well be down for the maintenance.
 */
static int is_health_request(const struct service *s, const struct http_head *h,
			     size_t prefix_len)
{
	struct slice p = h->path;
	if (!s->health_path || (!slice_eq(h->method, "GET") && !slice_eq(h->method, "HEAD")))
		return 0;
	if (prefix_len && s->strip_prefix) {
		p.p += prefix_len;
		p.n -= prefix_len;
		if (!p.n)
			p = (struct slice){ "/", 1 };
	}
	return slice_eq(p, s->health_path);
}

/*
 * Whether another target may take the request when the first refuses it
 * (upstream.c): methods RFC 9110 calls idempotent, and of those PUT and
 * DELETE only without a body, which we would have to replay.
 */
static int may_retry(const struct http_head *h)
{
	struct slice m = h->method;
	if (slice_eq(m, "GET") || slice_eq(m, "HEAD") || slice_eq(m, "OPTIONS") ||
	    slice_eq(m, "TRACE"))
		return 1;
	return h->body == BODY_NONE && (slice_eq(m, "PUT") || slice_eq(m, "DELETE"));
}

/* Handles a parsed request head of length hl at c->in.pos. */
void start_request(struct conn *c, struct http_head *h, int hl)
{
	size_t prefix_len = 0;
	c->in_request = 1;
	c->minor0 = h->minor == 0;
	/* Draining: the answer says Connection: close, so the client does not
	 * send its next request on a connection about to close. */
	c->keep_alive = h->keep_alive && !relay_stopping();
	c->is_head = slice_eq(h->method, "HEAD");
	c->req_body = h->body;
	c->req_left = h->content_length;
	memset(&c->req_ch, 0, sizeof(c->req_ch));
	c->req_done = h->body == BODY_NONE;
	if (!c->start_us)
		c->start_us = now_ms();
	/* Routed first: the log line's remote_addr depends on the service. */
	struct service *s = c->ln->metrics ? NULL : route(h->host, h->path, &prefix_len);
	c->svc = s;
	access_log_begin(c, h);

	if (c->ln->metrics) {
		struct strbuf m = STRBUF_INIT;
		metrics_render(&m);
		c->in.pos += hl;
		send_local(c, 200, NULL, NULL, "text/plain; version=0.0.4", m.buf);
		strbuf_release(&m);
		return;
	}
	c->no_metrics = s && excluded_from_metrics(s, h->path, prefix_len);
	free(c->cookie_scope);
	c->cookie_scope = NULL;
	if (s && s->scope_cookie_paths && prefix_len > 1)
		c->cookie_scope = cookie_scope_new((struct slice){ h->path.p, prefix_len },
						   h->host);
	if (h->path.n > 28 && h->path.p[1] == '.') {
		struct strbuf body = STRBUF_INIT;
		if (!autotls_http01(s, h->host, h->path, &body)) {
			c->in.pos += hl;
			send_local(c, 200, NULL, NULL, "text/plain", body.buf);
			strbuf_release(&body);
			return;
		}
		strbuf_release(&body);
	}
	access_log_request_headers(c, h);
	if (!s) {
		c->in.pos += hl;
		send_local(c, 404, NULL, NULL, NULL, NULL);
		return;
	}
	struct slice bare = host_only(h->host);
	if (s->canonical_host && !host_matches(bare, s->canonical_host)) {
		struct slice ch = { s->canonical_host, strlen(s->canonical_host) };
		c->in.pos += hl;
		redirect(c, s->tls && (s->tls_redirect || c->ln->tls) ? "https" : "http",
			 ch, h);
		return;
	}
	if (s->tls && s->tls_redirect && !c->ln->tls) {
		c->in.pos += hl;
		redirect(c, "https", bare, h);
		return;
	}
	if (s->state != SVC_RUNNING && is_health_request(s, h, prefix_len)) {
		c->in.pos += hl;
		send_local(c, 200, NULL, NULL, "text/plain; charset=utf-8", "");
		return;
	}
	if (s->state == SVC_STOPPED) {
		c->in.pos += hl;
		send_local(c, 503, NULL, s->stop_message ? s->stop_message : "", NULL, NULL);
		return;
	}
	if (s->state == SVC_PAUSED) {
		/* The head stays in the buffer; it is parsed again on resume. */
		c->state = CS_HELD;
		c->deadline = now_ms() + s->pause_deadline_ms;
		return;
	}
	if (s->buffer_requests && s->max_req_body &&
	    h->body == BODY_LENGTH && h->content_length > s->max_req_body) {
		c->in.pos += hl;
		send_local(c, 413, NULL, NULL, NULL, NULL);
		return;
	}
	const struct slice *cookie = http_find(h, "cookie");
	c->is_write = !is_read_request(s, h, c->is_head);
	struct target *t = service_pick(s, !c->is_write,
					cookie ? *cookie : (struct slice){ "", 0 });
	if (!t) {
		c->in.pos += hl;
		send_local(c, 503, NULL, NULL, NULL, NULL);
		return;
	}
	c->tgt = t;
	t->refs++;
	t->active++;
	c->may_retry = may_retry(h);
	c->resent = 0;
	c->tries = 0;
	c->is_upgrade = h->upgrade;
	if (h->upgrade) {
		const struct slice *up = http_find(h, "upgrade");
		size_t n = up && up->n < sizeof(c->upgrade_to) ? up->n : 0;
		memcpy(c->upgrade_to, up ? up->p : "", n);
		c->upgrade_to[n] = '\0';
	}
	int buffered = s->buffer_requests && !c->req_done && !h->upgrade;
	build_upstream_head(c, h, prefix_len, buffered);
	c->in.pos += hl;
	c->resp_head = 0;
	c->resp_done = 0;
	c->req_pend = c->resp_pend = 0;
	c->body_in = 0;
	if (buffered)
		start_buffering(c, h->expect_continue && !c->minor0);
	else
		connect_target(c);
}

