/*
 * router.c - services, their routes and targets, and the state file.
 *
 * Routing is a scan over the (few) services: an exact host beats a
 * wildcard (*.example.com: one label), which beats a service without hosts; among
 * the services of the best such rank the longest matching path prefix wins,
 * and none matching is a 404 (no falling back to a lower rank). A prefix matches a whole
 * path segment: /app matches /app, /app/x and /app?q, never /appointment.
 */
#include "relay-int.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct service *services;
static struct target *targets_list;

struct target *all_targets(void)
{
	return targets_list;
}

struct service *service_find(const char *name)
{
	for (struct service *s = services; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/*
 * 3: exact, 2: wildcard, 0: no match. *.example.com stands for one label,
 * as in kamal-proxy (and TLS certificates): a.example.com, not
 * a.b.example.com.
 */
static int host_rank(const char *want, struct slice host)
{
	size_t n = strlen(want);
	if (want[0] == '*' && want[1] == '.') {
		size_t sfx = n - 1; /* ".example.com" */
		if (host.n <= sfx || strncasecmp(host.p + host.n - sfx, want + 1, sfx))
			return 0;
		return memchr(host.p, '.', host.n - sfx) ? 0 : 2;
	}
	return host.n == n && !strncasecmp(host.p, want, n) ? 3 : 0;
}

/* Length of prefix if it matches path on a segment boundary, else -1. */
static long prefix_match(const char *prefix, struct slice path)
{
	size_t n = strlen(prefix);
	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return 0;
	if (path.n < n || memcmp(path.p, prefix, n))
		return -1;
	if (path.n > n && path.p[n] != '/')
		return -1;
	return n;
}

/* How well s's hosts take host: 3 exact, 2 wildcard, 1 s has no hosts, 0 not at all. */
static int service_host_rank(const struct service *s, struct slice host)
{
	int hr = 0;
	if (!s->hosts.nr)
		return 1;
	for (size_t i = 0; i < s->hosts.nr; i++) {
		int r = host_rank(s->hosts.v[i], host);
		if (r > hr)
			hr = r;
	}
	return hr;
}

/* The longest of s's prefixes that matches path (0 with none), -1 if none does. */
static long service_prefix(const struct service *s, struct slice path)
{
	long pl = s->prefixes.nr ? -1 : 0;
	for (size_t i = 0; i < s->prefixes.nr; i++) {
		long m = prefix_match(s->prefixes.v[i], path);
		if (m > pl)
			pl = m;
	}
	return pl;
}

/*
 * As kamal-proxy's service map: the host picks one rank of services (its
 * exact name if any service has it, else its wildcard, else the services
 * without hosts), and only those compete on path. A host that has
 * services, none under the request's path, is a 404: it never falls
 * through to a wildcard or catch-all service.
 */
struct service *route(struct slice host, struct slice path, size_t *prefix_len)
{
	struct service *best = NULL;
	long best_pl = -1;
	int top = 0;
	const char *colon;
	if (host.n && host.p[0] != '[' && (colon = memchr(host.p, ':', host.n)))
		host.n = colon - host.p;
	while (host.n && host.p[host.n - 1] == '.')
		host.n--;
	for (struct service *s = services; s; s = s->next) {
		int hr = service_host_rank(s, host);
		long pl;
		if (!hr || hr < top)
			continue;
		if (hr > top) { /* a better rank: the lower one's matches no longer count */
			top = hr;
			best = NULL;
			best_pl = -1;
		}
		pl = service_prefix(s, path);
		if (pl > best_pl) {
			best_pl = pl;
			best = s;
			*prefix_len = pl;
		}
	}
	return best;
}

static int cookie_value(struct slice cookie, const char *name, struct slice *out)
{
	size_t nl = strlen(name), i = 0;
	while (i < cookie.n) {
		while (i < cookie.n && (cookie.p[i] == ' ' || cookie.p[i] == ';'))
			i++;
		size_t s = i;
		while (i < cookie.n && cookie.p[i] != ';')
			i++;
		if (i - s > nl && !memcmp(cookie.p + s, name, nl) && cookie.p[s + nl] == '=') {
			*out = (struct slice){ cookie.p + s + nl + 1, i - s - nl - 1 };
			return 1;
		}
	}
	return 0;
}

/* kamal-writer=<unix ms until which reads stick to the writers> */
static int writer_cookie_valid(struct slice cookie)
{
	struct slice v;
	unsigned long long until = 0;
	if (!cookie_value(cookie, "kamal-writer", &v) || !v.n || v.n > 19)
		return 0;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 0;
		until = until * 10 + (v.p[i] - '0');
	}
	return wall_ms() < until;
}

/* Round-robin over the targets in rotation (monitor.c); NULL if none. */
static struct target *rr(struct target **t, int n, unsigned *ctr)
{
	for (int i = 0; i < n; i++) {
		struct target *x = t[(*ctr)++ % n];
		if (!x->unhealthy)
			return x;
	}
	return NULL;
}

struct target *service_pick(struct service *s, int is_read, struct slice cookie)
{
	struct slice v;
	if (s->nrollout && cookie_value(cookie, "kamal-rollout", &v)) {
		int hit = 0;
		for (size_t i = 0; i < s->rollout_list.nr; i++)
			if (v.n == strlen(s->rollout_list.v[i]) &&
			    !memcmp(v.p, s->rollout_list.v[i], v.n))
				hit = 1;
		if (!hit && s->rollout_percent) {
			uint32_t h = 2166136261u;
			for (size_t i = 0; i < v.n; i++)
				h = (h ^ (unsigned char)v.p[i]) * 16777619u;
			hit = (int)(h % 100) < s->rollout_percent;
		}
		struct target *t = hit ? rr(s->rollout, s->nrollout, &s->rr) : NULL;
		if (t)
			return t;
	}
	/* With every reader out of rotation, reads go to the writers. */
	if (is_read && s->nreaders && !writer_cookie_valid(cookie)) {
		struct target *t = rr(s->readers, s->nreaders, &s->rr);
		if (t)
			return t;
	}
	return rr(s->targets, s->ntargets, &s->rr);
}

static int in_group(struct target **g, int n, const struct target *t)
{
	for (int i = 0; i < n; i++)
		if (g[i] == t)
			return 1;
	return 0;
}

/* rr() that passes over one target: the one a retry comes from. */
static struct target *rr_except(struct target **t, int n, unsigned *ctr,
				const struct target *not)
{
	for (int i = 0; i < n; i++) {
		struct target *x = t[(*ctr)++ % n];
		if (x != not && !x->unhealthy)
			return x;
	}
	return NULL;
}

/*
 * The retry goes where service_pick() would have sent the request had
 * failed been out of rotation: another of its group (rollout, readers,
 * writers), else the writers, as reads and rollout cookies fall back to
 * them. A target no longer in the service (a deploy swapped it out since)
 * is replaced by a writer.
 */
struct target *service_repick(struct service *s, const struct target *failed)
{
	struct target *t = NULL;
	if (in_group(s->rollout, s->nrollout, failed))
		t = rr_except(s->rollout, s->nrollout, &s->rr, failed);
	else if (in_group(s->readers, s->nreaders, failed))
		t = rr_except(s->readers, s->nreaders, &s->rr, failed);
	return t ? t : rr_except(s->targets, s->ntargets, &s->rr, failed);
}

int service_group_size(const struct service *s, const struct target *t)
{
	if (in_group(s->rollout, s->nrollout, t))
		return s->nrollout;
	if (in_group(s->targets, s->ntargets, t) || in_group(s->readers, s->nreaders, t))
		return s->ntargets + s->nreaders;
	return 0;
}

struct target *target_new(const char *addr, struct strbuf *err)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	const char *port = colon ? colon + 1 : "80";
	size_t hl = colon ? (size_t)(colon - addr) : strlen(addr);
	if (hl >= sizeof(host) || !hl) {
		strbuf_addf(err, "invalid target '%s'", addr);
		return NULL;
	}
	memcpy(host, addr, hl);
	host[hl] = 0;
	if (host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		strbuf_addf(err, "cannot resolve target '%s': %s", addr, gai_strerror(rc));
		return NULL;
	}
	struct target *t = xcalloc(1, sizeof(*t));
	t->addr = xstrdup(addr);
	memcpy(&t->sa, res->ai_addr, res->ai_addrlen);
	t->salen = res->ai_addrlen;
	freeaddrinfo(res);
	t->refs = 1;
	t->next = targets_list;
	targets_list = t;
	return t;
}

