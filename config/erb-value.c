/*
 * erb-value.c - Ruby's values as the ERB interpreter keeps them: nil,
 * booleans, integers, strings, arrays, hashes (what Dotenv.parse returns)
 * and URI objects; and how Ruby prints each (to_s, inspect).
 */
#include "config/erb-int.h"
#include <limits.h>

struct value v_nil(void)
{
	struct value v = { V_NIL, 0, NULL, 0, NULL, 0 };
	return v;
}

struct value v_bool(int b)
{
	struct value v = v_nil();
	v.t = b ? V_TRUE : V_FALSE;
	return v;
}

struct value v_int(long long i)
{
	struct value v = v_nil();
	v.t = V_INT;
	v.i = i;
	return v;
}

struct value v_strn(const char *s, size_t len)
{
	struct value v = v_nil();
	v.t = V_STR;
	v.s = xmalloc(len + 1);
	memcpy(v.s, s, len);
	v.s[len] = '\0';
	v.len = len;
	return v;
}

struct value v_str(const char *s)
{
	return v_strn(s, strlen(s));
}

struct value v_strbuf(struct strbuf *sb)
{
	struct value v = v_nil();
	v.t = V_STR;
	v.len = sb->len;
	v.s = strbuf_detach(sb, NULL);
	return v;
}

struct value v_array(void)
{
	struct value v = v_nil();
	v.t = V_ARRAY;
	return v;
}

struct value v_hash(void)
{
	struct value v = v_nil();
	v.t = V_HASH;
	return v;
}

void v_push(struct value *arr, struct value item)
{
	size_t alloc = arr->nr;
	/* items grows in powers of two, so alloc is recomputable. */
	if (!arr->nr || !(arr->nr & (arr->nr - 1))) {
		alloc = arr->nr ? arr->nr * 2 : 1;
		arr->items = xrealloc(arr->items, alloc * sizeof(*arr->items));
	}
	arr->items[arr->nr++] = item;
}

void v_free(struct value *v)
{
	size_t i;
	free(v->s);
	for (i = 0; i < v->nr; i++)
		v_free(&v->items[i]);
	free(v->items);
	*v = v_nil();
}

struct value v_copy(const struct value *v)
{
	struct value c = *v;
	size_t i;
	if (v->t == V_STR || v->t == V_REGEXP) {
		c = v_strn(v->s, v->len);
		c.t = v->t;
		c.i = v->i;
		return c;
	}
	if (v->nr || v->t == V_ARRAY || v->t == V_HASH) {
		c.items = NULL;
		c.nr = 0;
		for (i = 0; i < v->nr; i++)
			v_push(&c, v_copy(&v->items[i]));
	}
	return c;
}

int v_truthy(const struct value *v)
{
	return v->t != V_NIL && v->t != V_FALSE;
}

static int hash_equal(const struct value *a, const struct value *b)
{
	size_t i;
	if (a->nr != b->nr)
		return 0;
	for (i = 0; i < a->nr; i += 2) {
		const struct value *other = hash_get(b, &a->items[i]);
		if (!other || !v_equal(&a->items[i + 1], other))
			return 0;
	}
	return 1;
}

int v_equal(const struct value *a, const struct value *b)
{
	size_t i;
	if (a->t != b->t)
		return 0;
	switch (a->t) {
	case V_INT:
		return a->i == b->i;
	case V_STR:
		return a->len == b->len && !memcmp(a->s, b->s, a->len);
	case V_HASH:
		return hash_equal(a, b);
	case V_TIME:
		return a->i == b->i;
	case V_REGEXP:
		return a->i == b->i && a->len == b->len && !memcmp(a->s, b->s, a->len);
	case V_URI:
		if (a->i != b->i)
			return 0;
		/* fall through */
	case V_ARRAY:
		if (a->nr != b->nr)
			return 0;
		for (i = 0; i < a->nr; i++)
			if (!v_equal(&a->items[i], &b->items[i]))
				return 0;
		return 1;
	default:
		return 1;
	}
}

