/*
 * swap.h - step 6: put the restored database live, atomically.
 *
 * Both renames happen in one transaction on the maintenance database, so
 * there is never a moment without a live database or with both half
 * renamed: either live -> old and restore -> live both commit, or neither.
 * New connections are blocked on both databases first, remaining ones are
 * terminated (and again on each retry: a backend takes a moment to exit),
 * then connections are allowed again whatever happened, even when
 * berth-db is killed in between (a guard process, swap.c).
 */
#ifndef BERTH_DB_SWAP_H
#define BERTH_DB_SWAP_H

#include "restore.h"

/* The SQL of one swap attempt: from -> aside, into -> from (pure). */
void db_swap_sql(struct strbuf *sql, const char *live, const char *aside,
		 const char *incoming, int live_exists);

/*
 * Renames live -> aside and incoming -> live. When live does not exist
 * (a first restore) only incoming is renamed. -1 with err, nothing renamed.
 */
int db_swap(const struct db_restore_opts *o, const char *live,
	    const char *aside, const char *incoming, struct strbuf *err);

/* Whether database name exists: 1, 0, or -1 with err. */
int db_exists(const struct db_restore_opts *o, const char *name,
	      struct strbuf *err);

/* DROP DATABASE IF EXISTS name WITH (FORCE). */
int db_drop(const struct db_restore_opts *o, const char *name, struct strbuf *err);

#endif