void target_put(struct target *t)
{
	if (--t->refs > 0)
		return;
	struct target **pp = &targets_list;
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	free(t->addr);
	free(t);
}

/* Stops sending new requests to t; in-flight ones get until deadline. */
void target_drain(struct target *t, uint64_t timeout_ms)
{
	t->draining = 1;
	t->drain_deadline = now_ms() + timeout_ms;
	target_put(t); /* the service's reference */
}

void router_tick(void)
{
	uint64_t now = now_ms();
	for (struct target *t = targets_list, *tn; t; t = tn) {
		tn = t->next;
		if (t->draining && t->active && t->drain_deadline <= now) {
			t->drain_deadline = UINT64_MAX;
			/* The requests ended here may hold the last references. */
			t->refs++;
			relay_abort_target(t);
			tn = t->next;
			target_put(t);
		}
	}
}

int router_save(void)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "services");
	for (struct service *s = services; s; s = s->next) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "args", cJSON_Duplicate(s->args, 1));
		cJSON_AddStringToObject(o, "state", s->state == SVC_PAUSED ? "paused" :
					s->state == SVC_STOPPED ? "stopped" : "running");
		if (s->stop_message)
			cJSON_AddStringToObject(o, "message", s->stop_message);
		cJSON_AddNumberToObject(o, "max_pause_ms", (double)s->pause_deadline_ms);
		cJSON_AddItemToArray(arr, o);
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	struct strbuf tmp = STRBUF_INIT;
	strbuf_addf(&tmp, "%s.tmp", cfg.state_path);
	int fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1;
	if (fd >= 0) {
		size_t len = strlen(text);
		if (write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
		    fsync(fd) == 0)
			rc = 0;
		close(fd);
		if (!rc && rename(tmp.buf, cfg.state_path) < 0)
			rc = -1;
	}
	if (rc)
		error_errno("cannot save state to '%s'", cfg.state_path);
	strbuf_release(&tmp);
	free(text);
	return rc;
}

