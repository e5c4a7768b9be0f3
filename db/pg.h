/*
 * pg.h - the restore's one door to PostgreSQL: libpq for SQL, and the
 * environment pg_restore children connect with.
 *
 * The base connection (opts->conninfo, a URL or key=value string from the
 * secrets) never reaches a command line: children get it as PG* variables
 * (PGPASSWORD among them) and only the database name as -d.
 *
 * In a dry run nothing connects: db_sql() and db_run() print what they
 * would do, prefixed "sql:" and "run:", and succeed.
 */
#ifndef BERTH_DB_PG_H
#define BERTH_DB_PG_H

#include "restore.h"
#include "run-command.h"
#include <libpq-fe.h>

/* Connects to dbname over the base connection; NULL with err on failure. */
PGconn *db_connect(const struct db_restore_opts *o, const char *dbname,
		   struct strbuf *err);

/* Runs sql (several statements allowed); -1 with err on failure. */
int db_sql(const struct db_restore_opts *o, PGconn *conn, const char *sql,
	   struct strbuf *err);

/* A query's rows (PQclear them), or NULL with err. */
PGresult *db_query(PGconn *conn, const char *sql, struct strbuf *err);

/* The first column of the first row of sql into out (reset); -1 on error. */
int db_value(PGconn *conn, const char *sql, struct strbuf *out,
	     struct strbuf *err);

/* Appends "PGHOST=...", "PGPASSWORD=..." for the base connection. -1 if unparsable. */
int db_child_env(const char *conninfo, struct strvec *env, struct strbuf *err);

/*
 * Runs a pg_* child with the connection environment. Its stderr is
 * collected; on failure the last lines go to err. out (may be NULL)
 * receives stdout. Returns the exit status (0 ok).
 */
int db_run(const struct db_restore_opts *o, struct child_process *cp,
	   struct strbuf *out, struct strbuf *err);

/*
 * Marks cp as one of the restore's own children (pg_restore, zstd): it is
 * killed when berth-db dies, even by SIGKILL (run-command.h,
 * die_with_parent), so no pg_restore keeps loading a database nobody
 * watches any more. The app restart is not one: it must not stop halfway.
 */
void db_pg_child(struct child_process *cp);

/* The option that keeps a loading session's triggers and FK checks off. */
#define DB_REPLICA_PGOPTIONS "PGOPTIONS=-c session_replication_role=replica"
/*
 * A deferred copy's session: the same, plus berth.loading=on, which lets
 * the copy mark its own step done (db/deferred.c), and an application
 * name by which a later run finds a session an earlier one left.
 */
#define DB_LOAD_PGOPTIONS DB_REPLICA_PGOPTIONS " -c berth.loading=on"
#define DB_LOAD_APPNAME "berth-db-load"
/* Every other session of berth-db's (db_connect). */
#define DB_RESTORE_APPNAME "berth-db-restore"
/* The sessions that rebuild the large tables side by side (db/deferred-run.c). */
#define DB_REBUILD_APPNAME "berth-db-rebuild"

/*
 * pg_restore's argv (pure): PG_RESTORE -d DBNAME [SECTION] --exit-on-error
 * [--jobs=N when N > 1] [--no-owner --no-acl] [-L LIST] DUMP. section and
 * list may be NULL. The connection never appears here (see above).
 */
void db_pg_restore_argv(struct strvec *args, const char *pg_restore,
			const char *dbname, const char *section, int jobs,
			int no_owner, const char *list, const char *dump);

/* pg_restore writing one list's data as SQL to out: PG_RESTORE -f OUT --data-only --exit-on-error -L LIST DUMP (pure). */
void db_pg_restore_script_argv(struct strvec *args, const char *pg_restore,
			       const char *out, const char *list, const char *dump);

/* "schema.table" -> "schema"."table"; a bare name gets public. */
void db_quote_qualified(struct strbuf *sb, const char *name);
/* "name" with " doubled. */
void db_quote_ident(struct strbuf *sb, const char *name);
/* 'text' with ' doubled. */
void db_quote_literal(struct strbuf *sb, const char *text);

#endif
