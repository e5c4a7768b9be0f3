/*
 * erb-regexp.c - Ruby regexp literals (/re/i, %r{re}) and the String
 * methods real configs call with them: str[re], str[re, n], match (its
 * MatchData is an Array of the groups: m[1] works), match?, sub and gsub
 * with \1 in the replacement, scan.
 *
 * They run on POSIX extended regexps (regcomp), which Ruby's Onigmo
 * syntax is translated to: \s \d \w \h (and the negated ones outside
 * brackets), escaped metacharacters, (?:...) groups. What POSIX cannot
 * say the same way (lookaround, lazy or possessive quantifiers,
 * backreferences, \A \z \b, named groups, the m and x flags) is refused
 * with a located error instead of matching differently.
 */
#include "config/erb-int.h"
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 10

struct re {
	regex_t rx;
	size_t ngroups;           /* Ruby's capturing groups */
	size_t map[MAX_GROUPS];   /* Ruby's group i is POSIX group map[i] */
};

struct value v_regexp(const char *src, size_t len, int icase)
{
	struct value v = v_strn(src, len);
	v.t = V_REGEXP;
	v.i = icase;
	return v;
}

static int refuse(struct erb *e, const char *what)
{
	return eerr(e, 1, "regexp %s is not supported", what);
}

/* One backslash escape outside brackets, at src[*i] == '\\'. */
static int esc_outside(struct erb *e, const char *src, size_t len, size_t *i, struct strbuf *out)
{
	char c = *i + 1 < len ? src[*i + 1] : 0;
	static const char *const cls[][2] = {
		{ "s", "[[:space:]]" }, { "S", "[^[:space:]]" }, { "d", "[0-9]" },
		{ "D", "[^0-9]" },      { "w", "[[:alnum:]_]" }, { "W", "[^[:alnum:]_]" },
		{ "h", "[0-9a-fA-F]" },
	};
	(*i)++;
	for (size_t k = 0; k < ARRAY_SIZE(cls); k++)
		if (c == cls[k][0][0]) {
			strbuf_addstr(out, cls[k][1]);
			return 0;
		}
	if (c == 'n' || c == 't' || c == 'r')
		strbuf_addch(out, c == 'n' ? '\n' : c == 't' ? '\t' : '\r');
	else if (c && strchr(".*+?()[]{}|^$\\", c))
		strbuf_addf(out, "\\%c", c);
	else if (c == '/' || c == '-' || c == '"' || c == '\'' || c == ' ' || c == '#' ||
		 c == ':' || c == '@' || c == '=' || c == '%' || c == ',')
		strbuf_addch(out, c);
	else
		return refuse(e, c ? "escape" : "ending in a backslash");
	return 0;
}

/* A bracket expression [...] starting at src[*i] == '['. */
static int bracket(struct erb *e, const char *src, size_t len, size_t *i, struct strbuf *out)
{
	size_t j = *i + 1;
	strbuf_addch(out, '[');
	if (j < len && src[j] == '^')
		strbuf_addch(out, src[j++]);
	if (j < len && src[j] == ']')
		strbuf_addch(out, src[j++]);
	for (; j < len && src[j] != ']'; j++) {
		char c = src[j];
		if (c == '[' && j + 1 < len && src[j + 1] != ':')
			return refuse(e, "nested brackets");
		if (c != '\\') {
			strbuf_addch(out, c);
			continue;
		}
		c = ++j < len ? src[j] : 0;
		if (c == 's')
			strbuf_addstr(out, "[:space:]");
		else if (c == 'd')
			strbuf_addstr(out, "0-9");
		else if (c == 'w')
			strbuf_addstr(out, "[:alnum:]_");
		else if (c == 'h')
			strbuf_addstr(out, "0-9a-fA-F");
		else if (c == 'n' || c == 't')
			strbuf_addch(out, c == 'n' ? '\n' : '\t');
		else if (c && strchr("./\\\"'#:@=%,+*?()${}|", c))
			strbuf_addch(out, c); /* POSIX brackets take these as they are */
		else
			return refuse(e, "escape in brackets");
	}
	if (j >= len)
		return refuse(e, "with an unclosed '['");
	strbuf_addch(out, ']');
	*i = j;
	return 0;
}

