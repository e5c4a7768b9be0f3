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
 * One ASCII character as Ruby's String#dump writes it inside its quotes
 * (without dump's "#{" escape, which the callers decide). 0 when the
 * character is printed as it is.
 */
static int dump_escape(struct strbuf *out, unsigned char c)
{
	static const char from[] = "\"\\\n\t\r\f\v\b\a\033";
	static const char to[] = "\"\\ntrfvbae";
	const char *hit = c ? strchr(from, c) : NULL;

	if (hit) {
		strbuf_addch(out, '\\');
		strbuf_addch(out, to[hit - from]);
		return 1;
	}
	if (c < 0x20 || c == 0x7f) {
		strbuf_addf(out, "\\x%02X", c);
		return 1;
	}
	return 0;
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
			if (*p == '#' && (p[1] == '{' || p[1] == '$' || p[1] == '@'))
				strbuf_addstr(out, "\\#");
			else if (*p == '`')
				strbuf_addstr(out, "\\`");
			else if (*p == '$')
				strbuf_addstr(out, p[1] == '{' && strchr((const char *)p, '}') ? "$" : "\\$");
			else if (!dump_escape(out, *p))
				strbuf_addch(out, *p);
		}
		strbuf_addch(out, '"');
	}
}

void quote_docker_env_value(struct strbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/*
		 * Kamal takes dump's escapes of '"' and '#' back with a gsub
		 * of backslash-hash, which also eats the second half of an
		 * escaped backslash standing before a plain '#': the value
		 * a\#b is written a\#b, not a\\#b.
		 */
		if (*p == '\\' && p[1] == '#' && !(p[2] && strchr("{$@", p[2])))
			strbuf_addch(out, '\\');
		else if (*p >= 0x80 || *p == '"' || !dump_escape(out, *p))
			strbuf_addch(out, *p);
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
