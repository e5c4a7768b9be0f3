/*
 * toc.h - the two restore lists, built from `pg_restore -l`.
 *
 * A dump's table of contents is one entry per line:
 *   3350; 0 16385 TABLE DATA public events postgres
 * berth splits it into
 *  - the fast list: every entry except the data of the deferred tables and
 *    every MATERIALIZED VIEW DATA entry (berth refreshes matviews itself, the
 *    critical ones before the swap and the analytics ones after the deferred
 *    load, so none is computed from half-loaded tables);
 *  - the deferred list: only the TABLE DATA of the deferred tables.
 * Tables are matched by exact schema and name. A partitioned table holds no
 * rows itself, so deferring it defers each of its partitions (found in the
 * dump's ATTACH PARTITION statements, toc_add_partitions()). SEQUENCE SET
 * entries always stay in the fast list.
 *
 * Everything here is pure: text in, text out; the caller runs pg_restore.
 */
#ifndef BERTH_DB_TOC_H
#define BERTH_DB_TOC_H

#include "strbuf.h"
#include "strvec.h"

struct toc_entry {
	char *line;   /* the whole line, as pg_restore printed it */
	char *desc;   /* "TABLE DATA", "SEQUENCE SET", ... */
	char *schema; /* "-" when the entry has none */
	char *name;
};

struct toc {
	struct toc_entry *entries;
	size_t nr, alloc;
	char *dumped_by;   /* "15.6 (Debian ...)" from the header, or NULL */
	char *dumped_from; /* the server version the dump was taken from */
};

/* Parses pg_restore -l output. -1 with err when it holds no entry. */
int toc_parse(struct toc *toc, const char *text, struct strbuf *err);
void toc_release(struct toc *toc);

/* The major version of a "15.6 (Debian...)" string (15; 9.6 gives 9), or -1. */
int toc_major(const char *version);

/*
 * Qualifies a configured table name: "events" -> "public.events",
 * "app.events" stays. Quoting is not interpreted: names are exact.
 */
void toc_qualify(struct strbuf *out, const char *name);

/*
 * Reads "ALTER TABLE ONLY parent ATTACH PARTITION child" from a schema
 * script (pg_restore -s -f -) and, for every parent in tables
 * ("schema.name"), appends its partitions (recursively) to tables.
 */
void toc_add_partitions(struct strvec *tables, const char *schema_sql);

struct toc_split {
	struct strbuf fast;       /* the fast list file's text */
	struct strbuf deferred;   /* the deferred list file's text */
	struct strvec fast_tables;     /* "schema.name" with data in fast */
	struct strvec deferred_tables; /* "schema.name" with data deferred */
	struct strvec matviews;   /* "schema.name" of every matview with data */
};
#define TOC_SPLIT_INIT { STRBUF_INIT, STRBUF_INIT, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT }

/* Splits toc by deferred ("schema.name", partitions included). */
void toc_split(const struct toc *toc, const struct strvec *deferred,
	       struct toc_split *out);
void toc_split_release(struct toc_split *s);

/*
 * Counts the rows of each COPY in a plain data script (pg_restore -a -f):
 * feed it the script in chunks of any size; each finished COPY appends
 * its target ("public.events", quoted as in the script) to names and its
 * row count to counts.
 */
struct copy_counter {
	struct strbuf line;
	int in_copy;
	long long rows;
	char *target;
	struct strvec names;
	long long *counts;
	size_t nr, alloc;
};
#define COPY_COUNTER_INIT { STRBUF_INIT, 0, 0, NULL, STRVEC_INIT, NULL, 0, 0 }
void copy_counter_feed(struct copy_counter *c, const char *buf, size_t len);
void copy_counter_release(struct copy_counter *c);

#endif
