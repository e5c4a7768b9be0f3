/*
 * yaml-tree.c - libyaml events into located nodes, resolved as Psych does.
 *
 * Nodes are allocated one by one and chained on the tree, so that freeing
 * the tree frees everything whatever the sharing between nodes. Anchors
 * become visible only once their node is complete, which rules out cycles:
 * every consumer may then walk a tree recursively. To keep aliases from
 * blowing a small file up into a huge walk ("billion laughs"), each node
 * carries the size of its expansion and a document whose expansion passes
 * YTREE_MAX_WEIGHT is refused.
 */
#include "yaml-tree.h"

#include <ctype.h>
#include <errno.h>
#include <yaml.h>

#define YTREE_MAX_WEIGHT 200000
#define YTREE_MAX_DEPTH 200

struct ylink {
	struct ylink *next;
	struct ynode node;
	size_t weight;
};

struct yanchor {
	char *name;
	struct ynode *node;
};

struct ytree {
	struct ylink *nodes;
	char **files;
	size_t files_nr, files_alloc;
	struct yanchor *anchors;
	size_t anchors_nr, anchors_alloc;
};

struct ytree *ytree_new(void)
{
	return xcalloc(1, sizeof(struct ytree));
}

void ytree_free(struct ytree *t)
{
	struct ylink *l, *next;
	size_t i;

	if (!t)
		return;
	for (l = t->nodes; l; l = next) {
		next = l->next;
		free(l->node.text);
		free(l->node.items);
		free(l->node.pairs);
		free(l);
	}
	for (i = 0; i < t->files_nr; i++)
		free(t->files[i]);
	free(t->files);
	for (i = 0; i < t->anchors_nr; i++)
		free(t->anchors[i].name);
	free(t->anchors);
	free(t);
}

static const char *intern_file(struct ytree *t, const char *file)
{
	size_t i;

	if (!file)
		return NULL;
	for (i = 0; i < t->files_nr; i++)
		if (!strcmp(t->files[i], file))
			return t->files[i];
	ALLOC_GROW(t->files, t->files_nr + 1, t->files_alloc);
	t->files[t->files_nr] = xstrdup(file);
	return t->files[t->files_nr++];
}

static size_t *weight_of(struct ynode *n)
{
	return &((struct ylink *)((char *)n - offsetof(struct ylink, node)))->weight;
}

struct ynode *ynode_new(struct ytree *t, enum ynode_kind kind,
			const char *file, unsigned line, unsigned col)
{
	struct ylink *l = xcalloc(1, sizeof(*l));

	l->next = t->nodes;
	t->nodes = l;
	l->weight = 1;
	l->node.kind = kind;
	l->node.file = intern_file(t, file);
	l->node.line = line;
	l->node.col = col;
	return &l->node;
}

struct ynode *ynode_new_str(struct ytree *t, const char *s)
{
	struct ynode *n = ynode_new(t, YNODE_STR, NULL, 0, 0);
	n->text = xstrdup(s);
	n->quoted = 1;
	return n;
}

void ynode_seq_push(struct ynode *seq, struct ynode *item)
{
	ALLOC_GROW(seq->items, seq->nr + 1, seq->alloc);
	seq->items[seq->nr++] = item;
	*weight_of(seq) += *weight_of(item);
}

const char *ynode_str(const struct ynode *n)
{
	if (!n || n->kind == YNODE_SEQ || n->kind == YNODE_MAP)
		return NULL;
	return n->text ? n->text : "";
}

const struct ypair *ynode_find(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->nr; i++) {
		const char *k = ynode_str(map->pairs[i].key);
		if (k && !strcmp(k, key))
			return &map->pairs[i];
	}
	return NULL;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_find(map, key);
	return p ? p->value : NULL;
}

struct ynode *ynode_path(const struct ynode *node, const char *path)
{
	struct strbuf part = STRBUF_INIT;
	const char *slash;

	while (node && *path) {
		slash = strchrnul(path, '/');
		strbuf_reset(&part);
		strbuf_add(&part, path, slash - path);
		node = ynode_get(node, part.buf);
		path = *slash ? slash + 1 : slash;
	}
	strbuf_release(&part);
	return (struct ynode *)node;
}

static int same_key(const struct ynode *a, const struct ynode *b)
{
	const char *x = ynode_str(a), *y = ynode_str(b);
	return x && y && a->kind == b->kind && !strcmp(x, y);
}

