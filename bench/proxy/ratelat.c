/*
 * ratelat - latency at a fixed request rate (open loop), for bench/proxy.
 *
 *   ratelat HOST PORT PATH RATE SECONDS CONNS
 *
 * Sends GET PATH at RATE requests per second, evenly spaced, over up to
 * CONNS keep-alive HTTP/1.1 connections, for SECONDS (after one second of
 * warm-up that is not counted). A request's latency runs from the moment
 * it was due, not from when a free connection sent it, so a stall is
 * charged to every request it delayed (no coordinated omission, as in
 * wrk2). Prints one line:
 *
 *   sent N ok N errors N conns N rate R p50 X p90 X p99 X p999 X max X
 *
 * with latencies in microseconds: "sent" includes the warm-up, "ok" and
 * "errors" count the measured requests (an error is an answer other than
 * a 200, or no answer within 5 s of the end). Exits 1 if there was one.
 *
 * wrk's closed loop measures latency at saturation, where it is CONNS
 * divided by the slowest core's throughput; here every proxy gets the
 * same offered load and the figure is the time it adds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct cn {
	int fd;
	int busy;
	uint64_t due;      /* when the request in flight was due, ns */
	size_t have;       /* bytes of the current response read */
	long need;         /* whole response size once the head is in, or -1 */
	int bad;           /* not a 200 with a Content-Length */
	struct cn *next;   /* idle list */
	char buf[16384];
};

static struct sockaddr_in addr;
static char req[512];
static size_t req_len;
static struct cn *idle;
static int epfd, nconns, maxconns;
static uint64_t *lat, nlat, caplat, errors, sent, done;
/* Due times of requests waiting for a connection, oldest at [head]. */
static uint64_t *backlog, bl_head, bl_tail, bl_cap;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static struct cn *conn_open(void)
{
	struct cn *c = calloc(1, sizeof(*c));
	int one = 1;
	if (!c)
		die("calloc");
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, O_NONBLOCK); /* reads stop at EAGAIN */
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e) < 0)
		die("epoll_ctl");
	nconns++;
	return c;
}

/* One write: a request is small and the socket's buffer empty. */
static void conn_send(struct cn *c, uint64_t due)
{
	c->busy = 1;
	c->due = due;
	c->have = 0;
	c->need = -1;
	c->bad = 0;
	if (write(c->fd, req, req_len) != (ssize_t)req_len)
		die("write");
	sent++;
}

static void record(uint64_t due, int measured)
{
	if (!measured)
		return;
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		lat = realloc(lat, caplat * sizeof(*lat));
		if (!lat)
			die("realloc");
	}
	lat[nlat++] = (now_ns() - due) / 1000;
}

static void backlog_push(uint64_t due)
{
	if (bl_head == bl_tail)
		bl_head = bl_tail = 0;
	if (bl_tail == bl_cap) {
		bl_cap = bl_cap ? bl_cap * 2 : 1024;
		backlog = realloc(backlog, bl_cap * sizeof(*backlog));
		if (!backlog)
			die("realloc");
	}
	backlog[bl_tail++] = due;
}

/* Start one due request: on an idle connection, a new one, or later. */
static void dispatch(uint64_t due)
{
	struct cn *c = idle;
	if (c)
		idle = c->next;
	else if (nconns < maxconns)
		c = conn_open();
	if (c)
		conn_send(c, due);
	else
		backlog_push(due);
}

/* Head complete? Then the whole response's size, from Content-Length. */
static long response_size(struct cn *c)
{
	char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
	if (!end)
		return -1;
	size_t head = end + 4 - c->buf;
	if (c->have < 12 || memcmp(c->buf + 9, "200", 3))
		return -2;
	for (char *p = c->buf; p < end; p++) {
		if ((*p == '\n') && !strncasecmp(p + 1, "content-length:", 15))
			return head + atol(p + 16);
	}
	return -2;
}

static void conn_read(struct cn *c, uint64_t measure_from)
{
	for (;;) {
		ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0 || !c->busy) {
			fprintf(stderr, "ratelat: connection closed or unexpected data\n");
			exit(2);
		}
		c->have += n;
		if (c->need == -1)
			c->need = response_size(c);
		if (c->need == -2 || (c->need < 0 && c->have == sizeof(c->buf))) {
			c->bad = 1;
			c->need = c->have; /* count it and go on */
		}
		if (c->need < 0 || c->have < (size_t)c->need)
			continue;
		if (c->have > (size_t)c->need) {
			fprintf(stderr, "ratelat: response longer than announced\n");
			exit(2);
		}
		if (c->bad)
			errors += c->due >= measure_from;
		else
			record(c->due, c->due >= measure_from);
		c->busy = 0;
		done++;
		if (bl_head < bl_tail) {
			conn_send(c, backlog[bl_head++]);
		} else {
			c->next = idle;
			idle = c;
		}
		return;
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pct(double p)
{
	size_t i = (size_t)(p * (nlat - 1) + 0.5);
	return nlat ? lat[i] : 0;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: ratelat HOST PORT PATH RATE SECONDS CONNS\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "ratelat: HOST must be an IPv4 address\n");
		return 2;
	}
	req_len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: ratelat\r\n\r\n",
			   argv[3], argv[1], argv[2]);
	double rate = atof(argv[4]);
	double secs = atof(argv[5]);
	maxconns = atoi(argv[6]);
	if (rate <= 0 || secs <= 0 || maxconns <= 0 || req_len >= sizeof(req)) {
		fprintf(stderr, "ratelat: RATE, SECONDS and CONNS must be positive\n");
		return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1UL); /* sleep to the microsecond, not 50 */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");

	uint64_t interval = (uint64_t)(1e9 / rate);
	uint64_t start = now_ns(), warm = start + 1000000000u;
	uint64_t end = warm + (uint64_t)(secs * 1e9), next = start, measured = 0;
	while (next < end) {
		uint64_t t = now_ns();
		while (next <= t && next < end) {
			measured += next >= warm;
			dispatch(next);
			next += interval;
		}
		struct epoll_event evs[64];
		uint64_t wait = next > t ? next - t : 0;
		struct timespec ts = { wait / 1000000000u, wait % 1000000000u };
		int n = epoll_pwait2(epfd, evs, 64, &ts, NULL);
		if (n < 0 && errno != EINTR)
			die("epoll_pwait2");
		for (int i = 0; i < n; i++)
			conn_read(evs[i].data.ptr, warm);
	}
	/* Let the requests in flight and queued finish (up to 5 s). */
	uint64_t stop = now_ns() + 5000000000u;
	while ((done < sent || bl_head < bl_tail) && now_ns() < stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, 100);
		for (int i = 0; i < n; i++)
			conn_read(evs[i].data.ptr, warm);
	}
	qsort(lat, nlat, sizeof(*lat), cmp);
	uint64_t lost = measured > nlat + errors ? measured - nlat - errors : 0;
	printf("sent %llu ok %llu errors %llu conns %d rate %.0f p50 %llu p90 %llu p99 %llu p999 %llu max %llu\n",
	       (unsigned long long)sent, (unsigned long long)nlat, (unsigned long long)(errors + lost),
	       nconns, rate, (unsigned long long)pct(.50), (unsigned long long)pct(.90),
	       (unsigned long long)pct(.99), (unsigned long long)pct(.999),
	       (unsigned long long)(nlat ? lat[nlat - 1] : 0));
	return errors + lost ? 1 : 0;
}
