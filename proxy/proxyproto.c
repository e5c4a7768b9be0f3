/*
 * proxyproto.c - PROXY protocol v1 and v2 (HAProxy's), accepted only from
 * the networks given with `run --proxy-protocol-from CIDR`.
 *
 * A load balancer in front of berth-proxy sends one header before the
 * HTTP (or TLS) bytes, naming the real client. The header is peeked at
 * (MSG_PEEK) and then consumed with an exact read, so nothing after it is
 * taken from the socket: a TLS handshake or HTTP request that follows is
 * read by the usual code. From a trusted source the header is optional;
 * from anywhere else it is never looked for, so clients cannot forge it.
 */
#include "relay-int.h"
#include "log.h"
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

struct cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

static struct cidr *trusted;
static size_t ntrusted;

int proxyproto_trust(const char *spec)
{
	struct cidr c = { 0 };
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, buf, c.addr) == 1) {
		c.family = AF_INET;
		c.bits = 32;
	} else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
		c.family = AF_INET6;
		c.bits = 128;
	} else {
		return error("invalid address '%s' for --proxy-protocol-from", spec);
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || b < 0 || b > c.bits)
			return error("invalid prefix length in '%s'", spec);
		c.bits = b;
	}
	trusted = xrealloc(trusted, (ntrusted + 1) * sizeof(*trusted));
	trusted[ntrusted++] = c;
	return 0;
}

static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes))
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = 0xff << (8 - rest);
	return (a[bytes] & mask) == (b[bytes] & mask);
}

int proxyproto_trusted(const struct sockaddr_storage *ss)
{
	for (size_t i = 0; i < ntrusted; i++) {
		const struct cidr *c = &trusted[i];
		if (ss->ss_family == AF_INET && c->family == AF_INET &&
		    prefix_eq((const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr,
			      c->addr, c->bits))
			return 1;
		if (ss->ss_family == AF_INET6 && c->family == AF_INET6 &&
		    prefix_eq(((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr,
			      c->addr, c->bits))
			return 1;
	}
	return 0;
}

static const unsigned char v2sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
					 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

/* Parses a v1 line; returns its length, 0 if incomplete, -1 if invalid. */
static int parse_v1(struct conn *c, const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n > 107 ? 107 : n);
	if (!nl)
		return n >= 107 ? -1 : 0;
	if (nl == p || nl[-1] != '\r')
		return -1;
	char line[108], proto[8], src[64], dst[64];
	unsigned sport, dport;
	size_t len = nl - 1 - p;
	memcpy(line, p, len);
	line[len] = 0;
	if (!strcmp(line, "PROXY UNKNOWN") || starts_with(line, "PROXY UNKNOWN "))
		return nl + 1 - p;
	if (sscanf(line, "PROXY %7s %63s %63s %u %u", proto, src, dst, &sport, &dport) != 5 ||
	    sport > 65535 || dport > 65535)
		return -1;
	unsigned char tmp[16];
	int fam = !strcmp(proto, "TCP4") ? AF_INET : !strcmp(proto, "TCP6") ? AF_INET6 : 0;
	if (!fam || inet_pton(fam, src, tmp) != 1)
		return -1;
	snprintf(c->addr, sizeof(c->addr), "%s", src);
	c->port = sport;
	return nl + 1 - p;
}

static int parse_v2(struct conn *c, const unsigned char *p, size_t n)
{
	if (n < 16)
		return 0;
	size_t total = 16 + ((size_t)p[14] << 8 | p[15]);
	if (total > 536)
		return -1;
	if (n < total)
		return 0;
	int ver = p[12] >> 4, cmd = p[12] & 0xf, fam = p[13];
	if (ver != 2 || cmd > 1)
		return -1;
	if (cmd == 0)
		return total; /* LOCAL: the balancer's own health check */
	if (fam == 0x11 && total >= 16 + 12) {
		inet_ntop(AF_INET, p + 16, c->addr, sizeof(c->addr));
		c->port = p[24] << 8 | p[25];
	} else if (fam == 0x21 && total >= 16 + 36) {
		inet_ntop(AF_INET6, p + 16, c->addr, sizeof(c->addr));
		c->port = p[48] << 8 | p[49];
	}
	return total;
}

/*
 * The CS_PROXYHDR step: 1 when done (state moved on), 0 to wait, and the
 * connection closed on a malformed header.
 */
int step_proxyhdr(struct conn *c)
{
	unsigned char buf[536];
	ssize_t n = recv(c->ev.fd, buf, sizeof(buf), MSG_PEEK);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			c->readable = 0;
			return 0;
		}
		relay_close(c);
		return 0;
	}
	if (n == 0) {
		relay_close(c);
		return 0;
	}
	int len;
	if ((size_t)n >= 6 && !memcmp(buf, "PROXY ", 6))
		len = parse_v1(c, (const char *)buf, n);
	else if (!memcmp(buf, v2sig, (size_t)n < 12 ? (size_t)n : 12))
		len = (size_t)n < 12 ? 0 : parse_v2(c, buf, n);
	else if ((size_t)n < 6 && !memcmp(buf, "PROXY ", n))
		len = 0;
	else
		len = -2; /* no header: a trusted source may talk directly */
	if (len == 0) {
		c->readable = 0; /* the rest of the header is on its way */
		return 0;
	}
	if (len == -1) {
		log_warn("malformed PROXY protocol header from %s", c->addr);
		relay_close(c);
		return 0;
	}
	if (len > 0 && read(c->ev.fd, buf, len) != len) {
		relay_close(c);
		return 0;
	}
	c->state = c->ssl ? CS_TLS : CS_HEAD;
	return 1;
}
