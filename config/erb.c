/*
 * erb.c - a small interpreter for the ERB that Kamal configs contain.
 *
 * Rendering is three steps:
 *  1. scan() cuts the template into chunks (text, output tags, statement
 *     tags) following Ruby's ERB scanner in trim mode "-";
 *  2. each tag's code is parsed into a tree (parse_*), and block
 *     statements (if/each ... end) are matched, so syntax errors surface
 *     before anything runs;
 *  3. exec_range() walks the chunks, evaluating trees on demand, so
 *     `a || b` and untaken branches never run, as in Ruby.
 *
 * Values (erb-value.c) are Ruby's everyday types; the constants a config
 * may call (ENV, File, Dir, URI, Dotenv, require) are in erb-lib.c and
 * erb-uri.c. Anything else is "unsupported", reported with the code it
 * came from.
 */
#include "erb.h"
#include "config/erb-int.h"
#include <ctype.h>
#include <limits.h>

#define MAX_DEPTH 100

/* ---- syntax trees ---- */

enum nkind {
	N_LIT,    /* lit */
	N_STR,    /* kids: parts, each to_s'd and joined */
	N_SHELL,  /* kids: parts of the command line */
	N_ARRAY,  /* kids: elements */
	N_VAR,    /* name */
	N_CONST,  /* name */
	N_CALL,   /* recv.name(kids) { |bparam| block } */
	N_INDEX,  /* recv[kids[0]] or recv[kids[0], kids[1]]; kids[0] may be an N_RANGE */
	N_NOT,    /* !recv */
	N_AND,    /* recv && kids[0] */
	N_OR,     /* recv || kids[0] */
	N_EQ,     /* recv == kids[0] */
	N_NE,
	N_BINOP,  /* recv OP kids[0], OP in name: + - * / < <= > >= */
	N_KWARG,  /* name: kids[0], in a call's arguments */
	N_COND,   /* recv ? kids[0] : kids[1] */
	N_RANGE   /* recv..kids[0], recv...kids[0] (name ".." or "..."), in an index only */
};

struct node {
	enum nkind k;
	struct value lit;
	char *name;
	struct node *recv;
	struct node **kids;
	size_t nkids;
	char *bparam[2];
	struct node *block;
	unsigned safe_nav : 1; /* &. */
};

static struct node *node_new(enum nkind k)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->k = k;
	return n;
}

static void node_add(struct node *n, struct node *kid)
{
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

static void node_free(struct node *n)
{
	size_t i;
	if (!n)
		return;
	v_free(&n->lit);
	free(n->name);
	node_free(n->recv);
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->bparam[0]);
	free(n->bparam[1]);
	node_free(n->block);
	free(n);
}

/* ---- chunks and statements ---- */

enum ckind { C_TEXT, C_OUT, C_STMT };
enum skind { S_EXPR, S_ASSIGN, S_ENVSET, S_IF, S_UNLESS, S_ELSIF, S_ELSE, S_END,
	     S_EACH, S_NEXT };

/* What exec_range returns when a `next` ran: the each around it moves on. */
#define EXEC_NEXT 1

struct chunk {
	enum ckind k;
	enum skind s;
	struct strbuf text;  /* C_TEXT bytes; else the tag's code */
	int line;
	int in_comment;      /* C_OUT on a YAML comment line */
	struct node *expr;   /* S_ASSIGN, S_ENVSET: the value */
	struct node *key;    /* S_ENVSET: ENV[key] = expr */
	struct node *guard;  /* "stmt if guard" (guard_unless: "unless") */
	int guard_unless;
	int or_assign;       /* ||= rather than = */
	char *var[2];        /* S_ASSIGN name; S_EACH block parameters */
	int with_index;
	size_t next;         /* if-branches: the next branch or the end */
	size_t end;          /* blocks: the matching end */
};

struct var {
	char *name;
	struct value v;
};

struct erb {
	const struct erb_options *opts;
	struct strbuf *err;
	struct chunk *chunks;
	size_t nr, alloc;
	struct var *vars;
	size_t nvars, avars;
	const struct chunk *cur; /* for messages */
	int unsupported;         /* the last error was "we can't", not Ruby's */
	int depth;
};

static const char *fname(const struct erb *e)
{
	return e->opts && e->opts->filename ? e->opts->filename : "(erb)";
}

static struct chunk *chunk_add(struct erb *e, enum ckind k, int line)
{
	struct chunk *c;
	ALLOC_GROW(e->chunks, e->nr + 1, e->alloc);
	c = &e->chunks[e->nr++];
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->text, 0);
	c->k = k;
	c->line = line;
	return c;
}

/* ---- parser ---- */

struct parser {
	struct erb *e;
	const char *s;
	size_t pos, len;
	int line;  /* of the tag's start */
	int depth; /* bracket depth: newlines are blanks inside brackets */
	int rec;   /* recursion depth */
	int failed;
};

static int perr(struct parser *p, const char *fmt, ...) BERTH_PRINTF(2, 3);
static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	size_t a = 0, b = p->len;
	if (p->failed)
		return -1;
	p->failed = 1;
	p->e->unsupported = 1;
	while (a < b && isspace((unsigned char)p->s[a]))
		a++;
	while (b > a && isspace((unsigned char)p->s[b - 1]))
		b--;
	strbuf_reset(p->e->err);
	strbuf_addf(p->e->err, "%s:%d: unsupported ERB code `%.*s`: ",
		    fname(p->e), p->line, (int)(b - a), p->s + a);
	va_start(ap, fmt);
	strbuf_vaddf(p->e->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int peek(struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : 0;
}

static int peek_at(struct parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : 0;
}

static void skip_blank(struct parser *p)
{
	for (;;) {
		int c = peek(p);
		if (c == ' ' || c == '\t' || c == '\r' ||
		    (c == '\n' && p->depth > 0))
			p->pos++;
		else if (c == '\\' && peek_at(p, 1) == '\n')
			p->pos += 2;
		else
			return;
	}
}

static void skip_blank_nl(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t' || peek(p) == '\r' ||
	       peek(p) == '\n')
		p->pos++;
}

static int accept(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);
	skip_blank(p);
	if (p->pos + n <= p->len && !memcmp(p->s + p->pos, tok, n)) {
		p->pos += n;
		return 1;
	}
	return 0;
}

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Reads an identifier at pos (no blanks skipped); methods may end in ?/!. */
static char *read_ident(struct parser *p, int method)
{
	size_t start = p->pos;
	if (!is_ident_start(peek(p)))
		return NULL;
	while (is_ident_char(peek(p)))
		p->pos++;
	if (method && (peek(p) == '?' || peek(p) == '!') && peek_at(p, 1) != '=')
		p->pos++;
	return xstrndup(p->s + start, p->pos - start);
}

/* A keyword at pos, not followed by an identifier character. */
static int at_keyword(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);
	return p->pos + n <= p->len && !memcmp(p->s + p->pos, kw, n) &&
	       !is_ident_char(p->pos + n < p->len ? p->s[p->pos + n] : 0);
}

static struct node *parse_expr(struct parser *p);

static int closing_delim(int open)
{
	switch (open) {
	case '(': return ')';
	case '[': return ']';
	case '{': return '}';
	case '<': return '>';
	default: return open;
	}
}

/*
 * Reads a double-quote-like literal up to the closing delimiter (nesting
 * paired delimiters), with escapes and #{...} interpolation, into parts.
 */
static struct node *parse_interp(struct parser *p, enum nkind k, int open)
{
	int close = closing_delim(open), nest = 0;
	struct node *n = node_new(k);
	struct strbuf lit = STRBUF_INIT;

	for (;;) {
		int c = peek(p);
		if (p->pos >= p->len) {
			perr(p, "unterminated string");
			goto fail;
		}
		p->pos++;
		if (c == close && !nest)
			break;
		if (open != close && c == open)
			nest++;
		else if (open != close && c == close)
			nest--;
		if (c == '\\' && p->pos < p->len) {
			c = p->s[p->pos++];
			switch (c) {
			case 'n': strbuf_addch(&lit, '\n'); break;
			case 't': strbuf_addch(&lit, '\t'); break;
			case 'r': strbuf_addch(&lit, '\r'); break;
			case 'e': strbuf_addch(&lit, '\033'); break;
			case 's': strbuf_addch(&lit, ' '); break;
			case '0': strbuf_addch(&lit, '\0'); break;
			case '\n': break;
			default: strbuf_addch(&lit, c); break;
			}
		} else if (c == '#' && peek(p) == '{') {
			struct node *inner;
			int saved = p->depth;
			p->pos++;
			if (lit.len) {
				struct node *l = node_new(N_LIT);
				l->lit = v_strbuf(&lit);
				node_add(n, l);
			}
			p->depth = 1;
			inner = parse_expr(p);
			if (!inner)
				goto fail;
			node_add(n, inner);
			if (!accept(p, "}")) {
				perr(p, "expected '}' closing #{");
				goto fail;
			}
			p->depth = saved;
		} else {
			strbuf_addch(&lit, c);
		}
	}
	if (lit.len || !n->nkids) {
		struct node *l = node_new(N_LIT);
		l->lit = v_strbuf(&lit);
		node_add(n, l);
	}
	strbuf_release(&lit);
	return n;
fail:
	strbuf_release(&lit);
	node_free(n);
	return NULL;
}

