/* settings.c - x-berth/db from the deploy configuration, type-checked. */
#include "settings.h"

void db_settings_init(struct db_settings *s)
{
	memset(s, 0, sizeof(*s));
	strvec_init(&s->databases);
	strvec_init(&s->schema_only_databases);
	strvec_init(&s->large_tables);
	strvec_init(&s->critical_matviews);
	strvec_init(&s->analytics_matviews);
	strvec_init(&s->restart_roles);
	s->no_owner = -1;
}

void db_settings_release(struct db_settings *s)
{
	strvec_clear(&s->databases);
	strvec_clear(&s->schema_only_databases);
	strvec_clear(&s->large_tables);
	strvec_clear(&s->critical_matviews);
	strvec_clear(&s->analytics_matviews);
	strvec_clear(&s->restart_roles);
}

static int located(struct strbuf *err, const struct ynode *n, const char *path,
		   const char *msg)
{
	strbuf_addf(err, "%s:%u: %s: %s\n", n && n->file ? n->file : "(config)",
		    n ? n->line : 0, path, msg);
	return -1;
}

/* A plain string (numbers keep their written text; booleans are wrong). */
static int get_str(const struct ynode *n, const char *path, const char **out,
		   struct strbuf *err)
{
	if (n->kind == YNODE_NULL)
		return 0;
	if (n->kind != YNODE_STR && n->kind != YNODE_INT && n->kind != YNODE_FLOAT)
		return located(err, n, path, "must be a string");
	*out = n->text;
	return 0;
}

static void push_words(struct strvec *sv, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, ",");
		char *w = xstrndup(text, n), *p = w, *e;

		while (*p == ' ')
			p++;
		e = p + strlen(p);
		while (e > p && e[-1] == ' ')
			*--e = '\0';
		if (*p)
			strvec_push(sv, p);
		free(w);
		text += n;
		if (*text)
			text++;
	}
}

/* A list of names, or one comma-separated string. */
static int get_list(const struct ynode *n, const char *path, struct strvec *out,
		    struct strbuf *err)
{
	int rc = 0;

	if (n->kind == YNODE_NULL)
		return 0;
	if (n->kind == YNODE_STR) {
		push_words(out, n->text);
		return 0;
	}
	if (n->kind != YNODE_SEQ)
		return located(err, n, path, "must be a list of names");
	for (size_t i = 0; i < n->nr; i++) {
		const struct ynode *item = n->items[i];
		if (item->kind != YNODE_STR && item->kind != YNODE_INT) {
			struct strbuf p = STRBUF_INIT;
			strbuf_addf(&p, "%s[%zu]", path, i);
			rc = located(err, item, p.buf, "must be a name (a string)");
			strbuf_release(&p);
			continue;
		}
		strvec_push(out, item->text);
	}
	return rc;
}

static int get_source(const struct ynode *n, const char *path, int primary,
		      struct db_settings_source *src, struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT;
	int rc = 0;

	if (n->kind == YNODE_NULL)
		return 0;
	if (n->kind != YNODE_MAP)
		return located(err, n, path, "must be a mapping (endpoint, bucket, prefix, ...)");
	for (size_t i = 0; i < n->nr; i++) {
		const char *key = ynode_str(n->pairs[i].key);
		const struct ynode *v = n->pairs[i].value;
		const char **slot = NULL;

		key = key ? key : "";
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", path, key);
		if (primary && !strcmp(key, "account"))
			slot = &src->account;
		else if (!strcmp(key, "endpoint"))
			slot = &src->endpoint;
		else if (!strcmp(key, "region"))
			slot = &src->region;
		else if (!strcmp(key, "bucket"))
			slot = &src->bucket;
		else if (!strcmp(key, "prefix"))
			slot = &src->prefix;
		else if (strstr(key, "key") || strstr(key, "secret"))
			rc |= located(err, n->pairs[i].key, p.buf,
				      "credentials belong in .kamal/secrets, not the config (see docs/db-restore.md)");
		else
			rc |= located(err, n->pairs[i].key, p.buf, "unknown key");
		if (slot)
			rc |= get_str(v, p.buf, slot, err);
	}
	strbuf_release(&p);
	return rc ? -1 : 0;
}

int db_settings_read(const struct ynode *root, struct db_settings *s,
		     struct strbuf *err)
{
	const struct ynode *xb = root ? ynode_get(root, "x-berth") : NULL;
	const struct ynode *db;
	struct strbuf p = STRBUF_INIT;
	int rc = 0;

	if (!xb || xb->kind == YNODE_NULL)
		return 0;
	if (xb->kind != YNODE_MAP)
		return located(err, xb, "x-berth", "must be a mapping");
	db = ynode_get(xb, "db");
	if (!db || db->kind == YNODE_NULL)
		return 0;
	if (db->kind != YNODE_MAP)
		return located(err, db, "x-berth/db", "must be a mapping");
	for (size_t i = 0; i < db->nr; i++) {
		const char *key = ynode_str(db->pairs[i].key);
		const struct ynode *v = db->pairs[i].value;

		key = key ? key : "";
		strbuf_reset(&p);
		strbuf_addf(&p, "x-berth/db/%s", key);
		if (!strcmp(key, "databases"))
			rc |= get_list(v, p.buf, &s->databases, err);
		else if (!strcmp(key, "database")) {
			const char *d = NULL;
			rc |= get_str(v, p.buf, &d, err);
			if (d)
				strvec_push(&s->databases, d);
		}
		else if (!strcmp(key, "schema_only_databases"))
			rc |= get_list(v, p.buf, &s->schema_only_databases, err);
		else if (!strcmp(key, "large_tables"))
			rc |= get_list(v, p.buf, &s->large_tables, err);
		else if (!strcmp(key, "critical_matviews"))
			rc |= get_list(v, p.buf, &s->critical_matviews, err);
		else if (!strcmp(key, "analytics_matviews"))
			rc |= get_list(v, p.buf, &s->analytics_matviews, err);
		else if (!strcmp(key, "restart_roles"))
			rc |= get_list(v, p.buf, &s->restart_roles, err);
		else if (!strcmp(key, "restart_cmd"))
			rc |= get_str(v, p.buf, &s->restart_cmd, err);
		else if (!strcmp(key, "workdir"))
			rc |= get_str(v, p.buf, &s->workdir, err);
		else if (!strcmp(key, "jobs")) {
			if (v->kind != YNODE_INT || v->ival < 1 || v->ival > 64)
				rc |= located(err, v, p.buf, "must be a whole number from 1 to 64");
			else
				s->jobs = v->ival;
		} else if (!strcmp(key, "no_owner")) {
			if (v->kind != YNODE_BOOL)
				rc |= located(err, v, p.buf, "must be true or false");
			else
				s->no_owner = (int)v->ival;
		} else if (!strcmp(key, "source"))
			rc |= get_source(v, p.buf, 1, &s->source, err);
		else if (!strcmp(key, "fallback"))
			rc |= get_source(v, p.buf, 0, &s->fallback, err);
		else
			rc |= located(err, db->pairs[i].key, p.buf, "unknown key");
	}
	strbuf_release(&p);
	if (rc)
		strbuf_rtrim(err);
	return rc ? -1 : 0;
}
