/* toc.c - parse `pg_restore -l` and split it into the fast and deferred lists. */
#include "toc.h"

#include <ctype.h>

static const char *known_descs[] = {
	/* Longest first where one is a prefix of another. */
	"MATERIALIZED VIEW DATA", "MATERIALIZED VIEW", "TABLE DATA",
	"TABLE ATTACH", "TABLE", "SEQUENCE SET", "SEQUENCE OWNED BY",
	"SEQUENCE", "FK CONSTRAINT", "CONSTRAINT", "INDEX ATTACH", "INDEX",
	"DEFAULT ACL", "DEFAULT", "TRIGGER", "VIEW", "SCHEMA", "EXTENSION",
	"FUNCTION", "COMMENT", "ACL", "TYPE", "DOMAIN", "RULE", "POLICY",
};

static void add_entry(struct toc *toc, const char *line, size_t len)
{
	struct toc_entry *e;
	const char *p = memchr(line, ';', len), *end = line + len, *rest;
	const char *desc = NULL, *last;
	size_t i;

	if (!p || p == line || !isdigit((unsigned char)line[0]))
		return;
	/* Skip "; tableoid oid " to the description. */
	p++;
	for (i = 0; i < 2; i++) {
		while (p < end && *p == ' ')
			p++;
		while (p < end && *p != ' ')
			p++;
	}
	while (p < end && *p == ' ')
		p++;
	for (i = 0; i < ARRAY_SIZE(known_descs); i++) {
		size_t n = strlen(known_descs[i]);
		if ((size_t)(end - p) > n && !strncmp(p, known_descs[i], n) &&
		    p[n] == ' ') {
			desc = known_descs[i];
			break;
		}
	}
	ALLOC_GROW(toc->entries, toc->nr + 1, toc->alloc);
	e = &toc->entries[toc->nr++];
	memset(e, 0, sizeof(*e));
	e->line = xstrndup(line, len);
	if (!desc) {
		/* An entry berth never has to look inside. */
		e->desc = xstrdup("");
		e->schema = xstrdup("-");
		e->name = xstrdup("");
		return;
	}
	e->desc = xstrdup(desc);
	/* "schema name... owner": the owner is the last word. */
	rest = p + strlen(desc) + 1;
	p = memchr(rest, ' ', (size_t)(end - rest));
	last = end;
	while (last > rest && last[-1] != ' ')
		last--;
	if (!p || last <= p + 1) {
		e->schema = xstrndup(rest, (size_t)(end - rest));
		e->name = xstrdup("");
		return;
	}
	e->schema = xstrndup(rest, (size_t)(p - rest));
	e->name = xstrndup(p + 1, (size_t)(last - 1 - (p + 1)));
}

static char *header_value(const char *line, size_t len, const char *key)
{
	const char *p = line, *end = line + len;
	size_t n = strlen(key);

	while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) <= n || strncmp(p, key, n))
		return NULL;
	p += n;
	while (p < end && *p == ' ')
		p++;
	return xstrndup(p, (size_t)(end - p));
}

int toc_parse(struct toc *toc, const char *text, struct strbuf *err)
{
	const char *p = text;

	memset(toc, 0, sizeof(*toc));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *v;

		if (len && p[len - 1] == '\r')
			len--;
		if (*p == ';') {
			if ((v = header_value(p, len, "Dumped by pg_dump version:")))
				toc->dumped_by = v;
			else if ((v = header_value(p, len, "Dumped from database version:")))
				toc->dumped_from = v;
		} else if (len) {
			add_entry(toc, p, len);
		}
		p = nl ? nl + 1 : p + len;
	}
	if (!toc->nr) {
		strbuf_addstr(err, "the dump's table of contents has no entry");
		return -1;
	}
	return 0;
}

void toc_release(struct toc *toc)
{
	for (size_t i = 0; i < toc->nr; i++) {
		free(toc->entries[i].line);
		free(toc->entries[i].desc);
		free(toc->entries[i].schema);
		free(toc->entries[i].name);
	}
	free(toc->entries);
	free(toc->dumped_by);
	free(toc->dumped_from);
	memset(toc, 0, sizeof(*toc));
}

int toc_major(const char *version)
{
	char *end;
	long major;

	if (!version || !isdigit((unsigned char)*version))
		return -1;
	major = strtol(version, &end, 10);
	return major > 0 && major < 1000 ? (int)major : -1;
}

void toc_qualify(struct strbuf *out, const char *name)
{
	if (!strchr(name, '.'))
		strbuf_addstr(out, "public.");
	strbuf_addstr(out, name);
}

