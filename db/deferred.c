/* deferred.c - set the large tables' indexes aside and write the steps (deferred-run.c runs them). */
#include "deferred.h"
#include "conflicts.h"
#include "pg.h"
#include "triggers.h"
#include "log.h"

#include <stdlib.h>

void db_concurrent_index(struct strbuf *out, const char *def)
{
	const char *p = strstr(def, " INDEX ");

	if (!p) {
		strbuf_addstr(out, def);
		return;
	}
	p += strlen(" INDEX");
	strbuf_add(out, def, (size_t)(p - def));
	strbuf_addstr(out, " CONCURRENTLY");
	strbuf_addstr(out, p);
}

static void add_step_for(struct strbuf *sql, const char *kind, const char *subject,
			 const char *stmt, const char *table, const char *aside)
{
	strbuf_addstr(sql, "INSERT INTO berth_restore.steps (kind, subject, sql, tbl, aside) VALUES (");
	db_quote_literal(sql, kind);
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, subject);
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, stmt);
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, table ? table : "");
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, aside ? aside : "");
	strbuf_addstr(sql, ");\n");
}

static void add_step(struct strbuf *sql, const char *kind, const char *subject,
		     const char *stmt)
{
	add_step_for(sql, kind, subject, stmt, NULL, NULL);
}

/*
 * The rows of the dump that collide with the app's on a unique index (see
 * deferred.h): into aside, "ONLY TABLE d WHERE ..." for a DELETE or a
 * count. Berth's rows are those its copy wrote (xmin is that copy's
 * transaction, which the copy's trigger recorded); a row the app inserted
 * or updated has another xmin. 1 with aside filled for a unique index, 0
 * for any other index (nothing is set aside for it).
 */
static int unique_aside(PGconn *c, const char *lit, const char *index_oid,
			struct strbuf *aside, struct strbuf *err)
{
	struct strbuf rel = STRBUF_INIT, xid = STRBUF_INIT;
	int rc;

	strbuf_addf(&rel, "ONLY %s", lit);
	strbuf_addstr(&xid, "d.xmin = (SELECT xid::xid FROM berth_restore.steps WHERE kind = 'copy' AND subject = ");
	db_quote_literal(&xid, lit);
	strbuf_addch(&xid, ')');
	rc = db_unique_collisions(c, index_oid, rel.buf, xid.buf, rel.buf, "NOT (a.xmin = d.xmin)",
				  aside, err);
	strbuf_release(&rel);
	strbuf_release(&xid);
	return rc;
}

/* An index step, or for a unique index a "unique" step with its aside. */
static int add_index_step(PGconn *c, struct strbuf *later, const char *table,
			  const char *lit, const char *index, const char *index_oid,
			  const char *def, struct strbuf *err)
{
	struct strbuf s = STRBUF_INIT, aside = STRBUF_INIT;
	int unique = unique_aside(c, lit, index_oid, &aside, err);

	if (unique >= 0) {
		db_concurrent_index(&s, def);
		add_step_for(later, unique ? "unique" : "index", index, s.buf,
			     table, unique ? aside.buf : NULL);
	}
	strbuf_release(&s);
	strbuf_release(&aside);
	return unique < 0 ? -1 : 0;
}

/*
 * What dropping an index or a constraint loses and pg_restore would have
 * kept, as SQL expressions for a catalog query: the statements (";\n"
 * between them, '' for none) that put it back once the index or key is
 * there again. For an index (oid_expr names its oid): its comment, CLUSTER
 * ON, REPLICA IDENTITY USING INDEX and per-column statistics targets.
 */
