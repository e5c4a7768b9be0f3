/*
 * template.c - the html/template subset of template.h.
 *
 * A page is read in three passes over one array of nodes: the lexer cuts
 * the text into text nodes and actions (applying the trim markers), the
 * HTML scanner follows the text to know where each action prints (and
 * drops comments), and the parser links if/with branches into a tree,
 * by index, that render() walks. Nothing is parsed per request.
 */
#include "compat.h"
#include "template.h"
#include <ctype.h>
#include <strings.h>

enum kind { K_TEXT, K_VALUE, K_IF, K_ELSE_IF, K_ELSE, K_WITH, K_END };

struct node {
	enum kind kind;
	int line;
	struct strbuf text; /* K_TEXT */
	char *field;        /* K_VALUE, K_IF, K_ELSE_IF, K_WITH: NULL for "." */
	int next, then, otherwise; /* node indexes, -1 for none */
};

struct page_template {
	struct node *nodes;
	int nr, alloc;
	int first;
};

static int fail(struct strbuf *err, int line, const char *what)
{
	strbuf_addf(err, "%d: %s", line, what);
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct node *node_add(struct page_template *t, enum kind k, int line)
{
	ALLOC_GROW(t->nodes, t->nr + 1, t->alloc);
	struct node *n = &t->nodes[t->nr++];
	memset(n, 0, sizeof(*n));
	n->kind = k;
	n->line = line;
	n->next = n->then = n->otherwise = -1;
	strbuf_init(&n->text, 0);
	return n;
}

static int count_lines(const char *p, const char *e)
{
	int n = 0;
	for (; p < e; p++)
		n += *p == '\n';
	return n;
}

/* ---------- the lexer ---------- */

struct lexer {
	struct page_template *t;
	const char *p, *end;
	int line, trim_next;
	struct strbuf *err;
};

/* The text from lx->p to e; trim: drop its trailing white space ({{-). */
static void lex_text(struct lexer *lx, const char *e, int trim)
{
	const char *p = lx->p, *q = e;
	if (lx->trim_next)
		while (p < q && is_space(*p))
			p++;
	if (trim)
		while (q > p && is_space(q[-1]))
			q--;
	if (q > p)
		strbuf_add(&node_add(lx->t, K_TEXT, lx->line)->text, p, q - p);
	lx->line += count_lines(lx->p, e);
	lx->trim_next = 0;
	lx->p = e;
}

/* "." or ".Field": 0 and the field (NULL for "."), else -1. */
static int parse_field(const char *w, size_t n, char **field)
{
	if (n == 1 && w[0] == '.') {
		*field = NULL;
		return 0;
	}
	if (n < 2 || w[0] != '.' || !(isalpha((unsigned char)w[1]) || w[1] == '_'))
		return -1;
	for (size_t i = 2; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '_')
			return -1;
	*field = xstrndup(w + 1, n - 1);
	return 0;
}

/* Whether the n bytes at a start with the keyword kw and a space. */
static int keyword(const char *a, size_t n, const char *kw, size_t *skip)
{
	size_t l = strlen(kw), i = l;
	if (n <= l || memcmp(a, kw, l) || !is_space(a[l]))
		return 0;
	while (i < n && is_space(a[i]))
		i++;
	*skip = i;
	return 1;
}

/* One action's words (trimmed): a node, or nothing for a comment. */
static int lex_action(struct lexer *lx, const char *a, size_t n, int line)
{
	enum kind k = K_VALUE;
	size_t skip = 0;
	if (n >= 4 && !memcmp(a, "/*", 2) && !memcmp(a + n - 2, "*/", 2))
		return 0;
	if (n == 3 && !memcmp(a, "end", 3)) {
		node_add(lx->t, K_END, line);
		return 0;
	}
	if (n == 4 && !memcmp(a, "else", 4)) {
		node_add(lx->t, K_ELSE, line);
		return 0;
	}
	if (keyword(a, n, "if", &skip)) {
		k = K_IF;
	} else if (keyword(a, n, "with", &skip)) {
		k = K_WITH;
	} else if (keyword(a, n, "else", &skip)) {
		size_t more;
		if (keyword(a + skip, n - skip, "if", &more)) {
			k = K_ELSE_IF;
			skip += more;
		} else {
			skip = 0; /* else with...: refused below */
		}
	}
	char *field;
	if (parse_field(a + skip, n - skip, &field) < 0) {
		struct strbuf what = STRBUF_INIT;
		strbuf_addf(&what, "{{%.*s}} is not supported (only .Message, ., if, else, with, end)",
			    (int)n, a);
		fail(lx->err, line, what.buf);
		strbuf_release(&what);
		return -1;
	}
	node_add(lx->t, k, line)->field = field;
	return 0;
}

static int lex(struct lexer *lx)
{
	for (;;) {
		const char *open = memmem(lx->p, lx->end - lx->p, "{{", 2);
		if (!open) {
			lex_text(lx, lx->end, 0);
			return 0;
		}
		int ltrim = lx->end - open > 3 && open[2] == '-' && is_space(open[3]);
		lex_text(lx, open, ltrim);
		const char *a = open + (ltrim ? 4 : 2), *from = a, *b;
		while (from < lx->end && is_space(*from))
			from++;
		if (lx->end - from >= 2 && !memcmp(from, "/*", 2)) {
			/* A comment may hold "}}": it ends at its star-slash. */
			from = memmem(from + 2, lx->end - from - 2, "*/", 2);
			if (!from)
				return fail(lx->err, lx->line, "unclosed comment");
		}
		b = memmem(from, lx->end - from, "}}", 2);
		if (!b)
			return fail(lx->err, lx->line, "unclosed action");
		const char *close = b;
		int rtrim = b - a >= 2 && b[-1] == '-' && is_space(b[-2]);
		if (rtrim)
			b -= 2;
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		int line = lx->line;
		lx->line += count_lines(open, close);
		if (lex_action(lx, a, b - a, line) < 0)
			return -1;
		lx->p = close + 2;
		lx->trim_next = rtrim;
	}
}

/* ---------- where each action prints (HTML context) ---------- */

enum hstate { H_TEXT, H_TAG, H_ATTR, H_AFTER_ATTR, H_BEFORE_VALUE, H_DQ, H_SQ,
	      H_UNQ, H_RAW, H_COMMENT };

struct html {
	enum hstate st;
	char tag[16], attr[32], raw[16]; /* lowercase, cut short */
	size_t taglen, attrlen;
	int end_tag;
};

static int starts_nocase(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && !strncasecmp(p, lit, l);
}

static void add_lower(char *buf, size_t size, size_t *len, char c)
{
	if (*len + 1 < size) {
		buf[(*len)++] = tolower((unsigned char)c);
		buf[*len] = 0;
	}
}

/* After a tag's ">": the text of script and style is not HTML, nor
 * (for tags) that of title and textarea, until their end tag. */
static void close_tag(struct html *h)
{
	static const char *raw[] = { "script", "style", "title", "textarea" };
	h->st = H_TEXT;
	for (size_t i = 0; i < ARRAY_SIZE(raw) && !h->end_tag; i++)
		if (!strcmp(h->tag, raw[i])) {
			strcpy(h->raw, raw[i]);
			h->st = H_RAW;
		}
}

/* A tag starts at p (after "<" or "</" comes a letter): returns its length so far. */
static size_t open_tag(struct html *h, const char *p, size_t n)
{
	size_t i = 1;
	h->end_tag = p[1] == '/';
	i += h->end_tag;
	h->taglen = 0;
	h->tag[0] = 0;
	while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '-'))
		add_lower(h->tag, sizeof(h->tag), &h->taglen, p[i++]);
	h->st = H_TAG;
	return i;
}

