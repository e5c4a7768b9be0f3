/*
 * http1.h - HTTP/1.x message heads and chunked framing, without copying.
 *
 * The parser never allocates: every field is a slice {p, n} pointing into
 * the caller's read buffer, valid for as long as those bytes stay put.
 * It is strict where leniency lets two parties disagree about where a
 * message ends (request smuggling):
 *  1. Lines end in CRLF; a bare CR or a bare LF in a request head is an
 *     error. Obsolete line folding (a line starting with SP/HT) is an error.
 *  2. Content-Length must be all digits, appear once, and not overflow;
 *     Content-Length together with Transfer-Encoding is an error.
 *  3. Transfer-Encoding must be exactly "chunked" (once), and only in 1.1.
 *  4. Header names are tokens with no space before the colon; values hold
 *     no control characters other than HT.
 *  5. HTTP/1.1 requests carry exactly one Host header.
 * Responses (from our own targets) get the same framing checks but accept
 * bare LF line endings.
 *
 * Return values of the head parsers: the head's length in bytes (> 0),
 * HTTP_INCOMPLETE (0) when more bytes are needed, or a negative HTTP status
 * to answer with: -400 malformed, -431 head too large / too many headers,
 * -501 unsupported transfer coding, -505 unsupported version. An
 * absolute-form target other than http:// or https:// with a host (and
 * no userinfo) is malformed.
 */
#ifndef BERTH_PROXY_HTTP1_H
#define BERTH_PROXY_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct slice {
	const char *p;
	size_t n;
};

#define HTTP_MAX_HEADERS 100
#define HTTP_INCOMPLETE 0

struct http_header {
	struct slice name, value;
};

enum http_body { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_UNTIL_CLOSE };

struct http_head {
	/*
	 * Request line, or status line for responses. target is the
	 * request-target as sent; path and query split its origin-form, and
	 * rest is what follows the path ("?query", or nothing). In
	 * absolute-form (http://authority/path?query, RFC 9112 3.2.2) the
	 * authority is the request's host, whatever the Host header says,
	 * and an empty path is "/".
	 */
	struct slice method, target, path, query, rest;
	unsigned absolute : 1;
	int status;
	struct slice reason;
	int minor; /* HTTP/1.<minor> */
	struct http_header hdr[HTTP_MAX_HEADERS];
	size_t nhdr;
	/* derived from the headers */
	struct slice host;
	enum http_body body;
	uint64_t content_length;
	unsigned keep_alive : 1;
	unsigned expect_continue : 1;
	unsigned upgrade : 1; /* Connection: upgrade and an Upgrade header */
};

int http_parse_request(const char *buf, size_t len, size_t max_head,
		       struct http_head *h);
/* is_head: the request was HEAD, so the response has no body. */
int http_parse_response(const char *buf, size_t len, size_t max_head,
			int is_head, struct http_head *h);

/*
 * Finds a header by name (case-insensitive); NULL if absent. The first
 * match is returned.
 */
const struct slice *http_find(const struct http_head *h, const char *name);

int slice_eq(struct slice s, const char *lit);      /* exact */
int slice_caseeq(struct slice s, const char *lit);  /* ASCII case-insensitive */

/* Whether a Connection header value lists token (case-insensitive). */
int http_conn_has(struct slice value, const char *token);

/*
 * Chunked framing, scanned incrementally and passed through verbatim.
 * Start with a zeroed struct. http_chunked_scan() looks at len bytes and
 * returns how many of them belong to the chunked body (all of them until
 * the body ends), or -1 if the framing is invalid. *done becomes 1 once
 * the last chunk and trailers have been seen; bytes after that are not
 * consumed.
 */
struct http_chunked {
	int state;
	uint64_t left;   /* data bytes left in this chunk */
	unsigned digits; /* size digits seen */
	unsigned linelen;
	uint64_t data;   /* data bytes so far, framing excluded (body limits) */
};
ssize_t http_chunked_scan(struct http_chunked *c, const char *buf, size_t len,
			  int *done);
/*
 * Payload bytes left in the chunk the scanner stands in, 0 while it reads
 * framing: lets a decoder (h2msg.c) tell data from chunk sizes and CRLFs.
 */
uint64_t http_chunked_data_left(const struct http_chunked *c);

#endif
