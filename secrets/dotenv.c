/*
 * dotenv.c - the dotenv gem's parser, rule for rule (see dotenv.h).
 *
 * The gem scans the whole text with one regular expression; match_at()
 * below is that expression written out by hand, including the places
 * where its backtracking decides the outcome (a quoted value must be
 * followed by only blanks or a comment, else the value is read again as
 * unquoted text).
 */
#include "dotenv.h"
#include "quote.h"
#include "fetch.h"
#include "log.h"
#include "run-command.h"
#include <ctype.h>
#include <stdint.h>

#define MAX_NEST 64

static int commands_disabled;

void dotenv_disable_commands(int disable)
{
	commands_disabled = disable;
}

/* ---- the table ---- */

/* Values are secrets: their bytes are zeroed before they are freed. */
static void wipe(char *s)
{
	explicit_bzero(s, strlen(s));
}

static int find(const struct dotenv *env, const char *name)
{
	size_t i;
	for (i = 0; i < env->names.nr; i++)
		if (!strcmp(env->names.v[i], name))
			return (int)i;
	return -1;
}

const char *dotenv_get(const struct dotenv *env, const char *name)
{
	int i = env ? find(env, name) : -1;
	return i < 0 ? NULL : env->values.v[i];
}

void dotenv_set(struct dotenv *env, const char *name, const char *value)
{
	int i = find(env, name);
	if (i < 0) {
		strvec_push(&env->names, name);
		strvec_push(&env->values, value);
		return;
	}
	wipe((char *)env->values.v[i]);
	free((char *)env->values.v[i]);
	env->values.v[i] = xstrdup(value);
}

void dotenv_clear(struct dotenv *env)
{
	for (size_t i = 0; i < env->values.nr; i++)
		wipe((char *)env->values.v[i]);
	strvec_clear(&env->names);
	strvec_clear(&env->values);
}

/* ---- the line expression ---- */

struct match {
	size_t start, end;   /* the whole match */
	size_t key, key_end;
	size_t val, val_end; /* val == SIZE_MAX: no value group */
	int export;
};

