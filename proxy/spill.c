/*
 * spill.c - buffered bodies in memory, then in a nameless file (spill.h).
 *
 * The file is made with O_TMPFILE where the file system has it: it never
 * has a name, so not even a crash leaves it behind. Elsewhere mkstemp and
 * an immediate unlink come close. The directory is $TMPDIR, else /tmp,
 * where kamal-proxy spills too.
 *
 * Writes to the file block the event loop; they land in the page cache,
 * which is far quicker than the network that delivers the bytes.
 */
#include "spill.h"
#include "compat.h"
#include "strbuf.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK 65536 /* file bytes read back per send */

struct spill {
	struct strbuf mem; /* the first mem_max bytes */
	uint64_t mem_max;
	int fd;	       /* the rest; -1 while there is none */
	uint64_t len;  /* bytes added */
	uint64_t sent; /* bytes consumed */
	char *chunk;   /* file bytes read back: [chunk_pos, chunk_len) */
	size_t chunk_pos, chunk_len;
};

static int tmp_open(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;
	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	/* Not every file system has O_TMPFILE: then the fallback below. */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "%s/berth-proxy-buffer-XXXXXX", dir);
	fd = mkostemp(path.buf, O_CLOEXEC);
	if (fd >= 0)
		unlink(path.buf);
	strbuf_release(&path);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

struct spill *spill_new(uint64_t mem_max)
{
	struct spill *b = xcalloc(1, sizeof(*b));
	strbuf_init(&b->mem, 0);
	b->mem_max = mem_max;
	b->fd = -1;
	return b;
}

int spill_add(struct spill *b, const char *p, size_t n)
{
	/* Memory fills up completely before the file starts: order holds. */
	size_t room = b->mem.len < b->mem_max ? b->mem_max - b->mem.len : 0;
	size_t m = n < room ? n : room;
	if (m) {
		strbuf_add(&b->mem, p, m);
		b->len += m;
		p += m;
		n -= m;
	}
	if (!n)
		return 0;
	if (b->fd < 0 && (b->fd = tmp_open()) < 0)
		return -1;
	if (write_all(b->fd, p, n) < 0)
		return -1;
	b->len += n;
	return 0;
}

ssize_t spill_peek(struct spill *b, const char **p)
{
	if (b->sent < b->mem.len) {
		*p = b->mem.buf + b->sent;
		return b->mem.len - b->sent;
	}
	if (b->chunk_pos == b->chunk_len) {
		uint64_t left = b->len - b->sent;
		ssize_t r;
		if (!left)
			return 0;
		if (!b->chunk)
			b->chunk = xmalloc(CHUNK);
		do {
			r = pread(b->fd, b->chunk, left < CHUNK ? left : CHUNK,
				  b->sent - b->mem.len);
		} while (r < 0 && errno == EINTR);
		if (r <= 0) {
			if (!r)
				errno = EIO; /* the file is shorter than written */
			return -1;
		}
		b->chunk_pos = 0;
		b->chunk_len = r;
	}
	*p = b->chunk + b->chunk_pos;
	return b->chunk_len - b->chunk_pos;
}

void spill_consume(struct spill *b, size_t n)
{
	/* n is at most what spill_peek() gave: memory or chunk, never both. */
	if (b->sent >= b->mem.len)
		b->chunk_pos += n;
	b->sent += n;
}

uint64_t spill_left(const struct spill *b)
{
	return b->len - b->sent;
}

void spill_free(struct spill **bp)
{
	struct spill *b = *bp;
	if (!b)
		return;
	strbuf_release(&b->mem);
	if (b->fd >= 0)
		close(b->fd);
	free(b->chunk);
	free(b);
	*bp = NULL;
}
