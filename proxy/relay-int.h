/*
 * relay-int.h - relay.c's connection types, shared only with the files
 * it is split into (relay-*.c, upstream.c), the access log and the TLS
 * and HTTP/2 glue. Not part of the daemon's contract (see proxy.h).
 */
#ifndef BERTH_PROXY_RELAY_INT_H
#define BERTH_PROXY_RELAY_INT_H

#include "proxy.h"
#include "spill.h"
#include <sys/uio.h>

/* A read buffer: bytes [pos, len) are unconsumed. */
struct rbuf {
	char *p;
	uint32_t pos, len, cap;
};

struct listener {
	struct ev ev;
	int tls, metrics, port;
	struct listener *next;
};

/*
 * CS_BUFFER: a request body is read into req_spill before the target is
 * contacted (--buffer-requests). CS_REPLY: a response read whole into
 * resp_spill goes to the client; the target is already let go.
 * CS_LINGER: answered and shut for writing, the rest of what the client
 * sends is read and dropped before we close (see step_linger()).
 */
enum conn_state { CS_PROXYHDR, CS_TLS, CS_HEAD, CS_LOCAL, CS_PROXY, CS_HELD, CS_TUNNEL,
		  CS_H2, CS_BUFFER, CS_REPLY, CS_LINGER };

struct upstream {
	struct ev ev;
	struct target *tgt;
	struct conn *c; /* NULL while idle in the pool */
	struct rbuf in;
	/*
	 * Edge-triggered readiness we remember. rdhup: the peer has closed
	 * its side, so a short read does not mean drained; read on to the 0
	 * (data and FIN often come in one event, and no event follows).
	 */
	unsigned readable, writable;
	unsigned eof : 1, connecting : 1, dead : 1, reused : 1, got_bytes : 1,
		rdhup : 1;
	struct upstream *next_idle;
	uint64_t idle_deadline;
};

struct conn {
	struct ev ev;
	struct listener *ln;
	SSL *ssl;
	struct rbuf in;
	unsigned readable, writable; /* as in struct upstream */
	unsigned eof : 1, hup : 1, rdhup : 1, dead : 1,
		keep_alive : 1, is_head : 1, minor0 : 1, in_request : 1,
		resp_head : 1, resp_done : 1, req_done : 1, req_bad : 1,
		write_error : 1, is_upgrade : 1, resp_keep : 1,
		is_write : 1, queued : 1, no_metrics : 1,
		tls_wait : 1, /* handshake parked: an on-demand order */
		may_retry : 1, /* idempotent, no body: another target may take it */
		resent : 1; /* sent again after a kept-alive connection failed */
	enum conn_state state;
	char upgrade_to[32]; /* is_upgrade: the request's Upgrade value, to hold the 101 to */
	uint64_t deadline; /* ms, monotonic; 0: none */
	uint64_t idle_since; /* when the last request ended */
	uint64_t linger_end; /* CS_LINGER: closed by then at the latest */
	struct conn *prev, *next;
	struct conn *next_ready; /* on the run queue (queued), see relay_run() */
	struct service *svc;
	struct target *tgt;
	struct upstream *up;
	/* request framing */
	enum http_body req_body;
	uint64_t req_left;
	struct http_chunked req_ch;
	size_t req_pend; /* body bytes at in.pos ready for the target */
	uint64_t body_in;
	/* response framing */
	enum http_body resp_body;
	uint64_t resp_left;
	struct http_chunked resp_ch;
	size_t resp_pend;
	struct strbuf out; /* bytes for the client (heads, local pages) */
	size_t out_off;
	struct strbuf uhead; /* rewritten request head for the target */
	size_t uhead_off;
	size_t uhead_tgt_at, uhead_tgt_len; /* X-Kamal-Target's address in uhead */
	int tries; /* targets that refused this request (upstream.c) */
	struct spill *req_spill, *resp_spill; /* buffered bodies (spill.h) */
	/* access log */
	int status;
	uint64_t start_us, bytes_out;
	struct strbuf log, reqid;
	struct strbuf log_target; /* kept for the log when a local reply (502) let c->tgt go */
	char *cookie_scope; /* --scope-cookie-paths: see cookiescope.c */
	char addr[64];
	int port;
	/* HTTP/2 (h2.h): the session of an h2 connection, or the stream a
	 * socketless stream conn carries. */
	struct h2_session *h2;
	struct h2_stream *h2s;
};

void relay_run(struct conn *c);
void relay_close(struct conn *c);
/* A conn without a socket for one HTTP/2 stream (h2.c feeds its I/O). */
struct conn *relay_stream_conn(struct conn *parent);
/* Buffers and socket I/O, shared with h2.c. */
int buf_room(struct rbuf *b, size_t want_cap);
void buf_free(struct rbuf *b);
/* >0 bytes read, 0 EOF, -1 would block (readable=0), -2 error. */
ssize_t sock_fill(int fd, SSL *ssl, struct rbuf *b, unsigned *readable,
		  int rdhup);
