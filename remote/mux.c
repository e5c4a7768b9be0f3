/*
 * mux.c - a command over a ControlMaster without an ssh process: see mux.h.
 */
#include "remote/mux.h"

#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MUX_PROTOCOL 4
/* A reply is a few numbers and at most an error text: anything longer is not one. */
#define MUX_MAX_PACKET (256 * 1024)

void mux_target_init(struct mux_target *t)
{
	t->socket = NULL;
	strvec_init(&t->sendenv);
	strvec_init(&t->setenv);
}

void mux_target_release(struct mux_target *t)
{
	free(t->socket);
	t->socket = NULL;
	strvec_clear(&t->sendenv);
	strvec_clear(&t->setenv);
}

void mux_target_parse(struct mux_target *t, const char *g)
{
	while (*g) {
		const char *nl = strchrnul(g, '\n'), *sp = memchr(g, ' ', (size_t)(nl - g));
		if (sp) {
			size_t klen = (size_t)(sp - g);
			char *value = xstrndup(sp + 1, (size_t)(nl - sp - 1));
			if (klen == 11 && !memcmp(g, "controlpath", 11)) {
				free(t->socket);
				t->socket = strcmp(value, "none") ? xstrdup(value) : NULL;
			} else if (klen == 7 && !memcmp(g, "sendenv", 7)) {
				strvec_push(&t->sendenv, value);
			} else if (klen == 6 && !memcmp(g, "setenv", 6) && strchr(value, '=')) {
				strvec_push(&t->setenv, value);
			}
			free(value);
		}
		g = *nl ? nl + 1 : nl;
	}
}

/* ssh's match_pattern: * and ? only, no bracket classes. */
static int env_pattern_match(const char *name, const char *pat)
{
	if (strchr(pat, '[') || strchr(pat, '\\'))
		return !strcmp(name, pat);
	return !fnmatch(pat, name, 0);
}

void mux_session_env(const struct mux_target *t, const char *const *env, struct strvec *out)
{
	for (; t->sendenv.nr && env && *env; env++) {
		const char *eq = strchr(*env, '=');
		char *name;
		if (!eq || eq == *env)
			continue;
		name = xstrndup(*env, (size_t)(eq - *env));
		for (size_t i = 0; i < t->sendenv.nr; i++) {
			if (env_pattern_match(name, t->sendenv.v[i])) {
				strvec_push(out, *env);
				break;
			}
		}
		free(name);
	}
	strvec_pushvec(out, &t->setenv);
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	strbuf_add(sb, b, 4);
}

