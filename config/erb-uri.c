/*
 * erb-uri.c - URI.parse and the URI objects it returns, as Ruby 3.1's
 * uri library (RFC3986_Parser#split, then URI::Generic.new) builds them.
 *
 * The parser's two regular expressions (an absolute URI, else a relative
 * reference) are written out by hand below; every component keeps the
 * text it matched, as Ruby's do. The classes differ only in their default
 * port (which #port answers when none is given, and #to_s leaves out):
 * HTTP and WS 80, HTTPS 443, any other scheme none (URI::Generic). The
 * classes with parsing of their own (FTP, LDAP, LDAPS, MailTo, File) are
 * not supported: parsing one is an error.
 */
#include "config/erb-int.h"
#include <arpa/inet.h>
#include <ctype.h>

enum uri_class { URI_GENERIC, URI_HTTP, URI_HTTPS, URI_WS };

/* items[] of a V_URI */
enum { U_SCHEME, U_USER, U_PASSWORD, U_HOST, U_PORT, U_PATH, U_OPAQUE,
       U_QUERY, U_FRAGMENT, U_NR };

static const struct {
	const char *scheme, *name;
	int port;
} classes[] = {
	[URI_GENERIC] = { NULL, "URI::Generic", 0 },
	[URI_HTTP] = { "http", "URI::HTTP", 80 },
	[URI_HTTPS] = { "https", "URI::HTTPS", 443 },
	[URI_WS] = { "ws", "URI::WS", 80 },
};

static const char *const own_parsers[] = { "ftp", "ldap", "ldaps", "mailto", "file" };

/* ---- the character classes of rfc3986_parser.rb ---- */

enum cset { C_USERINFO, C_REGNAME, C_SEGMENT, C_SEGMENT_NC, C_FRAGMENT };

static int in_set(int c, enum cset set)
{
	int base;
	if (!c || c >= 0x80)
		return 0;
	/* [!$&-.0-9;=A-Z_a-z~], the characters every set has */
	base = isalnum(c) || (c >= '&' && c <= '.') || strchr("!$;=_~", c);
	switch (set) {
	case C_USERINFO:
		return base || c == ':';
	case C_REGNAME:
		return base;
	case C_SEGMENT:
		return base || c == ':' || c == '@';
	case C_SEGMENT_NC:
		return base || c == '@';
	case C_FRAGMENT:
		return base || c == ':' || c == '@' || c == '/' || c == '?';
	}
	return 0;
}

/* (%\h\h | [set])* from i; also lets '/' through when slash is set. */
static size_t span(const char *s, size_t i, enum cset set, int slash)
{
	for (;;) {
		if (s[i] == '%' && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2]))
			i += 3;
		else if (in_set((unsigned char)s[i], set) || (slash && s[i] == '/'))
			i++;
		else
			return i;
	}
}

struct parts {
	const char *s;
	size_t scheme, userinfo[2], host[2], port[2], path[2], opaque[2],
		query[2], fragment[2];
	int has_scheme, has_userinfo, has_host, has_port, has_path,
		has_opaque, has_query, has_fragment;
};

#define SET(p, what, a, b) ((p)->what[0] = (a), (p)->what[1] = (b), (p)->has_##what = 1)

static int ip_literal(const char *s, size_t a, size_t b)
{
	char buf[64];
	unsigned char addr[16];
	size_t i;
	if (b - a >= sizeof(buf))
		return 0;
	if (s[a] == 'v' || s[a] == 'V') { /* IPvFuture: v HEX+ "." chars+ */
		for (i = a + 1; i < b && isxdigit((unsigned char)s[i]); i++)
			;
		if (i == a + 1 || i >= b || s[i] != '.' || i + 1 >= b)
			return 0;
		for (i++; i < b; i++)
			if (!in_set((unsigned char)s[i], C_USERINFO))
				return 0;
		return 1;
	}
	memcpy(buf, s + a, b - a);
	buf[b - a] = '\0';
	return inet_pton(AF_INET6, buf, addr) == 1;
}

