/*
 * test-acme-pebble.c - drives the ACME client against a real CA (pebble,
 * started by tests/t/t5800-acme.sh) and answers its validation requests
 * the way berth-proxy does: acme_obtain() blocks in one thread while a
 * responder thread serves acme_http01_lookup() / acme_tlsalpn01_lookup().
 *
 * Without ACME_TEST_DIRECTORY in the environment it skips (TAP # SKIP),
 * so the plain unit-test run stays offline. Environment:
 *   ACME_TEST_DIRECTORY  the CA's directory URL
 *   ACME_TEST_CA         PEM file trusted for the directory connection
 *   ACME_TEST_CACHE      the cache directory
 *   ACME_TEST_DOMAINS    space-separated names for one order
 *   ACME_TEST_CHALLENGE  http-01 (default) or tls-alpn-01
 *   ACME_TEST_PORT       127.0.0.1 port the responder listens on
 */
#include "unit.h"
#include "proxy/acme.h"
#include "strvec.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ssl.h>

static struct acme_client *client;
static int answered;

static int listen_on(int port)
{
	struct sockaddr_in sa = { 0 };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16))
		return -1;
	return fd;
}

/* One request per connection, as the CA's validator makes them. */
static void http_answer(int fd)
{
	char req[4096];
	size_t got = 0;
	ssize_t n;
	const char *token;
	char *sp;
	struct strbuf body = STRBUF_INIT, out = STRBUF_INIT;

	while (got < sizeof(req) - 1 &&
	       (n = read(fd, req + got, sizeof(req) - 1 - got)) > 0) {
		got += n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[got] = '\0';
	if (skip_prefix(req, "GET /.well-known/acme-challenge/", &token) &&
	    (sp = strchr(token, ' '))) {
		*sp = '\0';
		if (!acme_http01_lookup(client, token, &body)) {
			__atomic_add_fetch(&answered, 1, __ATOMIC_SEQ_CST);
			strbuf_addf(&out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				    body.len, body.buf);
		}
	}
	if (!out.len)
		strbuf_addstr(&out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
				    "Connection: close\r\n\r\n");
	if (write(fd, out.buf, out.len) < 0)
		perror("write");
	strbuf_release(&body);
	strbuf_release(&out);
}

static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char want[] = "\x0a" ACME_TLS_ALPN_PROTO;
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, want, sizeof(want) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* SNI picks the challenge certificate, as the daemon's SNI hook would. */
static int on_sni(SSL *ssl, int *alert, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	X509 *cert;
	EVP_PKEY *key;
	int ok;

	if (!name || acme_tlsalpn01_lookup(client, name, &cert, &key))
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	ok = SSL_use_certificate(ssl, cert) == 1 && SSL_use_PrivateKey(ssl, key) == 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	if (ok)
		__atomic_add_fetch(&answered, 1, __ATOMIC_SEQ_CST);
	return ok ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void tls_answer(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1)
		SSL_shutdown(ssl);
	SSL_free(ssl);
}

static void *responder(void *arg)
{
	int lfd = *(int *)arg, tls = getenv("ACME_TEST_CHALLENGE") &&
				    !strcmp(getenv("ACME_TEST_CHALLENGE"), "tls-alpn-01");
	SSL_CTX *ctx = NULL;

	if (tls) {
		ctx = SSL_CTX_new(TLS_server_method());
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_alpn_select_cb(ctx, on_alpn, NULL);
		SSL_CTX_set_tlsext_servername_callback(ctx, on_sni);
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (tls)
			tls_answer(ctx, fd);
		else
			http_answer(fd);
		close(fd);
	}
	return NULL;
}

static void test_obtain_from_ca(void)
{
	struct acme_config cfg = { 0 };
	struct strbuf err = STRBUF_INIT, names = STRBUF_INIT;
	struct strvec domains = STRVEC_INIT;
	char *crt = NULL, *key = NULL, *tok, *save;
	const char *ch = getenv("ACME_TEST_CHALLENGE");
	pthread_t th;
	int lfd;

	cfg.directory_url = getenv("ACME_TEST_DIRECTORY");
	cfg.ca_file = getenv("ACME_TEST_CA");
	cfg.cache_dir = getenv("ACME_TEST_CACHE");
	cfg.contact_email = "ops@example.test";
	cfg.challenge = ch && !strcmp(ch, "tls-alpn-01") ? ACME_TLSALPN01 : ACME_HTTP01;
	cfg.timeout_sec = 60;
	strbuf_addstr(&names, getenv("ACME_TEST_DOMAINS"));
	for (tok = strtok_r(names.buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strvec_push(&domains, tok);

	lfd = listen_on(atoi(getenv("ACME_TEST_PORT") ? getenv("ACME_TEST_PORT") : "5002"));
	CHECK(lfd >= 0);
	client = acme_client_new(&cfg, &err);
	CHECK(client != NULL);
	if (!client || lfd < 0) {
		printf("# %s\n", err.buf);
		return;
	}
	pthread_create(&th, NULL, responder, &lfd);
	pthread_detach(th);

	if (acme_obtain(client, domains.v, domains.nr, &crt, &key, &err))
		printf("# acme_obtain: %s\n", err.buf);
	CHECK(crt != NULL);
	printf("# crt: %s\n# key: %s\n# answered: %d\n", crt ? crt : "-",
	       key ? key : "-", answered);
	/* Once done, nothing is left for the validator to fetch. */
	strbuf_reset(&err);
	CHECK(acme_http01_lookup(client, "x", &err) == -1);
	free(crt);
	free(key);
	strbuf_release(&err);
	strbuf_release(&names);
	strvec_clear(&domains);
}

int main(void)
{
	if (!getenv("ACME_TEST_DIRECTORY")) {
		printf("ok 1 - obtain a certificate from a CA # SKIP no ACME_TEST_DIRECTORY (see t5800)\n1..1\n");
		return 0;
	}
	/* The validator hangs up right after the handshake; as in the daemon. */
	signal(SIGPIPE, SIG_IGN);
	acme_global_init();
	RUN(test_obtain_from_ca);
	return unit_done();
}
