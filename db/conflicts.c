/* conflicts.c - rows that lose to the app's writes: set aside or updated. */
#include "conflicts.h"
#include "pg.h"
#include "log.h"

#include <stdlib.h>

int db_conflicts_move(const struct db_restore_opts *o, PGconn *c, const char *table,
		      const char *aside, const char *why, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, v = STRBUF_INIT, lit = STRBUF_INIT, to = STRBUF_INIT;
	int rc;

	strbuf_addf(&q, "SELECT count(*) FROM %s", aside);
	if ((rc = db_value(c, q.buf, &v, err)) < 0 || !strcmp(v.buf, "0"))
		goto out;
	db_quote_qualified(&lit, table);
	strbuf_addstr(&to, "berth_conflicts.");
	db_quote_ident(&to, table);
	strbuf_reset(&q);
	strbuf_addf(&q, "CREATE SCHEMA IF NOT EXISTS berth_conflicts; "
			"CREATE TABLE IF NOT EXISTS %s (LIKE %s)", to.buf, lit.buf);
	if ((rc = db_sql(o, c, q.buf, err)) < 0)
		goto out;
	strbuf_reset(&q);
	/* One statement: a crash leaves the rows either here or there. */
	strbuf_addf(&q, "WITH moved AS (DELETE FROM %s RETURNING d.*), "
			"kept AS (INSERT INTO %s SELECT * FROM moved RETURNING 1) "
			"SELECT count(*) FROM kept", aside, to.buf);
	if ((rc = db_value(c, q.buf, &v, err)) == 0) {
		log_warn("%s row(s) of %s %s; they are set aside in %s", v.buf, table, why, to.buf);
		rc = atoi(v.buf);
	}
out:
	strbuf_release(&q);
	strbuf_release(&v);
	strbuf_release(&lit);
	strbuf_release(&to);
	return rc;
}

/*
 * A key on plain columns compares them. A key with expressions, a partial
 * index or NULLS NOT DISTINCT compares the index's own key: each side is
 * read FROM its table unaliased, so that the expressions and the predicate
 * as the catalog prints them (bare column names) mean what they mean in
 * the index, and d's rows are picked by ctid.
 */
int db_unique_collisions(PGconn *c, const char *index_oid, const char *d_rel,
			 const char *d_filter, const char *a_rel, const char *a_filter,
			 struct strbuf *aside, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	PGresult *r;
	int rc = 0;

	strbuf_addf(&q, "SELECT i.indisunique, i.indexprs IS NULL AND i.indpred IS NULL AND NOT %s, "
			"(SELECT string_agg(format('a.%%1$I = d.%%1$I', a.attname), ' AND ' ORDER BY k.i) "
			"FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, i) "
			"JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
			"WHERE k.i <= i.indnkeyatts), "
			"(SELECT string_agg(pg_get_indexdef(i.indexrelid, k, false) || ' AS k' || k, ', ' ORDER BY k) "
			"FROM generate_series(1, i.indnkeyatts) k), "
			"(SELECT string_agg(format('a.k%%1$s %%2$s d.k%%1$s', k, %s), ' AND ' ORDER BY k) "
			"FROM generate_series(1, i.indnkeyatts) k), "
			"coalesce(' WHERE ' || pg_get_expr(i.indpred, i.indrelid), '') "
			"FROM pg_index i WHERE i.indexrelid = %s::oid",
		    PQserverVersion(c) >= 150000 ? "i.indnullsnotdistinct" : "false",
		    PQserverVersion(c) >= 150000 ? "CASE WHEN i.indnullsnotdistinct THEN 'IS NOT DISTINCT FROM' ELSE '=' END" : "'='",
		    index_oid);
	if (!(r = db_query(c, q.buf, err))) {
		strbuf_release(&q);
		return -1;
	}
	if (PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t") && !strcmp(PQgetvalue(r, 0, 1), "t")) {
		strbuf_reset(aside);
		strbuf_addf(aside, "%s d WHERE %s AND EXISTS (SELECT 1 FROM %s a WHERE %s AND %s)",
			    d_rel, d_filter, a_rel, a_filter, PQgetvalue(r, 0, 2));
		rc = 1;
	} else if (PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t")) {
		const char *keys = PQgetvalue(r, 0, 3), *pred = PQgetvalue(r, 0, 5);
		strbuf_reset(aside);
		strbuf_addf(aside, "%1$s d WHERE d.ctid IN (SELECT d.ctid FROM "
				   "(SELECT ctid, xmin, %2$s FROM %1$s%3$s) d JOIN "
				   "(SELECT xmin, %2$s FROM %4$s%3$s) a ON %5$s AND %6$s "
				   "WHERE %7$s)",
			    d_rel, keys, pred, a_rel, a_filter, PQgetvalue(r, 0, 4), d_filter);
		rc = 1;
	}
	PQclear(r);
	strbuf_release(&q);
	return rc;
}

