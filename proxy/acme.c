/*
 * acme.c - the online half of the ACME client: the RFC 8555 conversation
 * over libcurl, and the pending-challenge table the daemon answers from.
 *
 * One acme_obtain() walks: directory -> nonce -> account (new-account is
 * idempotent for a known key, so the account URL needs no cache) -> order
 * -> for each authorization, publish a challenge answer, tell the CA to
 * validate, poll -> finalize with a CSR -> poll -> download the chain ->
 * write key and chain to the cache -> withdraw the answers.
 */
#include "acme.h"
#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/pem.h>

#define ACME_BODY_MAX (1 << 20) /* a chain is a few KiB; refuse more */
#define ACME_NONCE_RETRIES 5

struct pending {
	char *token;   /* HTTP-01 */
	char *domain;  /* TLS-ALPN-01 */
	char *keyauth;
	X509 *cert;
	EVP_PKEY *key;
};

struct acme_client {
	char *dir_url, *cache_dir, *email, *ca_file;
	enum acme_challenge_type challenge;
	int timeout_sec, share_tlsalpn01;
	time_t deadline;

	EVP_PKEY *account;
	char *kid;
	char *url_nonce, *url_account, *url_order;
	char *nonce;
	CURL *curl;

	pthread_mutex_t lock; /* guards pend: lookups come from the daemon */
	struct pending *pend;
	size_t pend_nr, pend_alloc;
};

struct resp {
	long status;
	struct strbuf body;
	char *location;
	char *nonce;
	long retry_after;
};

static void resp_release(struct resp *r)
{
	strbuf_release(&r->body);
	free(r->location);
	free(r->nonce);
	memset(r, 0, sizeof(*r));
}

static int fail(struct strbuf *err, const char *fmt, ...) BERTH_PRINTF(2, 3);
static int fail(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		if (err->len)
			strbuf_addstr(err, ": ");
		va_start(ap, fmt);
		strbuf_vaddf(err, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void acme_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the pending-challenge table ---------------------------------- */

static void pending_clear(struct pending *p)
{
	free(p->token);
	free(p->domain);
	free(p->keyauth);
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
}

static void publish(struct acme_client *c, struct pending *p)
{
	pthread_mutex_lock(&c->lock);
	ALLOC_GROW(c->pend, c->pend_nr + 1, c->pend_alloc);
	c->pend[c->pend_nr++] = *p;
	pthread_mutex_unlock(&c->lock);
}

static void withdraw_all(struct acme_client *c)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->pend_nr; i++) {
		if (c->share_tlsalpn01 && c->pend[i].domain)
			acme_tlsalpn01_remove(c->cache_dir, c->pend[i].domain);
		pending_clear(&c->pend[i]);
	}
	c->pend_nr = 0;
	pthread_mutex_unlock(&c->lock);
}