/* [userinfo@]host[:port] over s[a, b); the host may be absent. */
static int authority(struct parts *p, size_t a, size_t b)
{
	const char *s = p->s;
	const char *at = memchr(s + a, '@', b - a);
	size_t h, e;

	if (at) {
		if (span(s, a, C_USERINFO, 0) != (size_t)(at - s))
			return 0;
		SET(p, userinfo, a, at - s);
		a = at - s + 1;
	}
	if (a < b && s[a] == '[') {
		const char *close = memchr(s + a, ']', b - a);
		if (!close || !ip_literal(s, a + 1, close - s))
			return 0;
		h = a;
		e = close - s + 1;
	} else {
		h = a;
		e = span(s, a, C_REGNAME, 0);
		if (e > b)
			e = b;
	}
	if (e > h)
		SET(p, host, h, e);
	if (e < b && s[e] == ':') {
		size_t d = e + 1;
		while (d < b && isdigit((unsigned char)s[d]))
			d++;
		SET(p, port, e + 1, d);
		e = d;
	}
	return e == b;
}

/* The hier-part (or relative-part) from i, then ?query and #fragment. */
static int hier(struct parts *p, size_t i)
{
	const char *s = p->s;
	size_t e;

	if (s[i] == '/' && s[i + 1] == '/') {
		size_t b = i + 2 + strcspn(s + i + 2, "/?#");
		if (!authority(p, i + 2, b))
			return 0;
		e = span(s, b, C_SEGMENT, 1);
		SET(p, path, b, e);
	} else if (s[i] == '/') {
		e = span(s, i, C_SEGMENT, 1);
		SET(p, path, i, e);
	} else if (p->has_scheme && span(s, i, C_SEGMENT, 0) > i) {
		e = span(s, i, C_SEGMENT, 1);
		SET(p, opaque, i, e);
	} else if (!p->has_scheme && span(s, i, C_SEGMENT_NC, 0) > i) {
		e = span(s, i, C_SEGMENT_NC, 0);
		if (s[e] == '/')
			e = span(s, e, C_SEGMENT, 1);
		SET(p, path, i, e);
	} else {
		e = i;
		SET(p, path, i, i);
	}
	if (s[e] == '?') {
		size_t q = e + 1 + strcspn(s + e + 1, "#");
		SET(p, query, e + 1, q);
		e = q;
	}
	if (s[e] == '#') {
		size_t f = span(s, e + 1, C_FRAGMENT, 0);
		SET(p, fragment, e + 1, f);
		e = f;
	}
	return !s[e];
}

static int split(struct parts *p)
{
	const char *s = p->s;
	size_t i = 0;
	if (isalpha((unsigned char)s[0])) {
		i = 1;
		while (s[i] && (isalnum((unsigned char)s[i]) || strchr("+-.", s[i])))
			i++;
		if (s[i] == ':') {
			p->has_scheme = 1;
			p->scheme = i;
			return hier(p, i + 1);
		}
	}
	return hier(p, 0);
}

/* ---- URI::Generic.new ---- */

static struct value part(const struct parts *p, const size_t *range, int has)
{
	return has ? v_strn(p->s + range[0], range[1] - range[0]) : v_nil();
}

/* URI::Generic#query=: the characters a query may not hold, %-escaped. */
static int set_query(struct erb *e, const struct parts *p, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	for (i = p->query[0]; i < p->query[1]; i++) {
		unsigned char c = p->s[i];
		if (c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '%' && i + 2 < p->query[1] && !isxdigit(p->s[i + 1]) &&
		    !isxdigit(p->s[i + 2])) {
			strbuf_release(&sb);
			return eerr(e, 0, "invalid percent escape: %.3s", p->s + i);
		}
		if (c > ' ' && c < 0x7f && !strchr("\"#'<>`", c))
			strbuf_addch(&sb, c);
		else
			strbuf_addf(&sb, "%%%02X", c);
	}
	*out = v_strbuf(&sb);
	return 0;
}

static int class_of(struct erb *e, const char *scheme)
{
	size_t i;
	if (!scheme)
		return URI_GENERIC;
	for (i = 0; i < ARRAY_SIZE(own_parsers); i++)
		if (!strcasecmp(scheme, own_parsers[i]))
			return eerr(e, 1, "URI for the %s scheme is not supported", own_parsers[i]);
	for (i = 1; i < ARRAY_SIZE(classes); i++)
		if (!strcasecmp(scheme, classes[i].scheme))
			return i;
	return URI_GENERIC;
}

