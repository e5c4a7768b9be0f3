/*
 * test-mux.c - the ControlMaster protocol client (remote/mux.c): its
 * packets byte for byte, the `ssh -G` reading and the environment, and
 * mux_run against a master played by a thread here that checks the
 * request as OpenSSH's mux server does (hello version, field layout, three
 * descriptors by SCM_RIGHTS) and answers as it does. The real master is
 * used by every lab test (t7xxx), each command riding it.
 */
#include "remote/mux.h"
#include "unit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static uint32_t u32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void g_output_gives_socket_and_environment(void)
{
	struct mux_target t;
	mux_target_init(&t);
	mux_target_parse(&t, "user root\nhostname 10.0.0.2\ncontrolpath /tmp/b/ab12\n"
			     "sendenv LANG\nsendenv LC_*\nsetenv FOO=bar\nsetenv BAZ=q x\n"
			     "setenv broken\nforwardagent yes\n");
	CHECK_STR(t.socket, "/tmp/b/ab12");
	CHECK_INT(t.sendenv.nr, 2);
	CHECK_STR(t.sendenv.v[1], "LC_*");
	CHECK_INT(t.setenv.nr, 2);
	CHECK_STR(t.setenv.v[1], "BAZ=q x");
	mux_target_parse(&t, "controlpath none\n");
	CHECK(t.socket == NULL);
	mux_target_release(&t);
}

static void session_env_is_what_ssh_sends(void)
{
	struct mux_target t;
	struct strvec out = STRVEC_INIT;
	const char *env[] = { "LANG=C.UTF-8", "LC_TIME=C", "LCX=no", "HOME=/root",
			      "=odd", "LANGUAGE=no", NULL };
	mux_target_init(&t);
	mux_target_parse(&t, "sendenv LANG\nsendenv LC_*\nsetenv FOO=bar\n");
	mux_session_env(&t, env, &out);
	CHECK_INT(out.nr, 3);
	CHECK_STR(out.v[0], "LANG=C.UTF-8");
	CHECK_STR(out.v[1], "LC_TIME=C");
	CHECK_STR(out.v[2], "FOO=bar");
	strvec_clear(&out);
	mux_target_release(&t);
	/* No SendEnv: only SetEnv goes. */
	mux_target_init(&t);
	mux_session_env(&t, env, &out);
	CHECK_INT(out.nr, 0);
	mux_target_release(&t);
}

static void new_session_packet_layout(void)
{
	struct strbuf pkt = STRBUF_INIT;
	struct strvec env = STRVEC_INIT;
	const unsigned char *p;
	strvec_push(&env, "A=1");
	mux_new_session_packet(&pkt, 7, 1, "docker ps", &env);
	p = (const unsigned char *)pkt.buf;
	CHECK_INT(u32_at(p), pkt.len - 4);
	CHECK_INT(u32_at(p + 4), MUX_C_NEW_SESSION);
	CHECK_INT(u32_at(p + 8), 7);
	CHECK_INT(u32_at(p + 12), 0);   /* reserved: empty string */
	CHECK_INT(u32_at(p + 16), 0);   /* tty */
	CHECK_INT(u32_at(p + 20), 0);   /* x11 */
	CHECK_INT(u32_at(p + 24), 1);   /* agent */
	CHECK_INT(u32_at(p + 28), 0);   /* subsystem */
	CHECK_INT(u32_at(p + 32), 0xffffffffu);
	CHECK_INT(u32_at(p + 36), 0);   /* terminal type */
	CHECK_INT(u32_at(p + 40), 9);
	CHECK(!memcmp(p + 44, "docker ps", 9));
	CHECK_INT(u32_at(p + 53), 3);
	CHECK(!memcmp(p + 57, "A=1", 3));
	CHECK_INT(pkt.len, 60);
	strvec_clear(&env);
	strbuf_release(&pkt);
}

static void packets_are_read_whole_or_not_at_all(void)
{
	unsigned char b[32] = { 0, 0, 0, 12, 0x80, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 3,
				0, 0, 0, 4, 0x80, 0, 0, 1 };
	unsigned char huge[4] = { 0x7f, 0, 0, 0 };
	struct mux_reply r;
	CHECK_INT(mux_parse_packet(b, 3, &r), 0);
	CHECK_INT(mux_parse_packet(b, 15, &r), 0);
	CHECK_INT(mux_parse_packet(b, 16, &r), 16);
	CHECK_INT(r.type, MUX_S_EXIT_MESSAGE);
	CHECK_INT(r.a, 9);
	CHECK_INT(r.b, 3);
	CHECK_INT(mux_parse_packet(b + 16, 8, &r), 8);
	CHECK_INT(r.type, MUX_S_OK);
	CHECK(!r.has_a);
	CHECK_INT(mux_parse_packet(huge, 4, &r), -1);
}