int acme_http01_lookup(struct acme_client *c, const char *token,
		       struct strbuf *out)
{
	size_t i;
	int ret = -1;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->pend_nr; i++) {
		if (c->pend[i].token && !strcmp(c->pend[i].token, token)) {
			strbuf_addstr(out, c->pend[i].keyauth);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int acme_tlsalpn01_lookup(struct acme_client *c, const char *servername,
			  X509 **cert, EVP_PKEY **key)
{
	size_t i;
	int ret = -1;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->pend_nr; i++) {
		struct pending *p = &c->pend[i];
		if (p->cert && !strcasecmp(p->domain, servername)) {
			X509_up_ref(p->cert);
			EVP_PKEY_up_ref(p->key);
			*cert = p->cert;
			*key = p->key;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* ---- HTTP --------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	struct resp *r = data;
	return strbuf_add(&r->body, p, size * n) ? 0 : size * n;
}

/* Copies the value of header "name:" from line, trimmed, or NULL. */
static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	for (v = line + n + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return xstrndup(v, end - v);
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct resp *r = data;
	size_t len = size * n;
	char *v;

	if ((v = header_value(p, len, "replay-nonce"))) {
		free(r->nonce);
		r->nonce = v;
	} else if ((v = header_value(p, len, "location"))) {
		free(r->location);
		r->location = v;
	} else if ((v = header_value(p, len, "retry-after"))) {
		r->retry_after = atol(v);
		free(v);
	}
	return len;
}

/* body NULL and head 0: GET; body NULL and head 1: HEAD; else POST. */
static int http(struct acme_client *c, const char *url, int head,
		const char *body, struct resp *r, struct strbuf *err)
{
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	long left = (long)(c->deadline - time(NULL));

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body, 0);
	r->body.max = ACME_BODY_MAX;
	if (left <= 0)
		return fail(err, "timed out talking to '%s'", c->dir_url);

	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "berth-proxy-acme/1");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, left < 60 ? left : 60L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https,http");
	if (c->ca_file)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca_file);
	if (head) {
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	} else if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/jose+json");
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK)
		return fail(err, "'%s': %s", url, curl_easy_strerror(rc));
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->nonce) {
		free(c->nonce);
		c->nonce = xstrdup(r->nonce);
	}
	return 0;
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An RFC 7807 problem document, as one line. */
static int problem(const char *what, struct resp *r, struct strbuf *err)
{
	cJSON *j = cJSON_ParseWithLength(r->body.buf, r->body.len);
	const char *type = j ? json_string(j, "type") : NULL;
	const char *detail = j ? json_string(j, "detail") : NULL;

	fail(err, "%s: HTTP %ld%s%s%s%s", what, r->status, type ? " " : "",
	     type ? type : "", detail ? ": " : "", detail ? detail : "");
	cJSON_Delete(j);
	return -1;
}

static int is_bad_nonce(struct resp *r)
{
	return r->status == 400 &&
	       strstr(r->body.buf, "urn:ietf:params:acme:error:badNonce");
}

/*
 * A signed POST (payload NULL: POST-as-GET). Uses the account URL as kid
 * once known, else the JWK. Retries badNonce, as RFC 8555 6.5 asks.
 */
static int post(struct acme_client *c, const char *url, const char *payload,
		struct resp *r, const char *what, struct strbuf *err)
{
	int tries;

	for (tries = 0; tries < ACME_NONCE_RETRIES; tries++) {
		struct strbuf jws = STRBUF_INIT;
		char *nonce;
		int ret;

		if (!c->nonce) {
			struct resp h;
			ret = http(c, c->url_nonce, 1, NULL, &h, err);
			resp_release(&h);
			if (ret)
				return -1;
			if (!c->nonce)
				return fail(err, "no Replay-Nonce from '%s'",
					    c->url_nonce);
		}
		nonce = c->nonce;
		c->nonce = NULL; /* each nonce is good for one request */
		ret = acme_jws(c->account, c->kid, nonce, url, payload, &jws);
		free(nonce);
		if (ret) {
			strbuf_release(&jws);
			return fail(err, "cannot sign the request to '%s'", url);
		}
		ret = http(c, url, 0, jws.buf, r, err);
		strbuf_release(&jws);
		if (ret)
			return -1;
		if (!is_bad_nonce(r))
			break;
		resp_release(r);
	}
	if (tries == ACME_NONCE_RETRIES)
		return fail(err, "%s: the CA kept rejecting our nonces", what);
	if (r->status >= 400)
		return problem(what, r, err);
	return 0;
}

static cJSON *post_json(struct acme_client *c, const char *url,
			const char *payload, char **location, const char *what,
			struct strbuf *err)
{
	struct resp r;
	cJSON *j = NULL;

	if (!post(c, url, payload, &r, what, err)) {
		j = cJSON_ParseWithLength(r.body.buf, r.body.len);
		if (!j || !cJSON_IsObject(j)) {
			cJSON_Delete(j);
			j = NULL;
			fail(err, "%s: the CA sent no JSON object", what);
		} else if (location) {
			*location = r.location;
			r.location = NULL;
		}
	}
	resp_release(&r);
	return j;
}