static int build(struct erb *e, const struct parts *p, struct value *u)
{
	struct value *it;
	size_t k;
	int cls;

	*u = v_nil();
	u->t = V_URI;
	for (k = 0; k < U_NR; k++)
		v_push(u, v_nil());
	it = u->items;
	it[U_SCHEME] = p->has_scheme ? v_strn(p->s, p->scheme) : v_nil();
	for (k = 0; k < it[U_SCHEME].len; k++)
		it[U_SCHEME].s[k] = tolower((unsigned char)it[U_SCHEME].s[k]);
	if (p->has_userinfo && p->userinfo[1] > p->userinfo[0]) {
		const char *ui = p->s + p->userinfo[0];
		size_t n = p->userinfo[1] - p->userinfo[0];
		const char *colon = memchr(ui, ':', n);
		it[U_USER] = v_strn(ui, colon ? (size_t)(colon - ui) : n);
		if (colon)
			it[U_PASSWORD] = v_strn(colon + 1, n - (colon + 1 - ui));
	}
	it[U_HOST] = part(p, p->host, p->has_host);
	if (p->has_port && p->port[1] > p->port[0]) {
		long long port = 0;
		for (k = p->port[0]; k < p->port[1]; k++)
			if (port < 1000000000000LL)
				port = port * 10 + (p->s[k] - '0');
		it[U_PORT] = v_int(port);
	}
	it[U_PATH] = part(p, p->path, p->has_path);
	it[U_OPAQUE] = part(p, p->opaque, p->has_opaque);
	if (p->has_opaque && p->has_query) { /* Ruby keeps "?q" in the opaque part */
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s?%.*s", it[U_OPAQUE].s,
			    (int)(p->query[1] - p->query[0]), p->s + p->query[0]);
		v_free(&it[U_OPAQUE]);
		it[U_OPAQUE] = v_strbuf(&sb);
	} else if (p->has_query && set_query(e, p, &it[U_QUERY]) < 0) {
		return -1;
	}
	it[U_FRAGMENT] = part(p, p->fragment, p->has_fragment);
	if ((cls = class_of(e, it[U_SCHEME].s)) < 0)
		return -1;
	u->i = cls;
	if (classes[cls].port && it[U_PORT].t == V_NIL)
		it[U_PORT] = v_int(classes[cls].port);
	return 0;
}

/* String#dump, which Ruby's "must be ascii only" message shows. */
static void dump(struct strbuf *sb, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	strbuf_addch(sb, '"');
	while (u[i]) {
		unsigned cp = u[i];
		size_t n = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc2 ? 1 : 0, k;
		if (cp < 0x80) {
			struct value one = v_strn(s + i, 1);
			size_t at = sb->len;
			v_inspect(sb, &one); /* "c": keep what is between the quotes */
			memmove(sb->buf + at, sb->buf + at + 1, sb->len - at - 2);
			strbuf_setlen(sb, sb->len - 2);
			v_free(&one);
			i++;
			continue;
		}
		cp &= 0x3f >> n;
		for (k = 1; k <= n && (u[i + k] & 0xc0) == 0x80; k++)
			cp = cp << 6 | (u[i + k] & 0x3f);
		if (!n || k <= n) {
			strbuf_addf(sb, "\\x%02X", u[i++]);
			continue;
		}
		strbuf_addf(sb, cp > 0xffff ? "\\u{%X}" : "\\u%04X", cp);
		i += n + 1;
	}
	strbuf_addch(sb, '"');
}

int uri_parse(struct erb *e, const struct value *s, struct value *out)
{
	struct strbuf msg = STRBUF_INIT;
	struct parts p;
	size_t i;
	int ret;

	memset(&p, 0, sizeof(p));
	if (s->t != V_STR || strlen(s->s) != s->len) {
		strbuf_addstr(&msg, "bad URI(is not URI?): ");
		v_inspect(&msg, s);
		ret = eerr(e, 0, "%s", msg.buf);
		strbuf_release(&msg);
		return ret;
	}
	for (i = 0; i < s->len; i++)
		if ((unsigned char)s->s[i] >= 0x80) {
			strbuf_addstr(&msg, "URI must be ascii only ");
			dump(&msg, s->s);
			ret = eerr(e, 0, "%s", msg.buf);
			strbuf_release(&msg);
			return ret;
		}
	p.s = s->s;
	if (!split(&p)) {
		strbuf_addstr(&msg, "bad URI(is not URI?): ");
		v_inspect(&msg, s);
		ret = eerr(e, 0, "%s", msg.buf);
		strbuf_release(&msg);
		return ret;
	}
	if (build(e, &p, out) < 0) {
		v_free(out);
		return -1;
	}
	return 0;
}

