/*
 * berth-proxy-acme - obtains one certificate for berth-proxy, then exits.
 *
 *   berth-proxy-acme CACHE-DIR DOMAIN...
 *
 * A separate program so that the daemon never loads libcurl and its TLS
 * stack (several MiB of resident memory) just in case a certificate is
 * wanted. The daemon answers the CA's HTTP-01 requests itself: a key
 * authorization is the token plus the account key's thumbprint, and the
 * account key is in CACHE-DIR.
 *
 * Environment: BERTH_PROXY_ACME_DIRECTORY (default Let's Encrypt),
 * BERTH_PROXY_ACME_STAGING=1, BERTH_PROXY_ACME_CA (extra trust, tests).
 * Exit status 0 with the certificate in the cache, 1 with one line on
 * stderr otherwise.
 */
#include "compat.h"
#include "proxy/acme.h"

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct acme_config ac = { 0 };
	const char *staging = getenv("BERTH_PROXY_ACME_STAGING");
	if (argc < 3) {
		fprintf(stderr, "usage: berth-proxy-acme CACHE-DIR DOMAIN...\n");
		return 2;
	}
	acme_global_init();
	ac.directory_url = getenv("BERTH_PROXY_ACME_DIRECTORY");
	ac.ca_file = getenv("BERTH_PROXY_ACME_CA");
	ac.staging = staging && !strcmp(staging, "1");
	ac.cache_dir = argv[1];
	ac.challenge = ACME_HTTP01;
	struct acme_client *c = acme_client_new(&ac, &err);
	if (!c || acme_obtain(c, (const char *const *)argv + 2, argc - 2, NULL,
			      NULL, &err) < 0) {
		fprintf(stderr, "%s\n", err.len ? err.buf : "certificate request failed");
		return 1;
	}
	acme_client_free(c);
	strbuf_release(&err);
	return 0;
}