void ynode_map_set(struct ytree *t, struct ynode *map, struct ynode *key,
		   struct ynode *value)
{
	size_t i;

	(void)t;
	for (i = 0; i < map->nr; i++) {
		if (same_key(map->pairs[i].key, key)) {
			*weight_of(map) += *weight_of(value);
			map->pairs[i].value = value;
			return;
		}
	}
	ALLOC_GROW(map->pairs, map->nr + 1, map->alloc);
	map->pairs[map->nr].key = key;
	map->pairs[map->nr++].value = value;
	*weight_of(map) += *weight_of(key) + *weight_of(value);
}

struct ynode *ynode_deep_merge(struct ytree *t, struct ynode *base,
			       struct ynode *over)
{
	struct ynode *out;
	size_t i;

	if (!base || !over || base->kind != YNODE_MAP || over->kind != YNODE_MAP)
		return over;
	out = ynode_new(t, YNODE_MAP, base->file, base->line, base->col);
	for (i = 0; i < base->nr; i++)
		ynode_map_set(t, out, base->pairs[i].key, base->pairs[i].value);
	for (i = 0; i < over->nr; i++) {
		const struct ypair *mine = ynode_find(out, ynode_str(over->pairs[i].key) ?
							      ynode_str(over->pairs[i].key) : "");
		struct ynode *v = over->pairs[i].value;
		if (mine && ynode_str(over->pairs[i].key))
			v = ynode_deep_merge(t, mine->value, v);
		ynode_map_set(t, out, over->pairs[i].key, v);
	}
	return out;
}

int ynode_truthy(const struct ynode *n)
{
	return n && n->kind != YNODE_NULL && !(n->kind == YNODE_BOOL && !n->ival);
}

int ynode_present(const struct ynode *n)
{
	const char *s;

	if (!ynode_truthy(n))
		return 0;
	switch (n->kind) {
	case YNODE_STR:
		for (s = n->text; *s; s++)
			if (!isspace((unsigned char)*s))
				return 1;
		return 0;
	case YNODE_SEQ:
	case YNODE_MAP:
		return n->nr > 0;
	default:
		return 1;
	}
}

int ynode_stringish(const struct ynode *n)
{
	return n && n->kind != YNODE_NULL && n->kind != YNODE_SEQ &&
	       n->kind != YNODE_MAP;
}

/* --- Psych's scalar resolution ------------------------------------- */

static int ieq(const char *a, const char *b)
{
	return !strcasecmp(a, b);
}

static int in_word_set(int c)
{
	return isalpha(c) || c == '_' || isspace(c) || (c && strchr("!@#$%^&*(){}<>|/\\~;=", c));
}

/* ^[^\d.:-]?[[:alpha:]_\s!@#$%^&*(){}<>|/\\~;=]+ at the start of a line. */
static int looks_wordy(const char *s)
{
	const char *line = s;

	while (line) {
		unsigned char c0 = line[0], c1 = c0 ? line[1] : 0;
		if (in_word_set(c0))
			return 1;
		if (c0 && c0 != '\n' && !isdigit(c0) && !strchr(".:-", c0) && in_word_set(c1))
			return 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

static const char *skip_sign(const char *s)
{
	return (*s == '-' || *s == '+') ? s + 1 : s;
}

/* [-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2} then optional \.[0-9_]* */
static int base60(const char *s, int *is_float)
{
	const char *p = skip_sign(s);
	int groups = 0;

	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p) || *p == '_')
		p++;
	while (*p == ':') {
		p++;
		if (p[0] >= '0' && p[0] <= '5' && isdigit((unsigned char)p[1]))
			p += 2;
		else if (isdigit((unsigned char)p[0]))
			p += 1;
		else
			return 0;
		groups++;
	}
	if (groups < 1 || groups > 2)
		return 0;
	*is_float = 0;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) || *p == '_')
			p++;
		*is_float = 1;
	}
	return *p == '\0';
}

/* ^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$ */
static int float_form(const char *s)
{
	const char *p = skip_sign(s);

	if (isdigit((unsigned char)*p)) {
		p++;
		while (isdigit((unsigned char)*p) || *p == '_' || *p == ',')
			p++;
	}
	if (*p++ != '.')
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p != '-' && *p != '+')
			return 0;
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0' && strcmp(skip_sign(s), ".");
}

static int all_of(const char *p, const char *set, int need_first)
{
	if (need_first && !*p)
		return 0;
	for (; *p; p++)
		if (!strchr(set, *p))
			return 0;
	return 1;
}