static void add_index_details(struct strbuf *q, const char *oid_expr)
{
	strbuf_addf(q, "concat_ws(E';\n', "
		    "(SELECT format('COMMENT ON INDEX %%s IS %%L', xd.objoid::regclass, xd.description) "
		    "FROM pg_description xd WHERE xd.objoid = %1$s AND xd.classoid = 'pg_class'::regclass AND xd.objsubid = 0), "
		    "(SELECT format('ALTER TABLE %%s CLUSTER ON %%I', xi.indrelid::regclass, xc.relname) "
		    "FROM pg_index xi JOIN pg_class xc ON xc.oid = xi.indexrelid WHERE xi.indexrelid = %1$s AND xi.indisclustered), "
		    "(SELECT format('ALTER TABLE %%s REPLICA IDENTITY USING INDEX %%I', xi.indrelid::regclass, xc.relname) "
		    "FROM pg_index xi JOIN pg_class xc ON xc.oid = xi.indexrelid WHERE xi.indexrelid = %1$s AND xi.indisreplident), "
		    "(SELECT string_agg(format('ALTER INDEX %%s ALTER COLUMN %%s SET STATISTICS %%s', xa.attrelid::regclass, "
		    "xa.attnum, xa.attstattarget), E';\n' ORDER BY xa.attnum) "
		    "FROM pg_attribute xa WHERE xa.attrelid = %1$s AND xa.attstattarget >= 0))", oid_expr);
}

/* A constraint's comment (con_alias names its pg_constraint row). */
static void add_constraint_comment(struct strbuf *q, const char *con_alias)
{
	strbuf_addf(q, "coalesce((SELECT format('COMMENT ON CONSTRAINT %%I ON %%s IS %%L', %1$s.conname, "
		    "%1$s.conrelid::regclass, xd.description) FROM pg_description xd "
		    "WHERE xd.objoid = %1$s.oid AND xd.classoid = 'pg_constraint'::regclass), '')", con_alias);
}

/* Appends ";\n" and the details to stmt when there are any. */
static void add_details(struct strbuf *stmt, const char *details)
{
	if (*details)
		strbuf_addf(stmt, ";\n%s", details);
}

/*
 * The step that deals with a foreign key's orphans (conflicts.h): kind
 * "orphans", the constraint as subject, the UPDATE for SET NULL/DEFAULT
 * (else "") as its sql.
 */
static int add_orphans_step(PGconn *c, struct strbuf *steps, const char *con_oid,
			    struct strbuf *err)
{
	struct db_orphans or;
	int rc;

	db_orphans_init(&or);
	if ((rc = db_orphans_describe(c, con_oid, &or, err)) == 0)
		add_step_for(steps, "orphans", or.con.buf, or.set.buf, or.table.buf, or.aside.buf);
	db_orphans_release(&or);
	return rc;
}

/*
 * The table's own foreign keys into tables that are not deferred stay in
 * place, but the copy's session does not check them: a dump row can point
 * at a parent the app deleted before the row arrived. Once the copies are
 * in, no new such row can appear (the key checks every other session), so
 * a step then deals with them. Keys into deferred tables are the incoming
 * keys of those, dropped and handled there. deferred: "'a'::regclass, ...".
 */
static int outgoing_keys(PGconn *c, const char *reg, const char *deferred,
			 struct strbuf *outgoing, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	PGresult *r;
	int rc = 0;

	strbuf_addf(&q, "SELECT oid FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass "
			"AND conparentid = 0 AND confrelid NOT IN (%s) ORDER BY conname", reg, deferred);
	if (!(r = db_query(c, q.buf, err))) {
		strbuf_release(&q);
		return -1;
	}
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = add_orphans_step(c, outgoing, PQgetvalue(r, i, 0), err);
	PQclear(r);
	strbuf_release(&q);
	return rc;
}

/* One key on a plain table, back: NOT VALID, then its orphans, then VALIDATE. */
static int readd_key(PGconn *c, struct strbuf *fks, const char *rel, const char *con,
		     const char *def, const char *details, const char *oid, int self,
		     struct strbuf *err)
{
	struct strbuf s = STRBUF_INIT;
	int rc;

