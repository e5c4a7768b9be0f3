/*
 * check.c - the --tls-on-demand-url question: may HOST have a certificate?
 *
 * GET URL?host=HOST (2 s, redirects not followed: a redirect is the
 * endpoint's answer, and following it could turn a denial into someone
 * else's 200). Only 200 allows; the status and up to 256 bytes of the body
 * of any other answer are reported, as kamal-proxy logs them.
 */
#include "compat.h"
#include "check.h"
#include <curl/curl.h>

#define CHECK_TIMEOUT_MS 2000L
#define CHECK_BODY_MAX 256

static size_t keep_start(char *p, size_t size, size_t n, void *data)
{
	struct strbuf *body = data;
	size_t len = size * n;
	if (body->len < CHECK_BODY_MAX)
		strbuf_add(body, p, len < CHECK_BODY_MAX - body->len ? len :
				    CHECK_BODY_MAX - body->len);
	return len;
}

static void check_url(struct strbuf *out, CURL *curl, const char *url, const char *host)
{
	char *esc = curl_easy_escape(curl, host, 0);
	const char *hash = strchr(url, '#');
	size_t base = hash ? (size_t)(hash - url) : strlen(url);

	strbuf_add(out, url, base);
	strbuf_addstr(out, memchr(url, '?', base) ? "&host=" : "?host=");
	strbuf_addstr(out, esc ? esc : host);
	curl_free(esc);
}

int ondemand_check(const char *url, const char *host_header, const char *host,
		   struct strbuf *why)
{
	CURL *curl = curl_easy_init();
	struct strbuf full = STRBUF_INIT, body = STRBUF_INIT, hdr = STRBUF_INIT;
	struct curl_slist *hdrs = NULL;
	long status = 0;
	int ret = -1;

	if (!curl) {
		strbuf_addstr(why, "cannot start an HTTP client");
		return -1;
	}
	check_url(&full, curl, url, host);
	if (host_header) {
		strbuf_addf(&hdr, "Host: %s", host_header);
		hdrs = curl_slist_append(hdrs, hdr.buf);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	}
	curl_easy_setopt(curl, CURLOPT_URL, full.buf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "berth-proxy-acme/1");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, CHECK_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_start);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	CURLcode rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		strbuf_addf(why, "TLS on-demand check for '%s' failed: %s: %s", host,
			    full.buf, curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200)
			ret = 0;
		else
			strbuf_addf(why, "TLS on-demand check denied host '%s' (status: %ld, body: \"%.*s\")",
				    host, status, (int)body.len, body.buf);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	strbuf_release(&full);
	strbuf_release(&body);
	strbuf_release(&hdr);
	return ret;
}
