/*
 * pages.c - the bodies of the responses the proxy makes itself (404,
 * 502, 503, ...), and a service's --error-pages.
 *
 * As in kamal-proxy, every *.html file of the directory is a Go template
 * (template.h), all read and checked when the service is deployed, so a
 * page that cannot be rendered fails the deploy, not a request; the page
 * for a status is the file named after it (503.html). Only the 503 of a
 * stopped service has data: its stop message.
 */
#include "relay-int.h"
#include "template.h"
#include <dirent.h>
#include <errno.h>

struct error_page {
	int status; /* 0: a file not named after a status, checked only */
	struct page_template *t;
};

struct error_pages {
	struct error_page *v;
	size_t nr, alloc;
};

const char *http_reason(int st)
{
	switch (st) {
	case 100: return "Continue";
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

void error_pages_free(struct error_pages *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr; i++)
		template_free(p->v[i].t);
	free(p->v);
	free(p);
}

/* "503.html" -> 503; 0 for any other name. */
static int status_of(const char *name)
{
	if (strlen(name) != 8 || strcmp(name + 3, ".html"))
		return 0;
	for (int i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return atoi(name);
}

static int load_page(struct error_pages *p, const char *dir, const char *name,
		     struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, why = STRBUF_INIT;
	struct page_template *t = NULL;
	strbuf_addf(&path, "%s/%s", dir, name);
	if (strbuf_read_file(&text, path.buf) < 0)
		strbuf_addf(err, "cannot read '%s': %s", path.buf, strerror(errno));
	else if (!(t = template_parse(text.buf, text.len, &why)))
		strbuf_addf(err, "%s:%s", name, why.buf);
	if (t) {
		ALLOC_GROW(p->v, p->nr + 1, p->alloc);
		p->v[p->nr++] = (struct error_page){ status_of(name), t };
	}
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&why);
	return t ? 0 : -1;
}

struct error_pages *error_pages_load(const char *dir, struct strbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		strbuf_addf(err, "error pages directory '%s' not found", dir);
		return NULL;
	}
	struct error_pages *p = xcalloc(1, sizeof(*p));
	struct strbuf why = STRBUF_INIT;
	while ((e = readdir(d)) && !why.len) {
		size_t n = strlen(e->d_name);
		if (n > 5 && !strcmp(e->d_name + n - 5, ".html") && e->d_name[0] != '.')
			load_page(p, dir, e->d_name, &why);
	}
	closedir(d);
	if (!why.len && !p->nr)
		strbuf_addf(&why, "no *.html file in '%s'", dir);
	if (why.len) {
		strbuf_addf(err, "unable to load error pages: %s", why.buf);
		error_pages_free(p);
		p = NULL;
	}
	strbuf_release(&why);
	return p;
}

static const struct page_template *find(const struct service *s, int st)
{
	const struct error_pages *p = s ? s->error_pages : NULL;
	for (size_t i = 0; p && i < p->nr; i++)
		if (p->v[i].status == st)
			return p->v[i].t;
	return NULL;
}

void local_page(const struct service *s, int st, const char *message,
		struct strbuf *out)
{
	const struct page_template *t = find(s, st);
	if (t) {
		template_render(t, message, out);
		return;
	}
	strbuf_addf(out,
		    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<title>%d %s</title></head>\n<body><h1>%d %s</h1>\n",
		    st, http_reason(st), st, http_reason(st));
	if (message && *message) {
		strbuf_addstr(out, "<p>");
		html_escape_go(out, message);
		strbuf_addstr(out, "</p>\n");
	}
	strbuf_addstr(out, "</body></html>\n");
}
