/*
 * strbuf.h - the one growable string type.
 *
 * Invariants:
 *  1. buf is always NUL-terminated at buf[len], even when empty (it then
 *     points at a shared static "" until the first append, so STRBUF_INIT
 *     needs no allocation).
 *  2. len is the number of bytes in use; the buffer may hold NUL bytes.
 *  3. The strbuf owns buf. strbuf_release() frees it and re-initialises;
 *     strbuf_detach() hands ownership to the caller.
 *
 * A cap (max > 0) bounds growth for untrusted input: an append that would
 * pass it fails with -1 and leaves the buffer unchanged.
 */
#ifndef BERTH_STRBUF_H
#define BERTH_STRBUF_H

#include "compat.h"
#include <stdarg.h>

extern char strbuf_slopbuf[];

struct strbuf {
	size_t alloc;
	size_t len;
	size_t max; /* 0: no cap */
	char *buf;
};

#define STRBUF_INIT { 0, 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* strbuf_release() for a secret: the bytes are zeroed before the free. */
void strbuf_release_secret(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);

/* Appends return 0, or -1 (buffer unchanged) when a cap would be passed. */
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add_slow(struct strbuf *sb, const void *data, size_t len);

/*
 * Inline for the common case (room already there, no cap): the proxy
 * appends a few dozen pieces per request, and a literal's strlen() then
 * folds away at compile time.
 */
static inline int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (sb->max || sb->alloc - sb->len <= len)
		return strbuf_add_slow(sb, data, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

static inline int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

static inline int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	return strbuf_add(sb, &ch, 1);
}
int strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) BERTH_PRINTF(2, 3);
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

void strbuf_trim(struct strbuf *sb);      /* whitespace, both ends */
void strbuf_rtrim(struct strbuf *sb);
void strbuf_chomp(struct strbuf *sb);     /* one trailing \n or \r\n */
/* Replaces each occurrence of needle (not empty) by with, left to right;
 * the replacement text is not searched again. -1 (sb unchanged) past a cap. */
int strbuf_replace_all(struct strbuf *sb, const char *needle, const char *with);

/*
 * Reads the whole file (or fd) into sb, appending. -1 with errno on error,
 * sb as it was: EFBIG when the input does not fit under sb's cap.
 */
int strbuf_read_file(struct strbuf *sb, const char *path);
int strbuf_read_fd(struct strbuf *sb, int fd);
/* Writes sb to path (created or truncated). -1 with errno; never leaves
 * the file open. */
int strbuf_write_file(const struct strbuf *sb, const char *path);

/* bytes random bytes (at most 32) as hex: the suffixes Kamal draws with SecureRandom.hex. */
void strbuf_add_random_hex(struct strbuf *sb, size_t bytes);

#endif
