/*
 * triggers.h - keeping a trigger enabled REPLICA or ALWAYS from firing for
 * the dump's rows.
 *
 * Both loads run with session_replication_role=replica, which skips
 * ordinary (origin) triggers and FK checks, but fires exactly the triggers
 * enabled REPLICA or ALWAYS. The rows of a dump already hold every
 * trigger's effects, so those must not fire either:
 *  - fast load (restore database, nobody else connected): every such
 *    trigger is disabled before it and put back in its mode after;
 *  - deferred load (live database): a deferred table's REPLICA triggers are
 *    disabled before the swap and put back by a step after the copies.
 *    REPLICA triggers fire only for replica sessions, so the app (an origin
 *    session) loses nothing; ALWAYS triggers stay, as they fire for the app.
 * Partitioned tables hold no rows: their partitions' own copies of a
 * trigger are handled, one table at a time, so each keeps its own mode.
 */
#ifndef BERTH_DB_TRIGGERS_H
#define BERTH_DB_TRIGGERS_H

#include "strbuf.h"
#include <libpq-fe.h>

enum db_trigger_modes {
	DB_TRIGGERS_REPLICA = 1, /* enabled REPLICA */
	DB_TRIGGERS_ALWAYS = 2,  /* enabled ALWAYS */
};

/*
 * Appends to off the ALTER TABLE ... DISABLE TRIGGER statements, and to on
 * the ALTER TABLE ... ENABLE {REPLICA|ALWAYS} TRIGGER ones that restore
 * each, for the user triggers in modes (a mask) of table ("schema.name";
 * NULL: every table). Reads the catalog only. -1 with err.
 */
int db_triggers_aside(PGconn *c, const char *table, unsigned modes,
		      struct strbuf *off, struct strbuf *on, struct strbuf *err);

#endif
