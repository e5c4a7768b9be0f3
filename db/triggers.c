/* triggers.c - the triggers a replica session would fire, set aside and back. */
#include "triggers.h"
#include "pg.h"

int db_triggers_aside(PGconn *c, const char *table, unsigned modes,
		      struct strbuf *off, struct strbuf *on, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, lit = STRBUF_INIT;
	PGresult *r;
	int rc = -1;

	strbuf_addf(&q, "SELECT format('%%I.%%I', n.nspname, k.relname), quote_ident(t.tgname), t.tgenabled "
			"FROM pg_trigger t JOIN pg_class k ON k.oid = t.tgrelid "
			"JOIN pg_namespace n ON n.oid = k.relnamespace "
			"WHERE NOT t.tgisinternal AND k.relkind = 'r' AND t.tgenabled IN ('%s', '%s')",
		    modes & DB_TRIGGERS_REPLICA ? "R" : "", modes & DB_TRIGGERS_ALWAYS ? "A" : "");
	if (table) {
		db_quote_qualified(&lit, table);
		strbuf_addstr(&q, " AND t.tgrelid = ");
		db_quote_literal(&q, lit.buf);
		strbuf_addstr(&q, "::regclass");
	}
	strbuf_addstr(&q, " ORDER BY 1, 2");
	r = PQexec(c, q.buf);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		strbuf_addf(err, "cannot list the triggers: %s", PQresultErrorMessage(r));
		strbuf_rtrim(err);
		goto out;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const char *rel = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
		strbuf_addf(off, "ALTER TABLE %s DISABLE TRIGGER %s;\n", rel, name);
		strbuf_addf(on, "ALTER TABLE %s ENABLE %s TRIGGER %s;\n", rel,
			    *PQgetvalue(r, i, 2) == 'A' ? "ALWAYS" : "REPLICA", name);
	}
	rc = 0;
out:
	PQclear(r);
	strbuf_release(&q);
	strbuf_release(&lit);
	return rc;
}
