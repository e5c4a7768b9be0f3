/*
 * fuzz-h2msg.c - libFuzzer harness for proxy/h2msg.c: an HTTP/1.1 response
 * fed to the HTTP/2 translator in arbitrary splits and into an output
 * buffer of arbitrary size. It must stay inside its buffers, and the body
 * it decodes must not depend on how the input was split.
 */
#include "proxy/h2.h"
#include <stdint.h>
#include <stdlib.h>

/* Feeds buf in pieces of at most step bytes into out (cap bytes, drained
 * whenever full); returns the decoded body length, or -1 on a feed error. */
static ssize_t run(const char *buf, size_t size, size_t step, size_t cap, int is_head,
		   char *body)
{
	struct h2_resp r;
	struct http_head h;
	struct rbuf out = { malloc(cap), 0, 0, cap };
	size_t off = 0, total = 0;
	memset(&r, 0, sizeof(r));
	strbuf_init(&r.head, 0);
	r.is_head = is_head;
	while (off < size && !r.done) {
		size_t n = size - off < step ? size - off : step;
		int got;
		ssize_t k = h2_resp_feed(&r, buf + off, n, &out, &h, &got);
		if (k < 0 || (size_t)k > n || out.len > cap) {
			total = (size_t)-1;
			break;
		}
		if (got && (h.nhdr > HTTP_MAX_HEADERS || h.status < 100))
			abort();
		off += k;
		if (!k && !got) { /* out is full: DATA frames take it */
			memcpy(body + total, out.p, out.len);
			total += out.len;
			out.len = 0;
		}
	}
	if (total != (size_t)-1) {
		memcpy(body + total, out.p, out.len);
		total += out.len;
	}
	free(out.p);
	strbuf_release(&r.head);
	return (ssize_t)total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t step = data[0] % 16 + 1, cap = data[1] % 64 + 1;
	int is_head = data[0] & 0x80;
	char *buf = malloc(size - 2 ? size - 2 : 1);
	memcpy(buf, data + 2, size - 2);
	char *a = malloc(size), *b = malloc(size);
	ssize_t whole = run(buf, size - 2, size, 65536, is_head, a);
	ssize_t split = run(buf, size - 2, step, cap, is_head, b);
	if (whole >= 0 && split >= 0 && (whole != split || memcmp(a, b, whole)))
		abort();
	free(a);
	free(b);
	free(buf);
	return 0;
}