/* ---- the client --------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	int ret = 0;

	strbuf_addstr(&sb, dir);
	for (p = sb.buf + 1; ret == 0; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = '\0';
			if (mkdir(sb.buf, 0700) && errno != EEXIST)
				ret = -1;
			*p = c;
			if (!c)
				break;
		}
	}
	strbuf_release(&sb);
	return ret;
}

static EVP_PKEY *load_or_create_key(const char *path, struct strbuf *err)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;
	BIO *bio;
	char *pem;
	long n;

	if (f) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (!key || !EVP_PKEY_is_a(key, "EC")) {
			EVP_PKEY_free(key);
			fail(err, "'%s' is not an EC private key", path);
			return NULL;
		}
		return key;
	}
	if (errno != ENOENT) {
		fail(err, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	key = acme_ec_key_new();
	bio = BIO_new(BIO_s_mem());
	if (!key || !bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
		goto fail;
	n = BIO_get_mem_data(bio, &pem);
	if (acme_write_atomic(path, pem, n, 0600)) {
		fail(err, "cannot write '%s': %s", path, strerror(errno));
		BIO_free(bio);
		EVP_PKEY_free(key);
		return NULL;
	}
	BIO_free(bio);
	return key;
fail:
	BIO_free(bio);
	EVP_PKEY_free(key);
	fail(err, "cannot create a key for '%s'", path);
	return NULL;
}

static char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct acme_client *acme_client_new(const struct acme_config *cfg,
				    struct strbuf *err)
{
	struct acme_client *c;
	char *path;

	if (!cfg->cache_dir || !*cfg->cache_dir) {
		fail(err, "acme needs a cache directory");
		return NULL;
	}
	if (mkdir_p(cfg->cache_dir)) {
		fail(err, "cannot create '%s': %s", cfg->cache_dir, strerror(errno));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->dir_url = xstrdup(cfg->directory_url ? cfg->directory_url :
			     cfg->staging ? ACME_LETSENCRYPT_STAGING_URL :
					    ACME_LETSENCRYPT_URL);
	c->cache_dir = xstrdup(cfg->cache_dir);
	c->email = xstrdup_or_null(cfg->contact_email);
	c->ca_file = xstrdup_or_null(cfg->ca_file);
	c->challenge = cfg->challenge;
	c->share_tlsalpn01 = cfg->share_tlsalpn01;
	c->timeout_sec = cfg->timeout_sec > 0 ? cfg->timeout_sec : 300;
	pthread_mutex_init(&c->lock, NULL);
	c->curl = curl_easy_init();
	path = acme_cache_path(c->cache_dir, "acme-account", ".key");
	c->account = load_or_create_key(path, err);
	free(path);
	if (!c->curl || !c->account) {
		if (!c->curl)
			fail(err, "cannot start libcurl");
		acme_client_free(c);
		return NULL;
	}
	return c;
}

void acme_client_free(struct acme_client *c)
{
	if (!c)
		return;
	withdraw_all(c);
	free(c->pend);
	pthread_mutex_destroy(&c->lock);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	EVP_PKEY_free(c->account);
	free(c->dir_url);
	free(c->cache_dir);
	free(c->email);
	free(c->ca_file);
	free(c->kid);
	free(c->url_nonce);
	free(c->url_account);
	free(c->url_order);
	free(c->nonce);
	free(c);
}

static int load_directory(struct acme_client *c, struct strbuf *err)
{
	struct resp r;
	cJSON *j = NULL;
	int ret = -1;

	if (c->url_order)
		return 0;
	if (http(c, c->dir_url, 0, NULL, &r, err))
		goto out;
	if (r.status != 200) {
		problem("directory", &r, err);
		goto out;
	}
	j = cJSON_ParseWithLength(r.body.buf, r.body.len);
	if (!j || !json_string(j, "newNonce") || !json_string(j, "newAccount") ||
	    !json_string(j, "newOrder")) {
		fail(err, "'%s' is not an ACME directory", c->dir_url);
		goto out;
	}
	c->url_nonce = xstrdup(json_string(j, "newNonce"));
	c->url_account = xstrdup(json_string(j, "newAccount"));
	c->url_order = xstrdup(json_string(j, "newOrder"));
	ret = 0;
out:
	cJSON_Delete(j);
	resp_release(&r);
	return ret;
}

static int ensure_account(struct acme_client *c, struct strbuf *err)
{
	struct strbuf payload = STRBUF_INIT;
	char *loc = NULL;
	cJSON *j;

	if (c->kid)
		return 0;
	strbuf_addstr(&payload, "{\"termsOfServiceAgreed\":true");
	if (c->email) {
		cJSON *s = cJSON_CreateString(c->email);
		char *q;
		strbuf_addstr(&payload, ",\"contact\":[");
		/* cJSON escapes; "mailto:" + the escaped address body. */
		q = cJSON_PrintUnformatted(s);
		strbuf_addf(&payload, "\"mailto:%s]", q + 1);
		cJSON_free(q);
		cJSON_Delete(s);
	}
	strbuf_addch(&payload, '}');
	j = post_json(c, c->url_account, payload.buf, &loc, "new-account", err);
	strbuf_release(&payload);
	cJSON_Delete(j);
	if (!j)
		return -1;
	if (!loc)
		return fail(err, "new-account: the CA sent no account URL");
	c->kid = loc;
	return 0;
}

