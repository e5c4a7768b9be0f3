/*
 * accesslog.c - one JSON line per request on stdout, and the Prometheus
 * text for --metrics-port.
 *
 * The request's fields are copied into c->log when the head arrives (the
 * head's bytes are gone by the time the response ends); the line is
 * completed and written with a single write() when the request finishes.
 */
#include "relay-int.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

static struct strbuf pending = STRBUF_INIT;
/* Lines waiting for a slow stdout, at most (then they are dropped). */
#define LOG_PENDING_MAX (1u << 20)

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A JSON string of n bytes that came off the wire: well-formed UTF-8 goes
 * through, each byte of anything else becomes U+FFFD (as Go's
 * encoding/json does), so that every line stays valid JSON.
 */
void json_str(struct strbuf *sb, const char *p, size_t n)
{
	strbuf_addch(sb, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch >= 0x80) {
			size_t len = utf8_len((const unsigned char *)p + i, n - i);
			if (len) {
				i += len - 1;
				continue;
			}
			strbuf_add(sb, p + run, i - run);
			run = i + 1;
			strbuf_addstr(sb, "\\ufffd");
			continue;
		}
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

/*
 * As kamal-proxy logs it: the service's --client-ip-header when the request
 * has one (it stands for X-Forwarded-For there), else the client's
 * X-Forwarded-For as sent, else the connection's address.
 */
static struct slice remote_addr(struct conn *c, struct http_head *h)
{
	struct service *s = c->svc; /* routed before the line begins */
	struct slice v = s && s->client_ip_header ? hdr(h, s->client_ip_header) : hdr(NULL, "");
	if (!v.n)
		v = hdr(h, "x-forwarded-for");
	if (!v.n)
		v = (struct slice){ c->addr, strlen(c->addr) };
	return v;
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
	field(sb, "remote_addr", remote_addr(c, h));
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
	if (pending.len + sb->len > LOG_PENDING_MAX)
		stats.log_dropped++;
	else
		strbuf_addbuf(&pending, sb);
	strbuf_reset(sb);
	if (pending.len >= 64 * 1024)
		access_log_flush();
}

/*
 * stdout in non-blocking mode, once: a reader that stalls (a full pipe, a
 * stuck log driver) must never stop the traffic. A terminal is left as it
 * is (its mode is shared with the shell); so is a regular file, which
 * never blocks.
 */
static void stdout_nonblocking(void)
{
	static int done;
	struct stat st;
	int fl;
	if (done)
		return;
	done = 1;
	if (fstat(1, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	if ((fl = fcntl(1, F_GETFL)) >= 0)
		fcntl(1, F_SETFL, fl | O_NONBLOCK);
}

/* Writes what stdout takes now; 0 when all went, 1 when some waits. */
static int flush_some(void)
{
	size_t off = 0;
	int r = 0;
	while (off < pending.len) {
		ssize_t n = write(1, pending.buf + off, pending.len - off);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			r = 1; /* keep the rest, whole lines, for the next tick */
		else
			off = pending.len; /* stdout is gone: nothing to keep it for */
		break;
	}
	memmove(pending.buf, pending.buf + off, pending.len - off);
	strbuf_setlen(&pending, pending.len - off);
	return r;
}

/*
 * Lines collect here and go out once per tick (100 ms) or 64 KiB, and at
 * exit: a write per request was one syscall in six, and each one also
 * woke whoever reads our stdout (docker's log driver). What a stalled
 * reader has no room for waits, up to LOG_PENDING_MAX; lines beyond that
 * are dropped and counted (berth_proxy_access_log_dropped_total).
 */
void access_log_flush(void)
{
	stdout_nonblocking();
	flush_some();
}

/* At exit: up to a second for a slow reader to take the last lines. */
void access_log_drain(void)
{
	long waited = 0;
	stdout_nonblocking();
	while (flush_some() && waited < 1000) {
		struct pollfd p = { 1, POLLOUT, 0 };
		poll(&p, 1, 100);
		waited += 100;
	}
}

/* One Prometheus counter: its TYPE line and its value. */
static void add_counter(struct strbuf *out, const char *name, uint64_t v)
{
	strbuf_addf(out, "# TYPE %s counter\n%s %llu\n", name, name, (unsigned long long)v);
}

void metrics_render(struct strbuf *out)
{
	add_counter(out, "berth_proxy_requests_total", stats.requests);
	strbuf_addstr(out, "# TYPE berth_proxy_responses_total counter\n");
	for (int i = 1; i < 6; i++)
		strbuf_addf(out, "berth_proxy_responses_total{code=\"%dxx\"} %llu\n",
			    i, (unsigned long long)stats.responses[i]);
	strbuf_addf(out, "# TYPE berth_proxy_connections gauge\nberth_proxy_connections %d\n",
		    relay_count_conns());
	add_counter(out, "berth_proxy_connections_accepted_total", stats.conns_accepted);
	add_counter(out, "berth_proxy_connections_refused_total", stats.conns_refused);
	add_counter(out, "berth_proxy_access_log_dropped_total", stats.log_dropped);
	add_counter(out, "berth_proxy_target_retries_total", stats.retries);
	add_counter(out, "berth_proxy_targets_ejected_total", stats.targets_ejected);
	add_counter(out, "berth_proxy_bytes_received_total", stats.bytes_in);
	add_counter(out, "berth_proxy_bytes_sent_total", stats.bytes_out);
	for (struct service *s = services; s; s = s->next)
		strbuf_addf(out, "berth_proxy_service_up{service=\"%s\"} %d\n",
			    s->name, s->state == SVC_RUNNING);
}