static void put_string(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	put_u32(sb, (uint32_t)n);
	strbuf_add(sb, s, n);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The length prefix, once the body is in. */
static void finish_packet(struct strbuf *pkt)
{
	uint32_t n = (uint32_t)(pkt->len - 4);
	unsigned char *p = (unsigned char *)pkt->buf;
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
}

static void hello_packet(struct strbuf *pkt)
{
	put_u32(pkt, 0);
	put_u32(pkt, MUX_MSG_HELLO);
	put_u32(pkt, MUX_PROTOCOL);
	finish_packet(pkt);
}

void mux_new_session_packet(struct strbuf *pkt, unsigned request_id, int want_agent,
			    const char *command, const struct strvec *env)
{
	put_u32(pkt, 0);
	put_u32(pkt, MUX_C_NEW_SESSION);
	put_u32(pkt, request_id);
	put_string(pkt, "");          /* reserved */
	put_u32(pkt, 0);              /* no tty: ssh -T */
	put_u32(pkt, 0);              /* no X11 */
	put_u32(pkt, want_agent ? 1 : 0);
	put_u32(pkt, 0);              /* a command, not a subsystem */
	put_u32(pkt, 0xffffffffu);    /* no escape character */
	put_string(pkt, "");          /* terminal type: no tty */
	put_string(pkt, command);
	for (size_t i = 0; env && i < env->nr; i++)
		put_string(pkt, env->v[i]);
	finish_packet(pkt);
}

long mux_parse_packet(const unsigned char *buf, size_t len, struct mux_reply *r)
{
	uint32_t n;

	memset(r, 0, sizeof(*r));
	if (len < 4)
		return 0;
	n = get_u32(buf);
	if (n > MUX_MAX_PACKET)
		return -1;
	if (len - 4 < n)
		return 0;
	if (n >= 4)
		r->type = get_u32(buf + 4);
	if (n >= 8) {
		r->a = get_u32(buf + 8);
		r->has_a = 1;
	}
	if (n >= 12) {
		r->b = get_u32(buf + 12);
		r->has_b = 1;
	}
	return (long)n + 4;
}

/* Writes all of buf to the socket; no SIGPIPE if the master went away. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One descriptor over the socket, with a byte for it to ride on (ssh's mm_send_fd). */
static int send_fd(int sock, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	char byte = 0;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_len = CMSG_LEN(sizeof(int));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == 1 ? 0 : -1;
}

/* Reads into in until one whole packet is there; r gets it. -1: closed or not a packet. */
static int read_packet(int fd, struct strbuf *in, struct mux_reply *r)
{
	for (;;) {
		long used = mux_parse_packet((const unsigned char *)in->buf, in->len, r);
		char chunk[512];
		ssize_t n;
		if (used < 0)
			return -1;
		if (used > 0) {
			memmove(in->buf, in->buf + used, in->len - (size_t)used);
			strbuf_setlen(in, in->len - (size_t)used);
			return 0;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		strbuf_add(in, chunk, (size_t)n);
	}
}

static int connect_master(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The two hellos: ours, and the master's, which must speak protocol 4. */
static int hello(int fd, struct strbuf *in)
{
	struct strbuf pkt = STRBUF_INIT;
	struct mux_reply r;
	int ok;

	hello_packet(&pkt);
	ok = !send_all(fd, pkt.buf, pkt.len) && !read_packet(fd, in, &r) &&
	     r.type == MUX_MSG_HELLO && r.has_a && r.a == MUX_PROTOCOL;
	strbuf_release(&pkt);
	return ok ? 0 : -1;
}

struct session {
	int sock, in_w, out_r, err_r;
	const char *stdin_data;
	size_t stdin_left;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The three descriptors the remote command's stdio is relayed through:
 * stdin a socketpair (so a master gone away is EPIPE, not SIGPIPE),
 * stdout and stderr pipes. remote[] go to the master, ours stay here.
 */
static int make_stdio(struct session *s, int remote[3])
{
	int sp[2], o[2], e[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	if (pipe2(o, O_CLOEXEC) < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pipe2(e, O_CLOEXEC) < 0) {
		close(sp[0]);
		close(sp[1]);
		close(o[0]);
		close(o[1]);
		return -1;
	}
	s->in_w = sp[0];
	remote[0] = sp[1];
	s->out_r = o[0];
	remote[1] = o[1];
	s->err_r = e[0];
	remote[2] = e[1];
	return 0;
}

/*
 * Request, descriptors, and the master's "opened": 0. -1: refused or not
 * sent, nothing ran (the reason in err). 1: the master went away after
 * the request, so the command may have run.
 */
static int open_session(struct session *s, struct strbuf *in, const char *command,
			int want_agent, const struct strvec *env, struct strbuf *err)
{
	struct strbuf pkt = STRBUF_INIT;
	struct mux_reply r;
	int remote[3], sent;

	if (make_stdio(s, remote) < 0) {
		strbuf_addf(err, "mux: cannot make pipes: %s", strerror(errno));
		return -1;
	}
	mux_new_session_packet(&pkt, 1, want_agent, command, env);
	sent = !send_all(s->sock, pkt.buf, pkt.len) && !send_fd(s->sock, remote[0]) &&
	       !send_fd(s->sock, remote[1]) && !send_fd(s->sock, remote[2]);
	strbuf_release(&pkt);
	/* The master holds its own copies now: EOF comes when it closes them. */
	for (int i = 0; i < 3; i++)
		close(remote[i]);
	if (!sent) {
		/* The master opens nothing before it has all three descriptors. */
		strbuf_addstr(err, "mux: the session request could not be sent");
		return -1;
	}
	if (read_packet(s->sock, in, &r) < 0) {
		/*
		 * It had the request: the command may have started before the
		 * master went away, so it must not be sent again another way.
		 */
		strbuf_addstr(err, "Connection to the host closed (the ssh master went away "
				   "before the session opened)\n");
		return 1;
	}
	if (r.type != MUX_S_SESSION_OPENED || !r.has_b) {
		strbuf_addf(err, "mux: the master refused the session (reply 0x%08x)", r.type);
		return -1;
	}
	return 0;
}

/* Appends what fd has to sb; closes it at EOF. */
static void drain(int *fd, struct strbuf *sb)
{
	char chunk[16384];
	ssize_t n = read(*fd, chunk, sizeof(chunk));
	if (n > 0)
		strbuf_add(sb, chunk, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		close_fd(fd);
}

static void feed_stdin(struct session *s)
{
	ssize_t n = send(s->in_w, s->stdin_data, s->stdin_left, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0) {
		s->stdin_data += n;
		s->stdin_left -= (size_t)n;
	} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
		s->stdin_left = 0;
	}
	if (!s->stdin_left)
		close_fd(&s->in_w);
}

/* The packets in `in`: an exit status is kept; the rest (a tty note) is not for us. */
static int consume(struct strbuf *in, int *status)
{
	struct mux_reply r;
	long used;

	while ((used = mux_parse_packet((const unsigned char *)in->buf, in->len, &r)) > 0) {
		if (r.type == MUX_S_EXIT_MESSAGE && r.has_b)
			*status = (int)(r.b & 0xff);
		memmove(in->buf, in->buf + used, in->len - (size_t)used);
		strbuf_setlen(in, in->len - (size_t)used);
	}
	return used < 0 ? -1 : 0;
}

/* The mux socket had something: an exit status, or its close. */
static void read_control(struct session *s, struct strbuf *in, int *status)
{
	char chunk[512];
	ssize_t n = read(s->sock, chunk, sizeof(chunk));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			close_fd(&s->sock);
		return;
	}
	strbuf_add(in, chunk, (size_t)n);
	if (consume(in, status) < 0)
		close_fd(&s->sock);
}

/* Until the master closes the socket and both outputs are at EOF, or stop. */
static void relay(struct session *s, struct strbuf *in, struct strbuf *out, struct strbuf *err,
		  int *status, const volatile sig_atomic_t *stop)
{
	/* The exit status may have come in with "opened", for a quick command. */
	if (consume(in, status) < 0)
		close_fd(&s->sock);
	while (s->sock >= 0 || s->out_r >= 0 || s->err_r >= 0) {
		struct pollfd p[4];
		int n = 0, ip = -1, io = -1, ie = -1, is = -1;
		if (stop && *stop)
			break;
		if (s->sock >= 0)
			p[is = n++] = (struct pollfd){ .fd = s->sock, .events = POLLIN };
		if (s->out_r >= 0)
			p[io = n++] = (struct pollfd){ .fd = s->out_r, .events = POLLIN };
		if (s->err_r >= 0)
			p[ie = n++] = (struct pollfd){ .fd = s->err_r, .events = POLLIN };
		if (s->in_w >= 0)
			p[ip = n++] = (struct pollfd){ .fd = s->in_w, .events = POLLOUT };
		if (poll(p, (nfds_t)n, 100) <= 0)
			continue;
		if (is >= 0 && p[is].revents)
			read_control(s, in, status);
		if (io >= 0 && p[io].revents)
			drain(&s->out_r, out);
		if (ie >= 0 && p[ie].revents)
			drain(&s->err_r, err);
		if (ip >= 0 && p[ip].revents)
			feed_stdin(s);
	}
}

int mux_run(const struct mux_target *t, const char *command, int want_agent,
	    const char *stdin_data, size_t len, struct strbuf *out, struct strbuf *err,
	    int *status, const volatile sig_atomic_t *stop)
{
	extern char **environ;
	struct session s = { -1, -1, -1, -1, stdin_data, stdin_data ? len : 0 };
	struct strbuf in = STRBUF_INIT;
	struct strvec env = STRVEC_INIT;
	int r, opened = -1;

	*status = 255;
	if (!t->socket || (s.sock = connect_master(t->socket)) < 0) {
		strbuf_addstr(err, "mux: no master to connect to");
		return -1;
	}
	mux_session_env(t, (const char *const *)environ, &env);
	if (hello(s.sock, &in) < 0)
		strbuf_addstr(err, "mux: the master did not say hello in protocol 4");
	else
		opened = open_session(&s, &in, command, want_agent, &env, err);
	strvec_clear(&env);
	if (!opened) {
		int exit_status = -1;
		if (!s.stdin_left)
			close_fd(&s.in_w);
		relay(&s, &in, out, err, &exit_status, stop);
		if (stop && *stop)
			exit_status = -1;
		else if (exit_status < 0)
			/* What ssh would have printed: the master has no stderr of ours. */
			strbuf_addstr(err, "Connection to the host closed (the ssh master ended the "
					   "session without an exit status)\n");
		*status = exit_status < 0 ? 255 : exit_status;
	}
	/* Lost after the request (opened 1): 255, as ssh says; never sent again. */
	r = opened < 0 ? -1 : 0;
	close_fd(&s.sock);
	close_fd(&s.in_w);
	close_fd(&s.out_r);
	close_fd(&s.err_r);
	strbuf_release(&in);
	return r;
}
