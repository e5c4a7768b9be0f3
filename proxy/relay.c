/*
 * relay.c - moves bytes between clients and targets.
 *
 * A client connection (struct conn) reads a request head into its buffer,
 * routes it, writes a rewritten head to a pooled or fresh upstream, then
 * streams the body straight out of the read buffer (never copied). The
 * response travels the same way back: its head is rewritten into c->out,
 * its body goes from the upstream's buffer to the client with writev.
 * Each side remembers whether its socket is readable/writable (epoll is
 * edge triggered); relay_run() advances the pair until nothing can move,
 * or until its turn is used up, and then the connection waits on the run
 * queue rather than for an event that will not come.
 * Back-pressure comes for free: a side is only read when its buffer has
 * been fully written to the other side.
 *
 * Per-connection problems end in a local response (400, 404, 502, 503,
 * 504...) or a closed connection and one log line, never in exit.
 *
 * Here: the state machine (relay_run()), events, timers and shutdown.
 * The other parts of the relay are in relay-route.c (a request head),
 * relay-message.c (request out, response head back), relay-buffer.c,
 * relay-io.c and upstream.c (target connections, failures, retries).
 */
#include "proxy.h"
#include "log.h"
#include "relay-int.h"
#include "h2.h"
#include "upstream.h"
#include "relay-buffer.h"
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>
#include <malloc.h>
#include <openssl/err.h>

#define EVMASK (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
#define CONTAINER(ptr, type) ((type *)(void *)(ptr))

struct proxy_stats stats;
static struct conn *all_conns;
static struct conn *grave_conns;
static struct conn *run_queue;
static int nconns;
static uint64_t last_refusal_log;
static int shutting_down; /* SIGTERM: finish what runs, take nothing new */
static uint64_t shutdown_at; /* when it began, for the grace of fresh connections */

/*
 * What a connection that waits for a request gets when we stop: one that
 * has not sent its first request yet was accepted while we listened and
 * expects an answer (a successor proxy cannot take it over), so it gets
 * 2 s to send it. A kept-alive one between requests gets a second: a
 * client in the middle of a run of requests sends its next one at once,
 * is answered with Connection: close and goes to the successor for the
 * one after; closing it at once would race that request on the wire.
 */
#define FRESH_GRACE_MS 2000
#define IDLE_GRACE_MS 1000

static void shutdown_tick(uint64_t now);

int relay_count_conns(void)
{
	return nconns;
}

int relay_stopping(void)
{
	return shutting_down;
}



/* ---------- connection bookkeeping ---------- */

static struct conn *conn_new(int fd, struct listener *ln)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->ev.type = EV_CLIENT;
	c->ev.fd = fd;
	c->ln = ln;
	c->writable = 1;
	strbuf_init(&c->out, 0);
	strbuf_init(&c->uhead, 0);
	strbuf_init(&c->log, 0);
	strbuf_init(&c->reqid, 0);
	strbuf_init(&c->log_target, 0);
	return c;
}

static void conn_link(struct conn *c)
{
	c->next = all_conns;
	if (all_conns)
		all_conns->prev = c;
	all_conns = c;
}

struct conn *relay_stream_conn(struct conn *parent)
{
	struct conn *c = conn_new(-1, parent->ln);
	memcpy(c->addr, parent->addr, sizeof(c->addr));
	c->port = parent->port;
	c->state = CS_HEAD;
	conn_link(c);
	return c;
}

