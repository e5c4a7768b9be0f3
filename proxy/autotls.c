/*
 * autotls.c - automatic certificates for services deployed with --tls and
 * no certificate path.
 *
 * Orders run in a child process, berth-proxy-acme (next to our binary, or
 * $BERTH_PROXY_ACME_HELPER), one at a time; the tick notices when it exits
 * and loads the certificate from the cache into the service's SSL_CTX.
 * The helper tries TLS-ALPN-01 first: it leaves each challenge certificate
 * in <cache>/acme-tls-alpn/ while the CA validates, and tls.c serves it
 * (autotls_tlsalpn01() below). The CA's HTTP-01 requests, the fallback,
 * reach this daemon on port 80 and are answered here: the key
 * authorization is "<token>.<thumbprint of the account key>", and the
 * account key is in the cache directory. (It is public knowledge:
 * answering for a token that is not pending gives nothing away.) A cached
 * certificate that is not due for renewal is used at once.
 *
 * The cache is --tls-acme-cache-path (default <state-dir>/certs); the CA is
 * Let's Encrypt (staging with --tls-staging), or $BERTH_PROXY_ACME_DIRECTORY.
 */
#include "relay-int.h"
#include "log.h"
#include "acme.h"
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/pem.h>

extern char **environ;

struct cert_job {
	char *service, *cache;
	struct strvec domains;
	int staging;
	int ondemand;             /* one host of an on-demand service */
	char *check, *check_host; /* its --tls-on-demand-url question */
	pid_t pid;
	struct cert_job *next;
};

#define MAX_QUEUED 64 /* on-demand orders; each is a process, one at a time */

static struct cert_job *queue, *running;

/* The account thumbprint per cache directory, reloaded if the key changes. */
static struct thumb {
	char *cache;
	struct timespec mtime;
	struct strbuf value;
	struct thumb *next;
} *thumbs;

static const char *helper_path(void)
{
	static char path[4096];
	const char *env = getenv("BERTH_PROXY_ACME_HELPER");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return "berth-proxy-acme";
	path[n] = 0;
	char *slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "berth-proxy-acme");
	return path;
}

static void job_free(struct cert_job *job)
{
	strvec_clear(&job->domains);
	free(job->service);
	free(job->cache);
	free(job->check);
	free(job->check_host);
	free(job);
}

static void start_next(void)
{
	while (!running && queue) {
		struct cert_job *job = queue;
		queue = job->next;
		struct strvec argv = STRVEC_INIT;
		struct strvec env = STRVEC_INIT;
		strvec_push(&argv, helper_path());
		if (job->check) {
			strvec_pushl(&argv, "--check", job->check, NULL);
			if (job->check_host)
				strvec_pushl(&argv, "--check-host", job->check_host, NULL);
		}
		strvec_push(&argv, job->cache);
		strvec_pushvec(&argv, &job->domains);
		for (char **e = environ; *e; e++)
			if (!starts_with(*e, "BERTH_PROXY_ACME_STAGING="))
				strvec_push(&env, *e);
		if (job->staging)
			strvec_push(&env, "BERTH_PROXY_ACME_STAGING=1");
		int rc = posix_spawn(&job->pid, argv.v[0], NULL, NULL,
				     (char *const *)argv.v, (char *const *)env.v);
		strvec_clear(&argv);
		strvec_clear(&env);
		if (rc) {
			log_warn("cannot run '%s' for '%s': %s", helper_path(),
				 job->service, strerror(rc));
			if (job->ondemand)
				ondemand_done(job->service, job->domains.v[0], 1);
			job_free(job);
			continue;
		}
		if (job->check)
			log_warn("asking the TLS on-demand URL whether '%s' (service '%s') may have a certificate",
				 job->domains.v[0], job->service);
		else
			log_warn("requesting a certificate for '%s' (%s)", job->service,
				 job->domains.v[0]);
		running = job;
	}
}