/* Reads one identifier, "quoted" (with "" for ") or bare; -1 if none. */
static int read_ident(const char **pp, struct strbuf *out)
{
	const char *p = *pp;

	if (*p == '"') {
		for (p++; *p; p++) {
			if (*p == '"' && p[1] == '"')
				strbuf_addch(out, *p++);
			else if (*p == '"')
				break;
			else
				strbuf_addch(out, *p);
		}
		if (*p != '"')
			return -1;
		*pp = p + 1;
		return 0;
	}
	if (!(isalnum((unsigned char)*p) || *p == '_'))
		return -1;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
		strbuf_addch(out, *p++);
	*pp = p;
	return 0;
}

/* Reads schema.name into out as "schema.name" (unquoted). */
static int read_qualified(const char **pp, struct strbuf *out)
{
	if (read_ident(pp, out) < 0 || **pp != '.')
		return -1;
	strbuf_addch(out, '.');
	(*pp)++;
	return read_ident(pp, out);
}

void toc_add_partitions(struct strvec *tables, const char *sql)
{
	static const char head[] = "ALTER TABLE ONLY ";
	struct strvec parents = STRVEC_INIT, children = STRVEC_INIT;
	const char *p = sql;
	int grew = 1;

	while ((p = strstr(p, head))) {
		struct strbuf parent = STRBUF_INIT, child = STRBUF_INIT;
		const char *q = p + strlen(head);

		p = q;
		if (read_qualified(&q, &parent) == 0 &&
		    skip_prefix(q, " ATTACH PARTITION ", &q) &&
		    read_qualified(&q, &child) == 0) {
			strvec_push(&parents, parent.buf);
			strvec_push(&children, child.buf);
		}
		strbuf_release(&parent);
		strbuf_release(&child);
	}
	/* Sub-partitions: repeat until no table is added. */
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < parents.nr; i++) {
			if (strvec_find(tables, parents.v[i]) >= 0 &&
			    strvec_find(tables, children.v[i]) < 0) {
				strvec_push(tables, children.v[i]);
				grew = 1;
			}
		}
	}
	strvec_clear(&parents);
	strvec_clear(&children);
}

static void qualified(struct strbuf *sb, const struct toc_entry *e)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s.%s", e->schema, e->name);
}

void toc_split(const struct toc *toc, const struct strvec *deferred,
	       struct toc_split *out)
{
	struct strbuf name = STRBUF_INIT;

	for (size_t i = 0; i < toc->nr; i++) {
		const struct toc_entry *e = &toc->entries[i];

		qualified(&name, e);
		if (!strcmp(e->desc, "MATERIALIZED VIEW DATA")) {
			strvec_push(&out->matviews, name.buf);
			continue;
		}
		if (!strcmp(e->desc, "TABLE DATA") &&
		    strvec_find(deferred, name.buf) >= 0) {
			strbuf_addf(&out->deferred, "%s\n", e->line);
			strvec_push(&out->deferred_tables, name.buf);
			continue;
		}
		if (!strcmp(e->desc, "TABLE DATA"))
			strvec_push(&out->fast_tables, name.buf);
		strbuf_addf(&out->fast, "%s\n", e->line);
	}
	strbuf_release(&name);
}

void toc_split_release(struct toc_split *s)
{
	strbuf_release(&s->fast);
	strbuf_release(&s->deferred);
	strvec_clear(&s->fast_tables);
	strvec_clear(&s->deferred_tables);
	strvec_clear(&s->matviews);
}

static void counter_line(struct copy_counter *c, const char *line)
{
	const char *rest, *sp;

	if (c->in_copy) {
		if (!strcmp(line, "\\.")) {
			ALLOC_GROW(c->counts, c->nr + 1, c->alloc);
			c->counts[c->nr++] = c->rows;
			strvec_push(&c->names, c->target);
			free(c->target);
			c->target = NULL;
			c->in_copy = 0;
		} else {
			c->rows++;
		}
		return;
	}
	if (!skip_prefix(line, "COPY ", &rest) || !ends_with(line, " FROM stdin;"))
		return;
	/* The target ends at the column list (or FROM when there is none). */
	sp = strstr(rest, " (");
	if (!sp)
		sp = strstr(rest, " FROM stdin;");
	c->target = xstrndup(rest, (size_t)(sp - rest));
	c->in_copy = 1;
	c->rows = 0;
}

void copy_counter_feed(struct copy_counter *c, const char *buf, size_t len)
{
	const char *end = buf + len;

	while (buf < end) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf));

		if (!nl) {
			strbuf_add(&c->line, buf, (size_t)(end - buf));
			return;
		}
		strbuf_add(&c->line, buf, (size_t)(nl - buf));
		counter_line(c, c->line.buf);
		strbuf_reset(&c->line);
		buf = nl + 1;
	}
}

void copy_counter_release(struct copy_counter *c)
{
	strbuf_release(&c->line);
	free(c->target);
	strvec_clear(&c->names);
	free(c->counts);
	memset(c, 0, sizeof(*c));
}