	/*
	 * A key to its own table: its orphans go before it is back, as
	 * moving a row once the key is there would act on the row's own
	 * children (a NO ACTION key refusing the move).
	 */
	if (self && add_orphans_step(c, fks, oid, err) < 0)
		return -1;
	strbuf_addf(&s, "ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID", rel, con, def);
	add_details(&s, details);
	add_step(fks, "sql", rel, s.buf);
	/* Back NOT VALID, it checks new writes: the old ones can be dealt with. */
	rc = add_orphans_step(c, fks, oid, err);
	strbuf_reset(&s);
	strbuf_addf(&s, "ALTER TABLE %s VALIDATE CONSTRAINT %s", rel, con);
	add_step(fks, "sql", rel, s.buf);
	strbuf_release(&s);
	return rc;
}

/*
 * A key on a partitioned table, back. PostgreSQL refuses NOT VALID there,
 * and a plain ADD would check every partition under a lock that stops the
 * app's writes to them. So each leaf partition's copy of the key comes
 * back as on a plain table, and then the parent's ADD finds them valid and
 * attaches them instead of checking again (a moment).
 */
static int readd_partitioned_key(PGconn *c, struct strbuf *fks, const char *rel,
				 const char *con, const char *def, const char *details,
				 const char *oid, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, s = STRBUF_INIT;
	PGresult *r;
	int rc = 0;

	strbuf_addf(&q, "WITH RECURSIVE t(oid) AS (SELECT %ld::oid UNION ALL "
			"SELECT k.oid FROM pg_constraint k JOIN t ON k.conparentid = t.oid) "
			"SELECT k.conrelid::regclass::text, quote_ident(k.conname), k.oid FROM pg_constraint k "
			"JOIN t ON t.oid = k.oid JOIN pg_class p ON p.oid = k.conrelid "
			"WHERE p.relkind = 'r' ORDER BY 1", strtol(oid, NULL, 10));
	if (!(r = db_query(c, q.buf, err))) {
		strbuf_release(&q);
		return -1;
	}
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = readd_key(c, fks, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), def, "",
			       PQgetvalue(r, i, 2), 0, err);
	strbuf_addf(&s, "ALTER TABLE %s ADD CONSTRAINT %s %s", rel, con, def);
	add_details(&s, details);
	add_step(fks, "sql", rel, s.buf);
	PQclear(r);
	strbuf_release(&q);
	strbuf_release(&s);
	return rc;
}

/*
 * The foreign keys pointing at the table depend on its unique index: each
 * is dropped (to drops) and its way back written (to fks). A key on a
 * partitioned table is dropped at its root, which takes its partitions'
 * copies with it.
 */
static int incoming_keys(PGconn *c, const char *reg, struct strbuf *drops,
			 struct strbuf *fks, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	PGresult *r;
	int rc = 0;

	strbuf_addstr(&q, "SELECT k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid), ");
	add_constraint_comment(&q, "k");
	strbuf_addf(&q, ", k.oid, p.relkind, k.conrelid = k.confrelid FROM pg_constraint k JOIN pg_class p ON p.oid = k.conrelid "
			"WHERE k.contype = 'f' AND k.confrelid = %s::regclass AND k.conparentid = 0 ORDER BY 1, 2", reg);
	if (!(r = db_query(c, q.buf, err))) {
		strbuf_release(&q);
		return -1;
	}
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		const char *rel = PQgetvalue(r, i, 0), *con = PQgetvalue(r, i, 1);
		strbuf_addf(drops, "ALTER TABLE %s DROP CONSTRAINT %s;\n", rel, con);
		if (!strcmp(PQgetvalue(r, i, 5), "p"))
			rc = readd_partitioned_key(c, fks, rel, con, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
						   PQgetvalue(r, i, 4), err);
		else
			rc = readd_key(c, fks, rel, con, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
				       PQgetvalue(r, i, 4), !strcmp(PQgetvalue(r, i, 6), "t"), err);
	}
	PQclear(r);
	strbuf_release(&q);
	return rc;
}

/*
 * One table: drop incoming FKs, its unique/primary constraints and plain
 * indexes (appended to drops), and the steps that rebuild them (to later,
 * the keys to fks); the steps for its outgoing keys' orphans to outgoing.
 */