const char *v_typename(const struct value *v)
{
	static const char *names[] = { "nil", "false", "true", "Integer",
				       "String", "Array", "Hash", "URI", "Time", "Regexp" };
	return v->t == V_URI ? uri_class_name(v) : names[v->t];
}

void v_to_s(struct strbuf *sb, const struct value *v)
{
	switch (v->t) {
	case V_NIL:
		break;
	case V_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case V_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case V_INT:
		strbuf_addf(sb, "%lld", v->i);
		break;
	case V_STR:
		strbuf_add(sb, v->s, v->len);
		break;
	case V_URI:
		uri_to_s(sb, v);
		break;
	case V_TIME:
		time_to_s(sb, v);
		break;
	case V_REGEXP: /* Regexp#to_s */
		strbuf_addf(sb, "(?%s-mx:", v->i ? "i" : "");
		strbuf_add(sb, v->s, v->len);
		strbuf_addch(sb, ')');
		break;
	case V_ARRAY:
	case V_HASH:
		v_inspect(sb, v);
		break;
	}
}

static void inspect_str(struct strbuf *sb, const struct value *v)
{
	size_t i;
	strbuf_addch(sb, '"');
	for (i = 0; i < v->len; i++) {
		unsigned char c = v->s[i];
		if (c == '"' || c == '\\')
			strbuf_addf(sb, "\\%c", c);
		else if (c == '\n')
			strbuf_addstr(sb, "\\n");
		else if (c == '\t')
			strbuf_addstr(sb, "\\t");
		else if (c == '\r')
			strbuf_addstr(sb, "\\r");
		else if (c == '\033')
			strbuf_addstr(sb, "\\e");
		else if (c < 0x20)
			strbuf_addf(sb, "\\x%02X", c);
		else if (c == '#' && i + 1 < v->len && strchr("{$@", v->s[i + 1]))
			strbuf_addstr(sb, "\\#");
		else
			strbuf_addch(sb, c);
	}
	strbuf_addch(sb, '"');
}

void v_inspect(struct strbuf *sb, const struct value *v)
{
	size_t i;
	switch (v->t) {
	case V_NIL:
		strbuf_addstr(sb, "nil");
		break;
	case V_STR:
		inspect_str(sb, v);
		break;
	case V_ARRAY:
		strbuf_addch(sb, '[');
		for (i = 0; i < v->nr; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			v_inspect(sb, &v->items[i]);
		}
		strbuf_addch(sb, ']');
		break;
	case V_HASH: /* Ruby 3.1's {"k"=>"v"} */
		strbuf_addch(sb, '{');
		for (i = 0; i < v->nr; i += 2) {
			if (i)
				strbuf_addstr(sb, ", ");
			v_inspect(sb, &v->items[i]);
			strbuf_addstr(sb, "=>");
			v_inspect(sb, &v->items[i + 1]);
		}
		strbuf_addch(sb, '}');
		break;
	case V_REGEXP:
		strbuf_addch(sb, '/');
		strbuf_add(sb, v->s, v->len);
		strbuf_addstr(sb, v->i ? "/i" : "/");
		break;
	case V_URI:
		strbuf_addf(sb, "#<%s ", uri_class_name(v));
		uri_to_s(sb, v);
		strbuf_addch(sb, '>');
		break;
	default:
		v_to_s(sb, v);
		break;
	}
}

/* ---- hashes ---- */

struct value *hash_get(const struct value *h, const struct value *key)
{
	size_t i;
	for (i = 0; i < h->nr; i += 2)
		if (v_equal(&h->items[i], key))
			return &h->items[i + 1];
	return NULL;
}

void hash_set(struct value *h, struct value key, struct value val)
{
	struct value *old = hash_get(h, &key);
	if (old) {
		v_free(&key);
		v_free(old);
		*old = val;
		return;
	}
	v_push(h, key);
	v_push(h, val);
}

