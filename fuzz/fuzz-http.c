/*
 * fuzz-http.c - libFuzzer harness for proxy/http1.c: request and response
 * heads, and the chunked scanner fed in arbitrary splits. The parser must
 * never read outside the buffer and must agree with itself whichever way
 * the input is split.
 */
#include "proxy/http1.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h;
	/* A private copy, exactly sized, so ASan sees any overread. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	int r = http_parse_request(buf, size, 8192, &h);
	if (r > 0) {
		if ((size_t)r > size)
			abort();
		for (size_t i = 0; i < h.nhdr; i++)
			if (h.hdr[i].name.p < buf || h.hdr[i].value.p + h.hdr[i].value.n > buf + r)
				abort();
		/* Incremental parsing of a shorter prefix never succeeds early. */
		struct http_head h2;
		if (http_parse_request(buf, r - 1, 8192, &h2) > 0)
			abort();
		if (h.body == BODY_CHUNKED) {
			struct http_chunked one = { 0 }, split = { 0 };
			int d1 = 0, d2 = 0;
			ssize_t a = http_chunked_scan(&one, buf + r, size - r, &d1);
			ssize_t b = 0;
			for (size_t i = r; i < size && !d2; i++) {
				ssize_t n = http_chunked_scan(&split, buf + i, 1, &d2);
				if (n < 0) {
					b = -1;
					break;
				}
				b += n;
			}
			if ((a < 0) != (b < 0) || (a >= 0 && (a != b || d1 != d2)))
				abort();
		}
	}
	http_parse_response(buf, size, 8192, size & 1, &h);
	free(buf);
	return 0;
}
