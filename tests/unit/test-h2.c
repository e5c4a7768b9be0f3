/* test-h2.c - HTTP/2 <-> HTTP/1.1 message translation (proxy/h2msg.c). */
#include "unit.h"
#include "proxy/h2.h"

static void add(struct h2_reqhead *r, const char *name, const char *value)
{
	h2_reqhead_add(r, name, strlen(name), value, strlen(value));
}

static void request_becomes_http1_head(void)
{
	struct h2_reqhead r;
	struct strbuf out = STRBUF_INIT;
	h2_reqhead_init(&r, 65536);
	add(&r, ":method", "GET");
	add(&r, ":scheme", "https");
	add(&r, ":authority", "app.example.com");
	add(&r, ":path", "/a?b=1");
	add(&r, "host", "other.example.com"); /* :authority wins */
	add(&r, "cookie", "a=1");
	add(&r, "user-agent", "t/1");
	add(&r, "cookie", "kamal-rollout=x");
	add(&r, "x-request-id", "abc");
	h2_reqhead_write(&r, 0, &out);
	CHECK_STR(out.buf, "GET /a?b=1 HTTP/1.1\r\n"
			   "Host: app.example.com\r\n"
			   "User-Agent: t/1\r\n"
			   "X-Request-Id: abc\r\n"
			   "Cookie: a=1; kamal-rollout=x\r\n"
			   "Connection: close\r\n\r\n");
	CHECK(!r.too_big);
	h2_reqhead_release(&r);
	strbuf_release(&out);
}

