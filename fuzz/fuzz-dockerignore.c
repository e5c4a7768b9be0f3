/*
 * fuzz-dockerignore.c - .dockerignore text and a path: NUL splits them.
 * Besides not crashing, a path escaped byte by byte is a pattern that
 * matches exactly it.
 */
#include "commands/dockerignore.h"
#include "strbuf.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, 0, size);
	size_t text_len = nul ? (size_t)(nul - text) : size;
	struct dockerignore d = DOCKERIGNORE_INIT;
	struct strbuf path = STRBUF_INIT, literal = STRBUF_INIT;

	if (nul)
		strbuf_add(&path, nul + 1, size - text_len - 1);
	path.len = strlen(path.buf); /* a C string ends at its first NUL */
	dockerignore_parse(&d, text, text_len);
	(void)dockerignore_excluded(&d, path.buf);
	for (size_t i = 0; i < path.len; i++) {
		strbuf_addch(&literal, '\\');
		strbuf_addch(&literal, path.buf[i]);
	}
	if (!dockerignore_match(literal.buf, path.buf))
		__builtin_trap();
	dockerignore_clear(&d);
	strbuf_release(&path);
	strbuf_release(&literal);
	return 0;
}