/* Moves h over one byte (or a tag's start, or a comment's end) of text;
 * returns how many bytes, and whether to keep them in *keep. */
static size_t html_step(struct html *h, const char *p, size_t n, int *keep)
{
	char c = p[0];
	*keep = 1;
	switch (h->st) {
	case H_TEXT:
		if (starts_nocase(p, n, "<!--")) {
			h->st = H_COMMENT;
			*keep = 0;
			return 4;
		}
		if (c == '<' && n > 1 && (isalpha((unsigned char)p[1]) ||
		    (p[1] == '/' && n > 2 && isalpha((unsigned char)p[2]))))
			return open_tag(h, p, n);
		return 1;
	case H_COMMENT:
		*keep = 0;
		if (starts_nocase(p, n, "-->")) {
			h->st = H_TEXT;
			return 3;
		}
		return 1;
	case H_RAW:
		if (c == '<' && n > 2 && p[1] == '/' && starts_nocase(p + 2, n - 2, h->raw))
			return open_tag(h, p, n);
		return 1;
	case H_TAG:
	case H_AFTER_ATTR:
		if (c == '>')
			close_tag(h);
		else if (c == '=' && h->st == H_AFTER_ATTR)
			h->st = H_BEFORE_VALUE;
		else if (!is_space(c) && c != '/') {
			h->st = H_ATTR;
			h->attrlen = 0;
			h->attr[0] = 0;
			return 0;
		}
		return 1;
	case H_ATTR:
		if (is_space(c) || c == '=' || c == '>' || c == '/') {
			h->st = H_AFTER_ATTR;
			return 0;
		}
		add_lower(h->attr, sizeof(h->attr), &h->attrlen, c);
		return 1;
	case H_BEFORE_VALUE:
		if (c == '"' || c == '\'')
			h->st = c == '"' ? H_DQ : H_SQ;
		else if (c == '>')
			close_tag(h);
		else if (!is_space(c)) {
			h->st = H_UNQ;
			return 0;
		}
		return 1;
	case H_DQ:
	case H_SQ:
		if (c == (h->st == H_DQ ? '"' : '\''))
			h->st = H_TAG;
		return 1;
	case H_UNQ:
		if (c == '>')
			close_tag(h);
		else if (is_space(c))
			h->st = H_TAG;
		return 1;
	}
	return 1;
}

