/*
 * loop.c - the one epoll loop. Sockets are registered once, edge
 * triggered, for both directions; the handlers remember readiness and
 * drive their state machines until a read or write would block. A tick
 * every 100ms runs the timeouts (a linear scan is cheap next to a syscall
 * per connection).
 */
#include "proxy.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>

static int epfd = -1;
static uint64_t cached_now;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t now_ms(void)
{
	return cached_now ? cached_now : mono_ms();
}

/* Read once per loop iteration at most: requests log and stamp it. */
static uint64_t cached_wall;

uint64_t wall_ms(void)
{
	struct timespec ts;
	if (cached_wall && cached_now)
		return cached_wall;
	clock_gettime(CLOCK_REALTIME, &ts);
	cached_wall = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return cached_wall;
}

int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? error_errno("epoll_create1") : 0;
}

int loop_add(struct ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, ev->fd, &e);
}

void loop_del(struct ev *ev)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

static void dispatch(struct ev *ev, uint32_t events)
{
	switch (ev->type) {
	case EV_LISTEN:
	case EV_CLIENT:
	case EV_UPSTREAM:
		relay_event(ev, events);
		break;
	case EV_CTL_LISTEN:
	case EV_CTL:
		control_event(ev, events);
		break;
	case EV_HEALTH:
		health_event(ev, events);
		break;
	case EV_HOLDER:
		handoff_event(ev, events);
		break;

	}
}

void loop_run(volatile int *stop)
{
	struct epoll_event evs[256];
	uint64_t last_tick = 0, stop_deadline = 0;
	int queued = 0;
	for (;;) {
		/*
		 * On SIGTERM/SIGINT: stop accepting, let requests in flight
		 * finish (up to 30s), then return. Idle keep-alive clients are
		 * closed right away.
		 */
		if (*stop && !stop_deadline) {
			stop_deadline = now_ms() + 30000;
			relay_shutdown_begin();
		}
		if (stop_deadline && (relay_busy() == 0 || now_ms() >= stop_deadline))
			break;
		/*
		 * Queued connections have work now, and an HTTP/2 connection that
		 * yielded to others goes on at once: look for events, don't wait.
		 */
		int n = epoll_wait(epfd, evs, ARRAY_SIZE(evs),
				   queued || h2_pending() ? 0 : 100);
		cached_now = mono_ms();
		cached_wall = 0;
		if (n < 0 && errno != EINTR) {
			error_errno("epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++)
			dispatch(evs[i].data.ptr, evs[i].events);
		queued = relay_run_queued();
		if (cached_now - last_tick >= 100) {
			last_tick = cached_now;
			relay_tick();
			health_tick();
			deploy_tick();
			monitor_tick();
			control_tick();
			autotls_tick();
			handoff_tick(stop_deadline != 0);
			access_log_flush();
		}
		/* Frames that events and timers queued on HTTP/2 connections. */
		h2_flush_pending();
		relay_reap();
	}
}