struct value hash_pairs(const struct value *h)
{
	struct value arr = v_array();
	size_t i;
	for (i = 0; i < h->nr; i += 2) {
		struct value pair = v_array();
		v_push(&pair, v_copy(&h->items[i]));
		v_push(&pair, v_copy(&h->items[i + 1]));
		v_push(&arr, pair);
	}
	return arr;
}

static struct value hash_column(const struct value *h, size_t which)
{
	struct value arr = v_array();
	size_t i;
	for (i = which; i < h->nr; i += 2)
		v_push(&arr, v_copy(&h->items[i]));
	return arr;
}

/* Ruby's KeyError for h.fetch(key) of a missing key. */
static int key_error(struct erb *e, const struct value *key)
{
	struct strbuf q = STRBUF_INIT;
	v_inspect(&q, key);
	eerr(e, 0, "key not found: %s", q.buf);
	strbuf_release(&q);
	return -1;
}

int hash_method(struct erb *e, const char *m, const struct value *h,
		struct value *args, size_t nargs, struct value *out)
{
	const struct value *hit = nargs ? hash_get(h, &args[0]) : NULL;

	if (!strcmp(m, "[]") && nargs == 1) {
		*out = hit ? v_copy(hit) : v_nil();
	} else if (!strcmp(m, "fetch") && (nargs == 1 || nargs == 2)) {
		if (!hit && nargs == 1)
			return key_error(e, &args[0]);
		*out = v_copy(hit ? hit : &args[1]);
	} else if ((!strcmp(m, "key?") || !strcmp(m, "has_key?") ||
		    !strcmp(m, "include?") || !strcmp(m, "member?")) && nargs == 1) {
		*out = v_bool(hit != NULL);
	} else if (!strcmp(m, "dig") && nargs == 1) {
		*out = hit ? v_copy(hit) : v_nil();
	} else if (!strcmp(m, "keys") && !nargs) {
		*out = hash_column(h, 0);
	} else if (!strcmp(m, "values") && !nargs) {
		*out = hash_column(h, 1);
	} else if ((!strcmp(m, "size") || !strcmp(m, "length") ||
		    !strcmp(m, "count")) && !nargs) {
		*out = v_int(h->nr / 2);
	} else if (!strcmp(m, "empty?") && !nargs) {
		*out = v_bool(!h->nr);
	} else if (!strcmp(m, "to_h") && !nargs) {
		*out = v_copy(h);
	} else if (!strcmp(m, "to_a") && !nargs) {
		*out = hash_pairs(h);
	} else {
		return 0;
	}
	return 1;
}

/* ---- operators ---- */

static int arith(struct erb *e, char op, long long a, long long b, struct value *out)
{
	long long r;
	int overflow;

	if (op == '/' && !b)
		return eerr(e, 0, "divided by 0");
	if (op == '/') {
		/* Ruby rounds towards minus infinity */
		if (a == LLONG_MIN && b == -1)
			return eerr(e, 1, "integer too large");
		r = a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
		overflow = 0;
	} else if (op == '+') {
		overflow = __builtin_add_overflow(a, b, &r);
	} else if (op == '-') {
		overflow = __builtin_sub_overflow(a, b, &r);
	} else {
		overflow = __builtin_mul_overflow(a, b, &r);
	}
	if (overflow)
		return eerr(e, 1, "integer too large");
	*out = v_int(r);
	return 0;
}

/* Array * n: the items n times over. */
static int repeat_items(struct erb *e, const struct value *l, long long n,
			struct value *out)
{
	long long k;
	size_t i;

	if (n < 0)
		return eerr(e, 0, "negative argument");
	if (l->nr && (unsigned long long)n > (MAX_VALUE / 64) / l->nr)
		return eerr(e, 1, "array too long");
	*out = v_array();
	for (k = 0; k < n; k++)
		for (i = 0; i < l->nr; i++)
			v_push(out, v_copy(&l->items[i]));
	return 0;
}

