/*
 * settings.h - `x-berth: db:` in the deploy configuration.
 *
 *   x-berth:
 *     db:
 *       databases: [app, versions]   # the first is the default --database
 *       schema_only_databases: [versions]
 *       large_tables: [events, measurements]   # or "events,measurements"
 *       critical_matviews: [account_names]
 *       analytics_matviews: [event_stats]      # default: every other matview
 *       restart_roles: [web]
 *       restart_cmd: "..."
 *       jobs: 4
 *       workdir: /var/tmp/berth-db
 *       no_owner: true
 *       source:   { account: ID, endpoint: URL, region: auto, bucket: B, prefix: P }
 *       fallback: { endpoint: URL, region: R, bucket: B, prefix: P }
 *
 * Credentials never live here: they are secrets (cli/cmd-db.c). Every
 * key is checked: an unknown key or a value of the wrong type is an error
 * "FILE:LINE: x-berth/db/KEY: message" (one per line of err, all reported).
 *
 * Pure: reads a tree, owns only its strvecs; the strings point into the
 * tree and live as long as it does.
 */
#ifndef BERTH_DB_SETTINGS_H
#define BERTH_DB_SETTINGS_H

#include "strbuf.h"
#include "strvec.h"
#include "yaml-tree.h"

struct db_settings_source {
	const char *account, *endpoint, *region, *bucket, *prefix;
};

struct db_settings {
	struct strvec databases;
	struct strvec schema_only_databases;
	struct strvec large_tables, critical_matviews, analytics_matviews;
	struct strvec restart_roles;
	const char *restart_cmd;
	const char *workdir;
	long long jobs;          /* 0: not set */
	int no_owner;            /* -1: not set */
	struct db_settings_source source, fallback;
};

void db_settings_init(struct db_settings *s);
void db_settings_release(struct db_settings *s);

/*
 * Reads root's x-berth/db (root is the whole merged deploy config; NULL or
 * no such key leaves s empty). 0, or -1 with located errors in err.
 */
int db_settings_read(const struct ynode *root, struct db_settings *s,
		     struct strbuf *err);

#endif