/* Psych's legacy integer forms (commas allowed); base set on success. */
static int int_form(const char *s, int *base)
{
	const char *p = skip_sign(s);

	if (p[0] == '0' && p[1] == 'b') {
		p += 2;
		while (*p == '_' || *p == ',')
			p++;
		*base = 2;
		return all_of(p, "01_,", 1) && (*p == '0' || *p == '1');
	}
	if (p[0] == '0' && p[1] == 'x') {
		p += 2;
		while (*p == '_' || *p == ',')
			p++;
		*base = 16;
		return isxdigit((unsigned char)*p) && all_of(p, "0123456789abcdefABCDEF_,", 1);
	}
	if (p[0] == '0' && p[1]) {
		p++;
		while (*p == '_' || *p == ',')
			p++;
		*base = 8;
		return *p >= '0' && *p <= '7' && all_of(p, "01234567_,", 1);
	}
	*base = 10;
	if (p[0] == '0')
		return p[1] == '\0';
	if (*p < '1' || *p > '9')
		return 0;
	for (p++; *p; p++) {
		if (isdigit((unsigned char)*p))
			continue;
		if ((*p == ',' || *p == '_') && isdigit((unsigned char)p[1]))
			continue;
		return 0;
	}
	return 1;
}

static char *strip_separators(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++)
		if (*s != '_' && *s != ',')
			*o++ = *s;
	*o = '\0';
	return out;
}

static void set_int(struct ynode *n, const char *s, int base)
{
	char *digits = strip_separators(s);
	const char *p = skip_sign(digits);
	long long v;

	if (base == 2 || base == 16)
		p += 2;
	errno = 0;
	v = strtoll(p, NULL, base);
	n->kind = YNODE_INT;
	n->ival = *digits == '-' ? -v : v;
	free(digits);
	{
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", n->ival);
		free(n->text);
		n->text = xstrdup(buf);
	}
}

static void set_float(struct ynode *n, double v)
{
	n->kind = YNODE_FLOAT;
	n->fval = v;
}

static int time_like(const char *s)
{
	/* ^-?\d{4}-\d{1,2}-\d{1,2} : dates and times stay strings here. */
	const char *p = *s == '-' ? s + 1 : s;
	int i;

	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	return p[4] == '-' && isdigit((unsigned char)p[5]);
}

void yaml_resolve_plain(struct ynode *n)
{
	const char *s = n->text;
	int base, is_float;

	n->kind = YNODE_STR;
	if (!*s) {
		n->kind = YNODE_NULL;
		return;
	}
	if (looks_wordy(s) || strchr(s, '\n')) {
		if (strlen(s) > 5 || !strchr("ytonfYTONF~", *s))
			return;
		if (!strcmp(s, "~") || ieq(s, "null"))
			n->kind = YNODE_NULL;
		else if (ieq(s, "yes") || ieq(s, "true") || ieq(s, "on"))
			n->kind = YNODE_BOOL, n->ival = 1;
		else if (ieq(s, "no") || ieq(s, "false") || ieq(s, "off"))
			n->kind = YNODE_BOOL, n->ival = 0;
		return;
	}
	if (time_like(s))
		return;
	if (ieq(s, ".inf") || ieq(s, "+.inf")) {
		set_float(n, 1.0 / 0.0);
		return;
	}
	if (ieq(s, "-.inf")) {
		set_float(n, -1.0 / 0.0);
		return;
	}
	if (ieq(s, ".nan")) {
		set_float(n, 0.0 / 0.0);
		return;
	}
	if (s[0] == ':' && s[1]) {
		size_t len = strlen(s + 1);
		char *name = xstrdup(s + 1);
		if ((name[0] == '"' || name[0] == '\'') && len >= 2 &&
		    strchr(name + 1, name[0])) {
			char *end = strchr(name + 1, name[0]);
			*end = '\0';
			memmove(name, name + 1, end - name);
		}
		free(n->text);
		n->text = name;
		n->sym = 1;
		return;
	}
	if (base60(s, &is_float)) {
		/* Each ":" group is worth 60 times the next one. */
		char *digits = strip_separators(s);
		const char *p = skip_sign(digits);
		double total = 0;
		while (*p) {
			total = total * 60 + strtod(p, (char **)&p);
			if (*p == ':')
				p++;
		}
		if (*digits == '-')
			total = -total;
		free(digits);
		if (is_float) {
			set_float(n, total);
		} else {
			char buf[32];
			n->kind = YNODE_INT;
			n->ival = (long long)total;
			snprintf(buf, sizeof(buf), "%lld", n->ival);
			free(n->text);
			n->text = xstrdup(buf);
		}
		return;
	}
	if (float_form(s)) {
		char *digits = strip_separators(s);
		set_float(n, strtod(digits, NULL));
		free(digits);
		return;
	}
	if (int_form(s, &base))
		set_int(n, s, base);
}

