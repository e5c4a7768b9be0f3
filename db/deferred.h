/*
 * deferred.h - step 7: the large tables, loaded while the app serves
 * (db/deferred.c sets aside and writes the steps, db/deferred-run.c runs
 * them).
 *
 * Before the swap, in the restore database (no app there yet), each
 * deferred plain table has its indexes, its primary/unique constraints and
 * the foreign keys pointing at it set aside: dropped, and written down as
 * steps in berth_restore.steps. Loading into an unindexed table and then
 * building each index once is what makes the deferred phase about as fast
 * as pg_restore's own data-then-indexes order. Partitions keep their
 * indexes (they belong to the parent's partitioned indexes). What a drop
 * loses (comments, CLUSTER ON, REPLICA IDENTITY, statistics targets) is
 * written into the step that puts the index or key back, and the table's
 * REPLICA triggers are disabled until its copy is in (db/triggers.h).
 *
 * After the swap the steps run in the live database, in order:
 *  copy    one pg_restore of one table's data (parallel up to --jobs), with
 *          session_replication_role=replica for that session only, so the
 *          app's triggers and FK checks stay on for the app; the copy marks
 *          its own step done and records its transaction id, in its own
 *          transaction (a trigger berth adds to the table for the load);
 *  index   CREATE INDEX CONCURRENTLY (writes are never blocked);
 *  unique  the same for a unique index, after moving the dump's rows whose
 *          key an app row already has into berth_conflicts."schema.table"
 *          (the app's row wins; rows are the dump's when their xmin is the
 *          copy's transaction), again if the build meets a new duplicate;
 *  sql     ENABLE REPLICA TRIGGER, ADD CONSTRAINT ... USING INDEX (a
 *          moment), ADD FOREIGN KEY NOT VALID + VALIDATE (no write lock),
 *          REFRESH of the analytics matviews, ANALYZE; each commits with
 *          its done mark;
 *  vacuum  VACUUM ANALYZE.
 * One table's own rebuild (its index, unique and sql steps that name it in
 * tbl) runs in order on one connection; the rebuilds of different tables
 * run side by side, up to --jobs connections, since only one concurrent
 * build at a time can run on a table. Each build may use the --jobs left
 * over as PostgreSQL's parallel maintenance workers (btree only).
 * Each step is marked done when it commits, so `berth db resume` picks up
 * at the first step not done; an interrupted copy rolled back as a whole
 * and is simply redone: nothing is ever deleted from a table but the
 * dump's own rows set aside above.
 */
#ifndef BERTH_DB_DEFERRED_H
#define BERTH_DB_DEFERRED_H

#include "restore.h"
#include "toc.h"
#include <libpq-fe.h>

/* Inserts " CONCURRENTLY" after "CREATE [UNIQUE] INDEX" (pure). */
void db_concurrent_index(struct strbuf *out, const char *indexdef);

/*
 * In the restore database: sets the deferred tables' indexes aside and
 * writes the steps (copy, indexes, constraints, matviews, vacuum).
 */
int db_deferred_prepare(const struct db_restore_opts *o, PGconn *conn,
			const struct toc_split *split,
			const struct strvec *analytics, const char *dump,
			const char *pg_restore, struct strbuf *err);

/*
 * Runs the pending steps in dbname, one run per database at a time (an
 * advisory lock); loading sessions an earlier berth-db left are stopped
 * first. 0 when done; -1 with err. With no steps in dbname at all, 1 for
 * resume (nothing to do), else -1.
 */
int db_deferred_run(const struct db_restore_opts *o, const char *dbname,
		    int resume, struct strbuf *err);

#endif
