/*
 * tls.c - listeners, TLS contexts and the handshake step.
 *
 * One default SSL_CTX accepts every TLS connection; its ClientHello
 * callback switches to the context of the service that owns the requested
 * host (each service's static certificate is loaded into its own SSL_CTX
 * at deploy time, so a bad certificate fails the deploy, not a request).
 *
 * TLS-ALPN-01 (RFC 8737): a CA validating a host with automatic TLS offers
 * only ALPN acme-tls/1; the ALPN callback then puts the challenge
 * certificate on that one connection, and step_tls() closes it once the
 * handshake is done. A host whose first certificate is still on order has
 * no context yet, so the SNI callback lets such a handshake through on the
 * default context (no certificate) while an answer is pending; any other
 * handshake left on the default context fails there.
 *
 * On-demand TLS (ondemand.c): the ClientHello callback sees the SNI first;
 * for a host whose certificate is being ordered it returns "retry", which
 * parks the handshake (SSL_ERROR_WANT_CLIENT_HELLO_CB) until
 * relay_wake_tls() runs it again once the order ended.
 */
#include "relay-int.h"
#include "acme.h"
#include "h2.h"
#include "log.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <openssl/err.h>

SSL_CTX *tls_default_ctx;
static struct listener *listeners; /* all of them, for the daemon's life */

static struct service *route_sni(const char *name)
{
	size_t plen;
	return name ? route((struct slice){ name, strlen(name) },
			    (struct slice){ "/", 1 }, &plen) : NULL;
}

/*
 * The ClientHello callback has chosen the context. Still on the default
 * one (no certificate) the handshake fails, unless a TLS-ALPN-01 answer
 * is pending for the host: the ALPN callback then supplies it.
 */
static int sni_cb(SSL *ssl, int *al, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (SSL_get_SSL_CTX(ssl) != tls_default_ctx || (name && autotls_tlsalpn01_pending(name)))
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Serves the pending challenge certificate, or fails the handshake. */
static int answer_tlsalpn01(SSL *ssl)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	X509 *cert;
	EVP_PKEY *key;
	if (!name || autotls_tlsalpn01(name, &cert, &key))
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	int ok = SSL_use_cert_and_key(ssl, cert, key, NULL, 1) == 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	if (cfg.debug)
		log_warn("TLS-ALPN-01 challenge for '%s' %s", name, ok ? "answered" : "failed");
	return ok ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

/*
 * acme-tls/1 before anything else: a client offering it is a CA checking
 * a challenge and must get the challenge certificate or nothing. Then h2
 * when the client offers it (the server's preference), else HTTP/1.1.
 */
static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char acme[] = "\x0a" ACME_TLS_ALPN_PROTO;
	static const unsigned char ours[] = "\x02h2\x08http/1.1";
	unsigned char *o;
	if (SSL_select_next_proto(&o, outlen, acme, sizeof(acme) - 1, in, inlen) ==
	    OPENSSL_NPN_NEGOTIATED) {
		*out = o;
		return answer_tlsalpn01(ssl);
	}
	if (SSL_select_next_proto(&o, outlen, ours, sizeof(ours) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* The host_name of a ClientHello's server_name extension (RFC 6066 3). */
static int hello_sni(SSL *ssl, char *name, size_t size)
{
	const unsigned char *p;
	size_t len;
	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) ||
	    len < 5 || (size_t)((p[0] << 8) | p[1]) != len - 2 || p[2] != TLSEXT_NAMETYPE_host_name)
		return -1;
	size_t n = (p[3] << 8) | p[4];
	if (n == 0 || n >= size || n > len - 5 || memchr(p + 5, 0, n))
		return -1;
	memcpy(name, p + 5, n);
	name[n] = 0;
	return 0;
}

static int offers_acme_alpn(SSL *ssl)
{
	static const char proto[] = "\x0a" ACME_TLS_ALPN_PROTO;
	const unsigned char *p;
	size_t len;
	return SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation,
					 &p, &len) &&
	       memmem(p, len, proto, sizeof(proto) - 1) != NULL;
}

/* The only service with a certificate, for a hello without a usable SNI. */
static struct service *only_tls_service(void)
{
	struct service *only = NULL;
	int n = 0;
	for (struct service *it = services; it; it = it->next)
		if (it->ssl_ctx) {
			only = it;
			n++;
		}
	return n == 1 ? only : NULL;
}

/*
 * Picks the certificate, once per handshake: the context of the service
 * that owns the SNI host (its certificate file, or an on-demand one),
 * else the only service with a certificate. A new host of an on-demand
 * service starts its order here and the handshake waits for it (retry).
 * A CA validating that very order (acme-tls/1) must not wait: it goes
 * on to the challenge answer.
 */
