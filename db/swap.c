/* swap.c - the one-transaction database swap, undo and drop. */
#include "swap.h"
#include "pg.h"
#include "log.h"

#include <time.h>

#define MAINTENANCE_DB "postgres"
#define SWAP_TRIES 50

static void add_ident(struct strbuf *sb, const char *s)
{
	db_quote_ident(sb, s);
}

void db_swap_sql(struct strbuf *sql, const char *live, const char *aside,
		 const char *incoming, int live_exists)
{
	strbuf_addstr(sql, "BEGIN; ");
	if (live_exists) {
		strbuf_addstr(sql, "ALTER DATABASE ");
		add_ident(sql, live);
		strbuf_addstr(sql, " RENAME TO ");
		add_ident(sql, aside);
		strbuf_addstr(sql, "; ");
	}
	strbuf_addstr(sql, "ALTER DATABASE ");
	add_ident(sql, incoming);
	strbuf_addstr(sql, " RENAME TO ");
	add_ident(sql, live);
	strbuf_addstr(sql, "; COMMIT;");
}

static void connections_sql(struct strbuf *sql, const char *db, int allow)
{
	strbuf_addstr(sql, "ALTER DATABASE ");
	add_ident(sql, db);
	strbuf_addf(sql, " ALLOW_CONNECTIONS %s; ", allow ? "true" : "false");
}

static void terminate_sql(struct strbuf *sql, const char *a, const char *b)
{
	strbuf_addstr(sql, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
			   "WHERE pid <> pg_backend_pid() AND datname IN (");
	db_quote_literal(sql, a);
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, b);
	strbuf_addstr(sql, ")");
}

int db_exists(const struct db_restore_opts *o, const char *name, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT, v = STRBUF_INIT;
	PGconn *c = db_connect(o, MAINTENANCE_DB, err);
	int rc = -1;

	if (!c)
		return -1;
	strbuf_addstr(&sql, "SELECT count(*) FROM pg_database WHERE datname = ");
	db_quote_literal(&sql, name);
	if (db_value(c, sql.buf, &v, err) == 0)
		rc = strcmp(v.buf, "0") != 0;
	PQfinish(c);
	strbuf_release(&sql);
	strbuf_release(&v);
	return rc;
}

int db_drop(const struct db_restore_opts *o, const char *name, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGconn *c = NULL;
	int rc = -1;

	strbuf_addstr(&sql, "DROP DATABASE IF EXISTS ");
	add_ident(&sql, name);
	strbuf_addstr(&sql, " WITH (FORCE)");
	if (!o->dry_run && !(c = db_connect(o, MAINTENANCE_DB, err)))
		goto out;
	rc = db_sql(o, c, sql.buf, err);
out:
	PQfinish(c);
	strbuf_release(&sql);
	return rc;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Terminate, then try the renames; retried while backends linger. */
static int try_swap(const struct db_restore_opts *o, PGconn *c, const char *swap,
		    const char *terminate, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT;
	int rc = -1;

	for (int i = 0; i < SWAP_TRIES; i++) {
		strbuf_reset(&e);
		if (db_sql(o, c, terminate, &e) == 0 && db_sql(o, c, swap, &e) == 0) {
			rc = 0;
			break;
		}
		db_sql(o, c, "ROLLBACK", &e);
		pause_ms(100);
	}
	if (rc)
		strbuf_addf(err, "swap failed, nothing renamed: %s", e.buf);
	strbuf_release(&e);
	return rc;
}

int db_swap(const struct db_restore_opts *o, const char *live,
	    const char *aside, const char *incoming, struct strbuf *err)
{
	struct strbuf block = STRBUF_INIT, allow = STRBUF_INIT;
	struct strbuf swap = STRBUF_INIT, term = STRBUF_INIT, e = STRBUF_INIT;
	PGconn *c = NULL;
	int live_exists = o->dry_run ? 1 : db_exists(o, live, err);
	int rc = -1;

	if (live_exists < 0)
		return -1;
	if (!o->dry_run && !(c = db_connect(o, MAINTENANCE_DB, err)))
		return -1;
	if (live_exists)
		connections_sql(&block, live, 0);
	connections_sql(&block, incoming, 0);
	terminate_sql(&term, live, incoming);
	db_swap_sql(&swap, live, aside, incoming, live_exists);
	connections_sql(&allow, live, 1);
	if (live_exists)
		connections_sql(&allow, aside, 1);

	if (db_sql(o, c, block.buf, err) < 0)
		goto out;
	rc = try_swap(o, c, swap.buf, term.buf, err);
	if (rc) {
		/* Nothing was renamed: let the live database serve again. */
		strbuf_reset(&allow);
		if (live_exists)
			connections_sql(&allow, live, 1);
		connections_sql(&allow, incoming, 1);
	}
	if (db_sql(o, c, allow.buf, &e) < 0) {
		strbuf_addf(err, "%scannot allow connections again: %s",
			    err->len ? "\n" : "", e.buf);
		rc = -1;
	}
out:
	PQfinish(c);
	strbuf_release(&block);
	strbuf_release(&allow);
	strbuf_release(&swap);
	strbuf_release(&term);
	strbuf_release(&e);
	return rc;
}
