/*
 * accesslog.c - one JSON line per request on stdout, and the Prometheus
 * text for --metrics-port.
 *
 * The request's fields are copied into c->log when the head arrives (the
 * head's bytes are gone by the time the response ends); the line is
 * completed and written with a single write() when the request finishes.
 */
#include "relay-int.h"
#include <unistd.h>

static struct strbuf pending = STRBUF_INIT;

void json_str(struct strbuf *sb, const char *p, size_t n)
{
	strbuf_addch(sb, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch >= 0x20 && ch != 0x7f && ch != '"' && ch != '\\')
			continue;
		strbuf_add(sb, p + run, i - run);
		run = i + 1;
		if (ch == '"' || ch == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, ch);
		} else {
			strbuf_addstr(sb, "\\u00");
			sb_add_hex(sb, ch, 2);
		}
	}
	strbuf_add(sb, p + run, n - run);
	strbuf_addch(sb, '"');
}

static void field(struct strbuf *sb, const char *key, struct slice v)
{
	strbuf_addstr(sb, ",\"");
	strbuf_addstr(sb, key);
	strbuf_addstr(sb, "\":");
	json_str(sb, v.p, v.n);
}

static struct slice hdr(struct http_head *h, const char *name)
{
	const struct slice *v = h ? http_find(h, name) : NULL;
	return v ? *v : (struct slice){ "", 0 };
}