static int set_aside(PGconn *c, const char *table, const char *deferred,
		     struct strbuf *drops, struct strbuf *later, struct strbuf *outgoing,
		     struct strbuf *fks, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, lit = STRBUF_INIT, s = STRBUF_INIT, reg = STRBUF_INIT;
	PGresult *r = NULL;
	int rc = -1, partitioned;

	db_quote_qualified(&lit, table);
	/* The name goes into SQL as a literal cast to regclass: quote it as one. */
	db_quote_literal(&reg, lit.buf);
	strbuf_reset(&q);
	strbuf_addf(&q, "SELECT c.relkind, c.relispartition FROM pg_class c WHERE c.oid = %s::regclass", reg.buf);
	if (!(r = db_query(c, q.buf, err)))
		goto out;
	if (PQntuples(r) != 1 || !strcmp(PQgetvalue(r, 0, 1), "t")) {
		rc = 0; /* a partition: loads with its indexes, its keys are its parent's */
		goto out;
	}
	partitioned = !strcmp(PQgetvalue(r, 0, 0), "p");
	PQclear(r);
	r = NULL;
	if (outgoing_keys(c, reg.buf, deferred, outgoing, err) < 0)
		goto out;
	if (partitioned) {
		rc = 0; /* keeps its indexes, and the keys pointing at them */
		goto out;
	}
	if (incoming_keys(c, reg.buf, drops, fks, err) < 0)
		goto out;
	/* Primary key and unique constraints: index first, then USING INDEX. */
	strbuf_reset(&q);
	strbuf_addstr(&q, "SELECT quote_ident(conname), contype, pg_get_indexdef(conindid), conindid::regclass::text, "
			  "quote_ident((SELECT relname FROM pg_class WHERE oid = conindid)), conindid, ");
	add_constraint_comment(&q, "k");
	strbuf_addstr(&q, ", ");
	add_index_details(&q, "k.conindid");
	strbuf_addf(&q, " FROM pg_constraint k WHERE conrelid = %s::regclass AND contype IN ('p', 'u') "
			"AND NOT condeferrable ORDER BY 1", reg.buf);
	if (!(r = db_query(c, q.buf, err)))
		goto out;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *con = PQgetvalue(r, i, 0), *type = PQgetvalue(r, i, 1);
		strbuf_addf(drops, "ALTER TABLE %s DROP CONSTRAINT %s;\n", lit.buf, con);
		if (add_index_step(c, later, table, lit.buf, PQgetvalue(r, i, 3), PQgetvalue(r, i, 5),
				   PQgetvalue(r, i, 2), err) < 0)
			goto out;
		strbuf_reset(&s);
		strbuf_addf(&s, "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s", lit.buf, con,
			    *type == 'p' ? "PRIMARY KEY" : "UNIQUE", PQgetvalue(r, i, 4));
		add_details(&s, PQgetvalue(r, i, 6));
		add_details(&s, PQgetvalue(r, i, 7));
		add_step_for(later, "sql", lit.buf, s.buf, table, NULL);
	}
	PQclear(r);
	/* Plain indexes (not behind a constraint). */
	strbuf_reset(&q);
	strbuf_addstr(&q, "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indexrelid, ");
	add_index_details(&q, "i.indexrelid");
	strbuf_addf(&q, " FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT EXISTS "
			"(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1", reg.buf);
	if (!(r = db_query(c, q.buf, err)))
		goto out;
	for (int i = 0; i < PQntuples(r); i++) {
		strbuf_addf(drops, "DROP INDEX %s;\n", PQgetvalue(r, i, 0));
		if (add_index_step(c, later, table, lit.buf, PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
				   PQgetvalue(r, i, 1), err) < 0)
			goto out;
		/* Not with the build: CREATE INDEX CONCURRENTLY runs alone. */
		if (*PQgetvalue(r, i, 3))
			add_step_for(later, "sql", PQgetvalue(r, i, 0), PQgetvalue(r, i, 3), table, NULL);
	}
	strbuf_reset(&s);
	strbuf_addf(&s, "ANALYZE %s", lit.buf);
	add_step_for(later, "sql", lit.buf, s.buf, table, NULL);
	rc = 0;
