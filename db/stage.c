/* stage.c - a partition's data through a staging table (stage.h). */
#include "stage.h"
#include "conflicts.h"
#include "pg.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* An app row may take another key while the staging load runs. */
#define STAGE_TRIES 3

int db_copy_columns(const char *line, struct strbuf *cols)
{
	static const char end[] = " FROM stdin;";
	size_t n = strlen(line), m = sizeof(end) - 1;
	const char *p, *e;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n < 5 + m || strncmp(line, "COPY ", 5) || memcmp(line + n - m, end, m))
		return -1;
	e = line + n - m;
	/* The name: words, some in double quotes (with "" inside), up to a space. */
	for (p = line + 5; p < e && *p != ' '; p++)
		if (*p == '"')
			for (p++; p < e && !(*p == '"' && p[1] != '"'); p += *p == '"' ? 2 : 1)
				;
	if (p > e || p == line + 5)
		return -1;
	while (p < e && *p == ' ')
		p++;
	strbuf_reset(cols);
	if (p == e)
		return 0;
	if (*p != '(' || e[-1] != ')' || e - p < 3)
		return -1;
	strbuf_add(cols, p + 1, (size_t)(e - 1 - (p + 1)));
	return 0;
}

int db_stage_partition(PGconn *c, const char *table, struct strbuf *name, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	int rc;

	strbuf_addstr(&q, "SELECT coalesce((SELECT n.nspname || '.' || c.relname FROM pg_class c "
			  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relispartition AND c.oid = to_regclass(");
	db_quote_literal(&q, table);
	strbuf_addstr(&q, ")), '')");
	rc = db_value(c, q.buf, name, err);
	if (!rc)
		rc = name->len > 0;
	strbuf_release(&q);
	return rc;
}

/* The staged rows whose key on one of table's unique indexes an app row has, aside. */
static int move_collisions(const struct db_restore_opts *o, PGconn *c, const char *table,
			   const char *name, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, rel = STRBUF_INIT, aside = STRBUF_INIT, why = STRBUF_INIT;
	PGresult *r;
	int rc = 0;

	strbuf_addstr(&q, "SELECT indexrelid, indexrelid::regclass::text FROM pg_index WHERE indrelid = ");
	db_quote_literal(&q, table);
	strbuf_addstr(&q, "::regclass AND indisunique AND indisvalid ORDER BY 2");
	if (!(r = db_query(c, q.buf, err))) {
		rc = -1;
		goto out;
	}
	strbuf_addf(&rel, "ONLY %s", table);
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		rc = db_unique_collisions(c, PQgetvalue(r, i, 0), "pg_temp.berth_stage", "true",
					  rel.buf, "true", &aside, err);
		if (rc <= 0)
			continue;
		strbuf_reset(&why);
		strbuf_addf(&why, "from the dump have a key the app's rows already took (index %s): "
				  "the app's rows are kept", PQgetvalue(r, i, 1));
		rc = db_conflicts_move(o, c, name, aside.buf, why.buf, err) < 0 ? -1 : 0;
	}
	PQclear(r);
out:
	strbuf_release(&q);
	strbuf_release(&rel);
	strbuf_release(&aside);
	strbuf_release(&why);
	return rc < 0 ? -1 : 0;
}

/* The rows after the COPY line of f, into the staging table (COPY IN). */
static int send_rows(PGconn *c, FILE *f, const char *cols, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = 0;
	int ended = 0, rc = 0;
	PGresult *r;

	strbuf_addf(&q, "COPY pg_temp.berth_stage (%s) FROM STDIN", cols);
	r = PQexec(c, q.buf);
	strbuf_release(&q);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		strbuf_addf(err, "cannot stage: %s", PQresultErrorMessage(r));
		strbuf_rtrim(err);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	while (!ended && (n = getline(&line, &cap, f)) > 0) {
		ended = !strcmp(line, "\\.\n");
		if (!ended && PQputCopyData(c, line, (int)n) != 1)
			break;
	}
	free(line);
	if (PQputCopyEnd(c, ended ? NULL : "pg_restore's output ended inside the COPY") != 1)
		rc = -1;
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc) {
			strbuf_addf(err, "staging failed: %s", PQresultErrorMessage(r));
			strbuf_rtrim(err);
			rc = -1;
		}
		PQclear(r);
	}
	if (rc && !err->len)
		strbuf_addf(err, "staging failed: %s", PQerrorMessage(c));
	return rc;
}

static int stage_once(const struct db_restore_opts *o, PGconn *c, const char *table,
		      const char *name, const char *path, int *dup, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, cols = STRBUF_INIT, ignored = STRBUF_INIT;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	PGresult *r;
	int rc = -1, in = 0;

	*dup = 0;
	if (!f) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0 && db_copy_columns(line, &cols) < 0)
		;
	if (n <= 0 || !cols.len) {
		strbuf_addf(err, "no COPY of %s in pg_restore's output '%s'", name, path);
		goto out;
	}
	strbuf_addf(&q, "BEGIN; CREATE TEMP TABLE berth_stage (LIKE %s) ON COMMIT DROP", table);
	in = 1;
	if (db_sql(o, c, q.buf, err) < 0 || send_rows(c, f, cols.buf, err) < 0 ||
	    move_collisions(o, c, table, name, err) < 0)
		goto out;
	strbuf_reset(&q);
	strbuf_addf(&q, "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM pg_temp.berth_stage",
		    table, cols.buf, cols.buf);
	log_verbose("sql: %s", q.buf);
	r = PQexec(c, q.buf);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		*dup = state && !strcmp(state, "23505");
		strbuf_addf(err, "loading %s from the staging table failed: %s", name,
			    PQresultErrorMessage(r));
		strbuf_rtrim(err);
		PQclear(r);
		goto out;
	}
	PQclear(r);
	in = 0;
	rc = db_sql(o, c, "COMMIT", err);
out:
	if (in)
		db_sql(o, c, "ROLLBACK", &ignored);
	fclose(f);
	free(line);
	strbuf_release(&q);
	strbuf_release(&cols);
	strbuf_release(&ignored);
	return rc;
}

int db_stage_copy(const struct db_restore_opts *o, const char *dbname, const char *table,
		  const char *name, const char *list, const char *dump, const char *pg_restore,
		  struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf path = STRBUF_INIT, e = STRBUF_INIT;
	PGconn *c = NULL;
	int rc = -1, dup = 1;

	strbuf_addf(&path, "%s.copy", list);
	db_pg_child(&cp);
	db_pg_restore_script_argv(&cp.args, pg_restore, path.buf, list, dump);
	if (db_run(o, &cp, NULL, err) != 0)
		goto out;
	if (!(c = db_connect(o, dbname, err)) ||
	    db_sql(o, c, "SET search_path = ''; SET session_replication_role = replica; "
			 "SET berth.loading = 'on'; SET application_name = '" DB_LOAD_APPNAME "'", err) < 0)
		goto out;
	for (int i = 0; rc && dup && i < STAGE_TRIES; i++) {
		strbuf_reset(&e);
		rc = stage_once(o, c, table, name, path.buf, &dup, &e);
		if (rc && dup)
			log_info("    an app row took a key of %s meanwhile: staging it again", name);
	}
	if (rc)
		strbuf_addbuf(err, &e);
	else
		log_info("    loaded %s through a staging table", name);
out:
	unlink(path.buf);
	PQfinish(c);
	child_process_clear(&cp);
	strbuf_release(&path);
	strbuf_release(&e);
	return rc;
}
