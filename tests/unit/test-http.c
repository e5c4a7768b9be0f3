/* test-http.c - the HTTP/1.1 head parser and chunked scanner (proxy/http1.h). */
#include "unit.h"
#include "proxy/http1.h"

static int req(const char *s, struct http_head *h)
{
	return http_parse_request(s, strlen(s), 65536, h);
}

static void simple_get(void)
{
	struct http_head h;
	const char *s = "GET /a/b?x=1&y HTTP/1.1\r\nHost: example.com:80\r\nUser-Agent: t\r\n\r\nNEXT";
	int r = req(s, &h);
	CHECK_INT(r, (int)strlen(s) - 4);
	CHECK(slice_eq(h.method, "GET"));
	CHECK(slice_eq(h.path, "/a/b"));
	CHECK(slice_eq(h.query, "x=1&y"));
	CHECK(slice_eq(h.host, "example.com:80"));
	CHECK_INT(h.nhdr, 2);
	CHECK_INT(h.keep_alive, 1);
	CHECK_INT(h.body, BODY_NONE);
	const struct slice *ua = http_find(&h, "user-agent");
	CHECK(ua && slice_eq(*ua, "t"));
}

static void incomplete_and_limits(void)
{
	struct http_head h;
	CHECK_INT(req("GET / HTTP/1.1\r\nHost: x\r\n", &h), HTTP_INCOMPLETE);
	CHECK_INT(req("GET / HT", &h), HTTP_INCOMPLETE);
	char big[300];
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK_INT(http_parse_request(big, sizeof(big), 200, &h), -431);
}