static void pause_for(const struct resp *r)
{
	long s = r->retry_after;
	usleep((s > 0 ? (s > 10 ? 10 : s) * 1000000L : 500000L));
}

/*
 * POST-as-GET url until its "status" leaves the waiting states. Returns
 * the final object (the caller checks which status it reached).
 */
static cJSON *poll_status(struct acme_client *c, const char *url, const char *what,
		   struct strbuf *err)
{
	for (;;) {
		struct resp r;
		cJSON *j;
		const char *st;

		if (post(c, url, NULL, &r, what, err)) {
			resp_release(&r);
			return NULL;
		}
		j = cJSON_ParseWithLength(r.body.buf, r.body.len);
		st = j ? json_string(j, "status") : NULL;
		if (!st) {
			cJSON_Delete(j);
			resp_release(&r);
			fail(err, "%s: no status from the CA", what);
			return NULL;
		}
		if (strcmp(st, "pending") && strcmp(st, "processing")) {
			resp_release(&r);
			return j;
		}
		cJSON_Delete(j);
		if (time(NULL) >= c->deadline) {
			resp_release(&r);
			fail(err, "%s: still %s at the deadline", what, st);
			return NULL;
		}
		pause_for(&r);
		resp_release(&r);
	}
}

/* The CA's own words about a failed challenge, for the error line. */
static void challenge_error(const cJSON *authz, struct strbuf *err)
{
	const cJSON *ch;

	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(authz, "challenges")) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(ch, "error");
		if (e && json_string(e, "detail"))
			fail(err, "%s", json_string(e, "detail"));
	}
}

static int prepare_answer(struct acme_client *c, const char *domain,
			  const char *token, struct strbuf *err)
{
	struct pending p = { 0 };
	struct strbuf ka = STRBUF_INIT;

	if (acme_key_authorization(c->account, token, &ka))
		return fail(err, "cannot compute the key authorization");
	p.keyauth = strbuf_detach(&ka, NULL);
	if (c->challenge == ACME_HTTP01) {
		p.token = xstrdup(token);
	} else {
		p.domain = xstrdup(domain);
		p.cert = acme_tlsalpn01_cert(domain, p.keyauth, &p.key);
		if (!p.cert) {
			pending_clear(&p);
			return fail(err, "cannot make the tls-alpn-01 certificate");
		}
		/* Before the CA is told to look: it may connect at once. */
		if (c->share_tlsalpn01 &&
		    acme_tlsalpn01_save(c->cache_dir, domain, p.cert, p.key)) {
			int saved = errno;
			pending_clear(&p);
			return fail(err, "cannot write the tls-alpn-01 answer to '%s': %s",
				    c->cache_dir, strerror(saved));
		}
	}
	publish(c, &p);
	return 0;
}

