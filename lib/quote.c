#include "quote.h"

#include <ctype.h>

int sq_is_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_./:=@%+,-", c)))
			return 0;
	}
	return 1;
}

void sq_quote_buf(struct strbuf *dst, const char *s)
{
	strbuf_addch(dst, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(dst, "'\\''");
		else
			strbuf_addch(dst, *s);
	}
	strbuf_addch(dst, '\'');
}

void sq_quote_argv(struct strbuf *dst, const char **argv)
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_addch(dst, ' ');
		if (sq_is_safe(argv[i]))
			strbuf_addstr(dst, argv[i]);
		else
			sq_quote_buf(dst, argv[i]);
	}
}

/* Ruby's String#shellescape: backslashes, a newline as '\n'. */
void quote_rb_shellescape(struct strbuf *out, const char *s)
{
	if (!*s) {
		strbuf_addstr(out, "''");
		return;
	}
	for (; *s; s++) {
		if (*s == '\n')
			strbuf_addstr(out, "'\n'");
		else if (isalnum((unsigned char)*s) || strchr("_-.,:+/@", *s))
			strbuf_addch(out, *s);
		else {
			strbuf_addch(out, '\\');
			strbuf_addch(out, *s);
		}
	}
}

/*
 * Ruby's String#dump on the ASCII runs (non-ASCII runs stay as they are),
 * then backticks and "$" not starting a ${...} escaped for the shell.
 */
void quote_kamal_value(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (*p >= 0x80) {
			while (*p >= 0x80)
				strbuf_addch(out, *p++);
			continue;
		}
		strbuf_addch(out, '"');
		for (; *p && *p < 0x80; p++) {
			switch (*p) {
			case '"': strbuf_addstr(out, "\\\""); break;
			case '\\': strbuf_addstr(out, "\\\\"); break;
			case '\n': strbuf_addstr(out, "\\n"); break;
			case '\t': strbuf_addstr(out, "\\t"); break;
			case '\r': strbuf_addstr(out, "\\r"); break;
			case '\f': strbuf_addstr(out, "\\f"); break;
			case '\v': strbuf_addstr(out, "\\v"); break;
			case '\b': strbuf_addstr(out, "\\b"); break;
			case '\a': strbuf_addstr(out, "\\a"); break;
			case 033: strbuf_addstr(out, "\\e"); break;
			case '`': strbuf_addstr(out, "\\`"); break;
			case '#':
				if (p[1] == '{' || p[1] == '$' || p[1] == '@')
					strbuf_addch(out, '\\');
				strbuf_addch(out, '#');
				break;
			case '$': {
				const char *close = p[1] == '{' ? strchr((const char *)p, '}') : NULL;
				if (!close)
					strbuf_addch(out, '\\');
				strbuf_addch(out, '$');
				break;
			}
			default:
				if (*p < 0x20 || *p == 0x7f)
					strbuf_addf(out, "\\x%02X", *p);
				else
					strbuf_addch(out, *p);
			}
		}
		strbuf_addch(out, '"');
	}
}


/* Copies a "$(...)" substitution verbatim, nested ones and quotes inside. */
static const char *take_substitution(const char *s, struct strbuf *w)
{
	int depth = 0;
	char q = 0;

	for (; *s; s++) {
		strbuf_addch(w, *s);
		if (q) {
			if (*s == q)
				q = 0;
			else if (q == '"' && *s == '\\' && s[1])
				strbuf_addch(w, *++s);
			continue;
		}
		if (*s == '\'' || *s == '"')
			q = *s;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && !--depth)
			return s + 1;
	}
	return NULL;
}

int quote_split(const char *s, struct strvec *out, unsigned flags)
{
	struct strbuf w = STRBUF_INIT;
	int in_word = 0;

	while (*s) {
		if (isspace((unsigned char)*s)) {
			if (in_word)
				strvec_push(out, w.buf);
			strbuf_reset(&w);
			in_word = 0;
			s++;
		} else if (*s == '\'') {
			const char *end = strchr(s + 1, '\'');
			if (!end)
				goto unterminated;
			strbuf_add(&w, s + 1, (size_t)(end - s - 1));
			in_word = 1;
			s = end + 1;
		} else if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && strchr("\\\"$`\n", s[1]) && s[1])
					s++;
				strbuf_addch(&w, *s);
			}
			if (!*s)
				goto unterminated;
			in_word = 1;
			s++;
		} else if ((flags & QUOTE_SPLIT_SUBSTITUTIONS) && *s == '$' && s[1] == '(') {
			s = take_substitution(s, &w);
			if (!s)
				goto unterminated;
			in_word = 1;
		} else {
			if (*s == '\\' && s[1])
				s++;
			strbuf_addch(&w, *s++);
			in_word = 1;
		}
	}
	if (in_word)
		strvec_push(out, w.buf);
	strbuf_release(&w);
	return 0;
unterminated:
	strbuf_release(&w);
	return -1;
}