out:
	PQclear(r);
	strbuf_release(&q);
	strbuf_release(&lit);
	strbuf_release(&reg);
	strbuf_release(&s);
	return rc;
}

/*
 * A copy marks its own step done, in its own transaction: an AFTER INSERT
 * statement trigger on the table, enabled ALWAYS so that it fires under
 * session_replication_role=replica, acts only in a session that set
 * berth.loading (DB_LOAD_PGOPTIONS: berth's loading pg_restore). It also
 * records the copy's transaction id, the xmin of every row the copy wrote.
 * So a copy either committed and is done, or rolled back and left nothing:
 * resume redoes it without emptying the table the app already writes to.
 * For the app's own inserts the trigger costs one current_setting() per
 * statement. DROP SCHEMA berth_restore CASCADE removes it with the rest.
 */
#define LOADED_FUNCTION \
	"CREATE FUNCTION berth_restore.loaded() RETURNS trigger LANGUAGE plpgsql AS $$\n" \
	"BEGIN\n" \
	"\tIF current_setting('berth.loading', true) = 'on' THEN\n" \
	"\t\tUPDATE berth_restore.steps SET done = true, xid = (txid_current() % 4294967296)::text\n" \
	"\t\tWHERE kind = 'copy' AND subject = TG_ARGV[0];\n" \
	"\tEND IF;\n" \
	"\tRETURN NULL;\n" \
	"END $$;\n"

static void add_loaded_trigger(struct strbuf *sql, const char *table)
{
	strbuf_addf(sql, "CREATE TRIGGER berth_restore_loaded AFTER INSERT ON %s "
			 "FOR EACH STATEMENT EXECUTE FUNCTION berth_restore.loaded(", table);
	db_quote_literal(sql, table);
	strbuf_addf(sql, ");\nALTER TABLE %s ENABLE ALWAYS TRIGGER berth_restore_loaded;\n", table);
}

static void add_state(struct strbuf *sql, const char *key, const char *value)
{
	strbuf_addstr(sql, "INSERT INTO berth_restore.state VALUES (");
	db_quote_literal(sql, key);
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, value);
	strbuf_addstr(sql, ");\n");
}

/*
 * A matview with a unique index on plain columns refreshes CONCURRENTLY:
 * the app keeps reading its old contents meanwhile, where a plain refresh
 * would lock its readers out for as long as the query runs. 1, 0, or -1.
 */
static int can_refresh_concurrently(PGconn *c, const char *matview, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, name = STRBUF_INIT, v = STRBUF_INIT;
	int rc;

	db_quote_qualified(&name, matview);
	strbuf_addstr(&q, "SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = ");
	db_quote_literal(&q, name.buf);
	strbuf_addstr(&q, "::regclass AND indisunique AND indisvalid AND indpred IS NULL AND indexprs IS NULL)");
	rc = db_value(c, q.buf, &v, err);
	if (!rc)
		rc = !strcmp(v.buf, "t");
	strbuf_release(&q);
	strbuf_release(&name);
	strbuf_release(&v);
	return rc;
}