static struct node *parse_sq(struct parser *p, int open)
{
	int close = closing_delim(open), nest = 0;
	struct strbuf lit = STRBUF_INIT;
	struct node *n;
	for (;;) {
		int c = peek(p);
		if (p->pos >= p->len) {
			strbuf_release(&lit);
			perr(p, "unterminated string");
			return NULL;
		}
		p->pos++;
		if (c == close && !nest)
			break;
		if (open != close && c == open)
			nest++;
		else if (open != close && c == close)
			nest--;
		if (c == '\\' && (peek(p) == close || peek(p) == '\\'))
			c = p->s[p->pos++];
		strbuf_addch(&lit, c);
	}
	n = node_new(N_LIT);
	n->lit = v_strbuf(&lit);
	return n;
}

static struct node *parse_words(struct parser *p, int open)
{
	int close = closing_delim(open);
	struct node *n = node_new(N_LIT);
	n->lit = v_array();
	for (;;) {
		size_t start;
		while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
			p->pos++;
		if (p->pos >= p->len) {
			node_free(n);
			perr(p, "unterminated %%w list");
			return NULL;
		}
		if (peek(p) == close) {
			p->pos++;
			return n;
		}
		start = p->pos;
		while (p->pos < p->len && peek(p) != close &&
		       !isspace((unsigned char)p->s[p->pos]))
			p->pos++;
		v_push(&n->lit, v_strn(p->s + start, p->pos - start));
	}
}

/* "name: expr" in a call's arguments; NULL (nothing read) if not one. */
static struct node *parse_kwarg(struct parser *p)
{
	size_t save;
	struct node *n, *val;
	char *name;

	skip_blank(p);
	save = p->pos;
	if (!(name = read_ident(p, 0)))
		return NULL;
	if (peek(p) != ':' || peek_at(p, 1) == ':') {
		free(name);
		p->pos = save;
		return NULL;
	}
	p->pos++;
	if (!(val = parse_expr(p))) {
		free(name);
		return NULL;
	}
	n = node_new(N_KWARG);
	n->name = name;
	node_add(n, val);
	return n;
}

/* Comma-separated expressions up to close (already past the opener). */
static int parse_list(struct parser *p, struct node *n, const char *close)
{
	p->depth++;
	if (!accept(p, close)) {
		do {
			struct node *kid;
			if (accept(p, "&:")) {
				/* (&:name) is a block calling name on its item. */
				char *m = n->block ? NULL : read_ident(p, 1);
				if (!m)
					return perr(p, "expected a method name after &:");
				n->block = node_new(N_CALL);
				n->block->name = m;
				n->block->recv = node_new(N_VAR);
				n->block->recv->name = xstrdup("\001it");
				n->bparam[0] = xstrdup("\001it");
				continue;
			}
			kid = parse_kwarg(p);
			if (!kid && !p->failed)
				kid = parse_expr(p);
			if (!kid)
				return -1;
			node_add(n, kid);
		} while (accept(p, ","));
		if (!accept(p, close))
			return perr(p, "expected '%s'", close);
	}
	p->depth--;
	return 0;
}

static int parse_block_params(struct parser *p, struct node *n)
{
	int i;
	if (!accept(p, "|"))
		return 0;
	for (i = 0; i < 2; i++) {
		skip_blank(p);
		n->bparam[i] = read_ident(p, 0);
		if (!n->bparam[i])
			return perr(p, "expected a block parameter");
		if (!accept(p, ","))
			break;
	}
	if (!accept(p, "|"))
		return perr(p, "expected '|' after block parameters");
	return 0;
}

/* Kernel methods a config calls without a receiver (erb-lib.c). */
static int is_function(const char *name)
{
	return !strcmp(name, "require") || !strcmp(name, "raise") || !strcmp(name, "URI");
}

/*
 * name(args), or "require 'x'": a call without a receiver (recv NULL).
 * name is n's, which becomes the call.
 */
static struct node *parse_function(struct parser *p, struct node *n)
{
	struct node *arg;
	n->k = N_CALL;
	if (peek(p) == '(') {
		p->pos++;
		if (parse_list(p, n, ")") < 0 || n->block) {
			perr(p, "bad arguments to %s", n->name);
			node_free(n);
			return NULL;
		}
		return n;
	}
	skip_blank(p);
	/* the command form, for require 'x' and raise "why" */
	if (!strcmp(n->name, "URI") || (peek(p) != '"' && peek(p) != '\'')) {
		perr(p, "expected (...) after %s", n->name);
		node_free(n);
		return NULL;
	}
	if (!(arg = parse_expr(p))) {
		node_free(n);
		return NULL;
	}
	node_add(n, arg);
	return n;
}

/*
 * /re/flags or %r{re}flags, after the opening delimiter: the source kept
 * as written (erb-regexp.c translates it), only the i flag known.
 */
static struct node *parse_regexp(struct parser *p, int open)
{
	int close = closing_delim(open), depth = 0;
	size_t start = p->pos;
	struct node *n;

	for (; peek(p) && (peek(p) != close || depth); p->pos++) {
		if (peek(p) == '\\' && peek_at(p, 1)) {
			p->pos++;
			continue;
		}
		if (peek(p) == '#' && peek_at(p, 1) == '{')
			return perr(p, "interpolation in a regexp is not supported"), NULL;
		if (open != close && peek(p) == open)
			depth++;
		else if (open != close && peek(p) == close)
			depth--;
	}
	if (!peek(p))
		return perr(p, "unterminated regexp"), NULL;
	n = node_new(N_LIT);
	n->lit = v_regexp(p->s + start, p->pos - start, 0);
	p->pos++;
	while (isalpha(peek(p))) {
		if (peek(p) != 'i') {
			perr(p, "regexp flag '%c' is not supported", peek(p));
			node_free(n);
			return NULL;
		}
		n->lit.i = 1;
		p->pos++;
	}
	return n;
}

static struct node *parse_primary(struct parser *p)
{
	struct node *n;
	int c;
	char *id;

