/*
 * cookiescope.c - --scope-cookie-paths: a service mounted under a path
 * prefix gets its cookies' Path moved under that prefix, as kamal-proxy
 * does, so apps that believe they live at "/" do not set cookies for the
 * whole host. Cookies for another domain are left alone.
 */
#include "relay-int.h"
#include <strings.h>

char *cookie_scope_new(struct slice prefix, struct slice host)
{
	struct strbuf sb = STRBUF_INIT;
	const char *colon = memchr(host.p, ':', host.n);
	if (colon && host.n && host.p[0] != '[')
		host.n = colon - host.p;
	while (prefix.n > 1 && prefix.p[prefix.n - 1] == '/')
		prefix.n--;
	strbuf_add(&sb, prefix.p, prefix.n);
	strbuf_addch(&sb, '\n');
	strbuf_add(&sb, host.p, host.n);
	return strbuf_detach(&sb, NULL);
}

static struct slice trim(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return (struct slice){ p, n };
}

/* Whether attribute a is "name=..." (case-insensitive); its value in *v. */
static int attr(struct slice a, const char *name, struct slice *v)
{
	size_t n = strlen(name);
	if (a.n < n + 1 || strncasecmp(a.p, name, n) || a.p[n] != '=')
		return 0;
	*v = trim(a.p + n + 1, a.n - n - 1);
	return 1;
}

/* Appends the Set-Cookie value v to sb with its Path scoped, if it applies. */
void cookie_scope_add(struct strbuf *sb, const char *scope, struct slice v)
{
	const char *nl = strchr(scope, '\n');
	struct slice prefix = { scope, nl - scope }, host = { nl + 1, strlen(nl + 1) };
	struct slice path = { "", 0 }, domain = { "", 0 }, val;
	struct strbuf out = STRBUF_INIT;
	const char *p = v.p, *end = v.p + v.n;

	/* name=value first, then attributes; Path is dropped and re-added. */
	for (int first = 1; p <= end; first = 0) {
		const char *semi = memchr(p, ';', end - p);
		struct slice a = trim(p, (semi ? semi : end) - p);
		p = (semi ? semi : end) + 1;
		if (!first && attr(a, "path", &val)) {
			path = val;
			continue;
		}
		if (!first && attr(a, "domain", &val))
			domain = val;
		if (!first)
			strbuf_addstr(&out, "; ");
		strbuf_add(&out, a.p, a.n);
	}
	if (domain.n && domain.p[0] == '.')
		domain.p++, domain.n--;
	if (domain.n && (domain.n != host.n || strncasecmp(domain.p, host.p, host.n))) {
		strbuf_add(sb, v.p, v.n); /* another domain's cookie */
		strbuf_release(&out);
		return;
	}
	while (path.n && path.p[0] == '/')
		path.p++, path.n--;
	while (path.n && path.p[path.n - 1] == '/')
		path.n--;
	strbuf_addbuf(sb, &out);
	strbuf_addstr(sb, "; Path=");
	strbuf_add(sb, prefix.p, prefix.n);
	if (path.n) {
		strbuf_addch(sb, '/');
		strbuf_add(sb, path.p, path.n);
	}
	strbuf_release(&out);
}