/* Bytes written, -1 would block (writable=0), -2 error. */
ssize_t sock_writev(int fd, SSL *ssl, struct iovec *iov, int n, unsigned *writable);
/* The same for a client: its socket, or for an HTTP/2 stream conn its stream. */
ssize_t client_fill(struct conn *c, struct rbuf *b);
ssize_t client_writev(struct conn *c, struct iovec *iov, int n);

/* relay.c's steps, shared with relay-buffer.c and upstream.c. */
/* SIGTERM came: answers say Connection: close. */
int relay_stopping(void);
/* relay-route.c: handles a parsed request head of length hl at c->in.pos. */
void start_request(struct conn *c, struct http_head *h, int hl);
/* Flushes c->out, then *pend bytes at body (of c->up's buffer), to the client. */
int flush_client(struct conn *c, const char *body, size_t *pend);
/* The request is over (logged, released); reuse: its upstream goes back to the pool. */
void finish_request(struct conn *c, int reuse);
/* upstream.c: the target failed before or while answering: a retry, a 502, or a close. */
void upstream_failed(struct conn *c, const char *why);
/*
 * relay-message.c: CS_PROXY's steps. The rewritten head and request body
 * to the target; the response head from it (into c->out, rewritten). Each
 * returns whether it made progress.
 */
int step_request_body(struct conn *c, struct upstream *u);
int step_response_head(struct conn *c, struct upstream *u);
/* Whether u is clean for the next request: both messages went whole. */
int upstream_reusable(struct conn *c, struct upstream *u);
/* Moves body framing forward over avail bytes at p: *pend of them are body. */
int scan_body(enum http_body mode, uint64_t *left, struct http_chunked *ch,
	      const char *p, size_t avail, size_t *pend, int *done);
void relay_drop_service(struct service *s);
void send_local(struct conn *c, int st, const char *extra, const char *msg,
		const char *ctype, const char *body);
/* pages.c: the bodies of local responses, and --error-pages (see there). */
const char *http_reason(int st);
/* The page for status st of s (NULL: none); message: a stop's, or NULL. */
void local_page(const struct service *s, int st, const char *message,
		struct strbuf *out);
/* Every *.html of dir, parsed; NULL with err filled when one cannot be. */
struct error_pages *error_pages_load(const char *dir, struct strbuf *err);
void error_pages_free(struct error_pages *p);
int step_tls(struct conn *c);
void listeners_close(void);

/* proxyproto.c */
int proxyproto_trusted(const struct sockaddr_storage *ss);
int step_proxyhdr(struct conn *c);
struct target *all_targets(void);

/* Fast formatting for the hot path (printf costs more than the proxying). */
static inline void sb_add_u64(struct strbuf *sb, unsigned long long v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	strbuf_add(sb, tmp + i, sizeof(tmp) - i);
}

static inline void sb_add_i64(struct strbuf *sb, long long v)
{
	if (v < 0) {
		strbuf_addch(sb, '-');
		sb_add_u64(sb, -(unsigned long long)v);
	} else {
		sb_add_u64(sb, v);
	}
}

static inline void sb_add_hex(struct strbuf *sb, unsigned long long v, int digits)
{
	char tmp[16];
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		tmp[i] = "0123456789abcdef"[v & 15];
	strbuf_add(sb, tmp, digits);
}

/* request.c: the head the target gets, into c->uhead (see there). */
void build_upstream_head(struct conn *c, struct http_head *h,
			 size_t prefix_len, int buffered);
/* After a retry picked another c->tgt: the head names it (X-Kamal-Target). */
void upstream_head_retarget(struct conn *c);
/* Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection. */
int http_hop_by_hop(struct slice name);
/*
 * Whether h's Connection header lists name as one of its options; with
 * name.p NULL, whether it lists any besides close and the hop-by-hop ones
 * (then, and only then, each header needs asking: one scan per head).
 */
int http_connection_names(const struct http_head *h, struct slice name);

/* cookiescope.c: the request's scope ("prefix\nhost", malloc'd) and the
 * rewriting of one Set-Cookie value under it. */
char *cookie_scope_new(struct slice prefix, struct slice host);
void cookie_scope_add(struct strbuf *sb, const char *scope, struct slice v);

/* accesslog.c */
void access_log_begin(struct conn *c, struct http_head *h);
void access_log_response(struct conn *c, struct http_head *h);
void access_log(struct conn *c);
void access_log_request_headers(struct conn *c, struct http_head *h);
void json_str(struct strbuf *sb, const char *p, size_t n);



/* router.c / deploy.c */
struct target *target_new(const char *addr, struct strbuf *err);
void target_drain(struct target *t, uint64_t timeout_ms);
struct service *service_restore(cJSON *args, struct strbuf *err);
#endif