static void conn_unlink(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		all_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

/*
 * The run queue: connections that used up their turn in relay_run() with
 * work left. Their readiness is already known (readable/writable), and an
 * edge-triggered epoll does not report it again, so only the queue brings
 * them back. Rarely more than a few entries: a list is enough.
 */
static void run_queue_add(struct conn *c)
{
	if (c->queued)
		return;
	c->queued = 1;
	c->next_ready = run_queue;
	run_queue = c;
}

static void run_queue_remove(struct conn *c)
{
	struct conn **pp = &run_queue;
	if (!c->queued)
		return;
	while (*pp && *pp != c)
		pp = &(*pp)->next_ready;
	if (*pp)
		*pp = c->next_ready;
	c->queued = 0;
}

/* Every end of a request comes here: nothing it held outlives it. */
static void request_release(struct conn *c, int reuse_upstream)
{
	upstream_release(c, reuse_upstream);
	spill_free(&c->req_spill);
	spill_free(&c->resp_spill);
	if (c->tgt) {
		c->tgt->active--;
		target_put(c->tgt);
		c->tgt = NULL;
	}
}

void relay_close(struct conn *c)
{
	if (c->dead)
		return;
	if (c->in_request && c->state != CS_LOCAL) {
		if (!c->status || !c->resp_head)
			c->status = 499;
		access_log(c);
	}
	request_release(c, 0);
	run_queue_remove(c);
	c->dead = 1;
	if (c->h2)
		h2_conn_closed(c); /* its streams end first */
	if (c->h2s)
		h2_stream_detach(c);
	if (c->ev.fd >= 0) { /* HTTP/2 stream conns have no socket */
		loop_del(&c->ev);
		if (c->ssl) {
			SSL_free(c->ssl);
			c->ssl = NULL;
		}
		close(c->ev.fd);
		nconns--;
	}
	conn_unlink(c);
	c->next = grave_conns;
	grave_conns = c;
}

/* Set when a burst is over; relay_reap() trims once the closed are freed. */
static int trim_pending;

void relay_reap(void)
{
	while (grave_conns) {
		struct conn *c = grave_conns;
		grave_conns = c->next;
		if (c->h2)
			h2_free(c);
		buf_free(&c->in);
		strbuf_release(&c->out);
		strbuf_release(&c->uhead);
		strbuf_release(&c->log);
		strbuf_release(&c->reqid);
		strbuf_release(&c->log_target);
		free(c->cookie_scope);
		free(c);
	}
	upstream_reap();
	if (trim_pending) {
		trim_pending = 0;
		malloc_trim(0);
	}
}

/* ---------- local responses ---------- */

/*
 * Queues a complete response made here. extra: more header lines, each
 * ending in CRLF. msg: a stop's message, the data of its page (NULL for
 * every other response).
 */
void send_local(struct conn *c, int st, const char *extra, const char *msg,
		const char *ctype, const char *body)
{
	struct strbuf page = STRBUF_INIT;
	if (c->tgt) /* the log names the target that failed */
		strbuf_addstr(&c->log_target, c->tgt->addr);
	request_release(c, 0);
	if (body)
		strbuf_addstr(&page, body);
	else
		local_page(c->svc, st, msg, &page);
	/* A body we did not read would be taken for the next request. */
	if (!c->req_done)
		c->keep_alive = 0;
	strbuf_reset(&c->out);
	c->out_off = 0;
	strbuf_addf(&c->out,
		    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
		    st, http_reason(st), ctype ? ctype : "text/html; charset=utf-8",
		    c->is_head ? 0 : page.len, extra ? extra : "",
		    c->keep_alive ? "" : "Connection: close\r\n");
	if (!c->is_head)
		strbuf_addbuf(&c->out, &page);
	strbuf_release(&page);
	c->status = st;
	c->resp_head = 1;
	c->state = CS_LOCAL;
	c->deadline = now_ms() + cfg.idle_timeout_ms;
}

/* ---------- the state machine ---------- */

static int step_head(struct conn *c)
{
	struct http_head h;
	struct rbuf *b = &c->in;
	if (b->p && b->len > b->pos) {
		int r = http_parse_request(b->p + b->pos, b->len - b->pos,
					   cfg.max_head, &h);
		if (r > 0) {
			start_request(c, &h, r);
			return 1;
		}
		if (r < 0) {
			c->in_request = 1;
			c->keep_alive = 0;
			c->req_done = 0;
			access_log_begin(c, NULL);
			send_local(c, -r, NULL, NULL, NULL, NULL);
			return 1;
		}
	}
	if (c->eof) {
		relay_close(c);
		return 0;
	}
	if (!c->readable)
		return 0;
	size_t want = b->len - b->pos >= 4096 ? cfg.max_head : 8192;
	if (b->p && b->cap < want && b->len == b->cap) {
		b->p = xrealloc(b->p, want);
		b->cap = want;
	}
	if (!buf_room(b, 8192)) {
		if (b->cap < cfg.max_head) {
			b->p = xrealloc(b->p, cfg.max_head);
			b->cap = cfg.max_head;
		} else {
			return 0; /* parse reports 431 */
		}
	}
	int was_empty = b->len == b->pos;
	ssize_t n = client_fill(c, b);
	if (n == 0 || n == -2) {
		c->eof = 1;
		relay_close(c);
		return 0;
	}
	if (n > 0) {
		if (was_empty) {
			c->deadline = now_ms() + cfg.header_timeout_ms;
			c->start_us = now_ms();
		}
		stats.bytes_in += n;
		return 1;
	}
	return 0;
}

/* Flushes c->out then pending response body bytes to the client. */
int flush_client(struct conn *c, const char *body, size_t *pend)
{
	int progress = 0;
	while (c->writable && (c->out_off < c->out.len || (pend && *pend))) {
		struct iovec iov[2];
		int n = 0;
		size_t head = c->out.len - c->out_off;
		if (head)
			iov[n++] = (struct iovec){ c->out.buf + c->out_off, head };
		if (pend && *pend)
			iov[n++] = (struct iovec){ (void *)body, *pend };
		ssize_t w = client_writev(c, iov, n);
		if (w == -1)
			break;
		if (w == -2) {
			c->write_error = 1;
			return 1;
		}
		progress = 1;
		c->bytes_out += w;
		stats.bytes_out += w;
		if ((size_t)w <= head) {
			c->out_off += w;
		} else {
			c->out_off = c->out.len;
			w -= head;
			*pend -= w;
			c->up->in.pos += w;
			body += w;
		}
	}
	if (c->out_off == c->out.len && c->out.len) {
		strbuf_reset(&c->out);
		c->out_off = 0;
	}
	return progress;
}

/*
 * A connection we close while its client may still be sending (its
 * request was not read to the end: a 431, a 413, an early answer). A
 * close() with unread bytes makes the kernel send a reset, which throws
 * away whatever of our answer is not yet delivered and fails the
 * client's next send, so a client that sends all before it reads (most
 * do) never sees the answer. As nginx's lingering close does, we shut
 * our side, then read and drop what comes until the client closes, or
 * is quiet for LINGER_QUIET_MS, or LINGER_MAX_MS have passed.
 */
#define LINGER_QUIET_MS 2000
#define LINGER_MAX_MS 10000

static void linger_begin(struct conn *c)
{
	buf_free(&c->in);
	c->state = CS_LINGER;
	c->linger_end = now_ms() + LINGER_MAX_MS;
	c->deadline = now_ms() + LINGER_QUIET_MS;
}

static int step_linger(struct conn *c)
{
	char scratch[16384];
	if (!c->readable)
		return 0;
	ssize_t n = read(c->ev.fd, scratch, sizeof(scratch));
	if (n > 0) {
		uint64_t quiet = now_ms() + LINGER_QUIET_MS;
		c->deadline = quiet < c->linger_end ? quiet : c->linger_end;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		c->readable = 0;
		return 0;
	}
	relay_close(c); /* the client's EOF, or an error */
	return 0;
}

void finish_request(struct conn *c, int reuse)
{
	access_log(c);
	c->in_request = 0;
	c->no_metrics = 0;
	free(c->cookie_scope);
	c->cookie_scope = NULL;
	request_release(c, reuse);
	c->svc = NULL;
	c->status = 0;
	c->start_us = 0;
	c->bytes_out = c->body_in = 0;
	/*
	 * While draining, a connection whose answer promised keep-alive (it
	 * began before we stopped) stays for the request its client may send
	 * next: that one is answered with Connection: close. The idle grace
	 * of shutdown_tick() closes it if nothing comes.
	 */
	if (!c->keep_alive) {
		if (c->ev.fd >= 0)
			shutdown(c->ev.fd, SHUT_WR);
		if (c->ev.fd >= 0 && !c->req_done && !c->eof)
			linger_begin(c);
		else
			relay_close(c);
		return;
	}
	c->state = CS_HEAD;
	c->resp_head = 0;
	if (c->in.pos == c->in.len) {
		/* The buffer stays for the next request; the tick frees it
		 * once the connection has idled a while (idle_since). */
		c->in.pos = c->in.len = 0;
		c->idle_since = now_ms();
		if (nconns > 512)
			buf_free(&c->in); /* many clients: memory before speed */
		c->deadline = now_ms() + cfg.idle_timeout_ms;
	} else {
		c->deadline = now_ms() + cfg.header_timeout_ms;
		c->start_us = now_ms();
	}
}

static int step_local(struct conn *c)
{
	int p = flush_client(c, NULL, NULL);
	if (c->write_error) {
		relay_close(c);
		return 0;
	}
	if (c->out.len)
		return p;
	finish_request(c, 0);
	return 1;
}

/* Moves response-side framing forward over bytes in u->in. */
int scan_body(enum http_body mode, uint64_t *left, struct http_chunked *ch,
		     const char *p, size_t avail, size_t *pend, int *done)
{
	*done = 0;
	switch (mode) {
	case BODY_NONE:
		*done = 1;
		*pend = 0;
		return 0;
	case BODY_LENGTH:
		*pend = avail < *left ? avail : *left;
		*left -= *pend;
		*done = !*left;
		return 0;
	case BODY_CHUNKED: {
		ssize_t n = http_chunked_scan(ch, p, avail, done);
		if (n < 0)
			return -1;
		*pend = n;
		return 0;
	}
	case BODY_UNTIL_CLOSE:
		*pend = avail;
		return 0;
	}
	return 0;
}

static int step_proxy(struct conn *c)
{
	struct upstream *u = c->up;
	int progress = 0;
	if (u->connecting)
		return 0;
	progress |= step_request_body(c, u);
	if (c->state != CS_PROXY)
		return 1; /* the buffered body could not be read back */
	if (c->req_bad) {
		c->req_bad = 0;
		if (c->resp_head) {
			relay_close(c);
		} else {
			c->keep_alive = 0;
			send_local(c, 400, NULL, NULL, NULL, NULL);
		}
		return 1;
	}
	if (c->eof && !c->req_done) {
		relay_close(c); /* client went away mid-body: 499 */
		return 0;
	}
	if (c->hup && !c->resp_head) {
		relay_close(c);
		return 0;
	}
	if (!c->resp_head) {
		progress |= step_response_head(c, u);
		if (c->state != CS_PROXY || c->dead)
			return 1;
		if (!c->resp_head) {
			/* Interim responses (100 Continue) go out now; a final
			 * head waits to leave with the first body bytes. */
			progress |= flush_client(c, NULL, NULL);
			return progress;
		}
	}
	if (c->resp_spill)
		return progress | buffer_response(c, u);
	/* response body */
	for (;;) {
		if (!c->resp_pend && !c->resp_done && u->in.len > u->in.pos) {
			int done;
			if (scan_body(c->resp_body, &c->resp_left, &c->resp_ch,
				      u->in.p + u->in.pos, u->in.len - u->in.pos,
				      &c->resp_pend, &done) < 0) {
				relay_close(c);
				return 0;
			}
			if (done)
				c->resp_done = 1;
		}
		if (c->resp_body == BODY_NONE)
			c->resp_done = 1;
		int p = flush_client(c, u->in.p + u->in.pos, &c->resp_pend);
		if (c->write_error) {
			relay_close(c);
			return 0;
		}
		progress |= p;
		if (c->resp_pend || c->out.len)
			return progress; /* client is slow; wait for EPOLLOUT */
		if (c->resp_done)
			break;
		if (u->eof) {
			if (c->resp_body == BODY_UNTIL_CLOSE) {
				c->resp_done = 1;
				break;
			}
			upstream_failed(c, "truncated response"); /* closes c */
			return 0;
		}
		if (!read_upstream(c, u))
			return progress;
		progress = 1;
	}
	int reuse = upstream_reusable(c, u);
	if (!c->req_done)
		c->keep_alive = 0;
	finish_request(c, reuse);
	return 1;
}

/* Whether u is clean for the next request: both messages went whole. */
int upstream_reusable(struct conn *c, struct upstream *u)
{
	return c->resp_keep && c->req_done && !c->req_pend && !c->req_spill &&
	       c->uhead_off == c->uhead.len && u->in.pos == u->in.len &&
	       !u->eof && !u->rdhup;
}

static int step_tunnel(struct conn *c)
{
	struct upstream *u = c->up;
	int progress = 0;
	/* client -> target */
	if (c->in.len > c->in.pos && u->writable) {
		struct iovec iov = { c->in.p + c->in.pos, c->in.len - c->in.pos };
		ssize_t w = sock_writev(u->ev.fd, NULL, &iov, 1, &u->writable);
		if (w == -2) {
			relay_close(c);
			return 0;
		}
		if (w > 0) {
			c->in.pos += w;
			progress = 1;
		}
	}
	if ((!c->in.p || c->in.len == c->in.pos) && c->readable && !c->eof) {
		buf_room(&c->in, 8192);
		ssize_t n = client_fill(c, &c->in);
		if (n > 0)
			progress = 1;
		else if (n == 0 || n == -2) {
			c->eof = 1;
			shutdown(u->ev.fd, SHUT_WR);
			progress = 1;
		}
	}
	/* target -> client */
	if (u->in.len > u->in.pos || c->out.len) {
		size_t pend = u->in.len - u->in.pos;
		progress |= flush_client(c, u->in.p + u->in.pos, &pend);
		if (c->write_error) {
			relay_close(c);
			return 0;
		}
	}
	if (u->in.len == u->in.pos && !u->eof && read_upstream(c, u)) {
		progress = 1;
		if (u->eof)
			shutdown(c->ev.fd, SHUT_WR);
	}
	if (c->eof && u->eof && u->in.len == u->in.pos) {
		c->keep_alive = 0;
		finish_request(c, 0);
		return 0;
	}
	return progress;
}


/*
 * Advances c until nothing can move. A connection gets RUN_ROUNDS steps
 * per turn so that one fast transfer cannot starve the others; one with
 * work left after its turn goes on the run queue (relay_run_queued()).
 */
#define RUN_ROUNDS 64

void relay_run(struct conn *c)
{
	for (int rounds = 0; rounds < RUN_ROUNDS; rounds++) {
		int p = 0;
		if (c->dead)
			return;
		switch (c->state) {
		case CS_PROXYHDR:
			p = step_proxyhdr(c);
			break;
		case CS_TLS:
			p = step_tls(c);
			break;
		case CS_HEAD:
			p = step_head(c);
			break;
		case CS_LOCAL:
			p = step_local(c);
			break;
		case CS_PROXY:
			p = step_proxy(c);
			break;
		case CS_TUNNEL:
			p = step_tunnel(c);
			break;
		case CS_H2:
			p = h2_step(c);
			break;
		case CS_BUFFER:
			p = step_buffer(c);
			break;
		case CS_REPLY:
			p = step_reply(c);
			break;
		case CS_LINGER:
			p = step_linger(c);
			break;
		case CS_HELD:
			if (c->hup || c->eof)
				relay_close(c);
			break;
		}
		if (!p)
			return;
	}
	if (!c->dead)
		run_queue_add(c);
}

int relay_run_queued(void)
{
	/* This round's queue; whoever uses up its turn again joins the next. */
	struct conn *c = run_queue;
	run_queue = NULL;
	while (c) {
		struct conn *next = c->next_ready;
		c->queued = 0;
		c->next_ready = NULL;
		relay_run(c); /* a no-op if c was closed meanwhile */
		c = next;
	}
	return run_queue != NULL;
}

/* ---------- events ---------- */

static void accept_all(struct listener *ln)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(ln->ev.fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				if (now_ms() - last_refusal_log > 1000) {
					last_refusal_log = now_ms();
					log_warn("out of file descriptors at %d connections", nconns);
				}
			}
			return;
		}
		if (nconns >= cfg.max_conns) {
			stats.conns_refused++;
			if (now_ms() - last_refusal_log > 1000) {
				last_refusal_log = now_ms();
				log_warn("connection limit %d reached; refusing new connections",
					 cfg.max_conns);
			}
			close(fd);
			continue;
		}
		struct conn *c = conn_new(fd, ln);
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &sin->sin_addr, c->addr, sizeof(c->addr));
			c->port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, c->addr, sizeof(c->addr));
			c->port = ntohs(s6->sin6_port);
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->state = CS_HEAD;
		c->deadline = now_ms() + cfg.header_timeout_ms;
		if (ln->tls) {
			c->ssl = tls_new_conn(fd);
			if (!c->ssl) {
				close(fd);
				free(c);
				continue;
			}
			c->state = CS_TLS;
		}
		if (proxyproto_trusted(&ss))
			c->state = CS_PROXYHDR;
		if (loop_add(&c->ev, EVMASK) < 0) {
			if (c->ssl)
				SSL_free(c->ssl);
			close(fd);
			free(c);
			continue;
		}
		conn_link(c);
		nconns++;
		stats.conns_accepted++;
	}
}