/* String * n, Array * n and Array - Array. */
static int repeat_or_remove(struct erb *e, const struct value *l,
			    const struct value *r, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	long long k;
	size_t i;

	if (l->t == V_ARRAY && r->t == V_INT)
		return repeat_items(e, l, r->i, out);
	if (l->t == V_ARRAY) {
		*out = v_array();
		for (i = 0; i < l->nr; i++) {
			size_t j;
			for (j = 0; j < r->nr && !v_equal(&l->items[i], &r->items[j]); j++)
				;
			if (j == r->nr)
				v_push(out, v_copy(&l->items[i]));
		}
		return 0;
	}
	if (r->i < 0)
		return eerr(e, 0, "negative argument");
	if (l->len && (unsigned long long)r->i > MAX_VALUE / l->len)
		return eerr(e, 1, "string too long");
	for (k = 0; k < r->i; k++)
		strbuf_add(&sb, l->s, l->len);
	*out = v_strbuf(&sb);
	return 0;
}

static int concat(struct erb *e, const struct value *l, const struct value *r,
		  struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (l->t == V_ARRAY) {
		*out = v_copy(l);
		for (i = 0; i < r->nr; i++)
			v_push(out, v_copy(&r->items[i]));
		return 0;
	}
	if (l->len + r->len > MAX_VALUE)
		return eerr(e, 1, "string too long");
	strbuf_add(&sb, l->s, l->len);
	strbuf_add(&sb, r->s, r->len);
	*out = v_strbuf(&sb);
	return 0;
}

static int str_cmp(const struct value *l, const struct value *r)
{
	int c = memcmp(l->s, r->s, l->len < r->len ? l->len : r->len);
	if (c)
		return c < 0 ? -1 : 1;
	return (l->len > r->len) - (l->len < r->len);
}

/* Ruby's Comparable: Integers with Integers, Strings with Strings. */
static int compare(struct erb *e, const char *op, const struct value *l,
		   const struct value *r, struct value *out)
{
	int c;

	if (l->t == V_INT && r->t == V_INT)
		c = (l->i > r->i) - (l->i < r->i);
	else if (l->t == V_STR && r->t == V_STR)
		c = str_cmp(l, r);
	else if (l->t != V_INT && l->t != V_STR)
		return eerr(e, 0, "undefined method '%s' for %s", op, v_typename(l));
	else
		return eerr(e, 0, "comparison of %s with %s failed",
			    v_typename(l), r->t == V_NIL ? "nil" : v_typename(r));
	if (op[0] == '<')
		*out = v_bool(op[1] ? c <= 0 : c < 0);
	else
		*out = v_bool(op[1] ? c >= 0 : c > 0);
	return 0;
}

int v_binop(struct erb *e, const char *op, const struct value *l,
	    const struct value *r, struct value *out)
{
	if (op[0] == '<' || op[0] == '>')
		return compare(e, op, l, r, out);
	if (l->t == V_INT && r->t == V_INT)
		return arith(e, op[0], l->i, r->i, out);
	if (op[0] == '+' && l->t == r->t && (l->t == V_STR || l->t == V_ARRAY))
		return concat(e, l, r, out);
	if ((op[0] == '*' && (l->t == V_STR || l->t == V_ARRAY) && r->t == V_INT) ||
	    (op[0] == '-' && l->t == V_ARRAY && r->t == V_ARRAY))
		return repeat_or_remove(e, l, r, out);
	if (l->t == V_INT)
		return eerr(e, 0, "%s can't be coerced into Integer", v_typename(r));
	if ((l->t == V_STR && op[0] == '+') ||
	    (l->t == V_ARRAY && (op[0] == '+' || op[0] == '-')))
		return eerr(e, 0, "no implicit conversion of %s into %s",
			    v_typename(r), v_typename(l));
	if (l->t == V_STR && op[0] == '*')
		return eerr(e, 0, "no implicit conversion of %s into Integer", v_typename(r));
	return eerr(e, l->t == V_ARRAY, "undefined method '%s' for %s", op, v_typename(l));
}