/* --- the event loop ----------------------------------------------- */

struct frame {
	struct ynode *node;
	char *anchor;
	struct ypair *raw; /* mappings: pairs as written, merged at the end */
	size_t raw_nr, raw_alloc;
	struct ynode *pending_key;
};

struct parse {
	struct ytree *t;
	const char *file;
	struct frame *stack;
	size_t nr, alloc;
	struct ynode *root;
	int have_root;
	struct strbuf *err;
};

static int located_error(struct parse *ps, unsigned line, unsigned col,
			 const char *fmt, ...) BERTH_PRINTF(4, 5);
static int located_error(struct parse *ps, unsigned line, unsigned col,
			 const char *fmt, ...)
{
	va_list ap;

	strbuf_addf(ps->err, "%s:%u:%u: ", ps->file, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(ps->err, fmt, ap);
	va_end(ap);
	return -1;
}

static void add_anchor(struct ytree *t, const char *name, struct ynode *node)
{
	size_t i;

	for (i = 0; i < t->anchors_nr; i++) {
		if (!strcmp(t->anchors[i].name, name)) {
			t->anchors[i].node = node; /* a later anchor shadows */
			return;
		}
	}
	ALLOC_GROW(t->anchors, t->anchors_nr + 1, t->anchors_alloc);
	t->anchors[t->anchors_nr].name = xstrdup(name);
	t->anchors[t->anchors_nr++].node = node;
}

static struct ynode *find_anchor(struct ytree *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->anchors_nr; i++)
		if (!strcmp(t->anchors[i].name, name))
			return t->anchors[i].node;
	return NULL;
}

/* Hands a finished node to its parent (or makes it the root). */
static int attach(struct parse *ps, struct ynode *n)
{
	struct frame *f;

	if (*weight_of(n) > YTREE_MAX_WEIGHT)
		return located_error(ps, n->line, n->col, "%s",
				     "document too large once aliases are expanded");
	if (!ps->nr) {
		if (!ps->have_root)
			ps->root = n;
		ps->have_root = 1;
		return 0;
	}
	f = &ps->stack[ps->nr - 1];
	if (f->node->kind == YNODE_SEQ) {
		ynode_seq_push(f->node, n);
	} else if (!f->pending_key) {
		f->pending_key = n;
	} else {
		ALLOC_GROW(f->raw, f->raw_nr + 1, f->raw_alloc);
		f->raw[f->raw_nr].key = f->pending_key;
		f->raw[f->raw_nr++].value = n;
		f->pending_key = NULL;
		*weight_of(f->node) += *weight_of(n);
	}
	if (*weight_of(f->node) > YTREE_MAX_WEIGHT)
		return located_error(ps, n->line, n->col, "%s",
				     "document too large once aliases are expanded");
	return 0;
}

static int all_maps(const struct ynode *seq)
{
	size_t i;

	for (i = 0; i < seq->nr; i++)
		if (seq->items[i]->kind != YNODE_MAP)
			return 0;
	return 1;
}

static void merge_into(struct ytree *t, struct ynode *map, const struct ynode *from)
{
	size_t i;

	for (i = 0; i < from->nr; i++)
		ynode_map_set(t, map, from->pairs[i].key, from->pairs[i].value);
}

/*
 * Builds the mapping from its pairs as written. A "<<" whose value is a
 * mapping sets all its keys at that point (overriding earlier ones, later
 * keys override it); a list of mappings does the same with earlier list
 * entries winning. Anything else under "<<" is an ordinary key, as in Psych.
 */