int db_deferred_prepare(const struct db_restore_opts *o, PGconn *conn,
			const struct toc_split *split,
			const struct strvec *analytics, const char *dump,
			const char *pg_restore, struct strbuf *err)
{
	struct strbuf drops = STRBUF_INIT, later = STRBUF_INIT, sql = STRBUF_INIT;
	struct strbuf s = STRBUF_INIT, fks = STRBUF_INIT, outgoing = STRBUF_INIT, in = STRBUF_INIT;
	const char *line;
	int rc = -1;

	strbuf_addstr(&sql, "SET search_path = '';\n"
			    "CREATE SCHEMA berth_restore;\n"
			    "CREATE TABLE berth_restore.state (key text PRIMARY KEY, value text NOT NULL);\n"
			    "CREATE TABLE berth_restore.steps (n serial PRIMARY KEY, kind text NOT NULL, "
			    "subject text NOT NULL, sql text NOT NULL, done boolean NOT NULL DEFAULT false, "
			    "tbl text NOT NULL DEFAULT '', aside text NOT NULL DEFAULT '', xid text);\n"
			    LOADED_FUNCTION);
	add_state(&sql, "dump", dump);
	add_state(&sql, "pg_restore", pg_restore);
	/* Copies first: one per TOC line of the deferred list. */
	line = split->deferred.buf;
	for (size_t i = 0; i < split->deferred_tables.nr; i++) {
		const char *nl = strchr(line, '\n');
		char *entry = xstrndup(line, (size_t)(nl - line));
		strbuf_reset(&s);
		db_quote_qualified(&s, split->deferred_tables.v[i]);
		add_step(&sql, "copy", s.buf, entry);
		add_loaded_trigger(&sql, s.buf);
		free(entry);
		line = nl + 1;
	}
	if (o->dry_run) {
		for (size_t i = 0; i < split->deferred_tables.nr; i++)
			printf("plan: set aside the indexes, keys and referencing foreign keys of %s; rebuild them concurrently after its copy\n",
			       split->deferred_tables.v[i]);
	} else if (db_sql(o, conn, "SET search_path = ''", err) < 0) {
		goto out;
	}
	for (size_t i = 0; i < split->deferred_tables.nr; i++) {
		strbuf_reset(&s);
		db_quote_qualified(&s, split->deferred_tables.v[i]);
		strbuf_addstr(&in, i ? ", " : "");
		db_quote_literal(&in, s.buf);
		strbuf_addstr(&in, "::regclass");
	}
	for (size_t i = 0; !o->dry_run && i < split->deferred_tables.nr; i++) {
		const char *table = split->deferred_tables.v[i];
		struct strbuf on = STRBUF_INIT;
		/* Off from before the swap until the copies are in (triggers.h). */
		int r = db_triggers_aside(conn, table, DB_TRIGGERS_REPLICA, &drops, &on, err);
		if (!r && on.len)
			add_step(&sql, "sql", table, on.buf);
		strbuf_release(&on);
		if (r < 0 || set_aside(conn, table, in.buf, &drops, &later, &outgoing, &fks, err) < 0)
			goto out;
	}
	/*
	 * Foreign keys need the unique indexes they point at rebuilt first.
	 * The rows set aside for a missing parent go before the keys pointing
	 * at them are back, so that their own children follow them aside.
	 */
	strbuf_addbuf(&sql, &later);
	strbuf_addbuf(&sql, &outgoing);
	strbuf_addbuf(&sql, &fks);
	for (size_t i = 0; i < analytics->nr; i++) {
		int concurrently = o->dry_run ? 0 : can_refresh_concurrently(conn, analytics->v[i], err);
		if (concurrently < 0)
			goto out;
		strbuf_reset(&s);
		strbuf_addf(&s, "REFRESH MATERIALIZED VIEW %s", concurrently ? "CONCURRENTLY " : "");
		db_quote_qualified(&s, analytics->v[i]);
		/* CONCURRENTLY cannot run in a transaction: marked after, redone harmlessly. */
		add_step(&sql, concurrently ? "matview" : "sql", analytics->v[i], s.buf);
	}
	add_step(&sql, "vacuum", "database", "VACUUM ANALYZE");
	strbuf_addbuf(&sql, &drops);
	{
		struct strbuf all = STRBUF_INIT;
		strbuf_addstr(&all, "BEGIN;\n");
		strbuf_addbuf(&all, &sql);
		strbuf_addstr(&all, "COMMIT;");
		rc = db_sql(o, conn, all.buf, err);
		strbuf_release(&all);
	}
out:
	strbuf_release(&drops);
	strbuf_release(&later);
	strbuf_release(&fks);
	strbuf_release(&outgoing);
	strbuf_release(&in);
	strbuf_release(&sql);
	strbuf_release(&s);
	return rc;
}
