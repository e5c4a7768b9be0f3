/*
 * ondemand.c - on-demand TLS (--tls-on-demand-url): a service deployed
 * with --tls and no hosts takes every host no other service claims, and
 * gets a certificate for each one the first time a client asks for it by
 * SNI, if the endpoint approves the host (the check runs in the ACME
 * helper, before its order; see proxy/acme-helper/check.c).
 *
 * The handshake that asks for a new host waits for the order (tls.c parks
 * it at the ClientHello, as Go's autocert blocks it), up to the header
 * timeout. A certificate already in the cache is used without asking the
 * endpoint again, as kamal-proxy does: the host was approved when it was
 * issued, and an endpoint outage must not take down hosts that work.
 *
 * A host that was denied, or whose order failed, is not tried again for a
 * while, so a client retrying (or someone sending made-up names) cannot
 * make us hammer the endpoint or the CA.
 */
#include "relay-int.h"
#include "acme.h"
#include "log.h"
#include <ctype.h>

#define OD_DENIED_MS (10 * 1000)
#define OD_FAILED_MS (60 * 1000)
#define OD_MAX_UNISSUED 4096 /* hosts remembered without a certificate */

struct od_host {
	char *name;
	SSL_CTX *ctx;
	int ordering;
	uint64_t retry_at;
	struct od_host *next;
};

struct od_table {
	struct od_host **bucket;
	size_t nbucket, n, unissued;
};

static size_t hash(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void grow(struct od_table *t)
{
	size_t nb = t->nbucket ? t->nbucket * 2 : 64;
	struct od_host **b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < t->nbucket; i++)
		for (struct od_host *h = t->bucket[i], *next; h; h = next) {
			next = h->next;
			h->next = b[hash(h->name) & (nb - 1)];
			b[hash(h->name) & (nb - 1)] = h;
		}
	free(t->bucket);
	t->bucket = b;
	t->nbucket = nb;
}

static struct od_host *find(struct od_table *t, const char *name)
{
	if (!t->nbucket)
		return NULL;
	for (struct od_host *h = t->bucket[hash(name) & (t->nbucket - 1)]; h; h = h->next)
		if (!strcmp(h->name, name))
			return h;
	return NULL;
}

static struct od_host *add(struct od_table *t, const char *name)
{
	if (t->n >= t->nbucket)
		grow(t);
	struct od_host *h = xcalloc(1, sizeof(*h));
	h->name = xstrdup(name);
	size_t i = hash(name) & (t->nbucket - 1);
	h->next = t->bucket[i];
	t->bucket[i] = h;
	t->n++;
	t->unissued++;
	return h;
}

/* Forgets hosts without a certificate whose wait is over. */
static void sweep(struct od_table *t, uint64_t now)
{
	for (size_t i = 0; i < t->nbucket; i++)
		for (struct od_host **pp = &t->bucket[i]; *pp;) {
			struct od_host *h = *pp;
			if (h->ctx || h->ordering || h->retry_at > now) {
				pp = &h->next;
				continue;
			}
			*pp = h->next;
			free(h->name);
			free(h);
			t->n--;
			t->unissued--;
		}
}

static void set_ctx(struct od_table *t, struct od_host *h, SSL_CTX *ctx)
{
	if (!h->ctx)
		t->unissued--;
	else
		SSL_CTX_free(h->ctx); /* live connections keep their reference */
	h->ctx = ctx;
}

/* The check URL for a path of the service itself: its first target. */
static char *check_url(struct service *s, const char **host_header, const char *name)
{
	struct strbuf url = STRBUF_INIT;
	*host_header = NULL;
	if (s->od_url[0] != '/')
		return xstrdup(s->od_url);
	if (!s->ntargets)
		return NULL;
	strbuf_addf(&url, "http://%s%s", s->targets[0]->addr, s->od_url);
	*host_header = name;
	return strbuf_detach(&url, NULL);
}

/* The cached certificate of name: 1 due for renewal, 0 not, -1 none. */
static int cert_due(struct service *s, const char *name, time_t *not_after)
{
	char *crt = acme_cache_path(s->acme_cache, name, ".crt");
	int due = acme_renewal_due(crt, ACME_RENEW_DAYS, time(NULL), not_after);
	free(crt);
	return due;
}

/* check: ask the endpoint first (not for a renewal: it was approved). */
static enum od_state order(struct service *s, struct od_host *h, int check)
{
	const char *host_header = NULL;
	char *url = check ? check_url(s, &host_header, h->name) : NULL;
	int rc = check && !url ? -1 :
		 autotls_order_host(s->name, s->acme_cache, s->tls_staging, h->name, url,
				    host_header);
	free(url);
	if (rc < 0) {
		h->retry_at = now_ms() + OD_DENIED_MS;
		return OD_DENY;
	}
	h->ordering = 1;
	return OD_WAIT;
}