/* The fake master: one connection, a script of what it does. */
struct master {
	char path[108];
	int listen_fd;
	int version;        /* the protocol its hello says */
	int refuse;         /* answer the request with MUX_S_FAILURE */
	int no_exit;        /* close without an exit message */
	int vanish;         /* close once it has the request and descriptors, no reply */
	int exit_status;
	const char *stdout_text, *stderr_text;
	/* What it saw. */
	int request_ok, fds;
	char command[256], stdin_seen[256];
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg;
	struct iovec iov;
	char byte;
	struct cmsghdr *c;
	int fd = -1;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if (recvmsg(sock, &msg, 0) != 1 || byte != 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Walks the request as mux.c's server side does: -1 on any field out of place. */
static int check_request(struct master *m, const unsigned char *b, uint32_t n)
{
	uint32_t off = 0, len;
#define NEED(k) do { if (n - off < (k)) return -1; } while (0)
	NEED(8);
	if (u32_at(b) != MUX_C_NEW_SESSION)
		return -1;
	off = 8;
	NEED(4); len = u32_at(b + off); off += 4; NEED(len); off += len; /* reserved */
	NEED(20); off += 16;                     /* tty, x11, agent, subsystem */
	if (u32_at(b + off) != 0xffffffffu)
		return -1;
	off += 4;
	NEED(4); len = u32_at(b + off); off += 4; NEED(len); off += len; /* term */
	NEED(4); len = u32_at(b + off); off += 4; NEED(len);
	if (len >= sizeof(m->command))
		return -1;
	memcpy(m->command, b + off, len);
	m->command[len] = 0;
	off += len;
	while (off < n) { /* environment strings */
		NEED(4); len = u32_at(b + off); off += 4; NEED(len); off += len;
	}
#undef NEED
	return 0;
}

static void send_packet(int fd, uint32_t type, uint32_t a, uint32_t b, int nums)
{
	unsigned char p[16];
	put32(p, (uint32_t)(4 + 4 * nums));
	put32(p + 4, type);
	put32(p + 8, a);
	put32(p + 12, b);
	if (write(fd, p, (size_t)(8 + 4 * nums)) < 0)
		return;
}

static void *master_main(void *arg)
{
	struct master *m = arg;
	unsigned char hdr[4], body[4096];
	int c = accept(m->listen_fd, NULL, NULL), fds[3];
	uint32_t n;

	if (c < 0)
		return NULL;
	send_packet(c, MUX_MSG_HELLO, (uint32_t)m->version, 0, 1);
	if (read_full(c, hdr, 4) || (n = u32_at(hdr)) != 8 || read_full(c, body, n) ||
	    u32_at(body) != MUX_MSG_HELLO || u32_at(body + 4) != 4 || m->version != 4)
		goto out;
	if (read_full(c, hdr, 4) || (n = u32_at(hdr)) > sizeof(body) || read_full(c, body, n))
		goto out;
	m->request_ok = !check_request(m, body, n);
	for (m->fds = 0; m->fds < 3; m->fds++)
		if ((fds[m->fds] = recv_fd(c)) < 0)
			goto out;
	if (m->vanish) {
		for (int i = 0; i < 3; i++)
			close(fds[i]);
		goto out;
	}
	if (m->refuse || !m->request_ok) {
		unsigned char p[8 + 4 + 4 + 6];
		put32(p, sizeof(p) - 4);
		put32(p + 4, MUX_S_FAILURE);
		put32(p + 8, u32_at(body + 4));
		put32(p + 12, 6);
		memcpy(p + 16, "denied", 6);
		if (write(c, p, sizeof(p)) < 0)
			goto out;
	} else {
		ssize_t r;
		size_t got = 0;
		send_packet(c, MUX_S_SESSION_OPENED, u32_at(body + 4), 5, 2);
		while ((r = read(fds[0], m->stdin_seen + got, sizeof(m->stdin_seen) - 1 - got)) > 0)
			got += (size_t)r;
		if (write(fds[1], m->stdout_text, strlen(m->stdout_text)) < 0 ||
		    write(fds[2], m->stderr_text, strlen(m->stderr_text)) < 0)
			goto out;
		if (!m->no_exit)
			send_packet(c, MUX_S_EXIT_MESSAGE, 5, (uint32_t)m->exit_status, 2);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
out:
	close(c);
	return NULL;
}

static void master_start(struct master *m, pthread_t *th)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(m->path, sizeof(m->path), "/tmp/test-mux.%d", (int)getpid());
	unlink(m->path);
	memcpy(sa.sun_path, m->path, strlen(m->path) + 1);
	m->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(!bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK(!listen(m->listen_fd, 1));
	pthread_create(th, NULL, master_main, m);
}

static int run_against(struct master *m, const char *stdin_data, struct strbuf *out,
		       struct strbuf *err, int *status)
{
	struct mux_target t;
	pthread_t th;
	int r;
	mux_target_init(&t);
	master_start(m, &th);
	t.socket = strdup(m->path);
	r = mux_run(&t, "docker ps", 1, stdin_data, stdin_data ? strlen(stdin_data) : 0, out,
		    err, status, NULL);
	pthread_join(th, NULL);
	close(m->listen_fd);
	unlink(m->path);
	mux_target_release(&t);
	return r;
}

static void a_session_relays_stdio_and_exit_status(void)
{
	struct master m = { .version = 4, .exit_status = 3, .stdout_text = "out\n",
			    .stderr_text = "err\n" };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int status = -1;
	CHECK_INT(run_against(&m, "secret-on-stdin", &out, &err, &status), 0);
	CHECK(m.request_ok);
	CHECK_INT(m.fds, 3);
	CHECK_STR(m.command, "docker ps");
	CHECK_STR(m.stdin_seen, "secret-on-stdin");
	CHECK_INT(status, 3);
	CHECK_STR(out.buf, "out\n");
	CHECK_STR(err.buf, "err\n");
	strbuf_release(&out);
	strbuf_release(&err);
}

static void no_exit_message_is_255_with_a_reason(void)
{
	struct master m = { .version = 4, .no_exit = 1, .stdout_text = "", .stderr_text = "" };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int status = -1;
	CHECK_INT(run_against(&m, NULL, &out, &err, &status), 0);
	CHECK_STR(m.stdin_seen, "");
	CHECK_INT(status, 255);
	CHECK(strstr(err.buf, "without an exit status") != NULL);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void a_master_gone_after_the_request_is_not_a_refusal(void)
{
	/* The command may have started: 255, and not -1 (which would send it again). */
	struct master m = { .version = 4, .vanish = 1, .stdout_text = "", .stderr_text = "" };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int status = 0;
	CHECK_INT(run_against(&m, NULL, &out, &err, &status), 0);
	CHECK_INT(m.fds, 3);
	CHECK_INT(status, 255);
	CHECK(strstr(err.buf, "went away") != NULL);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void a_refusal_or_another_protocol_runs_nothing(void)
{
	struct master refuse = { .version = 4, .refuse = 1, .stdout_text = "", .stderr_text = "" };
	struct master v3 = { .version = 3, .stdout_text = "", .stderr_text = "" };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct mux_target none;
	int status = 0;
	CHECK_INT(run_against(&refuse, NULL, &out, &err, &status), -1);
	CHECK(strstr(err.buf, "refused") != NULL);
	strbuf_reset(&err);
	CHECK_INT(run_against(&v3, NULL, &out, &err, &status), -1);
	CHECK(strstr(err.buf, "protocol 4") != NULL);
	mux_target_init(&none);
	none.socket = strdup("/nonexistent/berth-mux");
	CHECK_INT(mux_run(&none, "true", 0, NULL, 0, &out, &err, &status, NULL), -1);
	mux_target_release(&none);
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	RUN(g_output_gives_socket_and_environment);
	RUN(session_env_is_what_ssh_sends);
	RUN(new_session_packet_layout);
	RUN(packets_are_read_whole_or_not_at_all);
	RUN(a_session_relays_stdio_and_exit_status);
	RUN(no_exit_message_is_255_with_a_reason);
	RUN(a_master_gone_after_the_request_is_not_a_refusal);
	RUN(a_refusal_or_another_protocol_runs_nothing);
	return unit_done();
}