static void upstream_event(struct upstream *u, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		u->readable = 1;
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		u->rdhup = 1;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		u->writable = 1;
	if (u->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t el = sizeof(err);
		getsockopt(u->ev.fd, SOL_SOCKET, SO_ERROR, &err, &el);
		u->connecting = 0;
		if (err) {
			struct conn *c = u->c;
			u->eof = 1;
			if (c) {
				target_refused(c, err);
				relay_run(c);
			}
			return;
		}
	}
	if (!u->c) {
		/* Idle in the pool: any byte or EOF makes it unusable. */
		if (u->readable) {
			pool_remove(u);
			upstream_close(u);
		}
		return;
	}
	relay_run(u->c);
}

void relay_event(struct ev *ev, uint32_t events)
{
	if (ev->type == EV_LISTEN) {
		accept_all(CONTAINER(ev, struct listener));
		return;
	}
	if (ev->type == EV_UPSTREAM) {
		struct upstream *u = CONTAINER(ev, struct upstream);
		if (!u->dead)
			upstream_event(u, events);
		return;
	}
	struct conn *c = CONTAINER(ev, struct conn);
	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		c->readable = 1;
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		c->writable = 1;
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		c->readable = 1;
		c->rdhup = 1;
		if (c->state == CS_PROXY || c->state == CS_HELD)
			c->hup = 1;
	}
	relay_run(c);
}