static int group_open(struct erb *e, const char *src, size_t len, size_t *i,
		      struct strbuf *out, struct re *re, size_t *posix)
{
	strbuf_addch(out, '(');
	if (++*posix >= MAX_GROUPS * 2)
		return refuse(e, "with this many groups");
	if (*i + 1 < len && src[*i + 1] == '?') {
		if (*i + 2 < len && src[*i + 2] == ':') {
			*i += 2; /* non-capturing: POSIX counts it, Ruby does not */
			return 0;
		}
		return refuse(e, "group (lookaround or named)");
	}
	if (++re->ngroups >= MAX_GROUPS)
		return refuse(e, "with more than 9 groups");
	re->map[re->ngroups] = *posix;
	return 0;
}

static int translate(struct erb *e, const struct value *v, struct strbuf *out, struct re *re)
{
	size_t posix = 0;
	for (size_t i = 0; i < v->len; i++) {
		char c = v->s[i], next = i + 1 < v->len ? v->s[i + 1] : 0;
		int r = 0;
		if (c == '\\')
			r = esc_outside(e, v->s, v->len, &i, out);
		else if (c == '[')
			r = bracket(e, v->s, v->len, &i, out);
		else if (c == '(')
			r = group_open(e, v->s, v->len, &i, out, re, &posix);
		else if ((c == '*' || c == '+' || c == '?' || c == '}') && (next == '?' || next == '+'))
			r = refuse(e, "lazy or possessive quantifier");
		else
			strbuf_addch(out, c);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int re_compile(struct erb *e, const struct value *v, struct re *re)
{
	struct strbuf ere = STRBUF_INIT;
	int r;

	memset(re, 0, sizeof(*re));
	if (translate(e, v, &ere, re) < 0) {
		strbuf_release(&ere);
		return -1;
	}
	/* REG_NEWLINE: ^ $ at line ends and . not across lines, as in Ruby. */
	r = regcomp(&re->rx, ere.buf, REG_EXTENDED | REG_NEWLINE | (v->i ? REG_ICASE : 0));
	strbuf_release(&ere);
	if (r)
		return eerr(e, 0, "invalid regexp /%s/", v->s);
	return 0;
}

/* The first match in s from off on; 1 matched (m filled), 0 not. */
static int re_exec(const struct re *re, const struct value *s, size_t off, regmatch_t *m)
{
	m[0].rm_so = (regoff_t)off;
	m[0].rm_eo = (regoff_t)s->len;
	return !regexec(&re->rx, s->s, MAX_GROUPS * 2, m, REG_STARTEND | (off ? REG_NOTBOL : 0));
}

/* Ruby's group g of a match (0: the whole), or nil when it took no part. */
static struct value group(const struct re *re, const struct value *s, const regmatch_t *m,
			  size_t g)
{
	const regmatch_t *x;
	if (g > re->ngroups)
		return v_nil();
	x = &m[g ? re->map[g] : 0];
	if (x->rm_so < 0)
		return v_nil();
	return v_strn(s->s + x->rm_so, x->rm_eo - x->rm_so);
}

static struct value match_data(const struct re *re, const struct value *s, const regmatch_t *m)
{
	struct value arr = v_array();
	for (size_t g = 0; g <= re->ngroups; g++)
		v_push(&arr, group(re, s, m, g));
	return arr;
}

/* repl with \0..\9 and \\ as sub/gsub read them. */
static void add_replacement(struct strbuf *sb, const struct value *repl, const struct re *re,
			    const struct value *s, const regmatch_t *m)
{
	for (size_t i = 0; i < repl->len; i++) {
		char c = repl->s[i], d = i + 1 < repl->len ? repl->s[i + 1] : 0;
		if (c == '\\' && d >= '0' && d <= '9') {
			struct value g = group(re, s, m, d - '0');
			strbuf_add(sb, g.s ? g.s : "", g.len);
			v_free(&g);
			i++;
		} else if (c == '\\' && d == '\\') {
			strbuf_addch(sb, '\\');
			i++;
		} else {
			strbuf_addch(sb, c);
		}
	}
}

static int replace(struct erb *e, const struct re *re, const struct value *s,
		   const struct value *repl, int all, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	regmatch_t m[MAX_GROUPS * 2];
	size_t off = 0;

	if (want_str(e, repl, "replacement") < 0)
		return -1;
	while (off <= s->len && re_exec(re, s, off, m)) {
		strbuf_add(&sb, s->s + off, m[0].rm_so - off);
		add_replacement(&sb, repl, re, s, m);
		if (m[0].rm_eo == m[0].rm_so) { /* an empty match moves on by one */
			if ((size_t)m[0].rm_eo < s->len)
				strbuf_addch(&sb, s->s[m[0].rm_eo]);
			off = m[0].rm_eo + 1;
		} else {
			off = m[0].rm_eo;
		}
		if (!all || sb.len > MAX_VALUE)
			break;
	}
	if (off < s->len)
		strbuf_add(&sb, s->s + off, s->len - off);
	*out = v_strbuf(&sb);
	return 0;
}

static struct value scan(const struct re *re, const struct value *s)
{
	struct value all = v_array();
	regmatch_t m[MAX_GROUPS * 2];
	size_t off = 0;
	while (off <= s->len && re_exec(re, s, off, m)) {
		if (re->ngroups) {
			struct value md = match_data(re, s, m);
			v_free(&md.items[0]); /* scan gives the groups only */
			memmove(md.items, md.items + 1, --md.nr * sizeof(*md.items));
			v_push(&all, md);
		} else {
			v_push(&all, group(re, s, m, 0));
		}
		off = m[0].rm_eo > m[0].rm_so ? (size_t)m[0].rm_eo : (size_t)m[0].rm_eo + 1;
	}
	return all;
}

static int run(struct erb *e, const char *m, const struct re *re, const struct value *s,
	       struct value *args, size_t nargs, struct value *out)
{
	regmatch_t mt[MAX_GROUPS * 2];
	int hit;

	if (!strcmp(m, "sub") || !strcmp(m, "gsub"))
		return nargs == 2 ? replace(e, re, s, &args[1], m[0] == 'g', out) :
				    eerr(e, 1, "%s with a block is not supported", m);
	if (!strcmp(m, "scan") && nargs == 1) {
		*out = scan(re, s);
		return 0;
	}
	hit = re_exec(re, s, 0, mt);
	if (!strcmp(m, "match?") && nargs == 1)
		*out = v_bool(hit);
	else if (!strcmp(m, "match") && nargs == 1)
		*out = hit ? match_data(re, s, mt) : v_nil();
	else if (!strcmp(m, "=~") && nargs == 1)
		*out = hit ? v_int(mt[0].rm_so) : v_nil();
	else if (!strcmp(m, "[]") && (nargs == 1 || (nargs == 2 && args[1].t == V_INT)))
		*out = !hit ? v_nil() :
		       group(re, s, mt, nargs == 2 && args[1].i >= 0 ? (size_t)args[1].i : 0);
	else
		return eerr(e, 1, "String#%s with a regexp is not supported", m);
	return 0;
}

int regexp_method(struct erb *e, const char *m, const struct value *s,
		  struct value *args, size_t nargs, struct value *out)
{
	struct re re;
	int r;

	if (!nargs || args[0].t != V_REGEXP)
		return 0;
	if (re_compile(e, &args[0], &re) < 0)
		return -1;
	r = run(e, m, &re, s, args, nargs, out);
	regfree(&re.rx);
	return r < 0 ? -1 : 1;
}