void db_orphans_init(struct db_orphans *or)
{
	strbuf_init(&or->con, 0);
	strbuf_init(&or->table, 0);
	strbuf_init(&or->aside, 0);
	strbuf_init(&or->set, 0);
}

void db_orphans_release(struct db_orphans *or)
{
	strbuf_release(&or->con);
	strbuf_release(&or->table);
	strbuf_release(&or->aside);
	strbuf_release(&or->set);
}

/* The key's columns of k as "fmt" joined by sep; cols: an int2[] of k. */
#define KEY_COLS(fmt, sep, cols)                                                       \
	"(SELECT string_agg(format('" fmt "', a.attname), '" sep "' ORDER BY x.i) "     \
	"FROM unnest(" cols ") WITH ORDINALITY x(n, i) "                                \
	"JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n)"

/*
 * A row has no parent as the key itself decides: MATCH SIMPLE exempts a
 * row with any key column NULL, MATCH FULL only one with all of them NULL
 * (a partly NULL key matches no parent, so it counts). The parent is read
 * as the key's own check reads it: ONLY unless it is partitioned.
 */
#define ORPHANS_SQL(SET_COLS)                                                          \
	"SELECT quote_ident(k.conname), cn.nspname || '.' || cc.relname, "              \
	"CASE WHEN cc.relkind = 'p' THEN '' ELSE 'ONLY ' END || k.conrelid::regclass::text || ' d', " \
	"CASE WHEN k.confmatchtype = 'f' THEN 'NOT (' || " KEY_COLS("d.%I IS NULL", " AND ", "k.conkey") " || ')' " \
	"ELSE " KEY_COLS("d.%I IS NOT NULL", " AND ", "k.conkey") " END || "             \
	"' AND NOT EXISTS (SELECT 1 FROM ' || CASE WHEN pc.relkind = 'p' THEN '' ELSE 'ONLY ' END || " \
	"k.confrelid::regclass::text || ' p WHERE ' || "                                \
	"(SELECT string_agg(format('p.%I = d.%I', pa.attname, ca.attname), ' AND ' ORDER BY x.i) " \
	"FROM unnest(k.conkey, k.confkey) WITH ORDINALITY x(c, p, i) "                  \
	"JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = x.c "        \
	"JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = x.p) || ')', " \
	"CASE k.confdeltype WHEN 'n' THEN " KEY_COLS("%I = NULL", ", ", SET_COLS)       \
	" WHEN 'd' THEN " KEY_COLS("%I = DEFAULT", ", ", SET_COLS) " ELSE '' END "       \
	"FROM pg_constraint k JOIN pg_class cc ON cc.oid = k.conrelid "                 \
	"JOIN pg_namespace cn ON cn.oid = cc.relnamespace JOIN pg_class pc ON pc.oid = k.confrelid " \
	"WHERE k.contype = 'f' AND k.oid = "

/* ON DELETE SET NULL (cols) is 15's; before it, every key column is set. */
#define SET_COLS_15 "CASE WHEN cardinality(k.confdelsetcols) > 0 THEN k.confdelsetcols ELSE k.conkey END"

int db_orphans_describe(PGconn *c, const char *con_oid, struct db_orphans *or,
			struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	PGresult *r;
	int rc = -1;

	strbuf_addstr(&q, PQserverVersion(c) >= 150000 ? ORPHANS_SQL(SET_COLS_15) : ORPHANS_SQL("k.conkey"));
	strbuf_addf(&q, "%ld::oid", strtol(con_oid, NULL, 10));
	if (!(r = db_query(c, q.buf, err)))
		goto out;
	if (PQntuples(r) != 1) {
		strbuf_addf(err, "foreign key %s not found", con_oid);
		goto out;
	}
	strbuf_reset(&or->con);
	strbuf_addstr(&or->con, PQgetvalue(r, 0, 0));
	strbuf_reset(&or->table);
	strbuf_addstr(&or->table, PQgetvalue(r, 0, 1));
	strbuf_reset(&or->aside);
	strbuf_addf(&or->aside, "%s WHERE %s", PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
	strbuf_reset(&or->set);
	if (*PQgetvalue(r, 0, 4))
		strbuf_addf(&or->set, "UPDATE %s SET %s WHERE %s", PQgetvalue(r, 0, 2),
			    PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 3));
	rc = 0;
out:
	PQclear(r);
	strbuf_release(&q);
	return rc;
}