static int authorize(struct acme_client *c, const char *url, struct strbuf *err)
{
	const char *want = c->challenge == ACME_HTTP01 ? "http-01" : "tls-alpn-01";
	cJSON *authz, *ch, *done = NULL, *resp;
	const char *domain, *st, *token = NULL, *ch_url = NULL;
	int ret = -1;

	authz = post_json(c, url, NULL, NULL, "authorization", err);
	if (!authz)
		return -1;
	st = json_string(authz, "status");
	if (st && !strcmp(st, "valid")) {
		cJSON_Delete(authz);
		return 0; /* reused from an earlier order */
	}
	domain = json_string(cJSON_GetObjectItemCaseSensitive(authz, "identifier"), "value");
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(authz, "challenges")) {
		const char *type = json_string(ch, "type");
		if (type && !strcmp(type, want)) {
			token = json_string(ch, "token");
			ch_url = json_string(ch, "url");
		}
	}
	if (!domain || !token || !ch_url) {
		fail(err, "authorization for '%s' offers no %s challenge",
		     domain ? domain : url, want);
		goto out;
	}
	/* RFC 8555 8.1: tokens are base64url; anything else is not ours to serve. */
	if (strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(token)) {
		fail(err, "the CA sent a malformed token for '%s'", domain);
		goto out;
	}
	if (prepare_answer(c, domain, token, err))
		goto out;
	resp = post_json(c, ch_url, "{}", NULL, "challenge", err);
	if (!resp)
		goto out;
	cJSON_Delete(resp);
	done = poll_status(c, url, "authorization", err);
	if (!done)
		goto out;
	st = json_string(done, "status");
	if (strcmp(st, "valid")) {
		fail(err, "'%s' failed %s validation (%s)", domain, want, st);
		challenge_error(done, err);
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(done);
	cJSON_Delete(authz);
	return ret;
}

static char *order_payload(const char *const *domains, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ids = cJSON_AddArrayToObject(o, "identifiers");
	char *s;
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *id = cJSON_CreateObject();
		cJSON_AddStringToObject(id, "type", "dns");
		cJSON_AddStringToObject(id, "value", domains[i]);
		cJSON_AddItemToArray(ids, id);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int finalize(struct acme_client *c, const char *order_url,
		    const cJSON *order, EVP_PKEY *key,
		    const char *const *domains, size_t n, char **cert_url,
		    struct strbuf *err)
{
	const char *fin = json_string(order, "finalize");
	struct strbuf payload = STRBUF_INIT;
	unsigned char *der = NULL;
	size_t der_len;
	cJSON *j, *done;
	const char *st;
	int ret = -1;

	if (!fin)
		return fail(err, "the order has no finalize URL");
	if (acme_csr_der(key, domains, n, &der, &der_len))
		return fail(err, "cannot build the CSR");
	strbuf_addstr(&payload, "{\"csr\":\"");
	acme_b64url(&payload, der, der_len);
	strbuf_addstr(&payload, "\"}");
	free(der);
	j = post_json(c, fin, payload.buf, NULL, "finalize", err);
	strbuf_release(&payload);
	if (!j)
		return -1;
	cJSON_Delete(j);
	done = poll_status(c, order_url, "order", err);
	if (!done)
		return -1;
	st = json_string(done, "status");
	if (strcmp(st, "valid") || !json_string(done, "certificate"))
		fail(err, "the order ended '%s', not valid", st);
	else {
		*cert_url = xstrdup(json_string(done, "certificate"));
		ret = 0;
	}
	cJSON_Delete(done);
	return ret;
}

/* Checks the chain parses and its leaf carries our key, then caches both. */
static int store(struct acme_client *c, const char *domain, EVP_PKEY *key,
		 const struct strbuf *chain, char **crt_path, char **key_path,
		 struct strbuf *err)
{
	BIO *in = BIO_new_mem_buf(chain->buf, (int)chain->len);
	BIO *kb = BIO_new(BIO_s_mem());
	X509 *leaf = in ? PEM_read_bio_X509(in, NULL, NULL, NULL) : NULL;
	char *cp = acme_cache_path(c->cache_dir, domain, ".crt");
	char *kp = acme_cache_path(c->cache_dir, domain, ".key");
	char *pem;
	long n;
	int ret = -1;

	if (!leaf || X509_check_private_key(leaf, key) != 1) {
		fail(err, "the CA's certificate for '%s' does not match our key", domain);
		goto out;
	}
	if (!kb || !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL))
		goto out;
	n = BIO_get_mem_data(kb, &pem);
	/* Key first: a new chain next to an old key would not load. */
	if (acme_write_atomic(kp, pem, n, 0600) ||
	    acme_write_atomic(cp, chain->buf, chain->len, 0644)) {
		fail(err, "cannot write to '%s': %s", c->cache_dir, strerror(errno));
		goto out;
	}
	ret = 0;
	if (crt_path) {
		*crt_path = cp;
		cp = NULL;
	}
	if (key_path) {
		*key_path = kp;
		kp = NULL;
	}
out:
	free(cp);
	free(kp);
	X509_free(leaf);
	BIO_free(in);
	BIO_free(kb);
	return ret;
}