static void request_body_framing(void)
{
	struct h2_reqhead r;
	struct strbuf out = STRBUF_INIT;
	h2_reqhead_init(&r, 65536);
	add(&r, ":method", "POST");
	add(&r, ":path", "/up");
	add(&r, "host", "h"); /* no :authority: Host is kept */
	h2_reqhead_write(&r, 1, &out);
	CHECK_STR(out.buf, "POST /up HTTP/1.1\r\nHost: h\r\n"
			   "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	strbuf_reset(&out);
	add(&r, "content-length", "5");
	h2_reqhead_write(&r, 1, &out);
	CHECK_STR(out.buf, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
			   "Connection: close\r\n\r\n");
	h2_reqhead_release(&r);
	strbuf_release(&out);
}

static void request_header_list_limit(void)
{
	struct h2_reqhead r;
	char big[200];
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	h2_reqhead_init(&r, 300);
	add(&r, ":method", "GET");
	add(&r, "x-a", big);
	CHECK(!r.too_big);
	add(&r, "x-b", big);
	CHECK(r.too_big);
	CHECK_INT(r.fields.len, strlen(big) + 7); /* nothing kept past the limit */
	h2_reqhead_release(&r);
}

struct feeder {
	struct h2_resp r;
	struct rbuf out;
	char mem[4096];
	struct http_head h;
	int heads, status;
};

static void feeder_init(struct feeder *f, size_t cap)
{
	memset(f, 0, sizeof(*f));
	strbuf_init(&f->r.head, 0);
	f->out.p = f->mem;
	f->out.cap = cap;
}

/* Feeds s in pieces of step bytes; 0 or -1 on a feed error. */
static int feed_all(struct feeder *f, const char *s, size_t step)
{
	size_t off = 0, n = strlen(s);
	while (off < n) {
		size_t len = n - off < step ? n - off : step;
		int got;
		ssize_t r = h2_resp_feed(&f->r, s + off, len, &f->out, &f->h, &got);
		if (r < 0)
			return -1;
		if (got) {
			f->heads++;
			f->status = f->h.status;
		}
		if (!r && !got)
			return 0; /* out is full */
		off += r;
	}
	return 0;
}

static void response_with_length(void)
{
	struct feeder f;
	feeder_init(&f, sizeof(f.mem));
	const char *s = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Connection: close\r\nContent-Length: 5\r\n\r\nhello";
	CHECK_INT(feed_all(&f, s, 7), 0);
	CHECK_INT(f.heads, 1);
	CHECK_INT(f.status, 200);
	CHECK_INT(f.out.len, 5);
	CHECK(!memcmp(f.mem, "hello", 5));
	CHECK(f.r.done);
	strbuf_release(&f.r.head);
}

static void response_head_names_lowercase_and_hop_fields(void)
{
	struct feeder f;
	int got;
	feeder_init(&f, sizeof(f.mem));
	const char *s = "HTTP/1.1 204 No Content\r\nX-Backend: one\r\nConnection: close\r\n\r\n";
	CHECK_INT(h2_resp_feed(&f.r, s, strlen(s), &f.out, &f.h, &got), strlen(s));
	CHECK(got);
	CHECK(f.r.done);
	CHECK_INT(f.h.nhdr, 2);
	CHECK(slice_eq(f.h.hdr[0].name, "x-backend"));
	CHECK(!h2_resp_hop_field(f.h.hdr[0].name));
	CHECK(h2_resp_hop_field(f.h.hdr[1].name));
	strbuf_release(&f.r.head);
}

static void response_chunked_is_decoded(void)
{
	struct feeder f;
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
	for (size_t step = 1; step < 40; step += 7) {
		feeder_init(&f, sizeof(f.mem));
		CHECK_INT(feed_all(&f, s, step), 0);
		CHECK_INT(f.out.len, 11);
		CHECK(!memcmp(f.mem, "hello world", 11));
		CHECK(f.r.done);
		strbuf_release(&f.r.head);
	}
}

static void response_interim_then_final(void)
{
	struct feeder f;
	feeder_init(&f, sizeof(f.mem));
	CHECK_INT(feed_all(&f, "HTTP/1.1 100 Continue\r\n\r\n", 100), 0);
	CHECK_INT(f.heads, 1);
	CHECK_INT(f.status, 100);
	CHECK(!f.r.in_body);
	CHECK_INT(feed_all(&f, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 100), 0);
	CHECK_INT(f.heads, 2);
	CHECK_INT(f.status, 201);
	CHECK_INT(f.out.len, 2);
	strbuf_release(&f.r.head);
}

static void response_to_head_has_no_body(void)
{
	struct feeder f;
	feeder_init(&f, sizeof(f.mem));
	f.r.is_head = 1;
	CHECK_INT(feed_all(&f, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 100), 0);
	CHECK(f.r.done);
	CHECK_INT(f.out.len, 0);
	strbuf_release(&f.r.head);
}

static void response_stops_when_out_is_full(void)
{
	struct feeder f;
	int got;
	feeder_init(&f, 4);
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
	size_t hl = strlen(s) - 10;
	CHECK_INT(h2_resp_feed(&f.r, s, strlen(s), &f.out, &f.h, &got), hl);
	CHECK_INT(h2_resp_feed(&f.r, s + hl, 10, &f.out, &f.h, &got), 4);
	CHECK_INT(h2_resp_feed(&f.r, s + hl + 4, 6, &f.out, &f.h, &got), 0);
	CHECK(!f.r.done);
	f.out.len = 0; /* DATA frames took it */
	CHECK_INT(h2_resp_feed(&f.r, s + hl + 4, 6, &f.out, &f.h, &got), 4);
	strbuf_release(&f.r.head);
}

static void response_garbage_is_refused(void)
{
	struct feeder f;
	feeder_init(&f, sizeof(f.mem));
	CHECK_INT(feed_all(&f, "not http\r\n\r\n", 100), -1);
	strbuf_release(&f.r.head);
}

int main(void)
{
	RUN(request_becomes_http1_head);
	RUN(request_body_framing);
	RUN(request_header_list_limit);
	RUN(response_with_length);
	RUN(response_head_names_lowercase_and_hop_fields);
	RUN(response_chunked_is_decoded);
	RUN(response_interim_then_final);
	RUN(response_to_head_has_no_body);
	RUN(response_stops_when_out_is_full);
	RUN(response_garbage_is_refused);
	return unit_done();
}
