/*
 * berth-proxy-acme - obtains one certificate for berth-proxy, then exits.
 *
 *   berth-proxy-acme [--check URL [--check-host HOST]] CACHE-DIR DOMAIN...
 *
 * A separate program so that the daemon never loads libcurl and its TLS
 * stack (several MiB of resident memory) just in case a certificate is
 * wanted. The daemon answers the CA itself:
 *  - HTTP-01 on port 80: a key authorization is the token plus the account
 *    key's thumbprint, and the account key is in CACHE-DIR;
 *  - TLS-ALPN-01 on port 443: the challenge certificate has a fresh key, so
 *    we leave it in CACHE-DIR/acme-tls-alpn/ while the CA validates.
 *
 * Like kamal-proxy (Go's autocert), we try TLS-ALPN-01 first and, if the
 * CA does not offer it or it fails, order again with HTTP-01.
 *
 * Environment: BERTH_PROXY_ACME_DIRECTORY (default Let's Encrypt),
 * BERTH_PROXY_ACME_STAGING=1, BERTH_PROXY_ACME_CA (extra trust, tests),
 * BERTH_PROXY_ACME_CHALLENGE=tls-alpn-01|http-01 (only that one).
 * With --check (--tls-on-demand-url), the endpoint is asked first whether
 * DOMAIN may have a certificate (check.c); --check-host sets the Host
 * header it gets.
 * Exit status 0 with the certificate in the cache, 3 when the check said
 * no, 1 with one line on stderr per failed attempt otherwise.
 */
#include "compat.h"
#include "proxy/acme.h"
#include "check.h"

static int obtain(struct acme_config *ac, enum acme_challenge_type type,
		  char **domains, size_t n)
{
	struct strbuf err = STRBUF_INIT;
	struct acme_client *c;
	int ret = 0;

	ac->challenge = type;
	c = acme_client_new(ac, &err);
	if (!c || acme_obtain(c, (const char *const *)domains, n, NULL, NULL,
			      &err) < 0) {
		fprintf(stderr, "%s\n", err.len ? err.buf : "certificate request failed");
		ret = -1;
	}
	if (c)
		acme_client_free(c);
	strbuf_release(&err);
	return ret;
}

/* The challenge types to try, in order; 0 when the setting is unknown. */
static size_t challenge_order(enum acme_challenge_type order[2])
{
	const char *want = getenv("BERTH_PROXY_ACME_CHALLENGE");

	if (!want || !*want) {
		order[0] = ACME_TLSALPN01;
		order[1] = ACME_HTTP01;
		return 2;
	}
	if (!strcmp(want, "tls-alpn-01"))
		order[0] = ACME_TLSALPN01;
	else if (!strcmp(want, "http-01"))
		order[0] = ACME_HTTP01;
	else
		return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct acme_config ac = { 0 };
	enum acme_challenge_type order[2];
	const char *staging = getenv("BERTH_PROXY_ACME_STAGING");
	const char *check = NULL, *check_host = NULL;
	size_t n = challenge_order(order);

	for (; argc > 2 && !strncmp(argv[1], "--check", 7); argc -= 2, argv += 2) {
		if (!strcmp(argv[1], "--check"))
			check = argv[2];
		else if (!strcmp(argv[1], "--check-host"))
			check_host = argv[2];
		else
			break;
	}
	if (argc < 3 || !strncmp(argv[1], "--", 2)) {
		fprintf(stderr, "usage: berth-proxy-acme [--check URL [--check-host HOST]] CACHE-DIR DOMAIN...\n");
		return 2;
	}
	if (!n) {
		fprintf(stderr, "BERTH_PROXY_ACME_CHALLENGE must be tls-alpn-01 or http-01\n");
		return 2;
	}
	acme_global_init();
	if (check) {
		struct strbuf why = STRBUF_INIT;
		if (ondemand_check(check, check_host, argv[2], &why) < 0) {
			fprintf(stderr, "%s\n", why.buf);
			return 3;
		}
		strbuf_release(&why);
		fprintf(stderr, "requesting a certificate for '%s'\n", argv[2]);
	}
	ac.directory_url = getenv("BERTH_PROXY_ACME_DIRECTORY");
	ac.ca_file = getenv("BERTH_PROXY_ACME_CA");
	ac.staging = staging && !strcmp(staging, "1");
	ac.cache_dir = argv[1];
	ac.share_tlsalpn01 = 1;
	for (size_t i = 0; i < n; i++)
		if (!obtain(&ac, order[i], argv + 2, argc - 2))
			return 0;
	return 1;
}