/* Keeps the text's bytes but its HTML comments, following h over them. */
static void html_scan(struct html *h, struct strbuf *text)
{
	struct strbuf kept = STRBUF_INIT;
	size_t i = 0;
	while (i < text->len) {
		int keep;
		size_t k = html_step(h, text->buf + i, text->len - i, &keep);
		if (keep)
			strbuf_add(&kept, text->buf + i, k);
		i += k;
	}
	strbuf_release(text);
	*text = kept;
}

/* An attribute whose value html/template escapes as text (not script,
 * style or URL). */
static int plain_attr(const char *name)
{
	static const char *urls[] = { "href", "src", "action", "formaction", "cite",
		"data", "poster", "background", "srcset", "codebase", "longdesc",
		"usemap", "manifest", "icon", "ping", "xmlns" };
	skip_prefix(name, "data-", &name);
	if (starts_with(name, "on") || !strcmp(name, "style") ||
	    strstr(name, "src") || strstr(name, "uri") || strstr(name, "url"))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(urls); i++)
		if (!strcmp(name, urls[i]))
			return 0;
	return 1;
}

/* Whether a value printed in h's context is escaped here as Go would. */
static const char *bad_context(const struct html *h)
{
	switch (h->st) {
	case H_TEXT:
		return NULL;
	case H_RAW:
		return strcmp(h->raw, "title") && strcmp(h->raw, "textarea") ?
			       "inside <script> or <style>" : NULL;
	case H_DQ:
	case H_SQ:
		return plain_attr(h->attr) ? NULL : "in a script, style or URL attribute";
	case H_COMMENT:
		return "inside an HTML comment";
	default:
		return "inside a tag or an unquoted attribute value";
	}
}

static int check_contexts(struct page_template *t, struct strbuf *err)
{
	struct html h = { .st = H_TEXT };
	for (int i = 0; i < t->nr; i++) {
		struct node *n = &t->nodes[i];
		const char *why;
		if (n->kind == K_TEXT)
			html_scan(&h, &n->text);
		else if (n->kind == K_VALUE && (why = bad_context(&h))) {
			struct strbuf what = STRBUF_INIT;
			strbuf_addf(&what, "a value %s is not supported (html/template escapes it otherwise)",
				    why);
			fail(err, n->line, what.buf);
			strbuf_release(&what);
			return -1;
		}
	}
	return 0;
}

/* ---------- the tree ---------- */

static int parse_branches(struct page_template *t, int k, int *i, struct strbuf *err);

/*
 * Links the nodes from *i on into a list, up to an else, else if or end
 * (its index in *stop) or the end of the page (-1). Returns the list's
 * first node, -1 when empty, -2 on error.
 */