int router_restore(void)
{
	struct strbuf sb = STRBUF_INIT;
	if (strbuf_read_file(&sb, cfg.state_path) < 0) {
		strbuf_release(&sb);
		return errno == ENOENT ? 0 : error_errno("cannot read '%s'", cfg.state_path);
	}
	cJSON *root = cJSON_Parse(sb.buf);
	strbuf_release(&sb);
	if (!root)
		return error("cannot parse state file '%s'", cfg.state_path);
	cJSON *arr = cJSON_GetObjectItem(root, "services"), *o;
	cJSON_ArrayForEach(o, arr) {
		struct strbuf err = STRBUF_INIT;
		cJSON *args = cJSON_GetObjectItem(o, "args");
		struct service *s = args ? service_restore(args, &err) : NULL;
		if (!s) {
			log_warn("cannot restore a service: %s", err.buf);
		} else {
			const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(o, "state"));
			const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(o, "message"));
			cJSON *mp = cJSON_GetObjectItem(o, "max_pause_ms");
			if (st && !strcmp(st, "paused"))
				s->state = SVC_PAUSED;
			else if (st && !strcmp(st, "stopped"))
				s->state = SVC_STOPPED;
			if (msg)
				s->stop_message = xstrdup(msg);
			if (cJSON_IsNumber(mp))
				s->pause_deadline_ms = (uint64_t)mp->valuedouble;
			log_warn("restored service '%s'", s->name);
		}
		strbuf_release(&err);
	}
	cJSON_Delete(root);
	return 0;
}
