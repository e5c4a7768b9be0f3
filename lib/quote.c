#include "quote.h"

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
