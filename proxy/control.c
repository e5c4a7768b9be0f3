/*
 * control.c - the control socket. A command connects, sends one JSON
 * object on one line, and gets one JSON line back: {"ok":true,...} or
 * {"error":"..."}. Deploys answer only once the swap and drain are over,
 * so a control connection may stay open for a while.
 *
 * Replies are written without blocking, as everything on the event loop
 * is: one a client does not read waits in c->out, and a client that
 * reads none of it for CTL_STALL_MS, or whose reply would pass
 * CTL_OUT_MAX, is dropped. Blocking here would stall every proxied connection.
 */
#include "relay-int.h"
#include "log.h"
#include <errno.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX (1 << 20)
#define CTL_OUT_MAX (16 << 20)
#define CTL_STALL_MS 5000

struct ctl {
	struct ev ev;
	struct strbuf in;
	struct strbuf out; /* the reply, from out_off on still to write */
	size_t out_off;
	int dispatched, dead, replying;
	uint64_t stall_deadline; /* replying: dropped if out is not gone by then */
	struct ctl *next;
};

static struct ev ctl_listener;
static struct ctl *ctls;

int control_listen(const char *path)
{
	mode_t old_umask;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path))
		return error("control socket path '%s' is too long", path);
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_errno("socket");
	unlink(path);
	/* 0600 from the start: no moment when others could connect. */
	old_umask = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 64) < 0) {
		umask(old_umask);
		close(fd);
		return error_errno("cannot listen on '%s'", path);
	}
	umask(old_umask);
	ctl_listener.type = EV_CTL_LISTEN;
	ctl_listener.fd = fd;
	return loop_add(&ctl_listener, EPOLLIN);
}

void control_unlink(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, live;

	/*
	 * A successor sharing the state directory may have bound the path
	 * since: its socket is not ours to remove. Ours closed, whoever still
	 * answers there is that successor. (Inode numbers cannot tell: tmpfs
	 * hands the old number to the new socket.)
	 */
	if (ctl_listener.fd >= 0) {
		loop_del(&ctl_listener);
		close(ctl_listener.fd);
		ctl_listener.fd = -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = fd >= 0 && !connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (fd >= 0)
		close(fd);
	if (!live)
		unlink(path);
}

static void ctl_close(struct ctl *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	loop_del(&c->ev);
	close(c->ev.fd);
}

/* Writes what the socket takes of the reply; closes c once all is out. */
static void ctl_flush(struct ctl *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = write(c->ev.fd, c->out.buf + c->out_off,
				  c->out.len - c->out_off);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return; /* EPOLLOUT brings us back */
		if (n < 0)
			break; /* the command went away; nothing to tell */
		c->out_off += n;
		c->stall_deadline = now_ms() + CTL_STALL_MS; /* slow is not stuck */
	}
	ctl_close(c);
}

void ctl_reply(struct ctl *c, cJSON *resp)
{
	if (!c) {
		cJSON_Delete(resp);
		return;
	}
	if (!resp)
		resp = cJSON_CreateObject();
	if (!cJSON_GetObjectItem(resp, "error"))
		cJSON_AddBoolToObject(resp, "ok", 1);
	char *text = cJSON_PrintUnformatted(resp);
	cJSON_Delete(resp);
	if (c->dead || c->replying) {
		free(text);
		return;
	}
	c->replying = 1;
	c->stall_deadline = now_ms() + CTL_STALL_MS;
	if (!text || strbuf_addstr(&c->out, text) < 0 || strbuf_addch(&c->out, '\n') < 0) {
		log_warn("control reply of %zu bytes is over %d: not sent",
			 text ? strlen(text) : 0, CTL_OUT_MAX);
		ctl_close(c);
	} else {
		ctl_flush(c);
	}
	free(text);
}

void ctl_reply_error(struct ctl *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	log_warn("%s", sb.buf);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "error", sb.buf);
	strbuf_release(&sb);
	ctl_reply(c, r);
}

void control_event(struct ev *ev, uint32_t events)
{
	if (ev->type == EV_CTL_LISTEN) {
		int fd;
		while ((fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			struct ctl *c = xcalloc(1, sizeof(*c));
			c->ev.type = EV_CTL;
			c->ev.fd = fd;
			strbuf_init(&c->in, 0);
			c->in.max = CTL_MAX;
			strbuf_init(&c->out, 0);
			c->out.max = CTL_OUT_MAX;
			c->next = ctls;
			ctls = c;
			loop_add(&c->ev, EPOLLIN | EPOLLOUT | EPOLLET);
		}
		return;
	}
	struct ctl *c = (struct ctl *)(void *)ev;
	if (c->replying && !c->dead) {
		ctl_flush(c);
		return;
	}
	if (c->dead || c->dispatched)
		return;
	char buf[4096];
	for (;;) {
		ssize_t n = read(c->ev.fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0 || strbuf_add(&c->in, buf, n) < 0) {
			ctl_close(c);
			return;
		}
		if (memchr(buf, '\n', n))
			break;
	}
	c->dispatched = 1;
	cJSON *req = cJSON_Parse(c->in.buf);
	if (!req) {
		ctl_reply_error(c, "malformed control request");
		return;
	}
	op_dispatch(c, req);
	cJSON_Delete(req);
}

void control_tick(void)
{
	struct ctl **pp = &ctls;
	while (*pp) {
		struct ctl *c = *pp;
		if (!c->dead && c->replying && now_ms() >= c->stall_deadline) {
			log_warn("control client did not read its reply for %d s: dropped",
				 CTL_STALL_MS / 1000);
			ctl_close(c);
		}
		if (c->dead) {
			*pp = c->next;
			strbuf_release(&c->in);
			strbuf_release(&c->out);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}