/* ---------- timers ---------- */

void relay_tick(void)
{
	static uint64_t last_trim;
	uint64_t now = now_ms();
	/* Give a burst's buffers back to the system once it is over. */
	if (!nconns && stats.conns_accepted != last_trim) {
		last_trim = stats.conns_accepted;
		pool_free_buffers();
		trim_pending = 1;
	}
	struct conn *c, *next;
	shutdown_tick(now);
	for (c = all_conns; c; c = next) {
		next = c->next;
		/* Idle keep-alive connections hold no buffer. */
		if (c->in.p && c->state == CS_HEAD && c->in.pos == c->in.len &&
		    c->idle_since && now - c->idle_since > 2000)
			buf_free(&c->in);
		if (!c->deadline || c->deadline > now)
			continue;
		c->deadline = 0;
		switch (c->state) {
		case CS_PROXY:
			if (!c->resp_head) {
				log_warn("target '%s' timed out", c->tgt ? c->tgt->addr : "?");
				c->keep_alive = 0;
				send_local(c, 504, NULL, NULL, NULL, NULL);
				relay_run(c);
			}
			break;
		case CS_HELD:
			c->keep_alive = 0;
			c->in.pos = c->in.len;
			send_local(c, 504, NULL, NULL, NULL, NULL);
			relay_run(c);
			break;
		case CS_H2:
			h2_timeout(c);
			break;
		case CS_BUFFER:
			/* No body bytes for --idle-timeout: the client stalled. */
			send_local(c, 408, NULL, NULL, NULL, NULL);
			relay_run(c);
			break;
		default:
			relay_close(c);
		}
	}
	/* The pool outlives the burst: give back what it held once it is gone. */
	if (pool_tick(now) && !nconns)
		trim_pending = 1;
}