static void finish_map(struct ytree *t, struct frame *f)
{
	struct ynode *map = f->node;
	size_t i, j;

	*weight_of(map) = 1;
	for (i = 0; i < f->raw_nr; i++) {
		struct ynode *k = f->raw[i].key, *v = f->raw[i].value;
		const char *ks = ynode_str(k);
		if (ks && k->kind == YNODE_STR && !strcmp(ks, "<<")) {
			if (v->kind == YNODE_MAP) {
				merge_into(t, map, v);
				continue;
			}
			if (v->kind == YNODE_SEQ && all_maps(v)) {
				struct ynode *h = ynode_new(t, YNODE_MAP, NULL, 0, 0);
				for (j = v->nr; j-- > 0;)
					merge_into(t, h, v->items[j]);
				merge_into(t, map, h);
				continue;
			}
		}
		ynode_map_set(t, map, k, v);
	}
	free(f->raw);
}

static struct ynode *scalar_node(struct parse *ps, yaml_event_t *ev)
{
	struct ynode *n = ynode_new(ps->t, YNODE_STR, ps->file,
				    ev->start_mark.line + 1, ev->start_mark.column + 1);
	const char *tag = (const char *)ev->data.scalar.tag;

	n->text = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (tag && !strcmp(tag, YAML_STR_TAG))
		n->quoted = 1;
	if (!n->quoted)
		yaml_resolve_plain(n);
	return n;
}

static int handle_event(struct parse *ps, yaml_event_t *ev)
{
	struct ynode *n;
	const char *anchor = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = scalar_node(ps, ev);
		if (ev->data.scalar.anchor)
			add_anchor(ps->t, (const char *)ev->data.scalar.anchor, n);
		return attach(ps, n);
	case YAML_ALIAS_EVENT:
		n = find_anchor(ps->t, (const char *)ev->data.alias.anchor);
		if (!n)
			return located_error(ps, ev->start_mark.line + 1,
					     ev->start_mark.column + 1,
					     "unknown alias '%s'",
					     (const char *)ev->data.alias.anchor);
		return attach(ps, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ps->nr >= YTREE_MAX_DEPTH)
			return located_error(ps, ev->start_mark.line + 1,
					     ev->start_mark.column + 1, "%s",
					     "nesting too deep");
		anchor = (const char *)(ev->type == YAML_SEQUENCE_START_EVENT ?
					ev->data.sequence_start.anchor :
					ev->data.mapping_start.anchor);
		n = ynode_new(ps->t, ev->type == YAML_SEQUENCE_START_EVENT ? YNODE_SEQ : YNODE_MAP,
			      ps->file, ev->start_mark.line + 1, ev->start_mark.column + 1);
		ALLOC_GROW(ps->stack, ps->nr + 1, ps->alloc);
		memset(&ps->stack[ps->nr], 0, sizeof(struct frame));
		ps->stack[ps->nr].node = n;
		ps->stack[ps->nr++].anchor = anchor ? xstrdup(anchor) : NULL;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct frame f = ps->stack[--ps->nr];
		if (f.node->kind == YNODE_MAP)
			finish_map(ps->t, &f);
		if (f.anchor) {
			add_anchor(ps->t, f.anchor, f.node);
			free(f.anchor);
		}
		return attach(ps, f.node);
	}
	default:
		return 0;
	}
}

int yaml_parse(struct ytree *t, const char *text, size_t len,
	       const char *file, struct ynode **root, struct strbuf *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct parse ps = { t, file, NULL, 0, 0, NULL, 0, err };
	int ret = 0, done = 0;

	*root = NULL;
	/* Anchors do not cross files. */
	while (t->anchors_nr)
		free(t->anchors[--t->anchors_nr].name);
	if (!yaml_parser_initialize(&parser)) {
		strbuf_addf(err, "%s: cannot initialise the YAML parser", file);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			strbuf_addf(err, "%s:%zu:%zu: %s", file,
				    parser.problem_mark.line + 1,
				    parser.problem_mark.column + 1,
				    parser.problem ? parser.problem : "invalid YAML");
			if (parser.context)
				strbuf_addf(err, " (%s)", parser.context);
			ret = -1;
			break;
		}
		/* Like YAML.load, only the first document counts. */
		if (ev.type == YAML_STREAM_END_EVENT ||
		    (ev.type == YAML_DOCUMENT_END_EVENT))
			done = 1;
		else if (handle_event(&ps, &ev) < 0)
			ret = -1, done = 1;
		yaml_event_delete(&ev);
	}
	while (ps.nr) {
		struct frame *f = &ps.stack[--ps.nr];
		free(f->raw);
		free(f->anchor);
	}
	free(ps.stack);
	yaml_parser_delete(&parser);
	if (!ret)
		*root = ps.root;
	return ret;
}

/* --- emitting ----------------------------------------------------- */

