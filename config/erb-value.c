/*
 * erb-value.c - Ruby's values as the ERB interpreter keeps them: nil,
 * booleans, integers, strings, arrays, hashes (what Dotenv.parse returns)
 * and URI objects; and how Ruby prints each (to_s, inspect).
 */
#include "config/erb-int.h"

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
	if (v->t == V_STR)
		return v_strn(v->s, v->len);
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
				       "String", "Array", "Hash", "URI" };
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