struct text {
	const char *s;
	size_t len;
};

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static int is_key(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

static size_t skip_ws(const struct text *t, size_t i)
{
	while (i < t->len && is_ws((unsigned char)t->s[i]))
		i++;
	return i;
}

/* \s* (#.*)? ($|\z): where the match ends, or SIZE_MAX. */
static size_t tail(const struct text *t, size_t x)
{
	size_t y = skip_ws(t, x), k;
	if (y == t->len)
		return y;
	if (t->s[y] == '#') {
		const char *nl = memchr(t->s + y, '\n', t->len - y);
		return nl ? (size_t)(nl - t->s) : t->len;
	}
	/* give back blanks until just before a newline */
	for (k = y; k > x; k--)
		if (t->s[k - 1] == '\n')
			return k - 1;
	return SIZE_MAX;
}

/* A quoted value starting at u (the quote) followed by a valid tail. */
static int quoted(const struct text *t, size_t u, struct match *m)
{
	char q = t->s[u];
	size_t x = u + 1, c;
	/* the greedy run of (\q | [^q]) items */
	while (x < t->len) {
		if (t->s[x] == '\\' && x + 1 < t->len && t->s[x + 1] == q)
			x += 2;
		else if (t->s[x] != q)
			x++;
		else
			break;
	}
	/* closing quotes, longest first: the run's end, then escaped ones */
	for (c = x; c > u; c--) {
		size_t end;
		if (c >= t->len || t->s[c] != q)
			continue;
		end = tail(t, c + 1);
		if (end != SIZE_MAX) {
			m->val_end = c + 1;
			m->end = end;
			return 1;
		}
	}
	return 0;
}

static int value_then_tail(const struct text *t, size_t v, struct match *m)
{
	size_t u = skip_ws(t, v), x, end;
	m->val = v;
	if (u < t->len && (t->s[u] == '\'' || t->s[u] == '"') && quoted(t, u, m))
		return 1;
	for (x = v; x < t->len && t->s[x] != '#' && t->s[x] != '\n'; x++)
		;
	if (x > v && (end = tail(t, x)) != SIZE_MAX) {
		m->val_end = x;
		m->end = end;
		return 1;
	}
	m->val = SIZE_MAX;
	end = tail(t, v);
	if (end == SIZE_MAX)
		return 0;
	m->end = end;
	return 1;
}

static int after_key(const struct text *t, size_t q, struct match *m)
{
	size_t r = skip_ws(t, q), end;
	m->val = SIZE_MAX;
	/* "\s*=\s*?" (lazy: the value's own rules take the blanks) */
	if (r < t->len && t->s[r] == '=' && value_then_tail(t, r + 1, m))
		return 1;
	/* ":\s+?" */
	if (q + 1 < t->len && t->s[q] == ':' && is_ws((unsigned char)t->s[q + 1])) {
		size_t v;
		for (v = q + 2; v <= t->len; v++) {
			if (value_then_tail(t, v, m))
				return 1;
			if (v >= t->len || !is_ws((unsigned char)t->s[v]))
				break;
		}
	}
	m->val = SIZE_MAX;
	end = tail(t, q);
	if (end == SIZE_MAX)
		return 0;
	m->end = end;
	return 1;
}

static int key_at(const struct text *t, size_t k, struct match *m)
{
	size_t e = k;
	while (e < t->len && is_key((unsigned char)t->s[e]))
		e++;
	if (e == k)
		return 0;
	m->key = k;
	m->key_end = e;
	return after_key(t, e, m);
}

/* The expression anchored at line start p. */
static int match_at(const struct text *t, size_t p, struct match *m)
{
	size_t i = skip_ws(t, p);
	m->start = p;
	if (i + 6 < t->len && !memcmp(t->s + i, "export", 6) &&
	    is_ws((unsigned char)t->s[i + 6])) {
		m->export = 1;
		if (key_at(t, skip_ws(t, i + 6), m))
			return 1;
	}
	m->export = 0;
	return key_at(t, i, m);
}

/* ---- values ---- */

struct ctx {
	const struct dotenv_options *opts;
	struct dotenv *local; /* this file's keys so far */
	struct strbuf *err;
	const char *key;
	int line;
};

static int verr(struct ctx *c, const char *fmt, ...) BERTH_PRINTF(2, 3);
static int verr(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(c->err);
	strbuf_addf(c->err, "%s:%d: %s: ",
		    c->opts && c->opts->filename ? c->opts->filename : "(dotenv)",
		    c->line, c->key);
	va_start(ap, fmt);
	strbuf_vaddf(c->err, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *lookup(struct ctx *c, const char *name)
{
	const char *v = dotenv_get(c->local, name);
	if (!v && c->opts)
		v = dotenv_get(c->opts->inherit, name);
	return v ? v : getenv(name);
}

/* The gem's Variable substitution over s[0..len). */
static void substitute_vars(struct ctx *c, const char *s, size_t len,
			    struct strbuf *out)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i, name, name_end;
		int escaped = 0;
		if (s[j] == '\\' && j + 1 < len && s[j + 1] == '$') {
			escaped = 1;
			j++;
		}
		if (s[j] != '$' || (j + 1 < len && s[j + 1] == '(')) {
			strbuf_addch(out, s[i++]);
			continue;
		}
		j++;
		if (j < len && s[j] == '{')
			j++;
		name = j;
		while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'))
			j++;
		name_end = j;
		if (j < len && s[j] == '}')
			j++;
		if (escaped) {
			strbuf_add(out, s + i + 1, j - i - 1);
		} else if (name_end > name) {
			char *n = xstrndup(s + name, name_end - name);
			const char *v = lookup(c, n);
			strbuf_addstr(out, v ? v : "");
			free(n);
		} else {
			strbuf_add(out, s + i, j - i);
		}
		i = j;
	}
}

/*
 * Kamal's command group: "(" ( \. | [^()\\] | group )+ ")"; the gem's
 * (gem set) has no escapes: "(" ( [^()] | group )+ ")". End or 0.
 */
static size_t cmd_group(const char *s, size_t len, size_t i, int depth, int gem)
{
	size_t items = 0;
	if (i >= len || s[i] != '(' || depth > MAX_NEST)
		return 0;
	i++;
	while (i < len) {
		if (s[i] == '\\' && !gem) {
			if (i + 1 >= len || s[i + 1] == '\n')
				return 0;
			i += 2;
		} else if (s[i] == '(') {
			size_t end = cmd_group(s, len, i, depth + 1, gem);
			if (!end)
				return 0;
			i = end;
		} else if (s[i] == ')') {
			return items ? i + 1 : 0;
		} else {
			i++;
		}
		items++;
	}
	return 0;
}

/* Whether cmd is "kamal secrets ..." (or "berth secrets ..."). */
static int is_inline(const char *cmd)
{
	const char *p = cmd;
	while (is_ws((unsigned char)*p))
		p++;
	if (!skip_prefix(p, "kamal", &p) && !skip_prefix(p, "berth", &p))
		return 0;
	while (is_ws((unsigned char)*p))
		p++;
	return skip_prefix(p, "secrets", &p) && is_ws((unsigned char)*p);
}

/*
 * An inline command's error may name its words (a secret's name, an
 * option). A word that is not in the source text came from a $VAR, whose
 * value may be a secret from the environment that nothing registered for
 * redaction: such words are masked.
 */
static void mask_expanded_words(struct strbuf *why, const struct strvec *words,
				const struct text *src)
{
	for (size_t i = 0; i < words->nr; i++) {
		const char *w = words->v[i];
		size_t n = strlen(w);
		if (n >= 3 && !memmem(src->s, src->len, w, n))
			strbuf_replace_all(why, w, "[REDACTED]");
	}
}

/*
 * Runs cmd (the text of src after $VAR expansion). Errors quote src, the
 * "$(...)" before any expansion (only the backslashes rule 5 drops are
 * gone): the expanded text may hold secrets.
 */
static int run_command_subst(struct ctx *c, const struct text *src,
			     const char *cmd, struct strbuf *out)
{
	struct strvec words = STRVEC_INIT;
	struct strbuf res = STRBUF_INIT, why = STRBUF_INIT;
	int ret = 0;

	if (commands_disabled)
		return verr(c, "command substitution is disabled here: %.*s",
			    (int)src->len, src->s);
	if (c->opts && c->opts->run) {
		if (c->opts->run(c->opts->run_data, cmd, &res, &why) < 0)
			ret = verr(c, "%s", why.buf);
	} else if (is_inline(cmd)) {
		if (quote_split(cmd, &words, 0) < 0) {
			ret = verr(c, "Unmatched quote: %.*s", (int)src->len, src->s);
		} else if (secrets_inline(words.v + 1, words.nr - 1, &res, &why) < 0) {
			/* words[0] is "kamal": Kamal passes the rest to its CLI. */
			mask_expanded_words(&why, &words, src);
			ret = verr(c, "%s", why.buf);
		}
	} else {
		struct child_process cp = CHILD_PROCESS_INIT;
		int status;
		strvec_pushl(&cp.args, "/bin/sh", "-c", cmd, NULL);
		cp.dir = c->opts ? c->opts->workdir : NULL;
		cp.inherit_stdin = 1;
		status = capture_command(&cp, &res, NULL);
		child_process_clear(&cp);
		if (status)
			ret = verr(c, "command `%.*s` failed (exit status %d)",
				   (int)src->len, src->s, status);
	}
	if (!ret) {
		/* Ruby's chomp: one trailing \n, \r\n or \r */
		if (res.len && res.buf[res.len - 1] == '\n')
			res.len--;
		if (res.len && res.buf[res.len - 1] == '\r')
			res.len--;
		strbuf_add(out, res.buf, res.len);
	}
	strvec_clear(&words);
	strbuf_release_secret(&res);
	strbuf_release(&why);
	return ret;
}

/* Kamal's InlineCommandSubstitution over value into out. */
static int substitute_commands(struct ctx *c, const struct strbuf *value,
			       struct strbuf *out)
{
	const char *s = value->buf;
	size_t len = value->len, i = 0;
	while (i < len) {
		size_t at = i + (s[i] == '\\'), end;
		if (s[at] != '$' || at + 1 >= len ||
		    !(end = cmd_group(s, len, at + 1, 0, c->opts && c->opts->run))) {
			strbuf_addch(out, s[i++]);
			continue;
		}
		if (at > i) {
			/* \$(...) stays, minus the backslash */
			strbuf_add(out, s + at, end - at);
		} else {
			struct strbuf cmd = STRBUF_INIT;
			struct text src = { s + at, end - at };
			int ret;
			substitute_vars(c, s + at + 2, end - at - 3, &cmd);
			ret = run_command_subst(c, &src, cmd.buf, out);
			strbuf_release_secret(&cmd);
			if (ret < 0)
				return -1;
		}
		i = end;
	}
	return 0;
}

static void replace_pair(struct strbuf *sb, char esc, const char *with)
{
	struct strbuf r = STRBUF_INIT;
	size_t i;
	for (i = 0; i < sb->len; i++) {
		if (sb->buf[i] == '\\' && i + 1 < sb->len && sb->buf[i + 1] == esc) {
			strbuf_addstr(&r, with);
			i++;
		} else {
			strbuf_addch(&r, sb->buf[i]);
		}
	}
	strbuf_release_secret(sb);
	*sb = r;
}

static int parse_value(struct ctx *c, const char *raw, size_t len,
		       struct strbuf *out)
{
	struct strbuf v = STRBUF_INIT, w = STRBUF_INIT;
	char quote = 0;
	size_t i;
	int ret = 0;

	/* Ruby's strip also takes NULs */
	while (len && (is_ws((unsigned char)*raw) || !*raw))
		raw++, len--;
	while (len && (is_ws((unsigned char)raw[len - 1]) || !raw[len - 1]))
		len--;
	if (len >= 2 && (raw[0] == '\'' || raw[0] == '"') && raw[len - 1] == raw[0]) {
		quote = raw[0];
		raw++;
		len -= 2;
	}
	strbuf_add(&v, raw, len);
	if (quote == '"') {
		const char *mode = lookup(c, "DOTENV_LINEBREAK_MODE");
		int legacy = mode && !strcmp(mode, "legacy");
		replace_pair(&v, 'n', legacy ? "\n" : "\\\\n");
		replace_pair(&v, 'r', legacy ? "\r" : "\\\\r");
	}
	if (quote == '\'') {
		strbuf_addbuf(out, &v);
		strbuf_release_secret(&v);
		return 0;
	}
	/* drop a backslash before anything but "$" */
	for (i = 0; i < v.len; i++) {
		if (v.buf[i] == '\\' && i + 1 < v.len && v.buf[i + 1] != '$')
			i++;
		strbuf_addch(&w, v.buf[i]);
	}
	strbuf_reset(&v);
	ret = substitute_commands(c, &w, &v);
	if (!ret)
		substitute_vars(c, v.buf, v.len, out);
	strbuf_release_secret(&v);
	strbuf_release_secret(&w);
	return ret;
}

static int line_of(const struct text *t, size_t pos, size_t *cache_pos, int *cache_line)
{
	size_t i;
	for (i = *cache_pos; i < pos && i < t->len; i++)
		if (t->s[i] == '\n')
			(*cache_line)++;
	*cache_pos = pos > *cache_pos ? pos : *cache_pos;
	return *cache_line;
}

int dotenv_parse(struct dotenv *env, const char *text, size_t len,
		 const struct dotenv_options *opts, struct strbuf *err)
{
	struct strbuf norm = STRBUF_INIT;
	struct dotenv local = DOTENV_INIT;
	struct ctx c = { opts, &local, err, NULL, 0 };
	struct text t;
	size_t i, p = 0, lpos = 0;
	int lline = 1, ret = 0;

	for (i = 0; i < len; i++) {
		if (text[i] == '\r') {
			strbuf_addch(&norm, '\n');
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
		} else {
			strbuf_addch(&norm, text[i]);
		}
	}
	t.s = norm.buf;
	t.len = norm.len;

	while (p < t.len && !ret) {
		struct match m;
		char *key;
		memset(&m, 0, sizeof(m));
		if (!match_at(&t, p, &m)) {
			const char *nl = memchr(t.s + p, '\n', t.len - p);
			if (!nl)
				break;
			p = nl - t.s + 1;
			continue;
		}
		key = xstrndup(t.s + m.key, m.key_end - m.key);
		c.key = key;
		c.line = line_of(&t, m.key, &lpos, &lline);
		if (opts && opts->keep_env && strcmp(key, "DOTENV_LINEBREAK_MODE") &&
		    getenv(key)) {
			dotenv_set(&local, key, getenv(key));
		} else if (m.export && m.val == SIZE_MAX) {
			if (!dotenv_get(&local, key)) {
				struct strbuf q = STRBUF_INIT;
				size_t k;
				for (k = m.start; k < m.end; k++) {
					char ch = t.s[k];
					if (ch == '\n')
						strbuf_addstr(&q, "\\n");
					else if (ch == '"' || ch == '\\')
						strbuf_addf(&q, "\\%c", ch);
					else
						strbuf_addch(&q, ch);
				}
				ret = verr(&c, "Line \"%s\" has an unset variable", q.buf);
				strbuf_release(&q);
			}
		} else {
			struct strbuf val = STRBUF_INIT;
			if (m.val == SIZE_MAX)
				ret = 0;
			else
				ret = parse_value(&c, t.s + m.val, m.val_end - m.val, &val);
			if (!ret && opts && opts->redact)
				log_redact_add(val.buf); /* before any later line can fail */
			if (!ret)
				dotenv_set(&local, key, val.buf);
			strbuf_release_secret(&val);
		}
		free(key);
		/* the next match starts at a line start at or after the end */
		p = m.end;
		if (p < t.len && t.s[p] == '\n')
			p++;
		else if (p < t.len && !(p > 0 && t.s[p - 1] == '\n')) {
			const char *nl = memchr(t.s + p, '\n', t.len - p);
			p = nl ? (size_t)(nl - t.s) + 1 : t.len;
		}
	}
	if (!ret)
		for (i = 0; i < local.names.nr; i++)
			dotenv_set(env, local.names.v[i], local.values.v[i]);
	dotenv_clear(&local);
	strbuf_release_secret(&norm);
	return ret;
}

int dotenv_read_file(struct strbuf *sb, const char *path)
{
	size_t start = sb->len;
	if (strbuf_read_file(sb, path) < 0)
		return -1;
	if (sb->len - start >= 3 && !memcmp(sb->buf + start, "\xef\xbb\xbf", 3)) {
		memmove(sb->buf + start, sb->buf + start + 3, sb->len - start - 3);
		strbuf_setlen(sb, sb->len - 3);
	}
	return 0;
}