/*
 * A host with a certificate in the cache (from before a restart): served
 * while valid, renewed when due, never asked about again.
 */
static enum od_state from_cache(struct service *s, struct od_host *h, int due,
				time_t not_after, int may_order, SSL_CTX **ctx)
{
	SSL_CTX *cached = not_after > time(NULL) ?
		autotls_load_cached(s->acme_cache, h->name, 0) : NULL;
	if (cached)
		set_ctx(s->od, h, cached);
	if (due && may_order && !h->ordering)
		order(s, h, 0);
	if (cached) {
		*ctx = cached;
		return OD_READY;
	}
	return h->ordering ? OD_WAIT : OD_DENY;
}

static struct od_table *table(struct service *s)
{
	if (!s->od)
		s->od = xcalloc(1, sizeof(*s->od));
	return s->od;
}

enum od_state ondemand_lookup(struct service *s, const char *servername,
			      int may_order, SSL_CTX **ctx)
{
	char name[256];
	size_t n = strlen(servername);
	if (n >= sizeof(name))
		return OD_DENY;
	for (size_t i = 0; i <= n; i++)
		name[i] = tolower((unsigned char)servername[i]);
	if (n && name[n - 1] == '.')
		name[n - 1] = 0;
	if (acme_check_domain(name))
		return OD_DENY;
	struct od_table *t = table(s);
	struct od_host *h = find(t, name);
	uint64_t now = now_ms();
	if (h && h->ctx) {
		*ctx = h->ctx;
		return OD_READY;
	}
	if (h && h->ordering)
		return OD_WAIT;
	if (h && h->retry_at > now)
		return OD_DENY;
	time_t not_after = 0;
	int due = cert_due(s, name, &not_after);
	if (due >= 0)
		return from_cache(s, h ? h : add(t, name), due, not_after, may_order, ctx);
	if (!may_order)
		return OD_DENY;
	if (!h && t->unissued >= OD_MAX_UNISSUED) {
		sweep(t, now);
		if (t->unissued >= OD_MAX_UNISSUED) {
			log_warn("TLS on-demand: %d hosts waiting or denied; refusing '%s'",
				 OD_MAX_UNISSUED, name);
			return OD_DENY;
		}
	}
	return order(s, h ? h : add(t, name), 1);
}

void ondemand_done(const char *service, const char *host, int code)
{
	struct service *s = service_find(service);
	struct od_host *h = s && s->od ? find(s->od, host) : NULL;
	if (h) {
		h->ordering = 0;
		SSL_CTX *ctx = code ? NULL : autotls_load_cached(s->acme_cache, host, 0);
		if (ctx) {
			set_ctx(s->od, h, ctx);
			log_warn("certificate for '%s' (service '%s') installed", host, service);
		} else if (!h->ctx) {
			h->retry_at = now_ms() + (code == 3 ? OD_DENIED_MS : OD_FAILED_MS);
		}
	}
	relay_wake_tls(); /* handshakes waiting for it go on, or fail */
}

void ondemand_renew(struct service *s)
{
	if (!s->od)
		return;
	for (size_t i = 0; i < s->od->nbucket; i++)
		for (struct od_host *h = s->od->bucket[i]; h; h = h->next) {
			if (!h->ctx || h->ordering)
				continue;
			if (cert_due(s, h->name, NULL) != 0)
				order(s, h, 0);
		}
}

void ondemand_free(struct service *s)
{
	if (!s->od)
		return;
	for (size_t i = 0; i < s->od->nbucket; i++)
		for (struct od_host *h = s->od->bucket[i], *next; h; h = next) {
			next = h->next;
			if (h->ctx)
				SSL_CTX_free(h->ctx);
			free(h->name);
			free(h);
		}
	free(s->od->bucket);
	free(s->od);
	s->od = NULL;
}

int ondemand_valid_url(const char *url, struct strbuf *err)
{
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			strbuf_addstr(err, "unable to parse tls-on-demand-url: it contains a space or control character");
			return -1;
		}
	if (url[0] == '/' && url[1] != '/')
		return 0;
	const char *rest = NULL;
	if (!strncmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncmp(url, "https://", 8))
		rest = url + 8;
	if (!rest) {
		const char *colon = strchr(url, ':');
		if (url[0] == '/' || !colon)
			strbuf_addstr(err, "tls-on-demand-url must be a path or an absolute http(s) URL");
		else
			strbuf_addf(err, "unsupported scheme \"%.*s\" in tls-on-demand-url",
				    (int)(colon - url), url);
		return -1;
	}
	if (!*rest || *rest == '/' || *rest == '?' || *rest == '#') {
		strbuf_addstr(err, "missing host in tls-on-demand-url");
		return -1;
	}
	return 0;
}