static int download(struct acme_client *c, const char *url,
		    struct strbuf *chain, struct strbuf *err)
{
	struct resp r;
	int ret = post(c, url, NULL, &r, "certificate", err);

	if (!ret && !strstr(r.body.buf, "-----BEGIN CERTIFICATE-----"))
		ret = fail(err, "certificate: the CA sent no PEM chain");
	if (!ret)
		strbuf_addbuf(chain, &r.body);
	resp_release(&r);
	return ret;
}

int acme_obtain(struct acme_client *c, const char *const *domains, size_t n,
		char **crt_path, char **key_path, struct strbuf *err)
{
	char *payload = NULL, *order_url = NULL, *cert_url = NULL;
	struct strbuf chain = STRBUF_INIT;
	EVP_PKEY *key = NULL;
	cJSON *order = NULL, *authz;
	size_t i;
	int ret = -1;

	if (!n)
		return fail(err, "no domain to get a certificate for");
	for (i = 0; i < n; i++)
		if (acme_check_domain(domains[i]))
			return fail(err, "'%s' is not a domain name acme can prove",
				    domains[i]);
	c->deadline = time(NULL) + c->timeout_sec;
	if (load_directory(c, err) || ensure_account(c, err))
		goto out;
	payload = order_payload(domains, n);
	order = post_json(c, c->url_order, payload, &order_url, "new-order", err);
	if (!order)
		goto out;
	if (!order_url) {
		fail(err, "new-order: the CA sent no order URL");
		goto out;
	}
	cJSON_ArrayForEach(authz, cJSON_GetObjectItemCaseSensitive(order, "authorizations")) {
		if (!cJSON_IsString(authz) || authorize(c, authz->valuestring, err))
			goto out;
	}
	key = acme_ec_key_new();
	if (!key) {
		fail(err, "cannot create a certificate key");
		goto out;
	}
	if (finalize(c, order_url, order, key, domains, n, &cert_url, err) ||
	    download(c, cert_url, &chain, err) ||
	    store(c, domains[0], key, &chain, crt_path, key_path, err))
		goto out;
	ret = 0;
out:
	withdraw_all(c);
	EVP_PKEY_free(key);
	strbuf_release(&chain);
	cJSON_Delete(order);
	cJSON_free(payload);
	free(order_url);
	free(cert_url);
	return ret;
}