	skip_blank(p);
	c = peek(p);
	if (c == '"' || c == '`') {
		p->pos++;
		return parse_interp(p, c == '"' ? N_STR : N_SHELL, c);
	}
	if (c == '\'') {
		p->pos++;
		return parse_sq(p, '\'');
	}
	if (c == '/') { /* where an operand starts, / opens a regexp */
		p->pos++;
		return parse_regexp(p, '/');
	}
	if (c == '%' && peek_at(p, 1) == 'r' && peek_at(p, 2) && strchr("{([</|!", peek_at(p, 2))) {
		int open = peek_at(p, 2);
		p->pos += 3;
		return parse_regexp(p, open);
	}
	if (c == '%' && peek_at(p, 1) && strchr("xwWqQ", peek_at(p, 1)) &&
	    peek_at(p, 2) && !isalnum(peek_at(p, 2)) && !isspace(peek_at(p, 2))) {
		int kind = peek_at(p, 1), open = peek_at(p, 2);
		p->pos += 3;
		if (kind == 'x')
			return parse_interp(p, N_SHELL, open);
		if (kind == 'Q')
			return parse_interp(p, N_STR, open);
		if (kind == 'q')
			return parse_sq(p, open);
		return parse_words(p, open);
	}
	if (c == '%' && (peek_at(p, 1) == '(' || peek_at(p, 1) == '[' ||
			 peek_at(p, 1) == '{')) {
		int open = peek_at(p, 1);
		p->pos += 2;
		return parse_interp(p, N_STR, open);
	}
	if (isdigit(c) || (c == '-' && isdigit(peek_at(p, 1)))) {
		long long v = 0;
		int neg = c == '-';
		if (neg)
			p->pos++;
		while (isdigit(peek(p)) || (peek(p) == '_' && isdigit(peek_at(p, 1)))) {
			if (peek(p) != '_') {
				if (v > (LLONG_MAX - 9) / 10)
					return perr(p, "integer too large"), NULL;
				v = v * 10 + (peek(p) - '0');
			}
			p->pos++;
		}
		n = node_new(N_LIT);
		n->lit = v_int(neg ? -v : v);
		return n;
	}
	if (c == '[') {
		p->pos++;
		n = node_new(N_ARRAY);
		if (parse_list(p, n, "]") < 0 || n->block) {
			node_free(n);
			perr(p, "bad array literal");
			return NULL;
		}
		return n;
	}
	if (c == '(') {
		p->pos++;
		p->depth++;
		n = parse_expr(p);
		p->depth--;
		if (n && !accept(p, ")")) {
			node_free(n);
			perr(p, "expected ')'");
			return NULL;
		}
		return n;
	}
	if (c == ':' && is_ident_start(peek_at(p, 1))) {
		/* A symbol: only used as a hash key or argument; keep its name. */
		p->pos++;
		id = read_ident(p, 1);
		n = node_new(N_LIT);
		n->lit = v_strn(id, strlen(id));
		free(id);
		return n;
	}
	if (!is_ident_start(c)) {
		if (c)
			perr(p, "unexpected '%c'", c);
		else
			perr(p, "unexpected end of code");
		return NULL;
	}
	if (at_keyword(p, "nil") || at_keyword(p, "true") || at_keyword(p, "false")) {
		id = read_ident(p, 0);
		n = node_new(N_LIT);
		n->lit = !strcmp(id, "nil") ? v_nil() : v_bool(!strcmp(id, "true"));
		free(id);
		return n;
	}
	n = node_new(isupper(c) ? N_CONST : N_VAR);
	n->name = read_ident(p, 0);
	/* A constant path, Gem::Specification: one name for the library. */
	while (n->k == N_CONST && peek(p) == ':' && peek_at(p, 1) == ':' &&
	       isupper(peek_at(p, 2))) {
		struct strbuf full = STRBUF_INIT;
		char *tail;
		p->pos += 2;
		tail = read_ident(p, 0);
		strbuf_addf(&full, "%s::%s", n->name, tail);
		free(tail);
		free(n->name);
		n->name = strbuf_detach(&full, NULL);
	}
	if (n->k == N_CONST && !strcmp(n->name, "ENV") && peek(p) == '[') {
		/* ENV[...] reads like an index but is a call. */
		return n;
	}
	if (is_function(n->name) && (peek(p) == '(' || n->k == N_VAR))
		return parse_function(p, n);
	if (n->k == N_VAR && peek(p) == '(') {
		perr(p, "method '%s' is not supported", n->name);
		node_free(n);
		return NULL;
	}
	if (!strcmp(n->name, "__dir__") || !strcmp(n->name, "__FILE__")) {
		/* ERB#result evaluates the code as a file named "(erb)" */
		int dir = n->name[2] == 'd';
		node_free(n);
		n = node_new(N_LIT);
		n->lit = v_str(dir ? "." : "(erb)");
	}
	return n;
}

/* After "[": one or two arguments, or a range a..b / a...b, up to "]". */
static int parse_index(struct parser *p, struct node *call)
{
	struct node *kid;
	const char *dots;

	p->depth++;
	if (!(kid = parse_expr(p)))
		return -1;
	skip_blank(p);
	dots = accept(p, "...") ? "..." : accept(p, "..") ? ".." : NULL;
	if (dots) {
		struct node *range = node_new(N_RANGE), *end;
		range->name = xstrdup(dots);
		range->recv = kid;
		kid = range;
		if (!(end = parse_expr(p))) {
			node_free(range);
			return -1;
		}
		node_add(range, end);
	}
	node_add(call, kid);
	if (!dots && accept(p, ",")) {
		if (!(kid = parse_expr(p)))
			return -1;
		node_add(call, kid);
	}
	if (!accept(p, "]"))
		return perr(p, "expected ']'");
	p->depth--;
	return 0;
}

static struct node *parse_postfix(struct parser *p)
{
	struct node *n = parse_primary(p);

	while (n) {
		struct node *call;
		int safe;
		skip_blank(p);
		if (peek(p) == '[') {
			p->pos++;
			call = node_new(N_INDEX);
			call->recv = n;
			n = call;
			if (parse_index(p, call) < 0)
				break;
			continue;
		}
		/* A method chain may continue on the next line: "\n  .strip". */
		{
			size_t save = p->pos;
			skip_blank_nl(p);
			if (!((peek(p) == '.' && peek_at(p, 1) != '.') ||
			      (peek(p) == '&' && peek_at(p, 1) == '.'))) {
				p->pos = save;
				return n;
			}
		}
		safe = peek(p) == '&';
		p->pos += safe ? 2 : 1;
		skip_blank_nl(p);
		call = node_new(N_CALL);
		call->recv = n;
		call->safe_nav = safe;
		n = call;
		call->name = read_ident(p, 1);
		if (!call->name) {
			perr(p, "expected a method name after '.'");
			break;
		}
		if (peek(p) == '(') {
			p->pos++;
			if (parse_list(p, call, ")") < 0)
				break;
		}
		skip_blank(p);
		if (peek(p) == '{' && !call->block) {
			p->pos++;
			p->depth++;
			if (parse_block_params(p, call) < 0)
				break;
			call->block = parse_expr(p);
			if (!call->block)
				break;
			if (!accept(p, "}")) {
				perr(p, "expected '}' closing the block");
				break;
			}
			p->depth--;
		}
	}
	node_free(n);
	return NULL;
}

static struct node *binary(enum nkind k, struct node *l, struct node *r)
{
	struct node *n = node_new(k);
	n->recv = l;
	node_add(n, r);
	return n;
}

static struct node *parse_unary(struct parser *p)
{
	struct node *n, *inner;
	skip_blank(p);
	if (peek(p) == '!' && peek_at(p, 1) != '=') {
		p->pos++;
		if (++p->rec > MAX_DEPTH) {
			perr(p, "nested too deeply");
			return NULL;
		}
		inner = parse_unary(p);
		p->rec--;
		if (!inner)
			return NULL;
		n = node_new(N_NOT);
		n->recv = inner;
		return n;
	}
	return parse_postfix(p);
}

/* The next of ops (longest first) at pos, consumed; NULL if none. */
static const char *accept_op(struct parser *p, const char *const *ops)
{
	for (; *ops; ops++)
		if (accept(p, *ops))
			return *ops;
	return NULL;
}

static struct node *binop(const char *op, struct node *l, struct node *r)
{
	struct node *n = binary(N_BINOP, l, r);
	n->name = xstrdup(op);
	return n;
}

/* One level of left-associative operators over the next level down. */
static struct node *parse_level(struct parser *p, const char *const *ops,
				struct node *(*next)(struct parser *))
{
	struct node *l = next(p), *r;
	const char *op;
	while (l && (op = accept_op(p, ops))) {
		skip_blank_nl(p);
		if (!(r = next(p))) {
			node_free(l);
			return NULL;
		}
		l = binop(op, l, r);
	}
	return l;
}

static struct node *parse_mul(struct parser *p)
{
	static const char *const ops[] = { "*", "/", NULL };
	return parse_level(p, ops, parse_unary);
}

static struct node *parse_sum(struct parser *p)
{
	static const char *const ops[] = { "+", "-", NULL };
	return parse_level(p, ops, parse_mul);
}

static struct node *parse_rel(struct parser *p)
{
	static const char *const ops[] = { "<=", ">=", "<", ">", NULL };
	return parse_level(p, ops, parse_sum);
}

static struct node *parse_cmp(struct parser *p)
{
	struct node *l = parse_rel(p), *r;
	enum nkind k;
	if (!l)
		return NULL;
	if (accept(p, "=="))
		k = N_EQ;
	else if (accept(p, "!="))
		k = N_NE;
	else
		return l;
	skip_blank_nl(p);
	if (!(r = parse_rel(p))) {
		node_free(l);
		return NULL;
	}
	return binary(k, l, r);
}

static struct node *parse_logic(struct parser *p, int is_or)
{
	struct node *l = is_or ? parse_logic(p, 0) : parse_cmp(p), *r;
	/* "x ||= y" is an assignment, parse_stmt's */
	while (l && (skip_blank(p), peek_at(p, 2) != '=') &&
	       accept(p, is_or ? "||" : "&&")) {
		skip_blank_nl(p);
		r = is_or ? parse_logic(p, 0) : parse_cmp(p);
		if (!r) {
			node_free(l);
			return NULL;
		}
		l = binary(is_or ? N_OR : N_AND, l, r);
	}
	return l;
}

static struct node *parse_expr(struct parser *p)
{
	struct node *c, *a, *b, *n;
	if (++p->rec > MAX_DEPTH) {
		perr(p, "nested too deeply");
		return NULL;
	}
	c = parse_logic(p, 1);
	skip_blank(p);
	if (c && peek(p) == '?' && peek_at(p, 1) != '?') {
		p->pos++;
		if (!(a = parse_expr(p))) {
			node_free(c);
			return NULL;
		}
		if (!accept(p, ":") || !(b = parse_expr(p))) {
			perr(p, "expected ':' in ?:");
			node_free(c);
			node_free(a);
			return NULL;
		}
		n = node_new(N_COND);
		n->recv = c;
		node_add(n, a);
		node_add(n, b);
		c = n;
	}
	p->rec--;
	return c;
}