SSL_CTX *autotls_load_cached(const char *cache, const char *domain, int fresh_only)
{
	char *crt = acme_cache_path(cache, domain, ".crt");
	char *key = acme_cache_path(cache, domain, ".key");
	SSL_CTX *ctx = NULL;
	int due = acme_renewal_due(crt, ACME_RENEW_DAYS, time(NULL), NULL);
	if (due == 0 || (due == 1 && !fresh_only)) {
		struct strbuf err = STRBUF_INIT;
		ctx = tls_load(crt, key, &err);
		if (!ctx)
			log_warn("%s", err.buf);
		strbuf_release(&err);
	}
	free(crt);
	free(key);
	return ctx;
}

/* Twice a day, certificates within ACME_RENEW_DAYS of expiry are renewed. */
static void renew_due(void)
{
	static time_t last;
	time_t now = time(NULL);
	if (now - last < 12 * 3600)
		return;
	last = now;
	for (struct service *s = services; s; s = s->next) {
		if (!s->tls || !s->acme_cache)
			continue;
		if (s->od_url) {
			ondemand_renew(s);
			continue;
		}
		struct strbuf err = STRBUF_INIT;
		SSL_CTX *ctx = autotls_prepare(s->name, &s->hosts, s->acme_cache,
					       s->tls_staging, &err);
		if (ctx)
			SSL_CTX_free(ctx); /* still fresh; the live one stays */
		strbuf_release(&err);
	}
}

void autotls_tick(void)
{
	int status;
	if (services)
		renew_due();
	if (!running || waitpid(running->pid, &status, WNOHANG) != running->pid)
		return;
	struct cert_job *job = running;
	running = NULL;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	struct service *s = service_find(job->service);
	if (job->ondemand) {
		if (code == 1)
			log_warn("cannot obtain a certificate for '%s' (service '%s'; see the message above)",
				 job->domains.v[0], job->service);
		ondemand_done(job->service, job->domains.v[0], code);
	} else if (code) {
		log_warn("cannot obtain a certificate for '%s' (see the message above)",
			 job->service);
	} else if (s && s->tls) {
		SSL_CTX *ctx = autotls_load_cached(job->cache, job->domains.v[0], 0);
		if (ctx) {
			/* Live connections hold their own reference to the old one. */
			if (s->ssl_ctx)
				SSL_CTX_free(s->ssl_ctx);
			s->ssl_ctx = ctx;
			log_warn("certificate for '%s' installed", job->service);
		}
	}
	job_free(job);
	start_next();
}

/* -1 if an order for domain of service is running or queued, else the queue's length. */
static int queued(const char *service, const char *domain)
{
	int n = 0;
	if (running && !strcmp(running->service, service) &&
	    !strcmp(running->domains.v[0], domain))
		return -1;
	for (struct cert_job *j = queue; j; j = j->next, n++)
		if (!strcmp(j->service, service) && !strcmp(j->domains.v[0], domain))
			return -1;
	return n;
}

int autotls_order_host(const char *service, const char *cache, int staging,
		       const char *domain, const char *check, const char *check_host)
{
	int n = queued(service, domain);
	if (n < 0)
		return 0;
	if (n >= MAX_QUEUED) {
		log_warn("TLS on-demand: %d certificate orders queued; not ordering one for '%s'",
			 MAX_QUEUED, domain);
		return -1;
	}
	struct cert_job *job = xcalloc(1, sizeof(*job)), **pp = &queue;
	job->service = xstrdup(service);
	job->cache = xstrdup(cache);
	job->staging = staging;
	job->ondemand = 1;
	job->check = check ? xstrdup(check) : NULL;
	job->check_host = check_host ? xstrdup(check_host) : NULL;
	strvec_init(&job->domains);
	strvec_push(&job->domains, domain);
	while (*pp)
		pp = &(*pp)->next;
	*pp = job;
	start_next();
	return 0;
}