static void framing(void)
{
	struct http_head h;
	CHECK(req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", &h) > 0);
	CHECK_INT(h.body, BODY_LENGTH);
	CHECK_INT(h.content_length, 12);
	CHECK(req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n", &h) > 0);
	CHECK_INT(h.body, BODY_CHUNKED);
	CHECK(req("GET / HTTP/1.0\r\n\r\n", &h) > 0);
	CHECK_INT(h.keep_alive, 0);
	CHECK(req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &h) > 0);
	CHECK_INT(h.keep_alive, 1);
	CHECK(req("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &h) > 0);
	CHECK_INT(h.keep_alive, 0);
	CHECK(req("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", &h) > 0);
	CHECK_INT(h.upgrade, 1);
	CHECK(req("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", &h) > 0);
	CHECK_INT(h.expect_continue, 1);
}

static void smuggling_vectors(void)
{
	static const char *bad[] = {
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789012\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
		"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n",
		"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\nHo st: x\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_head h;
		int r = req(bad[i], &h);
		if (r != -400)
			printf("# case %zu: %d\n", i, r);
		CHECK_INT(r, -400);
	}
	struct http_head h;
	CHECK_INT(req("GET / HTTP/2.0\r\nHost: x\r\n\r\n", &h), -505);
}

static void too_many_headers(void)
{
	char buf[8192];
	size_t n = sprintf(buf, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		n += sprintf(buf + n, "X-%d: v\r\n", i);
	n += sprintf(buf + n, "\r\n");
	struct http_head h;
	CHECK_INT(http_parse_request(buf, n, sizeof(buf), &h), -431);
}

static ssize_t scan_all(const char *s, int *done)
{
	struct http_chunked c = { 0 };
	return http_chunked_scan(&c, s, strlen(s), done);
}

static void chunked(void)
{
	int done;
	const char *ok = "3;a=b\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\nNEXT";
	CHECK_INT(scan_all(ok, &done), (ssize_t)strlen(ok) - 4);
	CHECK_INT(done, 1);
	/* byte by byte gives the same answer */
	struct http_chunked c = { 0 };
	size_t total = 0;
	done = 0;
	for (size_t i = 0; i < strlen(ok) && !done; i++)
		total += http_chunked_scan(&c, ok + i, 1, &done);
	CHECK_INT(total, strlen(ok) - 4);
	CHECK_INT(c.data, 3 + 16); /* what --max-request-body counts */
	CHECK_INT(scan_all("3\r\nab", &done), 5);
	CHECK_INT(done, 0);
	CHECK_INT(scan_all("zz\r\n", &done), -1);
	CHECK_INT(scan_all("-1\r\n", &done), -1);
	CHECK_INT(scan_all(" 1\r\n", &done), -1);
	CHECK_INT(scan_all("1\nx\r\n", &done), -1);
	CHECK_INT(scan_all("3\r\nabcdef\r\n", &done), -1);
	CHECK_INT(scan_all("1111111111111111111\r\n", &done), -1);
	CHECK_INT(scan_all("\r\n", &done), -1);
}

static void responses(void)
{
	struct http_head h;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	CHECK_INT(http_parse_response(s, strlen(s), 65536, 0, &h), (int)strlen(s) - 5);
	CHECK_INT(h.status, 200);
	CHECK_INT(h.body, BODY_LENGTH);
	s = "HTTP/1.1 200 OK\r\n\r\n";
	CHECK(http_parse_response(s, strlen(s), 65536, 0, &h) > 0);
	CHECK_INT(h.body, BODY_UNTIL_CLOSE);
	CHECK_INT(h.keep_alive, 0);
	CHECK(http_parse_response(s, strlen(s), 65536, 1, &h) > 0);
	CHECK_INT(h.body, BODY_NONE);
	s = "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n";
	CHECK(http_parse_response(s, strlen(s), 65536, 0, &h) > 0);
	CHECK_INT(h.body, BODY_NONE);
	s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
	CHECK_INT(http_parse_response(s, strlen(s), 65536, 0, &h), -400);
	s = "HTTP/1.1 100 Continue\r\n\r\n";
	CHECK(http_parse_response(s, strlen(s), 65536, 0, &h) > 0);
	CHECK_INT(h.status, 100);
}

static void absolute_form(void)
{
	struct http_head h;
	CHECK(req("GET http://Other.example:8080/a/b?x=1 HTTP/1.1\r\nHost: mine.example\r\n\r\n", &h) > 0);
	CHECK_INT(h.absolute, 1);
	CHECK(slice_eq(h.host, "Other.example:8080"));
	CHECK(slice_eq(h.path, "/a/b"));
	CHECK(slice_eq(h.rest, "?x=1"));
	CHECK(slice_eq(h.query, "x=1"));
	CHECK(req("GET HTTPS://other.example HTTP/1.1\r\nHost: x\r\n\r\n", &h) > 0);
	CHECK(slice_eq(h.host, "other.example"));
	CHECK(slice_eq(h.path, "/"));
	CHECK(slice_eq(h.rest, ""));
	CHECK(req("GET http://[::1]:81?q HTTP/1.0\r\n\r\n", &h) > 0);
	CHECK(slice_eq(h.host, "[::1]:81"));
	CHECK(slice_eq(h.path, "/"));
	CHECK(slice_eq(h.rest, "?q"));
	CHECK(req("GET /plain?y HTTP/1.1\r\nHost: x\r\n\r\n", &h) > 0);
	CHECK_INT(h.absolute, 0);
	CHECK(slice_eq(h.host, "x"));
	CHECK(slice_eq(h.rest, "?y"));
	/* userinfo, no host, no Host header in 1.1 */
	CHECK_INT(req("GET http://user@other.example/ HTTP/1.1\r\nHost: x\r\n\r\n", &h), -400);
	CHECK_INT(req("GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n", &h), -400);
	CHECK_INT(req("GET http:// HTTP/1.1\r\nHost: x\r\n\r\n", &h), -400);
	CHECK_INT(req("GET http://other.example/ HTTP/1.1\r\n\r\n", &h), -400);
}

static void connection_tokens(void)
{
	CHECK(http_conn_has((struct slice){ "keep-alive, Upgrade", 19 }, "upgrade"));
	CHECK(!http_conn_has((struct slice){ "closed", 6 }, "close"));
}

int main(void)
{
	RUN(simple_get);
	RUN(incomplete_and_limits);
	RUN(framing);
	RUN(smuggling_vectors);
	RUN(too_many_headers);
	RUN(chunked);
	RUN(responses);
	RUN(absolute_form);
	RUN(connection_tokens);
	return unit_done();
}