/* "... if cond" or "... unless cond" after a statement or an output. */
static int parse_modifier(struct parser *p, struct node **guard, int *unless)
{
	skip_blank(p);
	if (!at_keyword(p, "if") && !at_keyword(p, "unless"))
		return 0;
	*unless = p->s[p->pos] == 'u';
	p->pos += *unless ? 6 : 2;
	*guard = parse_expr(p);
	return *guard ? 0 : -1;
}

/* "=" or "||=" (sets *or_assign) as an assignment operator, consumed. */
static int assign_op(struct parser *p, int *or_assign)
{
	skip_blank(p);
	if (accept(p, "||=")) {
		*or_assign = 1;
		return 1;
	}
	if (peek(p) != '=' || strchr("=~>", peek_at(p, 1)))
		return 0;
	p->pos++;
	return 1;
}

/* NAME = expr, NAME ||= expr. 1: it was one, 0: it was not, -1: error. */
static int parse_assign(struct parser *p, struct chunk *c)
{
	size_t save = p->pos;
	char *name;

	if (!is_ident_start(peek(p)) || isupper(peek(p)))
		return 0;
	name = read_ident(p, 0);
	if (!assign_op(p, &c->or_assign)) {
		free(name);
		p->pos = save;
		return 0;
	}
	c->s = S_ASSIGN;
	c->var[0] = name;
	skip_blank_nl(p);
	c->expr = parse_expr(p);
	return c->expr ? 1 : -1;
}

/* ENV[key] = expr, ENV[key] ||= expr, with ENV[key] already in c->expr. */
static int parse_env_assign(struct parser *p, struct chunk *c)
{
	struct node *target = c->expr;

	if (target->k != N_INDEX || target->nkids != 1 || target->recv->k != N_CONST ||
	    strcmp(target->recv->name, "ENV") || !assign_op(p, &c->or_assign))
		return 0;
	c->s = S_ENVSET;
	c->key = target->kids[0];
	target->nkids = 0;
	node_free(target);
	skip_blank_nl(p);
	c->expr = parse_expr(p);
	return c->expr ? 1 : -1;
}

/* expr.each do |x| / expr.each_with_index do |x, i|, after "do". */
static int parse_do(struct parser *p, struct chunk *c)
{
	struct node *call = c->expr, params = { 0 };
	int ret;

	if (call->k != N_CALL || !call->recv || call->block || call->nkids ||
	    (strcmp(call->name, "each") && strcmp(call->name, "each_with_index")))
		return perr(p, "only .each and .each_with_index take a do block");
	c->s = S_EACH;
	c->with_index = !strcmp(call->name, "each_with_index");
	c->expr = call->recv;
	call->recv = NULL;
	node_free(call);
	ret = parse_block_params(p, &params);
	c->var[0] = params.bparam[0];
	c->var[1] = params.bparam[1];
	if (ret < 0)
		return -1;
	if (!c->var[0])
		return perr(p, "expected |x| after do");
	return 0;
}

/* if/elsif/unless COND [then] */
static int parse_cond(struct parser *p, struct chunk *c)
{
	c->s = p->s[p->pos] == 'u' ? S_UNLESS :
	       p->s[p->pos + 1] == 'f' ? S_IF : S_ELSIF;
	p->pos += c->s == S_IF ? 2 : c->s == S_ELSIF ? 5 : 6;
	c->expr = parse_expr(p);
	skip_blank(p);
	if (c->expr && at_keyword(p, "then"))
		p->pos += 4;
	return c->expr ? 0 : -1;
}

/* Parses one statement of a <% %> tag into chunk c. */
static int parse_stmt(struct parser *p, struct chunk *c)
{
	int r;

	skip_blank(p);
	c->s = S_EXPR;
	if (at_keyword(p, "end") || at_keyword(p, "else")) {
		c->s = p->s[p->pos + 1] == 'n' ? S_END : S_ELSE;
		p->pos += c->s == S_END ? 3 : 4;
		return 0;
	}
	if (at_keyword(p, "if") || at_keyword(p, "elsif") || at_keyword(p, "unless"))
		return parse_cond(p, c);
	if (at_keyword(p, "next")) {
		p->pos += 4;
		c->s = S_NEXT;
		return parse_modifier(p, &c->guard, &c->guard_unless);
	}
	if ((r = parse_assign(p, c)))
		return r < 0 ? -1 : parse_modifier(p, &c->guard, &c->guard_unless);
	c->expr = parse_expr(p);
	if (!c->expr)
		return -1;
	if ((r = parse_env_assign(p, c)))
		return r < 0 ? -1 : parse_modifier(p, &c->guard, &c->guard_unless);
	skip_blank(p);
	if (at_keyword(p, "do")) {
		p->pos += 2;
		return parse_do(p, c);
	}
	return parse_modifier(p, &c->guard, &c->guard_unless);
}

/* ---- the scanner: Ruby's ERB in trim mode "-" ---- */

/* Whether the tag starting at src[at] sits on a line that is a YAML comment. */
static int on_comment_line(const char *src, size_t at)
{
	size_t i = at;
	while (i > 0 && src[i - 1] != '\n')
		i--;
	while (i < at && (src[i] == ' ' || src[i] == '\t'))
		i++;
	return i < at && src[i] == '#';
}

static int count_lines(const char *s, size_t len)
{
	int n = 0;
	const char *end = s + len;
	while ((s = memchr(s, '\n', end - s))) {
		n++;
		s++;
	}
	return n;
}

static int compile_code(struct erb *e, const char *code, size_t len, int line);
static int compile_out(struct erb *e, const char *code, size_t len, int line,
		       int in_comment);

static int scan(struct erb *e, const char *src, size_t len)
{
	size_t i = 0;
	int line = 1;
	struct chunk *text = NULL;

	while (i < len) {
		size_t j = i, start, code_start;
		int kind, tag_line;

		/* "<%-" at a line's start also eats the indentation before it. */
		if (i == 0 || src[i - 1] == '\n') {
			while (j < len && (src[j] == ' ' || src[j] == '\t'))
				j++;
			if (!(j + 3 <= len && !memcmp(src + j, "<%-", 3)))
				j = i;
		}
		if (!(j + 2 <= len && src[j] == '<' && src[j + 1] == '%')) {
			if (!text)
				text = chunk_add(e, C_TEXT, line);
			if (src[i] == '\n')
				line++;
			strbuf_addch(&text->text, src[i++]);
			continue;
		}
		if (j + 3 <= len && src[j + 2] == '%') {
			/* "<%%" is a literal "<%". */
			if (!text)
				text = chunk_add(e, C_TEXT, line);
			strbuf_addstr(&text->text, "<%");
			i = j + 3;
			continue;
		}
		text = NULL;
		start = j;
		kind = j + 2 < len ? src[j + 2] : 0;
		code_start = j + 2 + (kind == '-' || kind == '=' || kind == '#');
		tag_line = line;

		/* Inside a tag only "%%>", "-%>" and "%>" mean anything. */
		{
			struct strbuf code = STRBUF_INIT;
			int closed = 0, ret = 0;
			j = code_start;
			while (j < len) {
				if (src[j] == '%' && j + 2 < len && src[j + 1] == '%' &&
				    src[j + 2] == '>') {
					strbuf_addstr(&code, "%>");
					j += 3;
				} else if (src[j] == '-' && j + 2 < len &&
					   src[j + 1] == '%' && src[j + 2] == '>') {
					j += 3;
					if (j < len && src[j] == '\n') {
						j++;
						line++;
					}
					closed = 1;
					break;
				} else if (src[j] == '%' && j + 1 < len && src[j + 1] == '>') {
					j += 2;
					closed = 1;
					break;
				} else {
					if (src[j] == '\n')
						line++;
					strbuf_addch(&code, src[j++]);
				}
			}
			if (!closed) {
				strbuf_release(&code);
				strbuf_reset(e->err);
				strbuf_addf(e->err, "%s:%d: unterminated ERB tag",
					    fname(e), tag_line);
				return -1;
			}
			if (kind == '=')
				ret = compile_out(e, code.buf, code.len, tag_line,
						  on_comment_line(src, start));
			else if (kind != '#')
				ret = compile_code(e, code.buf, code.len, tag_line);
			strbuf_release(&code);
			if (ret < 0)
				return -1;
		}
		i = j;
	}
	return 0;
}

