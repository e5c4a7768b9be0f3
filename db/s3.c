/* s3.c - S3 list and get over libcurl, signed with our own SigV4. */
#include "s3.h"
#include "log.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void add_hex(struct strbuf *out, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%02x", d[i]);
}

void s3_sha256_hex(struct strbuf *out, const void *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	add_hex(out, md, sizeof(md));
}

static void hmac(const void *key, size_t keylen, const char *msg,
		 unsigned char out[32])
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	     strlen(msg), out, &n);
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

static void uri_encode(struct strbuf *out, const char *s, int keep_slash)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (unreserved(c) || (keep_slash && c == '/'))
			strbuf_addch(out, c);
		else
			strbuf_addf(out, "%%%02X", c);
	}
}

void s3_encode_path(struct strbuf *out, const char *path)
{
	uri_encode(out, path, 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void s3_canonical_query(struct strbuf *out, const struct s3_kv *q, size_t n)
{
	char **pairs = xcalloc(n ? n : 1, sizeof(*pairs));

	/* Sorting "key=value" by bytes sorts by encoded key, then value. */
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		uri_encode(&sb, q[i].key, 0);
		strbuf_addch(&sb, '=');
		uri_encode(&sb, q[i].value ? q[i].value : "", 0);
		pairs[i] = strbuf_detach(&sb, NULL);
	}
	qsort(pairs, n, sizeof(*pairs), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, '&');
		strbuf_addstr(out, pairs[i]);
		free(pairs[i]);
	}
	free(pairs);
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct s3_kv *)a)->key, ((const struct s3_kv *)b)->key);
}

/* The canonical request, and the signed-headers list beside it. */
static void canonical_request(const struct s3_sign_request *r,
			      struct strbuf *out, struct strbuf *signed_headers)
{
	struct s3_kv *h = xcalloc(r->headers_nr ? r->headers_nr : 1, sizeof(*h));

	memcpy(h, r->headers, r->headers_nr * sizeof(*h));
	qsort(h, r->headers_nr, sizeof(*h), cmp_kv);
	strbuf_addf(out, "%s\n", r->method);
	s3_encode_path(out, r->path);
	strbuf_addch(out, '\n');
	s3_canonical_query(out, r->query, r->query_nr);
	strbuf_addch(out, '\n');
	for (size_t i = 0; i < r->headers_nr; i++) {
		strbuf_addf(out, "%s:%s\n", h[i].key, h[i].value);
		strbuf_addf(signed_headers, "%s%s", i ? ";" : "", h[i].key);
	}
	strbuf_addf(out, "\n%s\n%s", signed_headers->buf, r->payload_hash);
	free(h);
}

void s3_sigv4(const struct s3_sign_request *r, struct strbuf *auth)
{
	struct strbuf creq = STRBUF_INIT, sh = STRBUF_INIT, sts = STRBUF_INIT;
	struct strbuf scope = STRBUF_INIT, key = STRBUF_INIT;
	unsigned char k[32], sig[32];
	char date[9];

	memcpy(date, r->amz_date, 8);
	date[8] = '\0';
	canonical_request(r, &creq, &sh);
	strbuf_addf(&scope, "%s/%s/%s/aws4_request", date, r->region, r->service);
	strbuf_addf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n", r->amz_date, scope.buf);
	s3_sha256_hex(&sts, creq.buf, creq.len);

	strbuf_addf(&key, "AWS4%s", r->secret_key);
	hmac(key.buf, key.len, date, k);
	hmac(k, 32, r->region, k);
	hmac(k, 32, r->service, k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, sts.buf, sig);

	strbuf_addf(auth, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=",
		    r->access_key, scope.buf, sh.buf);
	add_hex(auth, sig, sizeof(sig));
	OPENSSL_cleanse(key.buf, key.len);
	OPENSSL_cleanse(k, sizeof(k));
	strbuf_release(&creq);
	strbuf_release(&sh);
	strbuf_release(&sts);
	strbuf_release(&scope);
	strbuf_release(&key);
}

/* --- requests ----------------------------------------------------------- */

struct sink {
	struct strbuf *buf; /* small bodies (listings, errors) */
	FILE *file;         /* downloads */
	long long bytes;
};

