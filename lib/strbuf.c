#include "strbuf.h"
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = sb->max = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

void strbuf_release_secret(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;
	if (!sb->alloc)
		strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len && len >= sb->alloc)
		len = sb->len;
	sb->len = len;
	if (sb->buf != strbuf_slopbuf)
		sb->buf[len] = '\0';
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want;
	if (sb->len + extra + 1 < sb->len) /* overflow */
		return -1;
	want = sb->len + extra + 1;
	if (sb->max && want > sb->max + 1)
		return -1;
	if (want <= sb->alloc)
		return 0;
	if (!sb->alloc)
		sb->buf = NULL;
	sb->alloc = sb->alloc ? sb->alloc : 64;
	while (sb->alloc < want)
		sb->alloc *= 2;
	sb->buf = xrealloc(sb->buf, sb->alloc);
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_add_slow(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len))
		return -1;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addbuf(struct strbuf *sb, const struct strbuf *other)
{
	return strbuf_add(sb, other->buf, other->len);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || strbuf_grow(sb, (size_t)n))
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		sb->len--;
	strbuf_setlen(sb, sb->len);
}

void strbuf_trim(struct strbuf *sb)
{
	size_t i = 0;
	strbuf_rtrim(sb);
	while (i < sb->len && isspace((unsigned char)sb->buf[i]))
		i++;
	if (i) {
		memmove(sb->buf, sb->buf + i, sb->len - i);
		strbuf_setlen(sb, sb->len - i);
	}
}

void strbuf_chomp(struct strbuf *sb)
{
	if (sb->len && sb->buf[sb->len - 1] == '\n') {
		sb->len--;
		if (sb->len && sb->buf[sb->len - 1] == '\r')
			sb->len--;
		strbuf_setlen(sb, sb->len);
	}
}

int strbuf_replace_all(struct strbuf *sb, const char *needle, const char *with)
{
	struct strbuf out = STRBUF_INIT;
	size_t n = strlen(needle), from = 0;
	const char *hit;
	int ret = 0;

	if (!n || !(hit = memmem(sb->buf, sb->len, needle, n)))
		return 0;
	out.max = sb->max;
	do {
		ret |= strbuf_add(&out, sb->buf + from, (size_t)(hit - sb->buf) - from);
		ret |= strbuf_addstr(&out, with);
		from = (size_t)(hit - sb->buf) + n;
	} while (!ret && (hit = memmem(sb->buf + from, sb->len - from, needle, n)));
	if (!ret)
		ret = strbuf_add(&out, sb->buf + from, sb->len - from);
	if (ret) {
		strbuf_release(&out);
		return -1;
	}
	strbuf_release(sb);
	*sb = out;
	return 0;
}

int strbuf_read_fd(struct strbuf *sb, int fd)
{
	size_t start = sb->len;

	for (;;) {
		size_t room = 8192;
		ssize_t n;

		if (sb->max && sb->len >= sb->max) {
			/* full: that is fine only if the input ends here */
			char probe;
			n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0)
				errno = EFBIG;
			if (n)
				goto fail;
			break;
		}
		/* a capped buffer asks for no more than its room */
		if (sb->max && room > sb->max - sb->len)
			room = sb->max - sb->len;
		if (strbuf_grow(sb, room)) {
			errno = ENOMEM;
			goto fail;
		}
		if (!sb->max)
			room = sb->alloc - sb->len - 1;
		n = read(fd, sb->buf + sb->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
	}
	sb->buf[sb->len] = '\0';
	return 0;
fail:
	strbuf_setlen(sb, start);
	return -1;
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r, saved;
	if (fd < 0)
		return -1;
	r = strbuf_read_fd(sb, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int strbuf_write_file(const struct strbuf *sb, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	size_t done = 0;
	int saved;

	if (fd < 0)
		return -1;
	while (done < sb->len) {
		ssize_t n = write(fd, sb->buf + done, sb->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return -1;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

void strbuf_add_random_hex(struct strbuf *sb, size_t bytes)
{
	unsigned char buf[32];

	if (bytes > sizeof(buf))
		bytes = sizeof(buf);
	/* getrandom only fails before the pool is ready, at early boot. */
	if (getrandom(buf, bytes, 0) != (ssize_t)bytes)
		for (size_t i = 0; i < bytes; i++)
			buf[i] = (unsigned char)rand();
	for (size_t i = 0; i < bytes; i++)
		strbuf_addf(sb, "%02x", buf[i]);
}