static void trim_code(struct strbuf *sb, const char *code, size_t len)
{
	strbuf_add(sb, code, len);
	strbuf_trim(sb);
}

/* <%= expr if cond %>: expr when cond holds, else nil. */
static struct node *parse_guarded(struct parser *p, struct node *expr)
{
	struct node *guard = NULL, *n;
	int unless = 0;

	if (parse_modifier(p, &guard, &unless) < 0) {
		node_free(expr);
		return NULL;
	}
	if (!guard)
		return expr;
	n = node_new(N_COND);
	n->recv = guard;
	node_add(n, unless ? node_new(N_LIT) : expr);
	node_add(n, unless ? expr : node_new(N_LIT));
	return n;
}

static int compile_out(struct erb *e, const char *code, size_t len, int line,
		       int in_comment)
{
	struct parser p = { e, code, 0, len, line, 0, 0, 0 };
	struct chunk *c = chunk_add(e, C_OUT, line);
	trim_code(&c->text, code, len);
	c->in_comment = in_comment;
	c->expr = parse_expr(&p);
	if (c->expr)
		c->expr = parse_guarded(&p, c->expr);
	skip_blank_nl(&p);
	if (c->expr && p.pos < p.len)
		perr(&p, "unexpected '%c'", code[p.pos]);
	if (!p.failed)
		return 0;
	if (in_comment) {
		/* Whatever Ruby would print lands in a YAML comment. */
		node_free(c->expr);
		c->expr = NULL;
		c->k = C_TEXT;
		strbuf_reset(&c->text);
		strbuf_reset(e->err);
		e->unsupported = 0;
		return 0;
	}
	return -1;
}

static int compile_code(struct erb *e, const char *code, size_t len, int line)
{
	struct parser p = { e, code, 0, len, line, 0, 0, 0 };

	for (;;) {
		struct chunk *c;
		size_t start;
		while (p.pos < len && (isspace((unsigned char)code[p.pos]) ||
				       code[p.pos] == ';'))
			p.pos++;
		if (p.pos >= len)
			return 0;
		if (code[p.pos] == '#') { /* a Ruby comment, to the line's end */
			while (p.pos < len && code[p.pos] != '\n')
				p.pos++;
			continue;
		}
		start = p.pos;
		c = chunk_add(e, C_STMT, line + count_lines(code, start));
		p.line = c->line;
		if (parse_stmt(&p, c) < 0)
			return -1;
		skip_blank(&p);
		trim_code(&c->text, code + start, p.pos - start);
		if (p.pos < len && code[p.pos] != ';' && code[p.pos] != '\n' &&
		    code[p.pos] != '#') {
			/* "require 'x'", "puts x": a method called without parens */
			if (c->s == S_EXPR && c->expr->k == N_VAR)
				return perr(&p, "method '%s' is not supported", c->expr->name);
			return perr(&p, "unexpected '%c'", code[p.pos]);
		}
	}
}

static const char *stmt_word(enum skind s)
{
	switch (s) {
	case S_IF: return "if";
	case S_UNLESS: return "unless";
	case S_ELSIF: return "elsif";
	case S_ELSE: return "else";
	case S_END: return "end";
	default: return "do";
	}
}