static int conn_idle(struct conn *c)
{
	return c->state == CS_HEAD && (!c->in.p || c->in.pos == c->in.len);
}

void relay_wake_tls(void)
{
	for (struct conn *c = all_conns; c; c = c->next)
		if (c->tls_wait && !c->dead) {
			c->tls_wait = 0;
			run_queue_add(c); /* runs in this loop iteration or the next */
		}
}

/* Accepted, and no request has ended on it yet. */
static int conn_fresh(const struct conn *c)
{
	return !c->idle_since &&
	       (c->state == CS_TLS || c->state == CS_PROXYHDR || conn_idle((struct conn *)c));
}

void relay_shutdown_begin(void)
{
	shutting_down = 1;
	shutdown_at = now_ms();
	listeners_close();
	for (struct conn *c = all_conns, *next; c; c = next) {
		next = c->next;
		if (c->state == CS_H2)
			h2_shutdown(c); /* GOAWAY; its streams finish */
	}
}

/* Waiting connections that sent nothing within their grace go. */
static void shutdown_tick(uint64_t now)
{
	if (!shutting_down || now - shutdown_at < IDLE_GRACE_MS)
		return;
	for (struct conn *c = all_conns, *next; c; c = next) {
		next = c->next;
		if (conn_fresh(c) ? now - shutdown_at >= FRESH_GRACE_MS : conn_idle(c))
			relay_close(c);
	}
}