static int parse_list(struct page_template *t, int *i, int *stop, struct strbuf *err)
{
	int first = -1, last = -1;
	*stop = -1;
	while (*i < t->nr) {
		int k = (*i)++;
		enum kind kind = t->nodes[k].kind;
		if (kind == K_ELSE || kind == K_ELSE_IF || kind == K_END) {
			*stop = k;
			return first;
		}
		if ((kind == K_IF || kind == K_WITH) && parse_branches(t, k, i, err) < 0)
			return -2;
		if (last < 0)
			first = k;
		else
			t->nodes[last].next = k;
		last = k;
	}
	return first;
}

/* The branches of the if or with at k, up to and with its end. */
static int parse_branches(struct page_template *t, int k, int *i, struct strbuf *err)
{
	int stop, line = t->nodes[k].line;
	int then = parse_list(t, i, &stop, err);
	if (then == -2)
		return -1;
	t->nodes[k].then = then;
	if (stop < 0)
		return fail(err, line, "{{if}} or {{with}} without {{end}}");
	if (t->nodes[stop].kind == K_END)
		return 0;
	if (t->nodes[stop].kind == K_ELSE_IF) {
		/* {{else if X}} is {{else}}{{if X}}, which shares the end. */
		t->nodes[stop].kind = K_IF;
		t->nodes[k].otherwise = stop;
		return parse_branches(t, stop, i, err);
	}
	int other = parse_list(t, i, &stop, err);
	if (other == -2)
		return -1;
	if (stop < 0 || t->nodes[stop].kind != K_END)
		return fail(err, line, "{{else}} without {{end}}");
	t->nodes[k].otherwise = other;
	return 0;
}

struct page_template *template_parse(const char *text, size_t len, struct strbuf *err)
{
	struct page_template *t = xcalloc(1, sizeof(*t));
	struct lexer lx = { t, text, text + len, 1, 0, err };
	int i = 0, stop;
	if (lex(&lx) < 0 || check_contexts(t, err) < 0)
		goto fail;
	t->first = parse_list(t, &i, &stop, err);
	if (t->first == -2)
		goto fail;
	if (stop >= 0) {
		fail(err, t->nodes[stop].line, t->nodes[stop].kind == K_END ?
			  "{{end}} without {{if}}" : "{{else}} without {{if}}");
		goto fail;
	}
	return t;
fail:
	template_free(t);
	return NULL;
}

void template_free(struct page_template *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr; i++) {
		strbuf_release(&t->nodes[i].text);
		free(t->nodes[i].field);
	}
	free(t->nodes);
	free(t);
}

/* ---------- rendering ---------- */

void html_escape_go(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '"': strbuf_addstr(out, "&#34;"); break;
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '\'': strbuf_addstr(out, "&#39;"); break;
		case '+': strbuf_addstr(out, "&#43;"); break;
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		default: strbuf_addch(out, *s);
		}
	}
}

/* The value an action sees: Go's nil, the stop's data, or a string. */
struct dot {
	enum { D_NIL, D_DATA, D_STRING } kind;
	const char *s;
};

static struct dot field_of(struct dot d, const char *field)
{
	if (!field)
		return d;
	if (d.kind == D_DATA && !strcmp(field, "Message"))
		return (struct dot){ D_STRING, d.s };
	return (struct dot){ D_NIL, NULL };
}

static int truth(struct dot d)
{
	return d.kind == D_DATA || (d.kind == D_STRING && *d.s);
}

static void render(const struct page_template *t, int k, struct dot d, struct strbuf *out)
{
	for (; k >= 0; k = t->nodes[k].next) {
		const struct node *n = &t->nodes[k];
		struct dot v = field_of(d, n->field);
		switch (n->kind) {
		case K_TEXT:
			strbuf_addbuf(out, &n->text);
			break;
		case K_VALUE:
			if (v.kind == D_DATA) /* fmt prints a struct as {field} */
				strbuf_addch(out, '{');
			if (v.kind != D_NIL)
				html_escape_go(out, v.s);
			if (v.kind == D_DATA)
				strbuf_addch(out, '}');
			break;
		case K_IF:
			render(t, truth(v) ? n->then : n->otherwise, d, out);
			break;
		case K_WITH:
			if (truth(v))
				render(t, n->then, v, out);
			else
				render(t, n->otherwise, d, out);
			break;
		default:
			break;
		}
	}
}

void template_render(const struct page_template *t, const char *message,
		     struct strbuf *out)
{
	struct dot d = { message ? D_DATA : D_NIL, message };
	render(t, t->first, d, out);
}