/* Links if/elsif/else/end and each/end; reports stray or missing ends. */
static int match_blocks(struct erb *e)
{
	size_t stack[MAX_DEPTH], last[MAX_DEPTH], i;
	int sp = 0, up;

	for (i = 0; i < e->nr; i++) {
		struct chunk *c = &e->chunks[i];
		if (c->k != C_STMT)
			continue;
		switch (c->s) {
		case S_IF:
		case S_UNLESS:
		case S_EACH:
			if (sp == MAX_DEPTH) {
				strbuf_addf(e->err, "%s:%d: blocks nested too deeply",
					    fname(e), c->line);
				return -1;
			}
			stack[sp] = last[sp] = i;
			sp++;
			break;
		case S_ELSIF:
		case S_ELSE:
		case S_END:
			if (!sp || (c->s != S_END &&
				    (e->chunks[stack[sp - 1]].s == S_EACH ||
				     e->chunks[last[sp - 1]].s == S_ELSE))) {
				strbuf_addf(e->err, "%s:%d: unexpected '%s'",
					    fname(e), c->line, stmt_word(c->s));
				return -1;
			}
			e->chunks[last[sp - 1]].next = i;
			last[sp - 1] = i;
			if (c->s == S_END) {
				size_t k = stack[--sp];
				while (k != i) {
					e->chunks[k].end = i;
					k = e->chunks[k].s == S_EACH ? i : e->chunks[k].next;
				}
			}
			break;
		case S_NEXT: /* Ruby's parser refuses a next outside any block */
			for (up = sp; up > 0 && e->chunks[stack[up - 1]].s != S_EACH; up--)
				;
			if (!up) {
				strbuf_addf(e->err, "%s:%d: Invalid next", fname(e), c->line);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	if (sp) {
		const struct chunk *c = &e->chunks[stack[sp - 1]];
		strbuf_addf(e->err, "%s:%d: '%s' without a matching 'end'",
			    fname(e), c->line,
			    c->s == S_EACH ? (c->with_index ? "each_with_index"
							    : "each")
					   : stmt_word(c->s));
		return -1;
	}
	return 0;
}

/* ---- evaluation ---- */

#define MAX_STEPS 1000000

int eerr(struct erb *e, int unsupported, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(e->err);
	strbuf_addf(e->err, "%s:%d: ", fname(e), e->cur ? e->cur->line : 0);
	va_start(ap, fmt);
	strbuf_vaddf(e->err, fmt, ap);
	va_end(ap);
	if (e->cur)
		strbuf_addf(e->err, " (in `%s`)", e->cur->text.buf);
	e->unsupported = unsupported;
	return -1;
}

static struct value *var_get(struct erb *e, const char *name)
{
	size_t i = e->nvars;
	while (i--)
		if (!strcmp(e->vars[i].name, name))
			return &e->vars[i].v;
	return NULL;
}

/* Adds a new binding (a block parameter), shadowing any older one. */
static void var_push(struct erb *e, const char *name, struct value v)
{
	ALLOC_GROW(e->vars, e->nvars + 1, e->avars);
	e->vars[e->nvars].name = xstrdup(name);
	e->vars[e->nvars].v = v;
	e->nvars++;
}

static void var_pop_to(struct erb *e, size_t n)
{
	while (e->nvars > n) {
		e->nvars--;
		free(e->vars[e->nvars].name);
		v_free(&e->vars[e->nvars].v);
	}
}

static void var_set(struct erb *e, const char *name, struct value v)
{
	struct value *old = var_get(e, name);
	if (old) {
		v_free(old);
		*old = v;
	} else {
		var_push(e, name, v);
	}
}

static int eval(struct erb *e, const struct node *n, struct value *out);

static int eval_parts(struct erb *e, const struct node *n, struct strbuf *sb)
{
	size_t i;
	for (i = 0; i < n->nkids; i++) {
		struct value v;
		if (eval(e, n->kids[i], &v) < 0)
			return -1;
		v_to_s(sb, &v);
		v_free(&v);
		if (sb->len > MAX_VALUE)
			return eerr(e, 1, "string too long");
	}
	return 0;
}

int want_str(struct erb *e, const struct value *v, const char *what)
{
	if (v->t != V_STR)
		return eerr(e, 0, "no implicit conversion of %s into String (%s)",
			    v_typename(v), what);
	return 0;
}

const char *erb_workdir(const struct erb *e)
{
	return e->opts && e->opts->workdir ? e->opts->workdir : ".";
}

static int is_blank(const struct value *v)
{
	size_t i;
	if (v->t == V_NIL || v->t == V_FALSE)
		return 1;
	if (v->t == V_ARRAY || v->t == V_HASH)
		return !v->nr;
	if (v->t != V_STR)
		return 0;
	for (i = 0; i < v->len; i++)
		if (!isspace((unsigned char)v->s[i]))
			return 0;
	return 1;
}

/* Runs a { |x| ... } block over each item of arr for map/select/reject. */
static int eval_block_over(struct erb *e, const struct node *n,
			   const struct value *arr, struct value *out)
{
	size_t i, mark = e->nvars;
	int map = !strcmp(n->name, "map") || !strcmp(n->name, "collect") ||
		  !strcmp(n->name, "flat_map");
	int keep_if = !strcmp(n->name, "select") || !strcmp(n->name, "filter");

	if (!n->block)
		return eerr(e, 1, "%s without a block is not supported", n->name);
	*out = v_array();
	for (i = 0; i < arr->nr; i++) {
		struct value r;
		const struct value *item = &arr->items[i];
		if (item->t == V_ARRAY && n->bparam[1]) {
			var_push(e, n->bparam[0], item->nr ? v_copy(&item->items[0]) : v_nil());
			var_push(e, n->bparam[1], item->nr > 1 ? v_copy(&item->items[1]) : v_nil());
		} else {
			if (n->bparam[0])
				var_push(e, n->bparam[0], v_copy(item));
			if (n->bparam[1])
				var_push(e, n->bparam[1], v_nil());
		}
		if (eval(e, n->block, &r) < 0) {
			var_pop_to(e, mark);
			v_free(out);
			return -1;
		}
		var_pop_to(e, mark);
		if (map && !strcmp(n->name, "flat_map") && r.t == V_ARRAY) {
			size_t k;
			for (k = 0; k < r.nr; k++)
				v_push(out, v_copy(&r.items[k]));
			v_free(&r);
		} else if (map) {
			v_push(out, r);
		} else {
			if (!!v_truthy(&r) == keep_if)
				v_push(out, v_copy(item));
			v_free(&r);
		}
	}
	return 0;
}

static void join_into(struct strbuf *sb, const struct value *arr, const struct value *sep)
{
	size_t i;
	for (i = 0; i < arr->nr; i++) {
		if (i && sep)
			strbuf_add(sb, sep->s, sep->len);
		if (arr->items[i].t == V_ARRAY)
			join_into(sb, &arr->items[i], sep);
		else
			v_to_s(sb, &arr->items[i]);
	}
}

/* Methods every value answers. 1: handled, 0: not one of these. */
static int common_method(const char *m, const struct value *v, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	if (!strcmp(m, "nil?"))
		*out = v_bool(v->t == V_NIL);
	else if (!strcmp(m, "blank?"))
		*out = v_bool(is_blank(v));
	else if (!strcmp(m, "present?"))
		*out = v_bool(!is_blank(v));
	else if (!strcmp(m, "presence"))
		*out = is_blank(v) ? v_nil() : v_copy(v);
	else if (!strcmp(m, "to_s") && v->t != V_ARRAY) {
		v_to_s(&sb, v);
		*out = v_strbuf(&sb);
	} else if (!strcmp(m, "inspect") || (!strcmp(m, "to_s") && v->t == V_ARRAY)) {
		v_inspect(&sb, v);
		*out = v_strbuf(&sb);
	} else
		return 0;
	return 1;
}

static int is_block_method(const char *m)
{
	static const char *names[] = { "map", "collect", "flat_map", "select",
				       "filter", "reject" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(m, names[i]))
			return 1;
	return 0;
}

/* A hash's blocks see [key, value] pairs; select & co. give a hash back. */
static int call_hash(struct erb *e, const struct node *n, const struct value *h,
		     struct value *args, struct value *out)
{
	struct value pairs, kept;
	size_t i;
	int r;

	if (!n->block && (r = hash_method(e, n->name, h, args, n->nkids, out)))
		return r < 0 ? -1 : 0;
	if (!n->block || !is_block_method(n->name))
		return eerr(e, 1, "undefined method '%s' for Hash", n->name);
	pairs = hash_pairs(h);
	r = eval_block_over(e, n, &pairs, out);
	v_free(&pairs);
	if (r < 0 || !strcmp(n->name, "map") || !strcmp(n->name, "collect") ||
	    !strcmp(n->name, "flat_map"))
		return r;
	kept = *out;
	*out = v_hash();
	for (i = 0; i < kept.nr; i++) {
		struct value *pair = &kept.items[i];
		hash_set(out, pair->items[0], pair->items[1]);
		pair->nr = 0;
	}
	v_free(&kept);
	return 0;
}

static int call_uri(struct erb *e, const char *m, const struct value *u,
		    size_t nargs, struct value *out)
{
	int r = uri_method(e, m, u, nargs, out);
	if (r)
		return r < 0 ? -1 : 0;
	return eerr(e, 1, "undefined method '%s' for %s", m, v_typename(u));
}

static int call_method(struct erb *e, const struct node *n, struct value *recv,
		       struct value *args, struct value *out)
{
	const char *m = n->name;
	size_t nargs = n->nkids;
	struct value *a0 = nargs ? &args[0] : NULL;

	if (common_method(m, recv, out))
		return 0;
	if (recv->t == V_HASH)
		return call_hash(e, n, recv, args, out);
	if (recv->t == V_URI)
		return call_uri(e, m, recv, nargs, out);
	if (recv->t == V_REGEXP && nargs == 1 && args[0].t == V_STR &&
	    (!strcmp(m, "match") || !strcmp(m, "match?") || !strcmp(m, "=~"))) {
		/* re.match(str) is str.match(re) */
		struct value re = *recv;
		return regexp_method(e, m, &args[0], &re, 1, out) < 0 ? -1 : 0;
	}
	if (recv->t == V_TIME) {
		int r = time_method(e, m, recv, args, nargs, out);
		if (r)
			return r < 0 ? -1 : 0;
		return eerr(e, 1, "undefined method '%s' for Time", m);
	}
	if (recv->t == V_STR) {
		int r = str_method(e, m, recv, args, nargs, out);
		if (r)
			return r < 0 ? -1 : 0;
		return eerr(e, 1, "undefined method '%s' for String", m);
	}
	if (recv->t == V_ARRAY) {
		const struct value *v = recv;
		if ((!strcmp(m, "first") || !strcmp(m, "last")) && !nargs)
			*out = !v->nr ? v_nil() :
			       v_copy(&v->items[m[0] == 'f' ? 0 : v->nr - 1]);
		else if (!strcmp(m, "join") && nargs <= 1) {
			struct strbuf sb = STRBUF_INIT;
			if (a0 && a0->t != V_NIL && want_str(e, a0, "join separator") < 0)
				return -1;
			join_into(&sb, v, a0 && a0->t == V_STR ? a0 : NULL);
			*out = v_strbuf(&sb);
		} else if (!strcmp(m, "map") || !strcmp(m, "collect") ||
			   !strcmp(m, "flat_map") || !strcmp(m, "select") ||
			   !strcmp(m, "filter") || !strcmp(m, "reject"))
			return eval_block_over(e, n, v, out);
		else if ((!strcmp(m, "each") || !strcmp(m, "to_a")) && !n->block)
			*out = v_copy(v);
		else if (!strcmp(m, "compact") || !strcmp(m, "uniq") ||
			 !strcmp(m, "reverse")) {
			size_t i, k;
			*out = v_array();
			for (i = 0; i < v->nr; i++) {
				const struct value *it = &v->items[m[0] == 'r' ? v->nr - 1 - i : i];
				if (m[0] == 'c' && it->t == V_NIL)
					continue;
				if (m[0] == 'u') {
					for (k = 0; k < out->nr; k++)
						if (v_equal(&out->items[k], it))
							break;
					if (k < out->nr)
						continue;
				}
				v_push(out, v_copy(it));
			}
		} else if ((!strcmp(m, "size") || !strcmp(m, "length") ||
			    !strcmp(m, "count")) && !nargs)
			*out = v_int(v->nr);
		else if (!strcmp(m, "empty?"))
			*out = v_bool(!v->nr);
		else if (!strcmp(m, "include?") && nargs == 1) {
			size_t i;
			int found = 0;
			for (i = 0; i < v->nr && !found; i++)
				found = v_equal(&v->items[i], a0);
			*out = v_bool(found);
		} else
			return eerr(e, 1, "undefined method '%s' for Array", m);
		return 0;
	}
	if (recv->t == V_INT) {
		if (!strcmp(m, "to_i"))
			*out = v_copy(recv);
		else if (!strcmp(m, "zero?"))
			*out = v_bool(!recv->i);
		else
			return eerr(e, 1, "undefined method '%s' for Integer", m);
		return 0;
	}
	if (recv->t == V_NIL && !strcmp(m, "to_i")) {
		*out = v_int(0);
		return 0;
	}
	if (recv->t == V_NIL && !strcmp(m, "to_a")) {
		*out = v_array();
		return 0;
	}
	return eerr(e, 0, "undefined method '%s' for %s", m, v_typename(recv));
}

/* ENV.fetch(key) { |k| default }: the block runs only for a missing key. */
static int env_fetch_block(struct erb *e, const struct node *n,
			   struct value *args, struct value *out)
{
	size_t mark = e->nvars;
	int ret;

	if (n->nkids != 1)
		return eerr(e, 0, "wrong number of arguments to ENV.fetch");
	if (env_get(e, &args[0], out) < 0)
		return -1;
	if (out->t != V_NIL)
		return 0;
	if (n->bparam[0])
		var_push(e, n->bparam[0], v_copy(&args[0]));
	ret = eval(e, n->block, out);
	var_pop_to(e, mark);
	return ret;
}

static int call_const(struct erb *e, const struct node *n, struct value *args,
		      size_t nargs, const struct value *kw, struct value *out)
{
	const char *cls = n->recv->name;

	if (n->block && !strcmp(cls, "ENV") && !strcmp(n->name, "fetch"))
		return env_fetch_block(e, n, args, out);
	if (n->block)
		return eerr(e, 1, "a block for %s.%s is not supported", cls, n->name);
	return lib_const_call(e, cls, n->name, args, nargs, kw, out);
}

/* The arguments' values into args, keyword ones (name: v) into *kw. */
static int eval_args(struct erb *e, const struct node *n, struct value *args,
		     size_t *nargs, struct value *kw)
{
	size_t i;
	for (i = 0; i < n->nkids; i++) {
		const struct node *kid = n->kids[i];
		struct value v;
		if (eval(e, kid->k == N_KWARG ? kid->kids[0] : kid, &v) < 0)
			return -1;
		if (kid->k != N_KWARG) {
			args[(*nargs)++] = v;
			continue;
		}
		if (kw->t != V_HASH)
			*kw = v_hash();
		hash_set(kw, v_str(kid->name), v);
	}
	return 0;
}

/* v.is_a?(Class): the class Ruby gives v, or one of its ancestors. */
static int is_a(const struct value *v, const char *cls, int exact)
{
	static const char *const anywhere[] = { "Object", "BasicObject", "Kernel" };
	const char *own = v->t == V_NIL ? "NilClass" : v->t == V_TRUE ? "TrueClass" :
			  v->t == V_FALSE ? "FalseClass" : v_typename(v);
	if (!strcmp(own, cls))
		return 1;
	if (exact)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(anywhere); i++)
		if (!strcmp(cls, anywhere[i]))
			return 1;
	if (!strcmp(cls, "Comparable"))
		return v->t == V_STR || v->t == V_INT || v->t == V_TIME;
	if (!strcmp(cls, "Numeric"))
		return v->t == V_INT;
	if (!strcmp(cls, "Enumerable"))
		return v->t == V_ARRAY || v->t == V_HASH;
	return 0;
}

static int eval_is_a(struct erb *e, const struct node *n, struct value *out)
{
	struct value recv;
	if (eval(e, n->recv, &recv) < 0)
		return -1;
	*out = v_bool(is_a(&recv, n->kids[0]->name, n->name[0] == 'i' && n->name[1] == 'n'));
	v_free(&recv);
	return 0;
}

static int eval_call(struct erb *e, const struct node *n, struct value *out)
{
	struct value recv = v_nil(), kw = v_nil(), *args;
	size_t i, nargs = 0;
	int ret = -1;

	if (n->recv && n->recv->k != N_CONST && n->nkids == 1 && n->kids[0]->k == N_CONST &&
	    (!strcmp(n->name, "is_a?") || !strcmp(n->name, "kind_of?") ||
	     !strcmp(n->name, "instance_of?")))
		return eval_is_a(e, n, out);
	args = xcalloc(n->nkids + 1, sizeof(*args));
	if (n->recv && n->recv->k != N_CONST && eval(e, n->recv, &recv) < 0)
		goto done;
	if (n->safe_nav && recv.t == V_NIL) {
		*out = v_nil();
		ret = 0;
		goto done;
	}
	if (eval_args(e, n, args, &nargs, &kw) < 0)
		goto done;
	if (kw.t == V_HASH && !(n->recv && n->recv->k == N_CONST))
		ret = eerr(e, 1, "keyword arguments to %s are not supported", n->name);
	else if (!n->recv)
		ret = lib_function(e, n->name, args, nargs, out);
	else if (n->recv->k == N_CONST)
		ret = call_const(e, n, args, nargs, kw.t == V_HASH ? &kw : NULL, out);
	else
		ret = call_method(e, n, &recv, args, out);
done:
	v_free(&recv);
	v_free(&kw);
	for (i = 0; i < nargs; i++)
		v_free(&args[i]);
	free(args);
	return ret;
}

static int index_value(struct erb *e, const struct value *recv,
		       struct value *key, struct value *out)
{
	if (recv->t == V_HASH)
		return hash_method(e, "[]", recv, key, 1, out) < 0 ? -1 : 0;
	if ((recv->t == V_ARRAY || recv->t == V_STR) && key->t == V_INT) {
		long long len = recv->t == V_ARRAY ? (long long)recv->nr : (long long)recv->len;
		long long i = key->i < 0 ? key->i + len : key->i;
		if (i < 0 || i >= len)
			*out = v_nil();
		else if (recv->t == V_ARRAY)
			*out = v_copy(&recv->items[i]);
		else
			*out = v_strn(recv->s + i, 1);
		return 0;
	}
	return eerr(e, 1, "indexing %s with %s is not supported",
		    v_typename(recv), v_typename(key));
}

/* str[start, length] as Ruby slices it: nil past the end, clipped at it. */
static struct value str_slice(const struct value *s, long long start, long long count)
{
	long long len = (long long)s->len;
	if (start < 0)
		start += len;
	if (start < 0 || start > len || count < 0)
		return v_nil();
	if (count > len - start)
		count = len - start;
	return v_strn(s->s + start, (size_t)count);
}

/* recv[a, b]: a string's regexp group or slice (Arrays' [start, n] too rare to need). */
static int index2_value(struct erb *e, const struct value *recv, struct value *keys,
			struct value *out)
{
	if (recv->t == V_STR && keys[0].t == V_REGEXP)
		return regexp_method(e, "[]", recv, keys, 2, out) < 0 ? -1 : 0;
	if (recv->t == V_STR && keys[0].t == V_INT && keys[1].t == V_INT) {
		*out = str_slice(recv, keys[0].i, keys[1].i);
		return 0;
	}
	return eerr(e, 1, "indexing %s with %s, %s is not supported", v_typename(recv),
		    v_typename(&keys[0]), v_typename(&keys[1]));
}

/* recv[a..b] / recv[a...b] of a String or an Array, as Ruby slices them. */
static int range_index(struct erb *e, const struct value *recv, const struct node *range,
		       struct value *out)
{
	struct value a, b;
	long long len, start, end;
	int ret = 0;

	if (eval(e, range->recv, &a) < 0)
		return -1;
	if (eval(e, range->kids[0], &b) < 0) {
		v_free(&a);
		return -1;
	}
	if (a.t != V_INT || b.t != V_INT || (recv->t != V_STR && recv->t != V_ARRAY)) {
		ret = eerr(e, 1, "indexing %s with a range of %s is not supported",
			   v_typename(recv), v_typename(a.t != V_INT ? &a : &b));
		goto done;
	}
	len = recv->t == V_STR ? (long long)recv->len : (long long)recv->nr;
	start = a.i < 0 ? a.i + len : a.i;
	end = (b.i < 0 ? b.i + len : b.i) + (range->name[2] ? 0 : 1);
	if (start < 0 || start > len) {
		*out = v_nil();
		goto done;
	}
	if (end > len)
		end = len;
	if (end < start)
		end = start;
	if (recv->t == V_STR) {
		*out = v_strn(recv->s + start, (size_t)(end - start));
	} else {
		*out = v_array();
		for (long long i = start; i < end; i++)
			v_push(out, v_copy(&recv->items[i]));
	}
done:
	v_free(&a);
	v_free(&b);
	return ret;
}

static int eval_index(struct erb *e, const struct node *n, struct value *out)
{
	struct value recv = v_nil(), keys[2] = { v_nil(), v_nil() };
	int ret = -1;

	if (n->kids[0]->k == N_RANGE) {
		if (n->recv->k == N_CONST)
			return eerr(e, 1, "indexing %s with a range is not supported", n->recv->name);
		if (!(ret = eval(e, n->recv, &recv)))
			ret = range_index(e, &recv, n->kids[0], out);
		v_free(&recv);
		return ret;
	}
	for (size_t i = 0; i < n->nkids; i++)
		if (eval(e, n->kids[i], &keys[i]) < 0)
			goto done;
	if (n->recv->k == N_CONST && !strcmp(n->recv->name, "ENV"))
		ret = n->nkids == 1 ? env_get(e, &keys[0], out) :
				      eerr(e, 1, "ENV[] takes one name");
	else if (!(ret = eval(e, n->recv, &recv)))
		ret = n->nkids == 2 ? index2_value(e, &recv, keys, out) :
		      recv.t == V_STR && keys[0].t == V_REGEXP ?
				      (regexp_method(e, "[]", &recv, keys, 1, out) < 0 ? -1 : 0) :
				      index_value(e, &recv, &keys[0], out);
done:
	v_free(&recv);
	v_free(&keys[0]);
	v_free(&keys[1]);
	return ret;
}

static int eval(struct erb *e, const struct node *n, struct value *out)
{
	struct value l, r;
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	*out = v_nil();
	switch (n->k) {
	case N_LIT:
		*out = v_copy(&n->lit);
		return 0;
	case N_STR:
	case N_SHELL:
		if (eval_parts(e, n, &sb) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		if (n->k == N_STR) {
			*out = v_strbuf(&sb);
			return 0;
		}
		ret = erb_backticks(e, sb.buf, sb.len, out);
		strbuf_release(&sb);
		return ret;
	case N_ARRAY: {
		size_t i;
		*out = v_array();
		for (i = 0; i < n->nkids; i++) {
			if (eval(e, n->kids[i], &l) < 0) {
				v_free(out);
				return -1;
			}
			v_push(out, l);
		}
		return 0;
	}
	case N_VAR: {
		struct value *v = var_get(e, n->name);
		if (!v)
			return eerr(e, 1, "undefined local variable or method '%s'",
				    n->name);
		*out = v_copy(v);
		return 0;
	}
	case N_RANGE:
		return eerr(e, 1, "a range outside an index is not supported");
	case N_CONST:
		if (!strcmp(n->name, "ENV")) {
			*out = env_hash();
			return 0;
		}
		return eerr(e, 1, "uninitialized constant %s", n->name);
	case N_KWARG:
		return eerr(e, 1, "%s: is not supported here", n->name);
	case N_CALL:
		return eval_call(e, n, out);
	case N_INDEX:
		return eval_index(e, n, out);
	case N_NOT:
		if (eval(e, n->recv, &l) < 0)
			return -1;
		*out = v_bool(!v_truthy(&l));
		v_free(&l);
		return 0;
	case N_AND:
	case N_OR:
		if (eval(e, n->recv, &l) < 0)
			return -1;
		if (v_truthy(&l) == (n->k == N_OR)) {
			*out = l;
			return 0;
		}
		v_free(&l);
		return eval(e, n->kids[0], out);
	case N_COND:
		if (eval(e, n->recv, &l) < 0)
			return -1;
		ret = v_truthy(&l);
		v_free(&l);
		return eval(e, n->kids[ret ? 0 : 1], out);
	default:
		break;
	}
	/* binary operators */
	if (eval(e, n->recv, &l) < 0)
		return -1;
	if (eval(e, n->kids[0], &r) < 0) {
		v_free(&l);
		return -1;
	}
	if (n->k == N_EQ || n->k == N_NE)
		*out = v_bool(v_equal(&l, &r) == (n->k == N_EQ));
	else
		ret = v_binop(e, n->name, &l, &r, out);
	v_free(&l);
	v_free(&r);
	return ret;
}

/* ---- execution ---- */

static int exec_range(struct erb *e, size_t from, size_t to, struct strbuf *out,
		      long *steps);

static int exec_if(struct erb *e, size_t i, struct strbuf *out, long *steps)
{
	for (;;) {
		struct chunk *c = &e->chunks[i];
		struct value v;
		int take;
		if (c->s == S_END)
			return 0;
		if (c->s == S_ELSE)
			return exec_range(e, i + 1, c->next, out, steps);
		e->cur = c;
		if (eval(e, c->expr, &v) < 0)
			return -1;
		take = v_truthy(&v) == (c->s != S_UNLESS);
		v_free(&v);
		if (take)
			return exec_range(e, i + 1, c->next, out, steps);
		i = c->next;
	}
}

static int exec_each(struct erb *e, size_t i, struct strbuf *out, long *steps)
{
	struct chunk *c = &e->chunks[i];
	struct value list;
	size_t k, mark = e->nvars;
	int ret = 0;

	e->cur = c;
	if (eval(e, c->expr, &list) < 0)
		return -1;
	if (list.t == V_HASH) {
		struct value pairs = hash_pairs(&list);
		v_free(&list);
		list = pairs;
	}
	if (list.t != V_ARRAY) {
		ret = eerr(e, list.t != V_NIL, "undefined method '%s' for %s",
			   c->with_index ? "each_with_index" : "each",
			   v_typename(&list));
		v_free(&list);
		return ret;
	}
	for (k = 0; k < list.nr && !ret; k++) {
		const struct value *item = &list.items[k];
		if (!c->with_index && c->var[1] && item->t == V_ARRAY) {
			var_push(e, c->var[0], item->nr ? v_copy(&item->items[0]) : v_nil());
			var_push(e, c->var[1], item->nr > 1 ? v_copy(&item->items[1]) : v_nil());
		} else {
			var_push(e, c->var[0], v_copy(item));
			if (c->var[1])
				var_push(e, c->var[1], c->with_index ? v_int(k) : v_nil());
		}
		ret = exec_range(e, i + 1, c->end, out, steps);
		if (ret == EXEC_NEXT)
			ret = 0;
		var_pop_to(e, mark);
	}
	v_free(&list);
	return ret;
}

/* ENV[key] = value, or ||=; a nil value deletes, as in Ruby. */
static int exec_envset(struct erb *e, const struct chunk *c)
{
	struct value key, v = v_nil();
	int ret;

	if (eval(e, c->key, &key) < 0)
		return -1;
	ret = c->or_assign ? env_get(e, &key, &v) : 0;
	if (!ret && v.t == V_NIL && !(ret = eval(e, c->expr, &v)))
		ret = env_set(e, &key, v.t == V_NIL ? NULL : &v);
	v_free(&key);
	v_free(&v);
	return ret;
}

/* A statement that is not a block: an expression or an assignment. */
static int exec_simple(struct erb *e, const struct chunk *c)
{
	struct value v, *old;

	if (c->guard) {
		int take;
		if (eval(e, c->guard, &v) < 0)
			return -1;
		take = v_truthy(&v) != c->guard_unless;
		v_free(&v);
		/* Ruby's parser has seen "x = ...": x exists, nil */
		if (!take && c->s == S_ASSIGN && !var_get(e, c->var[0]))
			var_set(e, c->var[0], v_nil());
		if (!take)
			return 0;
	}
	if (c->s == S_NEXT)
		return EXEC_NEXT;
	if (c->s == S_ENVSET)
		return exec_envset(e, c);
	if (c->s == S_ASSIGN && c->or_assign && (old = var_get(e, c->var[0])) &&
	    v_truthy(old))
		return 0;
	if (eval(e, c->expr, &v) < 0)
		return -1;
	if (c->s == S_ASSIGN)
		var_set(e, c->var[0], v);
	else
		v_free(&v);
	return 0;
}

static int exec_range(struct erb *e, size_t from, size_t to, struct strbuf *out,
		      long *steps)
{
	size_t i = from;
	int r;
	while (i < to) {
		struct chunk *c = &e->chunks[i];
		struct value v;

		if (++*steps > MAX_STEPS || out->len > MAX_VALUE) {
			e->cur = c;
			return eerr(e, 1, "template too expensive to render");
		}
		e->cur = c;
		if (c->k == C_TEXT) {
			strbuf_addbuf(out, &c->text);
			i++;
			continue;
		}
		if (c->k == C_OUT) {
			if (eval(e, c->expr, &v) < 0) {
				if (!c->in_comment || !e->unsupported)
					return -1;
				strbuf_reset(e->err);
			} else {
				v_to_s(out, &v);
				v_free(&v);
			}
			i++;
			continue;
		}
		switch (c->s) {
		case S_IF:
		case S_UNLESS:
			if ((r = exec_if(e, i, out, steps)))
				return r;
			i = c->end + 1;
			break;
		case S_EACH:
			if (exec_each(e, i, out, steps) < 0)
				return -1;
			i = c->end + 1;
			break;
		case S_ASSIGN:
		case S_ENVSET:
		case S_EXPR:
		case S_NEXT:
			if ((r = exec_simple(e, c)))
				return r;
			i++;
			break;
		default: /* elsif/else/end are reached through their if */
			i++;
			break;
		}
	}
	return 0;
}

int erb_render(const char *src, size_t len, const struct erb_options *opts,
	       struct strbuf *out, struct strbuf *err)
{
	struct erb e;
	size_t i;
	long steps = 0;
	int ret;

	memset(&e, 0, sizeof(e));
	e.opts = opts;
	e.err = err;
	ret = scan(&e, src, len);
	if (!ret)
		ret = match_blocks(&e);
	if (!ret) {
		e.depth = 0;
		ret = exec_range(&e, 0, e.nr, out, &steps);
	}
	for (i = 0; i < e.nr; i++) {
		strbuf_release(&e.chunks[i].text);
		node_free(e.chunks[i].expr);
		node_free(e.chunks[i].key);
		node_free(e.chunks[i].guard);
		free(e.chunks[i].var[0]);
		free(e.chunks[i].var[1]);
	}
	free(e.chunks);
	var_pop_to(&e, 0);
	free(e.vars);
	return ret;
}
