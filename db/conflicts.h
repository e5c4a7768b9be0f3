/*
 * conflicts.h - the rows that lose to the app's writes during the deferred
 * load, and where they go.
 *
 * While a large table loads in the live database its keys are not all
 * there, so the app's writes can leave rows that the keys, once back,
 * would refuse. The rule (docs/db-restore.md, "The contract with a live
 * app") is that the app's write wins:
 *  - a dump row whose unique key an app row took is moved aside;
 *  - a row whose parent the app deleted while the key was not there is
 *    treated as the delete would have treated it: ON DELETE SET NULL /
 *    SET DEFAULT set its key so, every other action (CASCADE, NO ACTION,
 *    RESTRICT) moves it aside, as it would be gone or the delete refused.
 * "Aside" is berth_conflicts."schema.table", a table of the same columns
 * that berth makes when it first needs it and never drops. Each move and
 * each update is one statement and says how many rows in a warning, so a
 * step redone after a crash finds nothing left to do.
 */
#ifndef BERTH_DB_CONFLICTS_H
#define BERTH_DB_CONFLICTS_H

#include "restore.h"
#include <libpq-fe.h>

/*
 * Moves the rows of "FROM aside" (aside: "[ONLY] table d WHERE ...", the
 * rows as d) into berth_conflicts."table" (table: "schema.name") and warns
 * with the count and why ("have a key the app's rows already took (index
 * x)"). Nothing is made when there are none. The count moved, or -1 with
 * err.
 */
int db_conflicts_move(const struct db_restore_opts *o, PGconn *c, const char *table,
		      const char *aside, const char *why, struct strbuf *err);

/*
 * The rows of d_rel ("[ONLY] table", read as d) whose key on the unique
 * index index_oid a row of a_rel (read as a) also has, as an aside for
 * db_conflicts_move(): d_filter picks d's rows, a_filter (which may name d)
 * a's. Both relations have the index's columns. 1 with aside filled, 0
 * when the index is not unique, -1 with err.
 */
int db_unique_collisions(PGconn *c, const char *index_oid, const char *d_rel,
			 const char *d_filter, const char *a_rel, const char *a_filter,
			 struct strbuf *aside, struct strbuf *err);

/*
 * A foreign key's rows that point at no parent, as the step that deals
 * with them: read from the catalog of the restore database (the names are
 * the same once it is live).
 */
struct db_orphans {
	struct strbuf con;   /* the constraint's name, quoted */
	struct strbuf table; /* its table, "schema.name" unquoted */
	struct strbuf aside; /* "[ONLY] table d WHERE <d has no parent>" */
	struct strbuf set;   /* "col = NULL, ..." for SET NULL/DEFAULT, else "" */
};

void db_orphans_init(struct db_orphans *or);
void db_orphans_release(struct db_orphans *or);

/* Fills or for the foreign key whose pg_constraint oid is con_oid. -1 with err. */
int db_orphans_describe(PGconn *c, const char *con_oid, struct db_orphans *or,
			struct strbuf *err);

/*
 * Deals with the orphans now: the update when set is not empty, else the
 * move aside. Run it once the key is back NOT VALID (no new orphan can
 * appear), or for a key that stayed, once the copies are in. Rows moved
 * take their children (through the keys in place) with them, each as its
 * key's ON DELETE says, in one transaction in which no key's action fires
 * (session_replication_role=replica): a CASCADE child is set aside and
 * counted instead of deleted, a RESTRICT one does not stop the step. -1
 * with err.
 */
int db_orphans_fix(const struct db_restore_opts *o, PGconn *c, const char *con,
		   const char *table, const char *aside, const char *set,
		   struct strbuf *err);

#endif