int relay_busy(void)
{
	int n = 0;
	for (struct conn *c = all_conns; c; c = c->next)
		if (!c->dead)
			n++;
	return n;
}

void relay_release_held(struct service *s)
{
	for (struct conn *c = all_conns, *cn; c; c = cn) {
		cn = c->next; /* closing c sends it to the grave list */
		if (c->state != CS_HELD || c->svc != s)
			continue;
		c->svc = NULL;
		c->in_request = 0;
		if (s->state == SVC_STOPPED) {
			struct http_head h;
			int r = http_parse_request(c->in.p + c->in.pos,
						   c->in.len - c->in.pos,
						   cfg.max_head, &h);
			c->in_request = 1;
			c->svc = s;
			if (r > 0)
				c->in.pos += r;
			c->keep_alive = 0;
			send_local(c, 503, NULL, s->stop_message ? s->stop_message : "", NULL, NULL);
		} else {
			c->state = CS_HEAD;
		}
		relay_run(c);
	}
}

void relay_abort_target(struct target *t)
{
	for (struct conn *c = all_conns, *cn; c; c = cn) {
		cn = c->next;
		if (c->tgt != t || c->dead)
			continue;
		if ((c->state == CS_PROXY && !c->resp_head) || c->state == CS_BUFFER) {
			c->keep_alive = 0;
			send_local(c, 504, NULL, NULL, NULL, NULL);
			relay_run(c);
		} else if (c->state == CS_PROXY || c->state == CS_TUNNEL) {
			relay_close(c);
		}
	}
}

void relay_drop_service(struct service *s)
{
	for (struct conn *c = all_conns, *cn; c; c = cn) {
		cn = c->next;
		if (c->svc == s && c->state != CS_PROXY && c->state != CS_TUNNEL &&
		    c->state != CS_BUFFER && c->state != CS_REPLY) {
			if (c->state == CS_HELD)
				relay_close(c);
			else
				c->svc = NULL;
		}
	}
}
