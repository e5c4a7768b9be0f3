/*
 * acme.h - an ACME (RFC 8555) client for berth-proxy's automatic TLS.
 *
 * kamal-proxy gets certificates from Let's Encrypt through Go's autocert;
 * this is berth-proxy's equivalent, with the directory URL configurable
 * (Let's Encrypt production by default, staging with one switch, any other
 * RFC 8555 server - e.g. pebble in the tests - by URL).
 *
 * Threading contract (the whole of it):
 *  1. acme_obtain() is BLOCKING: it talks HTTPS to the CA (libcurl) and
 *     sleeps while polling. The daemon is single-threaded and event-driven,
 *     so it must call acme_obtain() from a worker thread (one at a time per
 *     client), never from the event loop.
 *  2. While acme_obtain() runs, the CA connects to the daemon to validate.
 *     The daemon answers from its event loop with acme_http01_lookup() and
 *     acme_tlsalpn01_lookup(); these two (and acme_client_free()'s absence)
 *     are the only calls that may run concurrently with acme_obtain() on the
 *     same client. They take a mutex, copy out what they return, and never
 *     block on the network.
 *  3. Everything else (new/free, cache helpers) is ordinary single-threaded
 *     code. Call acme_global_init() once from main() before any thread
 *     starts (it initialises libcurl).
 *
 * Cache directory layout (created 0700 if missing; every file is written
 * to a temporary name, fsynced and renamed, so a crash never leaves half a
 * key; private keys are 0600):
 *   <cache>/acme-account.key   the account key (EC P-256, PEM); reused
 *   <cache>/<domain>.crt       leaf + chain, PEM, as the CA sent it
 *   <cache>/<domain>.key       the certificate's private key (EC P-256)
 *   <cache>/acme-tls-alpn/<domain>.pem
 *                              a pending TLS-ALPN-01 answer (certificate,
 *                              then key; 0600), present only while the CA
 *                              validates, when cfg.share_tlsalpn01 is set
 * where <domain> is the first name of the order, lowercased.
 *
 * Errors: functions return -1 and append one lowercase line to *err (which
 * may be NULL); they never exit and never log the account key.
 */
#ifndef BERTH_PROXY_ACME_H
#define BERTH_PROXY_ACME_H

#include "strbuf.h"
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define ACME_LETSENCRYPT_URL "https://acme-v02.api.letsencrypt.org/directory"
#define ACME_LETSENCRYPT_STAGING_URL \
	"https://acme-staging-v02.api.letsencrypt.org/directory"

/* Renew this many days before notAfter (Let's Encrypt's advice). */
#define ACME_RENEW_DAYS 30

/* The ALPN protocol a CA offers when it validates with TLS-ALPN-01. */
#define ACME_TLS_ALPN_PROTO "acme-tls/1"

enum acme_challenge_type {
	ACME_HTTP01 = 0, /* GET /.well-known/acme-challenge/<token> on :80 */
	ACME_TLSALPN01,  /* TLS on :443 with ALPN acme-tls/1 */
};

struct acme_config {
	const char *directory_url; /* NULL: Let's Encrypt (see staging) */
	int staging;               /* with directory_url NULL: LE staging */
	const char *cache_dir;     /* required */
	const char *contact_email; /* optional; sent as mailto: */
	const char *ca_file;       /* optional extra trust for the CA (tests) */
	enum acme_challenge_type challenge;
	int timeout_sec;           /* whole acme_obtain() bound; 0: 300 */
	/*
	 * Also write each TLS-ALPN-01 answer to the cache while it is pending,
	 * for a server in another process (berth-proxy runs orders in a helper
	 * and answers the CA's handshakes itself).
	 */
	int share_tlsalpn01;
};

struct acme_client;

void acme_global_init(void);

/* Copies cfg. Loads or creates the account key in the cache directory. */
struct acme_client *acme_client_new(const struct acme_config *cfg,
				    struct strbuf *err);
void acme_client_free(struct acme_client *c);

/*
 * Obtains one certificate naming every domain in domains[0..n) (plain DNS
 * names; no wildcards, since HTTP-01 and TLS-ALPN-01 cannot prove them),
 * and stores it in the cache. Registers the account on first use. On
 * success, if crt_path/key_path are non-NULL they receive malloc'd paths of
 * the cached files. Blocking; see the threading contract above.
 */