/* How deep a tree of rows pointing at each other is followed. */
#define ORPHAN_PASSES 1000
/* How many tables deep the children of moved rows are followed. */
#define CHILD_DEPTH 32

static int move_orphans(const struct db_restore_opts *o, PGconn *c, const char *con,
			const char *table, const char *aside, int depth, struct strbuf *err);

/* The update and its count in one pass over the table. */
static int set_orphans(PGconn *c, const char *con, const char *table, const char *set,
		       struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, v = STRBUF_INIT;
	int rc;

	strbuf_addf(&q, "WITH u AS (%s RETURNING 1) SELECT count(*) FROM u", set);
	if ((rc = db_value(c, q.buf, &v, err)) == 0 && strcmp(v.buf, "0"))
		log_warn("%s row(s) of %s lost their parent during the load (foreign key %s: "
			 "the app deleted it): their key is set as its ON DELETE action says", v.buf, table, con);
	strbuf_release(&q);
	strbuf_release(&v);
	return rc;
}

/*
 * Rows just moved out of table leave the rows pointing at them through the
 * keys in place without a parent: those follow as each key's ON DELETE
 * says, and their own children after them.
 */
static int fix_children(const struct db_restore_opts *o, PGconn *c, const char *table,
			int depth, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	struct db_orphans or;
	PGresult *r;
	int rc = 0;

	if (depth > CHILD_DEPTH) {
		strbuf_addf(err, "the rows set aside from %s have children more than %d tables deep",
			    table, CHILD_DEPTH);
		return -1;
	}
	strbuf_addstr(&q, "SELECT k.oid FROM pg_constraint k WHERE k.contype = 'f' AND k.conparentid = 0 "
			  "AND k.confrelid = to_regclass(");
	db_quote_literal(&q, table);
	strbuf_addstr(&q, ") ORDER BY k.conname");
	if (!(r = db_query(c, q.buf, err))) {
		strbuf_release(&q);
		return -1;
	}
	db_orphans_init(&or);
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		rc = db_orphans_describe(c, PQgetvalue(r, i, 0), &or, err);
		if (!rc)
			rc = or.set.len ? set_orphans(c, or.con.buf, or.table.buf, or.set.buf, err)
					: move_orphans(o, c, or.con.buf, or.table.buf, or.aside.buf, depth, err);
	}
	db_orphans_release(&or);
	PQclear(r);
	strbuf_release(&q);
	return rc;
}

static int move_orphans(const struct db_restore_opts *o, PGconn *c, const char *con,
			const char *table, const char *aside, int depth, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int rc, moved = 0;

	strbuf_addf(&why, "have lost their parent during the load (foreign key %s: the app deleted it, "
			  "or it was set aside above), and the delete stands", con);
	/* Again while rows move: a key to its own table loses a level each time. */
	for (int pass = 0; pass < ORPHAN_PASSES && (rc = db_conflicts_move(o, c, table, aside, why.buf, err)) > 0; pass++)
		moved += rc;
	strbuf_release(&why);
	if (rc < 0)
		return -1;
	return moved ? fix_children(o, c, table, depth + 1, err) : 0;
}

/*
 * The moves run with session_replication_role=replica, so that the
 * DELETE fires none of the keys' actions (a CASCADE would remove a child
 * uncounted, a RESTRICT would stop the step); the children are dealt with
 * by fix_children instead, all in one transaction, so that no key in
 * place is ever seen broken.
 */
int db_orphans_fix(const struct db_restore_opts *o, PGconn *c, const char *con,
		   const char *table, const char *aside, const char *set,
		   struct strbuf *err)
{
	struct strbuf ignored = STRBUF_INIT;
	int rc;

	if (*set)
		return set_orphans(c, con, table, set, err);
	if (db_sql(o, c, "BEGIN; SET LOCAL session_replication_role = replica", err) < 0)
		return -1;
	rc = move_orphans(o, c, con, table, aside, 0, err);
	if (!rc)
		rc = db_sql(o, c, "COMMIT", err);
	else
		db_sql(o, c, "ROLLBACK", &ignored);
	strbuf_release(&ignored);
	return rc;
}
