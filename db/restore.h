/*
 * restore.h - `berth db restore`: the fast + deferred PostgreSQL restore.
 *
 * A run, in order (db/restore.c drives it; each step is timed):
 *  1. fetch: the newest dump from S3-compatible storage, or a local file,
 *     decompressed to disk (db/fetch.c);
 *  2. lists: the fast and deferred TOC lists (db/toc.c);
 *  3. schema: create the restore database, restore the schema only;
 *  4. fast data, with triggers and FK checks off for the loading session
 *     only, then verified (errors stop the run; row counts must match);
 *  5. critical matviews refreshed and checked non-empty, fast tables
 *     analyzed; the deferred tables' indexes are set aside as steps;
 *  6. swap (db/swap.c): live -> old, restore -> live, app restarted;
 *  7. deferred (db/deferred.c): steps stored in the live database and run
 *     until done, so an interrupted load resumes where it stopped.
 * Nothing before 6 touches the live database; 6 is one transaction.
 */
#ifndef BERTH_DB_RESTORE_H
#define BERTH_DB_RESTORE_H

#include "strbuf.h"
#include "strvec.h"

struct db_source {
	const char *name;     /* "r2", or a fallback's name */
	const char *endpoint; /* https://<account>.r2.cloudflarestorage.com */
	const char *region;   /* "auto" for R2 */
	const char *bucket;
	const char *prefix;   /* keys under it are candidate dumps */
	const char *access_key, *secret_key; /* from secrets, never flags */
};

struct db_restore_opts {
	const char *database;   /* the live database */
	const char *restore_db; /* default <database>_berth_restore */
	const char *old_db;     /* default <database>_berth_old */
	const char *conninfo;   /* base connection (URL or key=value); NULL: libpq's env */
	const char *file;       /* a local dump instead of storage */
	const char *source;     /* only this source; NULL: each in turn */
	struct db_source *sources;
	size_t sources_nr;
	const char *workdir;    /* the dump and lists go here */
	const char *pg_bin;     /* where pg_restore lives; NULL: by dump version */
	struct strvec large_tables;       /* "schema.table" or "table" */
	struct strvec critical_matviews;
	struct strvec analytics_matviews; /* empty: every other matview */
	struct strvec restart_roles;      /* berth app boot -r ROLE after swap */
	const char *restart_cmd;          /* or this shell command */
	const char *self;                 /* berth's own path, for app commands */
	int jobs;
	unsigned no_swap : 1, no_deferred : 1, keep_dump : 1, dry_run : 1,
		schema_only : 1, no_owner : 1;
};

void db_restore_opts_init(struct db_restore_opts *o);
void db_restore_opts_release(struct db_restore_opts *o);

/* Runs the whole restore; 0, or -1 after printing what failed and the state. */
int db_restore(struct db_restore_opts *o);
/* Finishes an interrupted deferred phase in the live database. */
int db_resume(struct db_restore_opts *o);
/* Swaps back: the previous database live again (the restored one kept). */
int db_undo(struct db_restore_opts *o);
/* Drops the previous database kept by the last swap. */
int db_drop_old(struct db_restore_opts *o);

#endif
