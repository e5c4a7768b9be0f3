/*
 * relay-io.c - read buffers and socket I/O for relay.c and h2.c.
 *
 * Sockets are non-blocking and edge triggered: each function clears the
 * caller's readable/writable flag when the kernel says "would block", so
 * the caller knows to wait for the next event (see relay-int.h).
 */
#include "relay-int.h"
#include "h2.h"
#include <errno.h>
#include <unistd.h>
#include <openssl/err.h>

int buf_room(struct rbuf *b, size_t want_cap)
{
	if (!b->p) {
		b->cap = want_cap;
		b->p = xmalloc(b->cap);
		b->pos = b->len = 0;
	}
	if (b->pos == b->len)
		b->pos = b->len = 0;
	if (b->len == b->cap && b->pos) {
		memmove(b->p, b->p + b->pos, b->len - b->pos);
		b->len -= b->pos;
		b->pos = 0;
	}
	return b->len < b->cap;
}

void buf_free(struct rbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * Reads into b. >0 bytes read, 0 EOF, -1 would block, -2 error. A short
 * read means the socket is drained, unless the peer has closed (rdhup):
 * then the EOF is still to be read, and no event will announce it.
 */
ssize_t sock_fill(int fd, SSL *ssl, struct rbuf *b, unsigned *readable,
		  int rdhup)
{
	size_t room = b->cap - b->len;
	ssize_t n;
	if (ssl) {
		ERR_clear_error();
		int r = SSL_read(ssl, b->p + b->len, room);
		if (r <= 0) {
			int e = SSL_get_error(ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				*readable = 0;
				return -1;
			}
			return e == SSL_ERROR_ZERO_RETURN ? 0 : -2;
		}
		b->len += r;
		return r;
	}
	n = read(fd, b->p + b->len, room);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			*readable = 0;
			return -1;
		}
		return -2;
	}
	if ((size_t)n < room && !rdhup)
		*readable = 0;
	b->len += n;
	return n;
}

ssize_t sock_writev(int fd, SSL *ssl, struct iovec *iov, int n,
		    unsigned *writable)
{
	if (ssl) {
		ssize_t total = 0;
		for (int i = 0; i < n; i++) {
			if (!iov[i].iov_len)
				continue;
			ERR_clear_error();
			int r = SSL_write(ssl, iov[i].iov_base, iov[i].iov_len);
			if (r <= 0) {
				int e = SSL_get_error(ssl, r);
				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ) {
					*writable = 0;
					return total ? total : -1;
				}
				return total ? total : -2;
			}
			total += r;
			if ((size_t)r < iov[i].iov_len)
				break;
		}
		return total;
	}
	ssize_t w = writev(fd, iov, n);
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			*writable = 0;
			return -1;
		}
		return -2;
	}
	return w;
}

/* A client's bytes: its socket, or for an HTTP/2 stream conn its stream. */
ssize_t client_fill(struct conn *c, struct rbuf *b)
{
	if (c->h2s)
		return h2_stream_read(c, b);
	return sock_fill(c->ev.fd, c->ssl, b, &c->readable, c->rdhup);
}

ssize_t client_writev(struct conn *c, struct iovec *iov, int n)
{
	if (c->h2s)
		return h2_stream_writev(c, iov, n);
	return sock_writev(c->ev.fd, c->ssl, iov, n, &c->writable);
}