/*
 * template.h - error pages as kamal-proxy reads them: Go html/template
 * files, of which berth-proxy takes the part error pages use.
 *
 * The data is kamal-proxy's: the 503 of a stopped service gets a value
 * with one field, Message (the `stop --message` text, Kamal's maintenance
 * message); every other page gets none. Understood:
 *   1. text, with HTML comments removed (html/template removes them);
 *   2. {{.Message}} (any other field prints nothing, as fields of Go's
 *      nil data do) and {{.}};
 *   3. {{if X}} ... {{else if Y}} ... {{else}} ... {{end}} and
 *      {{with X}} ... {{else}} ... {{end}}, X being . or .Field (an empty
 *      message is false; inside with, . is the message);
 *   4. comments ("{{" slash star ... star slash "}}") and the trim
 *      markers {{- and -}}.
 * Values are escaped as html/template escapes text: & < > " ' + and NUL
 * become entities (U+FFFD for NUL). That is its escaping in HTML text, in
 * <title> and <textarea>, and in quoted values of plain attributes; an
 * action anywhere else (inside <script> or <style>, a comment, a tag, an
 * unquoted value, an on*, style or URL attribute), where html/template
 * would escape differently, is refused when the page is loaded, as is
 * any other action (range, template, functions, variables...).
 */
#ifndef BERTH_PROXY_TEMPLATE_H
#define BERTH_PROXY_TEMPLATE_H

#include "strbuf.h"

struct page_template;

/* NULL, and "LINE: what" in err, for a page we cannot render as Go would. */
struct page_template *template_parse(const char *text, size_t len,
				     struct strbuf *err);
/* Appends the page; message NULL: no data (every page but a stop's 503). */
void template_render(const struct page_template *t, const char *message,
		     struct strbuf *out);
void template_free(struct page_template *t);

/* Appends s escaped as html/template escapes text. */
void html_escape_go(struct strbuf *out, const char *s);

#endif
