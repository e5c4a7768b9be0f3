/*
 * shcmd.c - words, Kamal's combinators, and the one function that turns a
 * command into a shell line (see shcmd.h for the model).
 */
#include "commands/shcmd.h"
#include "quote.h"

#include <stdarg.h>

void shcmd_init(struct shcmd *c)
{
	c->w = NULL;
	c->nr = c->alloc = 0;
}

void shcmd_clear(struct shcmd *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->w[i].text);
		free(c->w[i].redacted);
	}
	free(c->w);
	shcmd_init(c);
}

int shcmd_empty(const struct shcmd *c)
{
	return !c->nr;
}

static void push(struct shcmd *c, char *text, char *redacted, enum shcmd_word_kind kind)
{
	ALLOC_GROW(c->w, c->nr + 1, c->alloc);
	c->w[c->nr].text = text;
	c->w[c->nr].redacted = redacted;
	c->w[c->nr].kind = kind;
	c->nr++;
}

void shcmd_add(struct shcmd *c, const char *word)
{
	push(c, xstrdup(word), NULL, SHCMD_RAW);
}

void shcmd_add_shell(struct shcmd *c, const char *word)
{
	push(c, xstrdup(word), NULL, SHCMD_SHELL);
}

void shcmd_add_sensitive(struct shcmd *c, const char *text, const char *redaction)
{
	push(c, xstrdup(text), xstrdup(redaction), SHCMD_SHELL);
}

static char *vformat(const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	return strbuf_detach(&sb, NULL);
}

void shcmd_addf(struct shcmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push(c, vformat(fmt, ap), NULL, SHCMD_RAW);
	va_end(ap);
}

void shcmd_add_shellf(struct shcmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push(c, vformat(fmt, ap), NULL, SHCMD_SHELL);
	va_end(ap);
}

void shcmd_addl(struct shcmd *c, ...)
{
	va_list ap;
	const char *w;
	va_start(ap, c);
	while ((w = va_arg(ap, const char *)))
		shcmd_add(c, w);
	va_end(ap);
}

void shcmd_add_shelll(struct shcmd *c, ...)
{
	va_list ap;
	const char *w;
	va_start(ap, c);
	while ((w = va_arg(ap, const char *)))
		shcmd_add_shell(c, w);
	va_end(ap);
}

void shcmd_append(struct shcmd *dst, const struct shcmd *src)
{
	for (size_t i = 0; i < src->nr; i++)
		push(dst, xstrdup(src->w[i].text),
		     src->w[i].redacted ? xstrdup(src->w[i].redacted) : NULL,
		     src->w[i].kind);
}

void shcmd_combine(struct shcmd *dst, const char *op, ...)
{
	va_list ap;
	const struct shcmd *part;
	int first = 1;

	va_start(ap, op);
	while ((part = va_arg(ap, const struct shcmd *))) {
		if (shcmd_empty(part))
			continue;
		if (!first)
			shcmd_add_shell(dst, op);
		shcmd_append(dst, part);
		first = 0;
	}
	va_end(ap);
}

void shcmd_add_substitution(struct shcmd *dst, const struct shcmd *inner)
{
	struct strbuf sb = STRBUF_INIT, shown = STRBUF_INIT;
	int sensitive = 0;

	for (size_t i = 0; i < inner->nr; i++)
		sensitive |= inner->w[i].redacted != NULL;
	strbuf_addstr(&sb, "$(");
	shcmd_to_shell(inner, &sb, 0);
	strbuf_addch(&sb, ')');
	if (sensitive) {
		strbuf_addstr(&shown, "$(");
		shcmd_to_shell(inner, &shown, 1);
		strbuf_addch(&shown, ')');
		shcmd_add_sensitive(dst, sb.buf, shown.buf);
	} else {
		shcmd_add_shell(dst, sb.buf);
	}
	strbuf_release(&sb);
	strbuf_release(&shown);
}

void shcmd_add_sh_c(struct shcmd *dst, const struct shcmd *inner)
{
	struct strbuf line = STRBUF_INIT, word = STRBUF_INIT;

	shcmd_to_shell(inner, &line, 0);
	sq_quote_buf(&word, line.buf);
	shcmd_add(dst, "sh");
	shcmd_add(dst, "-c");
	shcmd_add_shell(dst, word.buf);
	strbuf_release(&line);
	strbuf_release(&word);
}

static int is_operator(const struct shcmd_word *w)
{
	static const char *ops[] = { "&&", "||", "|", ";", ">", ">>", NULL };
	if (w->kind != SHCMD_SHELL)
		return 0;
	for (size_t i = 0; ops[i]; i++)
		if (!strcmp(w->text, ops[i]))
			return 1;
	return 0;
}

void shcmd_to_shell(const struct shcmd *c, struct strbuf *out, int redact)
{
	int command_position = 1;

	for (size_t i = 0; i < c->nr; i++) {
		const struct shcmd_word *w = &c->w[i];
		if (i)
			strbuf_addch(out, ' ');
		if (redact && w->redacted)
			strbuf_addstr(out, w->redacted);
		else if (w->kind == SHCMD_SHELL)
			strbuf_addstr(out, w->text);
		else if (sq_is_safe(w->text) && !(command_position && strchr(w->text, '=')))
			strbuf_addstr(out, w->text);
		else
			sq_quote_buf(out, w->text);
		command_position = is_operator(w);
	}
}

int shcmd_is_argv(const struct shcmd *c)
{
	for (size_t i = 0; i < c->nr; i++)
		if (c->w[i].kind != SHCMD_RAW)
			return 0;
	return c->nr > 0;
}

void shcmd_to_argv(const struct shcmd *c, struct strvec *out)
{
	for (size_t i = 0; i < c->nr; i++)
		strvec_push(out, c->w[i].text);
}
