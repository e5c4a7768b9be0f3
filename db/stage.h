/*
 * stage.h - loading a partition of a deferred partitioned table whose
 * unique key the app already took.
 *
 * A partition keeps its indexes through the deferred load (they belong to
 * its parent's), so a dump row whose unique key an app row took makes
 * pg_restore's COPY of that partition fail, and a redo would fail the same
 * way. Then the partition's data goes in again through a staging table:
 * pg_restore writes the table's COPY to a file in the workdir; in one
 * transaction of a loading session (db/pg.h: replica role, berth.loading)
 * berth copies it into a temporary table of the same columns, moves the
 * rows whose key on any unique index an app row has into
 * berth_conflicts."schema.partition" (the app's row wins, as on a plain
 * table's unique index), and inserts the rest (the copy's trigger marks
 * its step done, as for pg_restore's COPY). An app row that takes a key in
 * between makes the insert fail; that is tried again.
 */
#ifndef BERTH_DB_STAGE_H
#define BERTH_DB_STAGE_H

#include "restore.h"
#include <libpq-fe.h>

/*
 * 1 when table (quoted "schema"."name") is a partition, whose copy the
 * staging load can redo, with name set to its "schema.name" (as
 * berth_conflicts names it); 0 when not; -1 with err.
 */
int db_stage_partition(PGconn *c, const char *table, struct strbuf *name, struct strbuf *err);

/*
 * Loads table's data (the TOC entry in the file list) from dump into
 * dbname through the staging table; name as db_stage_partition gave it.
 * -1 with err.
 */
int db_stage_copy(const struct db_restore_opts *o, const char *dbname, const char *table,
		  const char *name, const char *list, const char *dump, const char *pg_restore,
		  struct strbuf *err);

/*
 * The column list of pg_restore's "COPY name (cols) FROM stdin;" line into
 * cols ("" for a table without columns) (pure). -1 when line is not one.
 */
int db_copy_columns(const char *line, struct strbuf *cols);

#endif