static void custom_headers(struct strbuf *sb, struct strvec *names,
			   struct http_head *h, const char *prefix)
{
	for (size_t i = 0; i < names->nr; i++) {
		strbuf_addf(sb, ",\"%s_", prefix);
		for (const char *p = names->v[i]; *p; p++)
			strbuf_addch(sb, *p == '-' ? '_' : (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		strbuf_addstr(sb, "\":");
		struct slice v = hdr(h, names->v[i]);
		json_str(sb, v.p, v.n);
	}
}

void access_log_begin(struct conn *c, struct http_head *h)
{
	struct strbuf *sb = &c->log;
	strbuf_reset(sb);
	strbuf_setlen(&c->reqid, 0);
	strbuf_addstr(sb, "{\"level\":\"INFO\",\"msg\":\"Request\"");
	if (!h) {
		strbuf_addf(sb, ",\"client_addr\":\"%s\",\"client_port\":%d",
			    c->addr, c->port);
		return;
	}
	field(sb, "host", h->host);
	strbuf_addstr(sb, ",\"port\":");
	sb_add_u64(sb, c->ln->port);
	field(sb, "path", h->path);
	field(sb, "method", h->method);
	field(sb, "query", h->query);
	field(sb, "user_agent", hdr(h, "user-agent"));
	field(sb, "req_content_type", hdr(h, "content-type"));
	strbuf_addstr(sb, ",\"req_content_length\":");
	sb_add_i64(sb, h->body == BODY_LENGTH ? (long long)h->content_length :
		       h->body == BODY_NONE ? 0LL : -1LL);
	strbuf_addstr(sb, ",\"client_addr\":\"");
	strbuf_addstr(sb, c->addr);
	strbuf_addstr(sb, "\",\"client_port\":");
	sb_add_u64(sb, c->port);
	struct slice xff = hdr(h, "x-forwarded-for");
	if (xff.n)
		field(sb, "remote_addr", xff);
	else
		field(sb, "remote_addr", (struct slice){ c->addr, strlen(c->addr) });
	strbuf_addstr(sb, c->h2s ? ",\"proto\":\"HTTP/2.0\"" : h->minor ? ",\"proto\":\"HTTP/1.1\""
								   : ",\"proto\":\"HTTP/1.0\"");
	strbuf_addstr(sb, c->ln->tls ? ",\"scheme\":\"https\"" : ",\"scheme\":\"http\"");
	struct slice id = hdr(h, "x-request-id");
	if (id.n)
		strbuf_add(&c->reqid, id.p, id.n);
}

void access_log_request_headers(struct conn *c, struct http_head *h)
{
	if (c->svc && c->svc->log_req.nr)
		custom_headers(&c->log, &c->svc->log_req, h, "req");
}

void access_log_response(struct conn *c, struct http_head *h)
{
	field(&c->log, "resp_content_type", hdr(h, "content-type"));
	if (c->svc)
		custom_headers(&c->log, &c->svc->log_resp, h, "resp");
}

void access_log(struct conn *c)
{
	struct strbuf *sb = &c->log;
	uint64_t dur = now_ms() - (c->start_us ? c->start_us : now_ms());
	static char ts[64];
	static time_t ts_sec;
	time_t t = wall_ms() / 1000;
	if (t != ts_sec) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ts_sec = t;
	}
	strbuf_addstr(sb, ",\"time\":\"");
	strbuf_addstr(sb, ts);
	strbuf_addstr(sb, "\",\"status\":");
	sb_add_u64(sb, c->status);
	field(sb, "request_id", (struct slice){ c->reqid.buf, c->reqid.len });
	field(sb, "service", c->svc ? (struct slice){ c->svc->name, strlen(c->svc->name) }
				    : (struct slice){ "", 0 });
	field(sb, "target", c->tgt ? (struct slice){ c->tgt->addr, strlen(c->tgt->addr) }
				   : (struct slice){ c->log_target.buf, c->log_target.len });
	strbuf_setlen(&c->log_target, 0);
	strbuf_addstr(sb, ",\"duration\":");
	sb_add_u64(sb, dur * 1000000ULL);
	strbuf_addstr(sb, ",\"bytes_in\":");
	sb_add_u64(sb, c->body_in);
	strbuf_addstr(sb, ",\"bytes_out\":");
	sb_add_u64(sb, c->bytes_out);
	strbuf_addstr(sb, ",\"resp_content_length\":");
	sb_add_u64(sb, c->bytes_out);
	strbuf_addstr(sb, "}\n");
	if (!c->no_metrics) { /* counted as they end, with their status */
		stats.requests++;
		if (c->status >= 100 && c->status < 600)
			stats.responses[c->status / 100]++;
	}
	strbuf_addbuf(&pending, sb);
	strbuf_reset(sb);
	if (pending.len >= 64 * 1024)
		access_log_flush();
}

/*
 * Lines collect here and go out in one write() per tick (100 ms) or 64 KiB,
 * and at exit: a write per request was one syscall in six, and each one
 * also wakes whoever reads our stdout (docker's log driver).
 */
void access_log_flush(void)
{
	size_t off = 0;
	while (off < pending.len) {
		ssize_t n = write(1, pending.buf + off, pending.len - off);
		if (n <= 0)
			break; /* stdout gone or full: drop rather than block */
		off += n;
	}
	strbuf_reset(&pending);
}

void metrics_render(struct strbuf *out)
{
	strbuf_addstr(out, "# TYPE berth_proxy_requests_total counter\n");
	strbuf_addf(out, "berth_proxy_requests_total %llu\n",
		    (unsigned long long)stats.requests);
	strbuf_addstr(out, "# TYPE berth_proxy_responses_total counter\n");
	for (int i = 1; i < 6; i++)
		strbuf_addf(out, "berth_proxy_responses_total{code=\"%dxx\"} %llu\n",
			    i, (unsigned long long)stats.responses[i]);
	strbuf_addf(out, "# TYPE berth_proxy_connections gauge\nberth_proxy_connections %d\n",
		    relay_count_conns());
	strbuf_addf(out, "# TYPE berth_proxy_connections_accepted_total counter\n"
		    "berth_proxy_connections_accepted_total %llu\n",
		    (unsigned long long)stats.conns_accepted);
	strbuf_addf(out, "# TYPE berth_proxy_connections_refused_total counter\n"
		    "berth_proxy_connections_refused_total %llu\n",
		    (unsigned long long)stats.conns_refused);
	strbuf_addf(out, "# TYPE berth_proxy_bytes_received_total counter\n"
		    "berth_proxy_bytes_received_total %llu\n"
		    "# TYPE berth_proxy_bytes_sent_total counter\n"
		    "berth_proxy_bytes_sent_total %llu\n",
		    (unsigned long long)stats.bytes_in,
		    (unsigned long long)stats.bytes_out);
	for (struct service *s = services; s; s = s->next)
		strbuf_addf(out, "berth_proxy_service_up{service=\"%s\"} %d\n",
			    s->name, s->state == SVC_RUNNING);
}
