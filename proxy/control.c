/*
 * control.c - the control socket. A command connects, sends one JSON
 * object on one line, and gets one JSON line back: {"ok":true,...} or
 * {"error":"..."}. Deploys answer only once the swap and drain are over,
 * so a control connection may stay open for a while.
 */
#include "relay-int.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX (1 << 20)

struct ctl {
	struct ev ev;
	struct strbuf in;
	int dispatched, dead;
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

void ctl_reply(struct ctl *c, cJSON *resp)
{
	if (!c)
		return;
	if (!resp)
		resp = cJSON_CreateObject();
	if (!cJSON_GetObjectItem(resp, "error"))
		cJSON_AddBoolToObject(resp, "ok", 1);
	char *text = cJSON_PrintUnformatted(resp);
	cJSON_Delete(resp);
	if (!c->dead) {
		/* Replies are small and the peer is waiting for them: block. */
		int fl = fcntl(c->ev.fd, F_GETFL);
		fcntl(c->ev.fd, F_SETFL, fl & ~O_NONBLOCK);
		size_t len = strlen(text);
		text[len] = '\n';
		if (write(c->ev.fd, text, len + 1) < 0) {
			/* the command went away; nothing to tell */
		}
	}
	free(text);
	ctl_close(c);
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
			c->next = ctls;
			ctls = c;
			loop_add(&c->ev, EPOLLIN | EPOLLET);
		}
		return;
	}
	struct ctl *c = (struct ctl *)(void *)ev;
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
		if (c->dead) {
			*pp = c->next;
			strbuf_release(&c->in);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}
