#ifndef BERTH_PROXY_ACME_CHECK_H
#define BERTH_PROXY_ACME_CHECK_H
#include "strbuf.h"
/*
 * Asks the --tls-on-demand-url endpoint whether host may have a
 * certificate: 0 when it answered 200, else -1 with one line in why.
 * host_header, if set, replaces the Host header (the endpoint is then a
 * path of the service, reached at its target). Needs curl_global_init().
 */
int ondemand_check(const char *url, const char *host_header, const char *host,
		   struct strbuf *why);
#endif
