/*
 * erb-string.c - the String methods real deploy files call, as Ruby 3
 * answers them (whitespace as Ruby's String#strip counts it, split's awk
 * mode, to_i's lenient digits). Given a regexp, they go to erb-regexp.c.
 */
#include "config/erb-int.h"
#include <ctype.h>
#include <limits.h>
#include <string.h>

/* Ruby's strip also removes NULs at the right end. */
static int is_rspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r' || c == '\0';
}

static struct value str_strip(const struct value *v, int left, int right)
{
	size_t a = 0, b = v->len;
	while (left && a < b && is_rspace(v->s[a]) && v->s[a])
		a++;
	while (right && b > a && is_rspace(v->s[b - 1]))
		b--;
	return v_strn(v->s + a, b - a);
}

/* split(nil) and split(" "): runs of whitespace, leading ones ignored. */
static struct value split_awk(const struct value *v)
{
	struct value arr = v_array();
	size_t i = 0, start;
	while (i < v->len) {
		while (i < v->len && isspace((unsigned char)v->s[i]))
			i++;
		if (i >= v->len)
			break;
		start = i;
		while (i < v->len && !isspace((unsigned char)v->s[i]))
			i++;
		v_push(&arr, v_strn(v->s + start, i - start));
	}
	return arr;
}

static struct value str_split(const struct value *v, const struct value *sep)
{
	struct value arr;
	size_t i = 0, n;
	if (!sep || sep->t == V_NIL || (sep->len == 1 && sep->s[0] == ' '))
		return split_awk(v);
	arr = v_array();
	n = sep->len;
	if (!n) {
		for (i = 0; i < v->len; i++)
			v_push(&arr, v_strn(v->s + i, 1));
		return arr;
	}
	for (;;) {
		const char *hit = memmem(v->s + i, v->len - i, sep->s, n);
		size_t end = hit ? (size_t)(hit - v->s) : v->len;
		v_push(&arr, v_strn(v->s + i, end - i));
		if (!hit)
			break;
		i = end + n;
	}
	/* Ruby drops trailing empty fields. */
	while (arr.nr && !arr.items[arr.nr - 1].len) {
		arr.nr--;
		v_free(&arr.items[arr.nr]);
	}
	return arr;
}

static long long str_to_i(const struct value *v)
{
	size_t i = 0;
	long long r = 0;
	int neg = 0;
	while (i < v->len && isspace((unsigned char)v->s[i]))
		i++;
	if (i < v->len && (v->s[i] == '-' || v->s[i] == '+'))
		neg = v->s[i++] == '-';
	for (; i < v->len && (isdigit((unsigned char)v->s[i]) ||
			      (v->s[i] == '_' && i + 1 < v->len &&
			       isdigit((unsigned char)v->s[i + 1]))); i++)
		if (v->s[i] != '_' && r < LLONG_MAX / 10 - 9)
			r = r * 10 + (v->s[i] - '0');
	return neg ? -r : r;
}

static int str_replace(struct erb *e, const struct value *v, struct value *args,
		       size_t nargs, int all, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;
	if (nargs != 2 || args[0].t != V_STR || args[1].t != V_STR)
		return eerr(e, 1, "only string patterns and replacements are supported");
	while (i <= v->len) {
		const char *hit = args[0].len ?
			memmem(v->s + i, v->len - i, args[0].s, args[0].len) : NULL;
		if (!hit) {
			strbuf_add(&sb, v->s + i, v->len - i);
			break;
		}
		strbuf_add(&sb, v->s + i, hit - (v->s + i));
		strbuf_add(&sb, args[1].s, args[1].len);
		i = hit - v->s + args[0].len;
		if (!all) {
			strbuf_add(&sb, v->s + i, v->len - i);
			break;
		}
		if (sb.len > MAX_VALUE) {
			strbuf_release(&sb);
			return eerr(e, 1, "string too long");
		}
	}
	*out = v_strbuf(&sb);
	return 0;
}

static struct value str_chomp(const struct value *v)
{
	size_t l = v->len;
	if (l && v->s[l - 1] == '\n')
		l--;
	if (l && v->s[l - 1] == '\r')
		l--;
	return v_strn(v->s, l);
}