int acme_obtain(struct acme_client *c, const char *const *domains, size_t n,
		char **crt_path, char **key_path, struct strbuf *err);

/*
 * HTTP-01 responder: if token is pending, appends its key authorization
 * (the exact response body, served as text/plain or
 * application/octet-stream) to *out and returns 0; else returns -1.
 * token is the path segment after /.well-known/acme-challenge/.
 */
int acme_http01_lookup(struct acme_client *c, const char *token,
		       struct strbuf *out);

/*
 * TLS-ALPN-01 responder: when a ClientHello offers ALPN "acme-tls/1" for
 * servername, serve this certificate and key (and select acme-tls/1; the
 * CA closes the connection after the handshake). On success *cert and *key
 * are new references the caller frees (X509_free/EVP_PKEY_free); -1 if no
 * challenge is pending for that name.
 */
int acme_tlsalpn01_lookup(struct acme_client *c, const char *servername,
			  X509 **cert, EVP_PKEY **key);

/*
 * Renewal: reads the first certificate in the PEM file at crt_path.
 * Returns 1 if it expires within days (or already has), 0 if not, -1 if
 * the file is missing or unreadable. *not_after (if non-NULL) gets the
 * expiry time.
 */
int acme_renewal_due(const char *crt_path, int days, time_t now,
		     time_t *not_after);

/* Paths of the cached certificate and key for domain (malloc'd). */
char *acme_cache_path(const char *cache_dir, const char *domain,
		      const char *ext);

/*
 * Building blocks, exposed for the unit tests (tests/unit/test-acme.c).
 */

/* RFC 4648 section 5 base64url without padding, appended to out. */
void acme_b64url(struct strbuf *out, const unsigned char *p, size_t n);

/* The public JWK of an EC P-256 key in RFC 7638 canonical form. */
int acme_jwk(EVP_PKEY *key, struct strbuf *out);

/* base64url(SHA-256(canonical JWK)), RFC 7638. */
int acme_jwk_thumbprint(EVP_PKEY *key, struct strbuf *out);

/* token "." thumbprint (RFC 8555 section 8.1). */
int acme_key_authorization(EVP_PKEY *key, const char *token,
			   struct strbuf *out);

/*
 * A flattened JWS (RFC 7515) signed with ES256: protected header carries
 * alg, nonce, url and either kid (if non-NULL) or the jwk. payload NULL
 * means POST-as-GET (empty payload).
 */
int acme_jws(EVP_PKEY *key, const char *kid, const char *nonce,
	     const char *url, const char *payload, struct strbuf *out);

/* ES256 over data: the 64-byte r||s form JWS wants (not DER). */
int acme_es256_sign(EVP_PKEY *key, const void *data, size_t n,
		    unsigned char sig[64]);

EVP_PKEY *acme_ec_key_new(void);

/* DER CSR for domains (CN = first), signed by key; malloc'd into *der. */
int acme_csr_der(EVP_PKEY *key, const char *const *domains, size_t n,
		 unsigned char **der, size_t *der_len);

/*
 * The TLS-ALPN-01 certificate (RFC 8737): self-signed, SAN = domain, and a
 * critical acmeIdentifier extension (1.3.6.1.5.5.7.1.31) holding
 * SHA-256(key authorization). A fresh key goes to *key.
 */
X509 *acme_tlsalpn01_cert(const char *domain, const char *key_authz,
			  EVP_PKEY **key);

/*
 * A TLS-ALPN-01 answer shared through the cache (see the layout above).
 * _save() writes it atomically, creating the folder; _load() gives new
 * references the caller frees, or -1 if no answer is pending for domain;
 * _remove() withdraws it. domain must pass acme_check_domain().
 */
int acme_tlsalpn01_save(const char *cache_dir, const char *domain, X509 *cert,
			EVP_PKEY *key);
int acme_tlsalpn01_load(const char *cache_dir, const char *domain, X509 **cert,
			EVP_PKEY **key);
void acme_tlsalpn01_remove(const char *cache_dir, const char *domain);

/* 0 if name is a plain DNS name we will put in an order and a file name. */
int acme_check_domain(const char *name);

/* Writes data to path via a temporary file, fsync and rename. */
int acme_write_atomic(const char *path, const void *data, size_t n, int mode);

#endif