SSL_CTX *autotls_prepare(const char *service, const struct strvec *hosts,
			 const char *cache, int staging, struct strbuf *err)
{
	struct strvec names = STRVEC_INIT;
	for (size_t i = 0; i < hosts->nr; i++)
		if (!acme_check_domain(hosts->v[i]))
			strvec_push(&names, hosts->v[i]);
	if (!names.nr) {
		strbuf_addstr(err, "automatic TLS needs at least one plain host name (no wildcards)");
		strvec_clear(&names);
		return NULL;
	}
	SSL_CTX *ctx = autotls_load_cached(cache, names.v[0], 1);
	if (!ctx) {
		struct cert_job **pp = &queue;
		int dup = running && !strcmp(running->service, service);
		while (*pp && strcmp((*pp)->service, service))
			pp = &(*pp)->next;
		if (!*pp && !dup) {
			struct cert_job *job = xcalloc(1, sizeof(*job));
			job->service = xstrdup(service);
			job->cache = xstrdup(cache);
			job->staging = staging;
			strvec_init(&job->domains);
			strvec_pushvec(&job->domains, &names);
			*pp = job;
		}
		start_next();
	}
	strvec_clear(&names);
	return ctx;
}

static const char *thumbprint(const char *cache)
{
	struct thumb *t;
	struct stat st;
	char *path = acme_cache_path(cache, "acme-account", ".key");
	int have = stat(path, &st) == 0;
	for (t = thumbs; t; t = t->next)
		if (!strcmp(t->cache, cache))
			break;
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		t->cache = xstrdup(cache);
		strbuf_init(&t->value, 0);
		t->next = thumbs;
		thumbs = t;
	}
	if (have && (st.st_mtim.tv_sec != t->mtime.tv_sec ||
		     st.st_mtim.tv_nsec != t->mtime.tv_nsec || !t->value.len)) {
		FILE *fp = fopen(path, "r");
		EVP_PKEY *key = fp ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;
		if (fp)
			fclose(fp);
		strbuf_reset(&t->value);
		if (key && acme_jwk_thumbprint(key, &t->value) == 0)
			t->mtime = st.st_mtim;
		else
			strbuf_reset(&t->value);
		EVP_PKEY_free(key);
	}
	free(path);
	return have && t->value.len ? t->value.buf : NULL;
}

/* The cache of the order running for host, if any. */
static const char *running_cache(struct slice host)
{
	const char *colon = memchr(host.p, ':', host.n);
	if (colon)
		host.n = colon - host.p;
	if (!running)
		return NULL;
	for (size_t i = 0; i < running->domains.nr; i++)
		if (strlen(running->domains.v[i]) == host.n &&
		    !strncasecmp(running->domains.v[i], host.p, host.n))
			return running->cache;
	return NULL;
}

int autotls_http01(struct service *s, struct slice host, struct slice path,
		   struct strbuf *out)
{
	static const char prefix[] = "/.well-known/acme-challenge/";
	size_t pl = sizeof(prefix) - 1;
	/* The service may not be live yet: its first order starts at deploy. */
	const char *cache = s && s->acme_cache ? s->acme_cache : running_cache(host);
	if (!cache || path.n <= pl || path.n - pl > 256 || memcmp(path.p, prefix, pl))
		return -1;
	for (size_t i = pl; i < path.n; i++) {
		char ch = path.p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return -1; /* tokens are base64url */
	}
	const char *tp = thumbprint(cache);
	if (!tp)
		return -1;
	strbuf_add(out, path.p + pl, path.n - pl);
	strbuf_addch(out, '.');
	strbuf_addstr(out, tp);
	return 0;
}

/* The cache whose order would answer for name: its service's, or the running one's. */
static const char *tlsalpn01_cache(const char *name)
{
	struct slice host = { name, strlen(name) };
	size_t plen;
	struct service *s = route(host, (struct slice){ "/", 1 }, &plen);

	return s && s->acme_cache ? s->acme_cache : running_cache(host);
}

/*
 * The answer is a file the helper writes before it asks the CA to validate
 * and removes afterwards: its key is made per challenge, in that process.
 * Reading a small local file per handshake is fine; only CAs ask for
 * acme-tls/1, a few times per order.
 */
int autotls_tlsalpn01(const char *servername, X509 **cert, EVP_PKEY **key)
{
	const char *cache = tlsalpn01_cache(servername);

	return cache ? acme_tlsalpn01_load(cache, servername, cert, key) : -1;
}

int autotls_tlsalpn01_pending(const char *servername)
{
	X509 *cert;
	EVP_PKEY *key;

	if (autotls_tlsalpn01(servername, &cert, &key))
		return 0;
	X509_free(cert);
	EVP_PKEY_free(key);
	return 1;
}