static size_t on_data(char *p, size_t size, size_t n, void *v)
{
	struct sink *s = v;
	size_t len = size * n;

	s->bytes += (long long)len;
	if (s->file)
		return fwrite(p, 1, len, s->file);
	return strbuf_add(s->buf, p, len) ? 0 : len;
}

/* The host[:port] of an endpoint URL, as curl sends it in Host. */
static void endpoint_host(struct strbuf *host, const char *endpoint)
{
	const char *p = strstr(endpoint, "://");
	p = p ? p + 3 : endpoint;
	strbuf_add(host, p, strcspn(p, "/"));
}

/* The text of <tag>...</tag> after *from, entities decoded; -1 if none. */
static int xml_text(const char *xml, const char *tag, struct strbuf *out,
		    const char **end)
{
	struct strbuf open = STRBUF_INIT, close = STRBUF_INIT;
	const char *a, *b;
	int rc = -1;

	strbuf_addf(&open, "<%s>", tag);
	strbuf_addf(&close, "</%s>", tag);
	if ((a = strstr(xml, open.buf)) && (b = strstr(a, close.buf))) {
		static const struct { const char *ent, *ch; } ents[] = {
			{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
			{ "&quot;", "\"" }, { "&apos;", "'" },
		};
		for (a += open.len; a < b; a++) {
			size_t i;
			for (i = 0; i < ARRAY_SIZE(ents); i++)
				if (starts_with(a, ents[i].ent))
					break;
			if (i < ARRAY_SIZE(ents)) {
				strbuf_addstr(out, ents[i].ch);
				a += strlen(ents[i].ent) - 1;
			} else {
				strbuf_addch(out, *a);
			}
		}
		if (end)
			*end = b + close.len;
		rc = 0;
	}
	strbuf_release(&open);
	strbuf_release(&close);
	return rc;
}

static void describe_failure(struct strbuf *err, long status, const struct strbuf *body)
{
	struct strbuf code = STRBUF_INIT, msg = STRBUF_INIT;

	strbuf_addf(err, "%ld", status);
	if (body && xml_text(body->buf, "Code", &code, NULL) == 0)
		strbuf_addf(err, " %s", code.buf);
	if (body && xml_text(body->buf, "Message", &msg, NULL) == 0)
		strbuf_addf(err, ": %s", msg.buf);
	if (status == 403)
		strbuf_addstr(err, " (wrong credentials?)");
	strbuf_release(&code);
	strbuf_release(&msg);
}

/* One signed GET of ENDPOINT/BUCKET[/KEY]?query; the body goes to s. */
static int s3_get(const struct s3_client *c, const char *key,
		  const struct s3_kv *q, size_t qn, struct sink *s,
		  long *status, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, url = STRBUF_INIT, host = STRBUF_INIT;
	struct strbuf auth = STRBUF_INIT, hdr = STRBUF_INIT;
	struct curl_slist *headers = NULL;
	char amz_date[17];
	time_t now = time(NULL);
	struct tm tm;
	CURL *curl;
	CURLcode cc;

	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	strbuf_addf(&path, "/%s%s%s", c->bucket, key ? "/" : "", key ? key : "");
	endpoint_host(&host, c->endpoint);
	{
		const struct s3_kv h[] = {
			{ "host", host.buf },
			{ "x-amz-content-sha256", EMPTY_SHA256 },
			{ "x-amz-date", amz_date },
		};
		const struct s3_sign_request r = {
			"GET", path.buf, q, qn, h, ARRAY_SIZE(h), EMPTY_SHA256,
			amz_date, c->region ? c->region : "auto", "s3",
			c->access_key, c->secret_key,
		};
		s3_sigv4(&r, &auth);
	}
	/* The URL carries exactly the encoding that was signed. */
	strbuf_addstr(&url, c->endpoint);
	strbuf_rtrim(&url);
	while (url.len && url.buf[url.len - 1] == '/')
		strbuf_setlen(&url, url.len - 1);
	s3_encode_path(&url, path.buf);
	if (qn) {
		strbuf_addch(&url, '?');
		s3_canonical_query(&url, q, qn);
	}
	strbuf_addf(&hdr, "Host: %s", host.buf);
	headers = curl_slist_append(headers, hdr.buf);
	headers = curl_slist_append(headers, "x-amz-content-sha256: " EMPTY_SHA256);
	strbuf_reset(&hdr);
	strbuf_addf(&hdr, "x-amz-date: %s", amz_date);
	headers = curl_slist_append(headers, hdr.buf);
	strbuf_reset(&hdr);
	strbuf_addf(&hdr, "Authorization: %s", auth.buf);
	headers = curl_slist_append(headers, hdr.buf);

	curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_URL, url.buf);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(curl);
	*status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	if (cc != CURLE_OK)
		strbuf_addf(err, "s3: GET %s: %s", url.buf, curl_easy_strerror(cc));
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	OPENSSL_cleanse(auth.buf, auth.len);
	strbuf_release(&path);
	strbuf_release(&url);
	strbuf_release(&host);
	strbuf_release(&auth);
	strbuf_release(&hdr);
	return cc == CURLE_OK ? 0 : -1;
}