/* ---- URI objects ---- */

const char *uri_class_name(const struct value *u)
{
	return classes[u->i].name;
}

static const struct value *comp(const struct value *u, int which)
{
	return &u->items[which];
}

static struct value userinfo(const struct value *u)
{
	struct strbuf sb = STRBUF_INIT;
	if (comp(u, U_USER)->t == V_NIL)
		return v_nil();
	v_to_s(&sb, comp(u, U_USER));
	if (comp(u, U_PASSWORD)->t != V_NIL) {
		strbuf_addch(&sb, ':');
		v_to_s(&sb, comp(u, U_PASSWORD));
	}
	return v_strbuf(&sb);
}

/* URI::Generic#to_s */
void uri_to_s(struct strbuf *sb, const struct value *u)
{
	const struct value *scheme = comp(u, U_SCHEME), *host = comp(u, U_HOST);
	const struct value *port = comp(u, U_PORT);
	struct value ui = userinfo(u);

	if (scheme->t == V_STR)
		strbuf_addf(sb, "%s:", scheme->s);
	if (comp(u, U_OPAQUE)->t == V_STR) {
		v_to_s(sb, comp(u, U_OPAQUE));
	} else {
		if (host->t == V_STR || (scheme->t == V_STR &&
					 (!strcmp(scheme->s, "file") || !strcmp(scheme->s, "postgres"))))
			strbuf_addstr(sb, "//");
		if (ui.t == V_STR)
			strbuf_addf(sb, "%s@", ui.s);
		v_to_s(sb, host);
		if (port->t == V_INT && (!classes[u->i].port || port->i != classes[u->i].port))
			strbuf_addf(sb, ":%lld", port->i);
		v_to_s(sb, comp(u, U_PATH));
		if (comp(u, U_QUERY)->t == V_STR)
			strbuf_addf(sb, "?%s", comp(u, U_QUERY)->s);
	}
	if (comp(u, U_FRAGMENT)->t == V_STR)
		strbuf_addf(sb, "#%s", comp(u, U_FRAGMENT)->s);
	v_free(&ui);
}

int uri_method(struct erb *e, const char *m, const struct value *u,
	       size_t nargs, struct value *out)
{
	static const struct {
		const char *name;
		int which;
	} readers[] = {
		{ "scheme", U_SCHEME }, { "user", U_USER }, { "password", U_PASSWORD },
		{ "host", U_HOST }, { "port", U_PORT }, { "path", U_PATH },
		{ "opaque", U_OPAQUE }, { "query", U_QUERY }, { "fragment", U_FRAGMENT },
	};
	const struct value *h = comp(u, U_HOST);
	size_t i;

	(void)e;
	if (nargs)
		return 0;
	for (i = 0; i < ARRAY_SIZE(readers); i++)
		if (!strcmp(m, readers[i].name)) {
			*out = v_copy(comp(u, readers[i].which));
			return 1;
		}
	if (!strcmp(m, "userinfo"))
		*out = userinfo(u);
	else if (!strcmp(m, "hostname") && h->t == V_STR && h->len >= 2 &&
		 h->s[0] == '[' && h->s[h->len - 1] == ']')
		*out = v_strn(h->s + 1, h->len - 2);
	else if (!strcmp(m, "hostname"))
		*out = v_copy(h);
	else if (!strcmp(m, "default_port"))
		*out = classes[u->i].port ? v_int(classes[u->i].port) : v_nil();
	else if (!strcmp(m, "absolute?") || !strcmp(m, "relative?"))
		*out = v_bool((comp(u, U_SCHEME)->t == V_STR) == (m[0] == 'a'));
	else
		return 0;
	return 1;
}
