/*
 * dockerignore.c - .dockerignore patterns, matched as Docker does
 * (see dockerignore.h for the rules).
 */
#include "commands/dockerignore.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

enum tok_kind {
	T_LIT,         /* one byte */
	T_ANY,         /* ?: one byte but / */
	T_CLASS,       /* [...] */
	T_STAR,        /* *: any run without / */
	T_DSTAR,       /* **: any run */
	T_DSTAR_SLASH, /* ** then /: nothing, or any run ending in / */
};

struct tok {
	enum tok_kind kind;
	unsigned char c;     /* T_LIT */
	const char *set;     /* T_CLASS: after [ (and ^) */
	size_t set_len;      /* up to the closing ] */
	int negated;
};

/* The class [...] at p (just after "["), or 0 when it does not close. */
static size_t parse_class(const char *p, struct tok *t)
{
	size_t i = 0;
	t->negated = p[0] == '^';
	i = t->negated;
	if (p[i] == ']') /* a ] first is one of the class */
		i++;
	while (p[i] && p[i] != ']')
		i++;
	if (!p[i] || i == (size_t)t->negated)
		return 0;
	t->kind = T_CLASS;
	t->set = p + t->negated;
	t->set_len = i - t->negated;
	return i + 1;
}

static int class_has(const struct tok *t, unsigned char c)
{
	int in = 0;
	for (size_t i = 0; i < t->set_len && !in; i++) {
		unsigned char lo = (unsigned char)t->set[i], hi = lo;
		if (i + 2 < t->set_len && t->set[i + 1] == '-') {
			hi = (unsigned char)t->set[i + 2];
			i += 2;
		}
		in = c >= lo && c <= hi;
	}
	return in != t->negated;
}

static size_t tokenize(const char *p, struct tok *toks)
{
	size_t n = 0, used;
	while (*p) {
		struct tok *t = &toks[n++];
		memset(t, 0, sizeof(*t));
		if (p[0] == '*' && p[1] == '*') {
			t->kind = p[2] == '/' ? T_DSTAR_SLASH : T_DSTAR;
			p += p[2] == '/' ? 3 : 2;
		} else if (*p == '*') {
			t->kind = T_STAR;
			p++;
		} else if (*p == '?') {
			t->kind = T_ANY;
			p++;
		} else if (*p == '[' && (used = parse_class(p + 1, t))) {
			p += 1 + used;
		} else {
			if (*p == '\\' && p[1])
				p++;
			t->kind = T_LIT;
			t->c = (unsigned char)*p++;
		}
	}
	return n;
}

/* Adds the states reachable without a byte: past every star. */
static void closure(const struct tok *toks, size_t n, unsigned char *set)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] && toks[i].kind >= T_STAR)
			set[i + 1] = 1;
}

static void step(const struct tok *toks, size_t n, const unsigned char *cur,
		 unsigned char *next, unsigned char c)
{
	memset(next, 0, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (!cur[i])
			continue;
		switch (toks[i].kind) {
		case T_LIT:
			next[i + 1] |= c == toks[i].c;
			break;
		case T_ANY:
			next[i + 1] |= c != '/';
			break;
		case T_CLASS:
			next[i + 1] |= class_has(&toks[i], c);
			break;
		case T_STAR:
			next[i] |= c != '/';
			break;
		case T_DSTAR:
			next[i] = 1;
			break;
		case T_DSTAR_SLASH:
			next[i] = 1;
			next[i + 1] |= c == '/';
			break;
		}
	}
	closure(toks, n, next);
}

int dockerignore_match(const char *pattern, const char *path)
{
	size_t len = strlen(pattern), n;
	struct tok *toks = calloc(len + 1, sizeof(*toks));
	unsigned char *a = calloc(len + 2, 1), *b = calloc(len + 2, 1), *tmp;
	int r = 0;

	if (!toks || !a || !b)
		goto out;
	n = tokenize(pattern, toks);
	a[0] = 1;
	closure(toks, n, a);
	for (const char *s = path; *s; s++) {
		step(toks, n, a, b, (unsigned char)*s);
		tmp = a, a = b, b = tmp;
	}
	r = a[n];
out:
	free(toks);
	free(a);
	free(b);
	return r;
}

/* Go's filepath.Clean, then no leading / (as patternmatcher keeps them). */
static void clean_path(struct strbuf *out, const char *p, size_t len)
{
	int rooted = len && p[0] == '/';
	size_t i = 0;

	strbuf_reset(out);
	while (i < len) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			char *slash = memrchr(out->buf, '/', out->len);
			size_t last = slash ? (size_t)(slash - out->buf) + 1 : 0;
			if (out->len && strcmp(out->buf + last, ".."))
				strbuf_setlen(out, last ? last - 1 : 0);
			else if (!rooted)
				strbuf_addstr(out, out->len ? "/.." : "..");
		} else if (j > i && !(j - i == 1 && p[i] == '.')) {
			if (out->len)
				strbuf_addch(out, '/');
			strbuf_add(out, p + i, j - i);
		}
		i = j + 1;
	}
	if (!out->len)
		strbuf_addstr(out, rooted ? "/" : ".");
}

static void add_line(struct dockerignore *d, const char *line, size_t len)
{
	struct strbuf pat = STRBUF_INIT, cleaned = STRBUF_INIT;
	int exception;

	if (len && line[0] == '#')
		return;
	strbuf_add(&pat, line, len);
	strbuf_trim(&pat);
	exception = pat.len && pat.buf[0] == '!';
	if (exception) {
		memmove(pat.buf, pat.buf + 1, pat.len--);
		strbuf_trim(&pat);
	}
	if (pat.len) {
		clean_path(&cleaned, pat.buf, pat.len);
		strvec_pushf(&d->patterns, "%s%s", exception ? "!" : "", cleaned.buf);
	}
	strbuf_release(&pat);
	strbuf_release(&cleaned);
}

void dockerignore_parse(struct dockerignore *d, const char *text, size_t len)
{
	size_t i = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		add_line(d, text + i, end - i);
		i = end + 1;
	}
}

/* The pattern matches path or one of the folders it is in. */
static int matches_or_parent(const char *pat, const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	int m = dockerignore_match(pat, path);

	for (const char *s = strchr(path, '/'); s && !m; s = strchr(s + 1, '/')) {
		strbuf_reset(&dir);
		strbuf_add(&dir, path, (size_t)(s - path));
		m = dockerignore_match(pat, dir.buf);
	}
	strbuf_release(&dir);
	return m;
}

int dockerignore_excluded(const struct dockerignore *d, const char *path)
{
	int excluded = 0;
	for (size_t i = 0; i < d->patterns.nr; i++) {
		const char *p = d->patterns.v[i];
		int exception = p[0] == '!';
		if (matches_or_parent(p + exception, path))
			excluded = !exception;
	}
	return excluded;
}

void dockerignore_clear(struct dockerignore *d)
{
	strvec_clear(&d->patterns);
}
