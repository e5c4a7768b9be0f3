/*
 * hello.c - the example app: a tiny static HTTP server, so its image can be
 * built FROM scratch with no base image to pull.
 *
 *   GET /up  -> 200 "OK" (the health check berth-proxy uses)
 *   GET other -> 200 a page naming the version (APP_VERSION) and host
 *
 * Listens on $PORT (default 80). One connection at a time is plenty for a
 * demo; each request is answered and the connection closed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void answer(int fd, const char *version, const char *host)
{
	char req[4096], body[512], head[256];
	ssize_t n = read(fd, req, sizeof(req) - 1);
	int blen, hlen;

	if (n <= 0)
		return;
	req[n] = '\0';
	if (!strncmp(req, "GET /up ", 8) || !strncmp(req, "HEAD /up ", 9))
		blen = snprintf(body, sizeof(body), "OK\n");
	else
		blen = snprintf(body, sizeof(body),
				"<!doctype html><title>hello</title>"
				"<h1>Hello from berth</h1><p>version %s on %s</p>\n",
				version, host);
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			"Content-Length: %d\r\nConnection: close\r\n\r\n", blen);
	if (write(fd, head, (size_t)hlen) < 0 || write(fd, body, (size_t)blen) < 0)
		return;
}

int main(void)
{
	const char *port = getenv("PORT") ? getenv("PORT") : "80";
	const char *version = getenv("APP_VERSION") ? getenv("APP_VERSION") :
			      getenv("KAMAL_VERSION") ? getenv("KAMAL_VERSION") : "dev";
	char host[256] = "unknown";
	struct sockaddr_in addr = { 0 };
	int one = 1, s;

	signal(SIGPIPE, SIG_IGN);
	/* As a container's PID 1, SIGTERM (docker stop) only acts if handled. */
	signal(SIGTERM, on_term);
	gethostname(host, sizeof(host) - 1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(port));
	addr.sin_addr.s_addr = getenv("BIND") ? inet_addr(getenv("BIND")) : INADDR_ANY;
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 128) < 0) {
		perror("hello: listen");
		return 1;
	}
	fprintf(stderr, "hello: version %s listening on port %s\n", version, port);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		answer(c, version, host);
		close(c);
	}
}