/* downcase, upcase, capitalize: ASCII only, as Ruby's :ascii option. */
static struct value str_case(const struct value *v, char how)
{
	struct value out = v_copy(v);
	for (size_t i = 0; i < out.len; i++)
		out.s[i] = how == 'u' || (how == 'c' && !i) ?
			toupper((unsigned char)out.s[i]) : tolower((unsigned char)out.s[i]);
	return out;
}

static struct value str_lines(const struct value *v)
{
	struct value out = v_array();
	size_t i = 0;
	while (i < v->len) {
		const char *nl = memchr(v->s + i, '\n', v->len - i);
		size_t end = nl ? (size_t)(nl - v->s) + 1 : v->len;
		v_push(&out, v_strn(v->s + i, end - i));
		i = end;
	}
	return out;
}

static int has_prefix(const struct value *v, const struct value *p)
{
	return p->len <= v->len && !memcmp(v->s, p->s, p->len);
}

static int has_suffix(const struct value *v, const struct value *p)
{
	return p->len <= v->len && !memcmp(v->s + v->len - p->len, p->s, p->len);
}

/* Methods of one string argument. */
static int str_method1(struct erb *e, const char *m, const struct value *v,
		       const struct value *a, struct value *out)
{
	int is_include = !strcmp(m, "include?"), is_start = !strcmp(m, "start_with?");
	int is_end = !strcmp(m, "end_with?"), is_dp = !strcmp(m, "delete_prefix");
	int is_ds = !strcmp(m, "delete_suffix");

	if (!is_include && !is_start && !is_end && !is_dp && !is_ds)
		return 0;
	if (want_str(e, a, m) < 0)
		return -1;
	if (is_include)
		*out = v_bool(!a->len || memmem(v->s, v->len, a->s, a->len));
	else if (is_start || is_end)
		*out = v_bool(is_start ? has_prefix(v, a) : has_suffix(v, a));
	else if (is_dp)
		*out = has_prefix(v, a) ? v_strn(v->s + a->len, v->len - a->len) : v_copy(v);
	else
		*out = has_suffix(v, a) ? v_strn(v->s, v->len - a->len) : v_copy(v);
	return 1;
}

int str_method(struct erb *e, const char *m, const struct value *v,
	       struct value *args, size_t nargs, struct value *out)
{
	const struct value *a0 = nargs ? &args[0] : NULL;
	int r = regexp_method(e, m, v, args, nargs, out);

	if (r)
		return r;
	if (nargs == 1) {
		r = str_method1(e, m, v, a0, out);
		if (r)
			return r;
	}
	if (!strcmp(m, "sub") || !strcmp(m, "gsub"))
		return str_replace(e, v, args, nargs, m[0] == 'g', out) < 0 ? -1 : 1;
	if (!strcmp(m, "split") && nargs <= 1 && (!a0 || a0->t == V_STR || a0->t == V_NIL)) {
		*out = str_split(v, a0);
		return 1;
	}
	if (nargs)
		return 0;
	if (!strcmp(m, "strip") || !strcmp(m, "lstrip") || !strcmp(m, "rstrip"))
		*out = str_strip(v, m[0] != 'r', m[0] != 'l');
	else if (!strcmp(m, "chomp"))
		*out = str_chomp(v);
	else if (!strcmp(m, "to_str") || !strcmp(m, "dup") || !strcmp(m, "freeze"))
		*out = v_copy(v);
	else if (!strcmp(m, "to_i"))
		*out = v_int(str_to_i(v));
	else if (!strcmp(m, "downcase") || !strcmp(m, "upcase") || !strcmp(m, "capitalize"))
		*out = str_case(v, m[0]);
	else if (!strcmp(m, "lines"))
		*out = str_lines(v);
	else if (!strcmp(m, "empty?"))
		*out = v_bool(!v->len);
	else if (!strcmp(m, "length") || !strcmp(m, "size"))
		*out = v_int(v->len);
	else
		return 0;
	return 1;
}