/* Scans one listing page for a newer object than (best_key, best_time). */
static void scan_page(const char *xml, struct strbuf *best_key,
		      struct strbuf *best_time)
{
	const char *p = xml, *end;
	struct strbuf item = STRBUF_INIT, k = STRBUF_INIT, t = STRBUF_INIT;

	while (strbuf_reset(&item), xml_text(p, "Contents", &item, &end) == 0) {
		strbuf_reset(&k);
		strbuf_reset(&t);
		p = end;
		if (xml_text(item.buf, "Key", &k, NULL) < 0 || ends_with(k.buf, "/"))
			continue;
		xml_text(item.buf, "LastModified", &t, NULL);
		if (!best_key->len || strcmp(t.buf, best_time->buf) > 0 ||
		    (!strcmp(t.buf, best_time->buf) && strcmp(k.buf, best_key->buf) > 0)) {
			strbuf_reset(best_key);
			strbuf_addbuf(best_key, &k);
			strbuf_reset(best_time);
			strbuf_addbuf(best_time, &t);
		}
	}
	strbuf_release(&item);
	strbuf_release(&k);
	strbuf_release(&t);
}

int s3_newest(const struct s3_client *c, const char *prefix, struct strbuf *key,
	      struct strbuf *err)
{
	struct strbuf body = STRBUF_INIT, token = STRBUF_INIT, when = STRBUF_INIT;
	struct strbuf trunc = STRBUF_INIT;
	int rc = -1;

	strbuf_reset(key);
	for (;;) {
		struct s3_kv q[3] = { { "list-type", "2" }, { "prefix", prefix },
				      { "continuation-token", token.buf } };
		struct sink s = { &body, NULL, 0 };
		long status;

		strbuf_reset(&body);
		if (s3_get(c, NULL, q, token.len ? 3 : 2, &s, &status, err) < 0)
			goto out;
		if (status != 200) {
			strbuf_addf(err, "s3: listing bucket '%s' at %s: ", c->bucket,
				    c->endpoint);
			describe_failure(err, status, &body);
			goto out;
		}
		scan_page(body.buf, key, &when);
		strbuf_reset(&trunc);
		strbuf_reset(&token);
		xml_text(body.buf, "IsTruncated", &trunc, NULL);
		if (strcmp(trunc.buf, "true") ||
		    xml_text(body.buf, "NextContinuationToken", &token, NULL) < 0)
			break;
	}
	if (!key->len) {
		strbuf_addf(err, "s3: no dump under s3://%s/%s at %s", c->bucket,
			    prefix, c->endpoint);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&body);
	strbuf_release(&token);
	strbuf_release(&when);
	strbuf_release(&trunc);
	return rc;
}

int s3_get_file(const struct s3_client *c, const char *key, const char *path,
		struct strbuf *err)
{
	struct strbuf body = STRBUF_INIT;
	struct sink s = { &body, NULL, 0 };
	long status;
	int rc = -1;

	s.file = fopen(path, "wb");
	if (!s.file) {
		strbuf_addf(err, "cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	if (s3_get(c, key, NULL, 0, &s, &status, err) < 0)
		goto out;
	if (fflush(s.file) || ferror(s.file)) {
		strbuf_addf(err, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	if (status != 200) {
		fclose(s.file);
		s.file = NULL;
		strbuf_read_file(&body, path);
		strbuf_addf(err, "s3: GET s3://%s/%s at %s: ", c->bucket, key, c->endpoint);
		describe_failure(err, status, &body);
		goto out;
	}
	rc = 0;
out:
	if (s.file)
		fclose(s.file);
	if (rc)
		unlink(path);
	strbuf_release(&body);
	return rc;
}