static int hello_cb(SSL *ssl, int *al, void *arg)
{
	char buf[256];
	const char *name = hello_sni(ssl, buf, sizeof(buf)) == 0 ? buf : NULL;
	struct service *s = route_sni(name);
	SSL_CTX *ctx = NULL;
	if (s && s->od_url) {
		int challenge = offers_acme_alpn(ssl);
		enum od_state st = ondemand_lookup(s, name, !challenge, &ctx);
		if (st == OD_WAIT && !challenge)
			return SSL_CLIENT_HELLO_RETRY;
		if (st != OD_READY)
			ctx = NULL;
	}
	if (!ctx) {
		if (!s || !s->ssl_ctx)
			s = only_tls_service();
		ctx = s ? s->ssl_ctx : NULL;
	}
	if (ctx)
		SSL_set_SSL_CTX(ssl, ctx);
	return SSL_CLIENT_HELLO_SUCCESS;
}

static SSL_CTX *new_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	return ctx;
}

/*
 * OpenSSL is set up on first use (the first TLS service or connection):
 * a proxy that serves only plain HTTP keeps libcrypto's pages untouched,
 * which is most of an idle daemon's memory.
 */
int tls_init(void)
{
	if (tls_default_ctx)
		return 0;
	tls_default_ctx = new_ctx();
	if (!tls_default_ctx)
		return error("cannot create a TLS context");
	SSL_CTX_set_tlsext_servername_callback(tls_default_ctx, sni_cb);
	SSL_CTX_set_client_hello_cb(tls_default_ctx, hello_cb, NULL);
	return 0;
}

SSL_CTX *tls_load(const char *cert, const char *key, struct strbuf *err)
{
	if (tls_init() < 0) {
		strbuf_addstr(err, "cannot initialise TLS");
		return NULL;
	}
	SSL_CTX *ctx = new_ctx();
	if (!ctx)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		char buf[256];
		ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
		strbuf_addf(err, "cannot load TLS certificate '%s' and key '%s': %s",
			    cert, key, buf);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL *tls_new_conn(int fd)
{
	if (tls_init() < 0)
		return NULL;
	SSL *ssl = SSL_new(tls_default_ctx);
	if (!ssl)
		return NULL;
	SSL_set_fd(ssl, fd);
	SSL_set_accept_state(ssl);
	return ssl;
}

int step_tls(struct conn *c)
{
	if (c->tls_wait) { /* parked: only a client that left is news */
		if (c->hup || c->rdhup || c->eof)
			relay_close(c);
		return 0;
	}
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		const unsigned char *proto;
		unsigned int len;
		SSL_get0_alpn_selected(c->ssl, &proto, &len);
		if (len == 2 && !memcmp(proto, "h2", 2))
			return h2_start(c);
		/* RFC 8737 section 3: nothing follows a challenge handshake. */
		if (len == sizeof(ACME_TLS_ALPN_PROTO) - 1 &&
		    !memcmp(proto, ACME_TLS_ALPN_PROTO, len)) {
			relay_close(c);
			return 0;
		}
		c->state = CS_HEAD;
		return 1;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_CLIENT_HELLO_CB) {
		c->tls_wait = 1; /* an on-demand order: relay_wake_tls() */
		return 0;
	}
	if (e == SSL_ERROR_WANT_READ) {
		c->readable = 0;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		c->writable = 0;
		return 0;
	}
	if (cfg.debug)
		log_warn("TLS handshake with %s failed", c->addr);
	ERR_clear_error();
	relay_close(c);
	return 0;
}

int relay_open_sockets(const char *addr, int port, int *fds, int max)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char portstr[16];
	int n = 0;

	snprintf(portstr, sizeof(portstr), "%d", port);
	int rc = getaddrinfo(addr, portstr, &hints, &res);
	if (rc)
		return error("cannot resolve bind address '%s': %s",
			     addr ? addr : "*", gai_strerror(rc));
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/*
		 * With --reuse-port, the proxy that replaces this one listens
		 * beside it before this one stops listening: no moment without
		 * a listener, so no connection is refused. (With the netns's
		 * net.ipv4.tcp_migrate_req, what waits in our queue when we
		 * close moves to the successor instead of being reset.)
		 */
		if (cfg.reuse_port)
			setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4096) < 0) {
			error_errno("cannot listen on %s port %d", addr ? addr : "*", port);
			close(fd);
			continue;
		}
		fds[n++] = fd;
	}
	freeaddrinfo(res);
	return n ? n : -1;
}

void relay_adopt_listener(int fd, int port, int tls, int metrics)
{
	struct listener *ln = xcalloc(1, sizeof(*ln));
	set_nonblock(fd);
	ln->ev.type = EV_LISTEN;
	ln->ev.fd = fd;
	ln->tls = tls;
	ln->metrics = metrics;
	ln->port = port;
	ln->next = listeners;
	listeners = ln;
	loop_add(&ln->ev, EPOLLIN);
}

int relay_listen(const char *addr, int port, int tls, int metrics)
{
	int fds[8];
	int n = relay_open_sockets(addr, port, fds, (int)ARRAY_SIZE(fds));
	for (int i = 0; i < n; i++)
		relay_adopt_listener(fds[i], port, tls, metrics);
	return n > 0 ? 0 : -1;
}

void listeners_close(void)
{
	for (struct listener *ln = listeners; ln; ln = ln->next) {
		if (ln->ev.fd < 0)
			continue;
		loop_del(&ln->ev);
		close(ln->ev.fd);
		ln->ev.fd = -1;
	}
}