static int plain_safe(const char *s)
{
	struct ynode probe;
	const char *p;
	static const char *words[] = { "y", "n", "yes", "no", "true", "false",
				       "on", "off", "null", "~" };
	size_t i;

	if (!*s || !(isalpha((unsigned char)*s) || *s == '/' || *s == '_'))
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_./@=+-~", *p))
			return 0;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i]))
			return 0;
	memset(&probe, 0, sizeof(probe));
	probe.text = xstrdup(s);
	yaml_resolve_plain(&probe);
	free(probe.text);
	return probe.kind == YNODE_STR && !probe.sym;
}

static void emit_quoted(struct strbuf *out, const char *s)
{
	const unsigned char *p;

	strbuf_addch(out, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(out, "\\%c", *p);
		else if (*p == '\n')
			strbuf_addstr(out, "\\n");
		else if (*p == '\t')
			strbuf_addstr(out, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(out, "\\x%02x", *p);
		else
			strbuf_addch(out, *p);
	}
	strbuf_addch(out, '"');
}

void ynode_emit_scalar(struct strbuf *out, const struct ynode *n)
{
	char buf[64];
	int prec;

	switch (n ? n->kind : YNODE_NULL) {
	case YNODE_NULL:
		strbuf_addstr(out, "null");
		break;
	case YNODE_BOOL:
		strbuf_addstr(out, n->ival ? "true" : "false");
		break;
	case YNODE_INT:
		strbuf_addf(out, "%lld", n->ival);
		break;
	case YNODE_FLOAT:
		if (n->fval != n->fval) {
			strbuf_addstr(out, ".nan");
			break;
		}
		if (n->fval > 1e308 || n->fval < -1e308) {
			strbuf_addstr(out, n->fval > 0 ? ".inf" : "-.inf");
			break;
		}
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, n->fval);
			if (strtod(buf, NULL) == n->fval)
				break;
		}
		if (!strchr(buf, '.') && !strchr(buf, 'e'))
			strcat(buf, ".0");
		else if (!strchr(buf, '.')) {
			/* 1e+20 -> 1.0e+20, which YAML 1.1 reads as a float */
			char *e = strchr(buf, 'e');
			char tail[32];
			snprintf(tail, sizeof(tail), "%s", e);
			snprintf(e, sizeof(buf) - (e - buf), ".0%s", tail);
		}
		strbuf_addstr(out, buf);
		break;
	case YNODE_STR:
		if (plain_safe(n->text))
			strbuf_addstr(out, n->text);
		else
			emit_quoted(out, n->text);
		break;
	default:
		strbuf_addstr(out, n->kind == YNODE_SEQ ? "[]" : "{}");
	}
}

static int is_block(const struct ynode *n)
{
	return n && (n->kind == YNODE_SEQ || n->kind == YNODE_MAP) && n->nr;
}

static void indent(struct strbuf *out, int level)
{
	int i;
	for (i = 0; i < level; i++)
		strbuf_addstr(out, "  ");
}

static void emit_block(struct strbuf *out, const struct ynode *n, int level, int inline_first)
{
	size_t i;

	for (i = 0; i < n->nr; i++) {
		if (!(inline_first && i == 0))
			indent(out, level);
		if (n->kind == YNODE_SEQ) {
			const struct ynode *it = n->items[i];
			strbuf_addstr(out, "- ");
			if (is_block(it))
				emit_block(out, it, level + 1, 1);
			else {
				ynode_emit_scalar(out, it);
				strbuf_addch(out, '\n');
			}
		} else {
			const struct ynode *v = n->pairs[i].value;
			ynode_emit_scalar(out, n->pairs[i].key);
			strbuf_addch(out, ':');
			if (is_block(v)) {
				strbuf_addch(out, '\n');
				/* Sequences under a key sit at the key's level. */
				emit_block(out, v, v->kind == YNODE_SEQ ? level : level + 1, 0);
			} else {
				strbuf_addch(out, ' ');
				ynode_emit_scalar(out, v);
				strbuf_addch(out, '\n');
			}
		}
	}
}

void ynode_emit_yaml(struct strbuf *out, const struct ynode *n)
{
	strbuf_addstr(out, "---");
	if (is_block(n)) {
		strbuf_addch(out, '\n');
		emit_block(out, n, 0, 0);
	} else {
		strbuf_addch(out, ' ');
		ynode_emit_scalar(out, n);
		strbuf_addch(out, '\n');
	}
}
