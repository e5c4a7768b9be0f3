/* restore.c - `berth db restore`: the phases in order, each timed. */
#include "restore.h"
#include "deferred.h"
#include "fetch.h"
#include "pg.h"
#include "swap.h"
#include "toc.h"
#include "triggers.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct run {
	struct db_restore_opts *o;
	struct strbuf dump, pg_restore, fast_list, deferred_list;
	int dump_temporary;
	struct toc toc;
	struct toc_split split;
	struct strvec deferred, analytics;
	double t0, phase_t0, core_live;
	long long fast_rows;
	int pg_restore_major;
};

void db_restore_opts_init(struct db_restore_opts *o)
{
	memset(o, 0, sizeof(*o));
	strvec_init(&o->large_tables);
	strvec_init(&o->critical_matviews);
	strvec_init(&o->analytics_matviews);
	strvec_init(&o->restart_roles);
	o->jobs = 2;
}

void db_restore_opts_release(struct db_restore_opts *o)
{
	strvec_clear(&o->large_tables);
	strvec_clear(&o->critical_matviews);
	strvec_clear(&o->analytics_matviews);
	strvec_clear(&o->restart_roles);
	free(o->sources);
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void phase(struct run *r, const char *name)
{
	r->phase_t0 = seconds();
	log_info("==> %s", name);
}

static void phase_done(struct run *r, const char *what)
{
	log_info("    done in %.2fs%s%s (at %.2fs)", seconds() - r->phase_t0,
		 *what ? ", " : "", what, seconds() - r->t0);
}

/* --- step 2: lists --------------------------------------------------- */

/* The major version a pg_restore binary reports (--version), or -1. */
static int pg_restore_major(const char *path)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	const char *v;
	int major = -1;

	if (access(path, X_OK))
		return -1;
	db_pg_child(&cp);
	strvec_pushl(&cp.args, path, "--version", NULL);
	if (!capture_command(&cp, &out, NULL) && (v = strstr(out.buf, ") ")))
		major = toc_major(v + 2);
	child_process_clear(&cp);
	strbuf_release(&out);
	return major;
}

#define PG_LIB "/usr/lib/postgresql"

/*
 * Of the installed PG_LIB/N/bin/pg_restore, the one with the smallest
 * N >= want (the closest that reads the dump) into path; else *newest
 * gets the highest N there is (-1: none). Returns N or -1.
 */
static int installed_pg_restore(int want, struct strbuf *path, int *newest)
{
	DIR *d = opendir(PG_LIB);
	struct dirent *e;
	struct strbuf p = STRBUF_INIT;
	int best = -1;

	*newest = -1;
	while (d && (e = readdir(d))) {
		int n = atoi(e->d_name);
		strbuf_reset(&p);
		strbuf_addf(&p, PG_LIB "/%s/bin/pg_restore", e->d_name);
		if (n <= 0 || access(p.buf, X_OK))
			continue;
		if (n > *newest)
			*newest = n;
		if (n >= want && (best < 0 || n < best)) {
			best = n;
			strbuf_reset(path);
			strbuf_addbuf(path, &p);
		}
	}
	if (d)
		closedir(d);
	strbuf_release(&p);
	return best;
}

/*
 * pg_restore reads the archives of its own and every older pg_dump, so
 * the dump's major is the least one that will do: --pg-bin's if given,
 * else the closest installed. One older than the dump is refused.
 */
static int pick_pg_restore(struct run *r, struct strbuf *err)
{
	int major = toc_major(r->toc.dumped_by), newest = -1, have;
	const char *by = r->toc.dumped_by ? r->toc.dumped_by : "(unknown)";

	strbuf_reset(&r->pg_restore);
	if (r->o->pg_bin)
		strbuf_addf(&r->pg_restore, "%s/pg_restore", r->o->pg_bin);
	else if (installed_pg_restore(major, &r->pg_restore, &newest) < 0) {
		if (newest < 0)
			strbuf_addf(err, "the dump was made by pg_dump %s; no pg_restore in " PG_LIB "/*/bin "
					 "(install postgresql-client-%d, or give --pg-bin)", by, major);
		else
			strbuf_addf(err, "the dump was made by pg_dump %s; no pg_restore here reads it: the newest is %d "
					 "(a pg_restore %d or newer is needed: install postgresql-client-%d, or give --pg-bin)",
				    by, newest, major, major);
		return -1;
	}
	have = pg_restore_major(r->pg_restore.buf);
	if (have < 0) {
		strbuf_addf(err, "no pg_restore at '%s' (install postgresql-client-%d, or give --pg-bin)",
			    r->pg_restore.buf, major);
		return -1;
	}
	if (have < major) {
		strbuf_addf(err, "version mismatch: the dump was made by pg_dump %s, but '%s' is %d, which "
				 "cannot read it (use a pg_restore %d or newer, e.g. --pg-bin " PG_LIB "/%d/bin)",
			    by, r->pg_restore.buf, have, major, major);
		return -1;
	}
	r->pg_restore_major = have;
	return 0;
}

static int read_toc(struct run *r, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT, child_err = STRBUF_INIT;
	int rc;

	db_pg_child(&cp);
	/* Any pg_restore reads the header; the right one is picked after. */
	if (r->o->pg_bin)
		strvec_pushf(&cp.args, "%s/pg_restore", r->o->pg_bin);
	else
		strvec_push(&cp.args, "pg_restore");
	strvec_pushl(&cp.args, "-l", r->dump.buf, NULL);
	rc = capture_command(&cp, &out, &child_err);
	child_process_clear(&cp);
	if (rc) {
		strbuf_rtrim(&child_err);
		strbuf_addf(err, "cannot read the dump's table of contents (corrupt, truncated, or made by a newer pg_dump?): %s",
			    child_err.buf);
	} else {
		rc = toc_parse(&r->toc, out.buf, err);
	}
	strbuf_release(&out);
	strbuf_release(&child_err);
	return rc;
}

static int write_file(const char *path, const struct strbuf *text, struct strbuf *err)
{
	if (strbuf_write_file(text, path) < 0) {
		strbuf_addf(err, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every configured large table must be a table of the dump (typos!). */
static int check_tables(struct run *r, struct strbuf *err)
{
	struct strbuf name = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < r->o->large_tables.nr; i++) {
		int found = 0;
		strbuf_reset(&name);
		toc_qualify(&name, r->o->large_tables.v[i]);
		for (size_t j = 0; j < r->toc.nr && !found; j++) {
			const struct toc_entry *e = &r->toc.entries[j];
			found = !strcmp(e->desc, "TABLE") && starts_with(name.buf, e->schema) &&
				name.buf[strlen(e->schema)] == '.' &&
				!strcmp(name.buf + strlen(e->schema) + 1, e->name);
		}
		if (!found) {
			strbuf_addf(err, "large table '%s' is not in the dump", name.buf);
			rc = -1;
			break;
		}
		strvec_push(&r->deferred, name.buf);
	}
	strbuf_release(&name);
	return rc;
}

static int build_lists(struct run *r, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf schema = STRBUF_INIT, e = STRBUF_INIT;
	int rc = -1;

	db_pg_child(&cp);
	if (read_toc(r, err) < 0 || pick_pg_restore(r, err) < 0 || check_tables(r, err) < 0)
		goto out;
	/* Partitions: read from the dump's own ATTACH PARTITION statements. */
	strvec_pushl(&cp.args, r->pg_restore.buf, "--schema-only", "-f", "-", r->dump.buf, NULL);
	if (capture_command(&cp, &schema, &e)) {
		strbuf_addf(err, "cannot read the dump's schema: %s", e.buf);
		goto out;
	}
	toc_add_partitions(&r->deferred, schema.buf);
	toc_split(&r->toc, &r->deferred, &r->split);
	for (size_t i = 0; i < r->split.matviews.nr; i++) {
		const char *mv = r->split.matviews.v[i];
		struct strbuf q = STRBUF_INIT;
		int critical = 0;
		for (size_t j = 0; j < r->o->critical_matviews.nr && !critical; j++) {
			strbuf_reset(&q);
			toc_qualify(&q, r->o->critical_matviews.v[j]);
			critical = !strcmp(q.buf, mv);
		}
		if (!critical && (!r->o->analytics_matviews.nr ||
				  strvec_find(&r->o->analytics_matviews, mv) >= 0 ||
				  strvec_find(&r->o->analytics_matviews, strchr(mv, '.') + 1) >= 0))
			strvec_push(&r->analytics, mv);
		strbuf_release(&q);
	}
	strbuf_addf(&r->fast_list, "%s/fast.list", r->o->workdir);
	strbuf_addf(&r->deferred_list, "%s/deferred.list", r->o->workdir);
	if (write_file(r->fast_list.buf, &r->split.fast, err) < 0 ||
	    write_file(r->deferred_list.buf, &r->split.deferred, err) < 0)
		goto out;
	rc = 0;
out:
	child_process_clear(&cp);
	strbuf_release(&schema);
	strbuf_release(&e);
	return rc;
}

static void print_lists(struct run *r)
{
	printf("fast list (%s):\n%s", r->fast_list.buf, r->split.fast.buf);
	printf("deferred list (%s):\n%s", r->deferred_list.buf, r->split.deferred.buf);
	for (size_t i = 0; i < r->o->critical_matviews.nr; i++)
		printf("critical matview: %s\n", r->o->critical_matviews.v[i]);
	for (size_t i = 0; i < r->analytics.nr; i++)
		printf("analytics matview: %s\n", r->analytics.v[i]);
}

/* --- steps 3-5: the restore database ---------------------------------- */

static void pg_restore_args(struct run *r, struct strvec *args, const char *section)
{
	db_pg_restore_argv(args, r->pg_restore.buf, r->o->restore_db, section, r->o->jobs,
			   r->o->no_owner, r->fast_list.buf, r->dump.buf);
}

/*
 * A berth-db killed during its CREATE DATABASE leaves the server creating
 * it until the backend finds its client gone; that CREATE could then
 * commit between this run's DROP and its own CREATE, which fails on the
 * name. Such a session (this run's own statement, from berth-db) is ended
 * and waited for first.
 */
static int end_leftover_create(const struct db_restore_opts *o, PGconn *c, const char *create,
			       struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, n = STRBUF_INIT;
	int rc;

	strbuf_addstr(&q, "SELECT count(pg_terminate_backend(pid, 30000)) FROM pg_stat_activity "
			  "WHERE pid <> pg_backend_pid() AND application_name = '" DB_RESTORE_APPNAME "' "
			  "AND state = 'active' AND query = ");
	db_quote_literal(&q, create);
	rc = o->dry_run ? 0 : db_value(c, q.buf, &n, err);
	if (!rc && n.len && strcmp(n.buf, "0"))
		log_info("    stopped the creation of '%s' an earlier run left going", o->restore_db);
	strbuf_release(&q);
	strbuf_release(&n);
	return rc;
}

static int create_restore_db(const struct db_restore_opts *o, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGconn *c = o->dry_run ? NULL : db_connect(o, "postgres", err);
	int rc = -1;

	strbuf_addstr(&sql, "CREATE DATABASE ");
	db_quote_ident(&sql, o->restore_db);
	strbuf_addstr(&sql, " TEMPLATE template0");
	if ((o->dry_run || c) && end_leftover_create(o, c, sql.buf, err) == 0 &&
	    db_drop(o, o->restore_db, err) == 0)
		rc = db_sql(o, c, sql.buf, err);
	PQfinish(c);
	strbuf_release(&sql);
	return rc;
}

static int restore_schema(struct run *r, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int rc;

	if (create_restore_db(r->o, err) < 0)
		return -1;
	db_pg_child(&cp);
	pg_restore_args(r, &cp.args, "--schema-only");
	rc = db_run(r->o, &cp, NULL, err);
	child_process_clear(&cp);
	return rc ? -1 : 0;
}

static int restore_fast_data(struct run *r, PGconn *c, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf off = STRBUF_INIT, on = STRBUF_INIT;
	int rc;

	db_pg_child(&cp);
	pg_restore_args(r, &cp.args, "--data-only");
	/*
	 * Only this session skips triggers and FK checks: rows of a table with
	 * a key into a deferred table must load, and triggers must not fire on
	 * data that already holds their effects.
	 */
	strvec_push(&cp.env, DB_REPLICA_PGOPTIONS);
	/* Those a replica session does fire are off meanwhile (db/triggers.h). */
	if (!r->o->dry_run &&
	    (db_triggers_aside(c, NULL, DB_TRIGGERS_REPLICA | DB_TRIGGERS_ALWAYS, &off, &on, err) < 0 ||
	     (off.len && db_sql(r->o, c, off.buf, err) < 0))) {
		rc = -1;
		goto out;
	}
	rc = db_run(r->o, &cp, NULL, err);
	if (!rc && on.len && db_sql(r->o, c, on.buf, err) < 0)
		rc = -1;
out:
	child_process_clear(&cp);
	strbuf_release(&off);
	strbuf_release(&on);
	return rc ? -1 : 0;
}

/* Counts the dump's rows per fast table and compares with the database. */
static int verify_counts(struct run *r, PGconn *c, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct copy_counter cc = COPY_COUNTER_INIT;
	struct strbuf path = STRBUF_INIT, q = STRBUF_INIT, v = STRBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *f;
	int rc = -1;

	db_pg_child(&cp);
	strbuf_addf(&path, "%s/fast-data.sql", r->o->workdir);
	strvec_pushl(&cp.args, r->pg_restore.buf, "--data-only", "-L", r->fast_list.buf,
		     "-f", path.buf, r->dump.buf, NULL);
	if (db_run(r->o, &cp, NULL, err) || r->o->dry_run) {
		rc = r->o->dry_run ? 0 : -1;
		goto out;
	}
	if (!(f = fopen(path.buf, "r"))) {
		strbuf_addf(err, "cannot read '%s'", path.buf);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		copy_counter_feed(&cc, buf, n);
	fclose(f);
	for (size_t i = 0; i < cc.nr; i++) {
		strbuf_reset(&q);
		strbuf_addf(&q, "SELECT count(*) FROM ONLY %s", cc.names.v[i]);
		if (db_value(c, q.buf, &v, err) < 0)
			goto out;
		if (atoll(v.buf) != cc.counts[i]) {
			strbuf_addf(err, "table %s has %s rows, the dump has %lld",
				    cc.names.v[i], v.buf, cc.counts[i]);
			goto out;
		}
		r->fast_rows += cc.counts[i];
	}
	rc = 0;
out:
	unlink(path.buf);
	child_process_clear(&cp);
	copy_counter_release(&cc);
	strbuf_release(&path);
	strbuf_release(&q);
	strbuf_release(&v);
	return rc;
}

static int refresh_critical(struct run *r, PGconn *c, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, v = STRBUF_INIT, name = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; !rc && i < r->o->critical_matviews.nr; i++) {
		strbuf_reset(&name);
		db_quote_qualified(&name, r->o->critical_matviews.v[i]);
		strbuf_reset(&q);
		strbuf_addf(&q, "REFRESH MATERIALIZED VIEW %s", name.buf);
		rc = db_sql(r->o, c, q.buf, err);
		if (rc || r->o->dry_run)
			continue;
		strbuf_reset(&q);
		strbuf_addf(&q, "SELECT EXISTS (SELECT 1 FROM %s)", name.buf);
		rc = db_value(c, q.buf, &v, err);
		if (!rc && strcmp(v.buf, "t")) {
			strbuf_addf(err, "critical materialized view %s is empty after its refresh",
				    r->o->critical_matviews.v[i]);
			rc = -1;
		}
	}
	for (size_t i = 0; !rc && i < r->split.fast_tables.nr; i++) {
		strbuf_reset(&q);
		strbuf_addstr(&q, "ANALYZE ");
		db_quote_qualified(&q, r->split.fast_tables.v[i]);
		rc = db_sql(r->o, c, q.buf, err);
	}
	strbuf_release(&q);
	strbuf_release(&v);
	strbuf_release(&name);
	return rc;
}

/* --- the deferred data's integrity, read while the core restores ------- */

struct check {
	pthread_t thread;
	struct child_process cp;
	struct strbuf out, err;
	int status, started;
};

static void *check_thread(void *v)
{
	struct check *ck = v;
	ck->status = capture_command(&ck->cp, &ck->out, &ck->err);
	return NULL;
}

/*
 * The deferred data loads after the swap, so a dump truncated in its large
 * tables must be caught before: reading those entries once (to /dev/null)
 * runs beside the core restore and is awaited before the swap.
 */
static void check_start(struct run *r, struct check *ck)
{
	struct child_process init = CHILD_PROCESS_INIT;

	memset(ck, 0, sizeof(*ck));
	ck->cp = init;
	db_pg_child(&ck->cp);
	strbuf_init(&ck->out, 0);
	strbuf_init(&ck->err, 0);
	if (r->o->dry_run || r->o->no_deferred || r->o->schema_only || !r->split.deferred.len)
		return;
	strvec_pushl(&ck->cp.args, r->pg_restore.buf, "--data-only", "-L",
		     r->deferred_list.buf, "-f", "/dev/null", r->dump.buf, NULL);
	ck->started = !pthread_create(&ck->thread, NULL, check_thread, ck);
}

static int check_finish(struct check *ck, struct strbuf *err)
{
	int rc = 0;

	if (ck->started) {
		pthread_join(ck->thread, NULL);
		if (ck->status) {
			strbuf_rtrim(&ck->err);
			/* err may hold the core phases' own error already. */
			strbuf_addf(err, "%sthe dump's deferred data cannot be read (truncated or corrupt?): %s",
				    err->len ? "\n" : "", ck->err.buf);
			rc = -1;
		}
	}
	child_process_clear(&ck->cp);
	strbuf_release(&ck->out);
	strbuf_release(&ck->err);
	return rc;
}

/* --- step 6: swap and restart ------------------------------------------ */

static int restart_app(struct run *r, struct strbuf *err)
{
	const struct db_restore_opts *o = r->o;
	int rc = 0;

	if (o->restart_cmd) {
		/* The operator's own command, as a hook would be. */
		struct child_process cp = CHILD_PROCESS_INIT;
		strvec_pushl(&cp.args, "sh", "-c", o->restart_cmd, NULL);
		rc = o->dry_run ? 0 : run_command(&cp);
		if (o->dry_run)
			printf("run: sh -c %s\n", o->restart_cmd);
		child_process_clear(&cp);
	}
	for (size_t i = 0; !rc && i < o->restart_roles.nr; i++) {
		struct child_process cp = CHILD_PROCESS_INIT;
		strvec_pushl(&cp.args, o->self ? o->self : "berth", "app", "boot", "--roles",
			     o->restart_roles.v[i], NULL);
		cp.inherit_stdin = 0;
		rc = db_run(o, &cp, NULL, err);
		child_process_clear(&cp);
	}
	if (rc && !err->len)
		strbuf_addf(err, "restarting the app failed (exit %d)", rc);
	return rc ? -1 : 0;
}

static int swap(struct run *r, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT;

	/* Only one previous database is kept: the one this swap replaces. */
	if (db_drop(r->o, r->o->old_db, err) < 0 ||
	    db_swap(r->o, r->o->database, r->o->old_db, r->o->restore_db, err) < 0)
		return -1;
	r->core_live = seconds() - r->t0;
	if (restart_app(r, &e) < 0)
		log_warn("the swap is done, but %s", e.buf);
	strbuf_release(&e);
	return 0;
}

/* --- the run -------------------------------------------------------------- */

static void fail_hint(struct run *r, const char *stage, const struct strbuf *err)
{
	error("%s", err->buf);
	if (!strcmp(stage, "before-swap"))
		log_warn("the restore stopped before the swap: database '%s' is untouched",
			 r->o->database);
	else if (!strcmp(stage, "deferred") && r->o->no_swap)
		log_warn("the core data is in '%s' (not swapped in); the deferred load stopped and resumes with: berth db resume --database %s",
			 r->o->restore_db, r->o->restore_db);
	else if (!strcmp(stage, "deferred"))
		log_warn("the core data is live in '%s'; the deferred load stopped and resumes with: berth db resume --database %s",
			 r->o->database, r->o->database);
}

/*
 * The analytics matviews, populated in the restore database with the
 * large tables still empty: until the deferred load refreshes them, the
 * app's queries read partial contents instead of failing with "has not
 * been populated". With no deferred load this is their one refresh.
 */
static int refresh_analytics(struct run *r, PGconn *c, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; !rc && i < r->analytics.nr; i++) {
		strbuf_reset(&q);
		strbuf_addstr(&q, "REFRESH MATERIALIZED VIEW ");
		db_quote_qualified(&q, r->analytics.v[i]);
		rc = db_sql(r->o, c, q.buf, err);
	}
	strbuf_release(&q);
	return rc;
}

static int core_phases(struct run *r, struct strbuf *err)
{
	PGconn *c = NULL;
	struct check ck;
	int rc = -1;

	phase(r, "schema (indexes build on empty tables)");
	if (restore_schema(r, err) < 0)
		return -1;
	phase_done(r, "");
	check_start(r, &ck);
	if (!r->o->dry_run && !(c = db_connect(r->o, r->o->restore_db, err)))
		goto out;
	if (!r->o->schema_only) {
		phase(r, "fast data");
		if (restore_fast_data(r, c, err) < 0 || verify_counts(r, c, err) < 0)
			goto out;
		{
			char what[64];
			snprintf(what, sizeof(what), "%lld rows verified", r->fast_rows);
			phase_done(r, what);
		}
		phase(r, "critical materialized views, ANALYZE");
		if (refresh_critical(r, c, err) < 0)
			goto out;
		phase_done(r, "");
	}
	if (!r->o->schema_only) {
		phase(r, r->o->no_deferred ? "analytics materialized views" :
		      "analytics materialized views (large tables still empty), set the large tables' indexes aside");
		if (refresh_analytics(r, c, err) < 0 ||
		    (!r->o->no_deferred &&
		     db_deferred_prepare(r->o, c, &r->split, &r->analytics, r->dump.buf,
					 r->pg_restore.buf, err) < 0))
			goto out;
		phase_done(r, "");
	}
	rc = 0;
out:
	PQfinish(c);
	if (check_finish(&ck, err) < 0)
		rc = -1;
	return rc;
}

static void default_names(struct db_restore_opts *o, struct strbuf *a, struct strbuf *b)
{
	if (!o->restore_db) {
		strbuf_addf(a, "%s_berth_restore", o->database);
		o->restore_db = a->buf;
	}
	if (!o->old_db) {
		strbuf_addf(b, "%s_berth_old", o->database);
		o->old_db = b->buf;
	}
}

int db_restore(struct db_restore_opts *o)
{
	struct run r = { .o = o };
	struct strbuf err = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	const char *target;
	long long bytes = 0;
	int rc = -1;

	strbuf_init(&r.dump, 0);
	strbuf_init(&r.pg_restore, 0);
	strbuf_init(&r.fast_list, 0);
	strbuf_init(&r.deferred_list, 0);
	strvec_init(&r.deferred);
	strvec_init(&r.analytics);
	{
		struct toc_split init = TOC_SPLIT_INIT;
		r.split = init;
	}
	default_names(o, &a, &b);
	r.t0 = seconds();

	phase(&r, "fetch the dump");
	if (db_fetch(o, &r.dump, &r.dump_temporary, &bytes, &err) < 0) {
		fail_hint(&r, "before-swap", &err);
		goto out;
	}
	{
		char what[96];
		snprintf(what, sizeof(what), "%s, %.1f MB", r.dump.buf, (double)bytes / 1e6);
		phase_done(&r, what);
	}
	phase(&r, "fast and deferred lists");
	if (build_lists(&r, &err) < 0) {
		fail_hint(&r, "before-swap", &err);
		goto out;
	}
	{
		char what[128];
		snprintf(what, sizeof(what), "%zu fast tables, %zu deferred, pg_dump %d, pg_restore %d",
			 r.split.fast_tables.nr, r.split.deferred_tables.nr, toc_major(r.toc.dumped_by),
			 r.pg_restore_major);
		phase_done(&r, what);
	}
	if (o->dry_run)
		print_lists(&r);
	if (core_phases(&r, &err) < 0) {
		fail_hint(&r, "before-swap", &err);
		goto out;
	}
	target = o->restore_db;
	if (!o->no_swap) {
		phase(&r, "swap");
		if (swap(&r, &err) < 0) {
			fail_hint(&r, "before-swap", &err);
			goto out;
		}
		target = o->database;
		phase_done(&r, "core is live");
		log_info("    previous database kept as '%s' (undo: berth db undo --database %s)",
			 o->old_db, o->database);
	} else {
		r.core_live = seconds() - r.t0;
		log_info("    --no-swap: the restored database is '%s'", o->restore_db);
	}
	if (!o->no_deferred && !o->schema_only) {
		phase(&r, "deferred data, indexes, analytics matviews, VACUUM ANALYZE");
		if (db_deferred_run(o, target, 0, &err) < 0) {
			fail_hint(&r, "deferred", &err);
			r.dump_temporary = 0; /* resume needs it */
			goto out;
		}
		phase_done(&r, "");
	}
	if (o->no_swap)
		log_info("==> restored into '%s' (not swapped in) after %.2fs, total %.2fs",
			 o->restore_db, r.core_live, seconds() - r.t0);
	else
		log_info("==> core live after %.2fs, total %.2fs", r.core_live, seconds() - r.t0);
	rc = 0;
out:
	if (r.dump_temporary && !o->keep_dump && !o->dry_run)
		unlink(r.dump.buf);
	if (r.fast_list.len && !o->keep_dump) {
		unlink(r.fast_list.buf);
		unlink(r.deferred_list.buf);
	}
	strbuf_release(&r.dump);
	strbuf_release(&r.pg_restore);
	strbuf_release(&r.fast_list);
	strbuf_release(&r.deferred_list);
	toc_release(&r.toc);
	toc_split_release(&r.split);
	strvec_clear(&r.deferred);
	strvec_clear(&r.analytics);
	strbuf_release(&err);
	o->restore_db = o->restore_db == a.buf ? NULL : o->restore_db;
	o->old_db = o->old_db == b.buf ? NULL : o->old_db;
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

int db_resume(struct db_restore_opts *o)
{
	struct strbuf err = STRBUF_INIT;
	double t0 = seconds();
	int rc;

	log_info("==> resuming the deferred load in '%s'", o->database);
	rc = db_deferred_run(o, o->database, 1, &err);
	if (rc < 0)
		error("%s", err.buf);
	else if (rc > 0)
		log_info("    nothing to resume: '%s' has no unfinished deferred load", o->database);
	else
		log_info("==> deferred load finished in %.2fs", seconds() - t0);
	rc = rc < 0 ? -1 : 0;
	strbuf_release(&err);
	return rc;
}

int db_undo(struct db_restore_opts *o)
{
	struct strbuf err = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	int rc;

	default_names(o, &a, &b);
	if ((rc = db_exists(o, o->old_db, &err)) == 0)
		strbuf_addf(&err, "no previous database '%s' to swap back to", o->old_db);
	rc = rc == 1 ? 0 : -1;
	if (!rc && (rc = db_drop(o, o->restore_db, &err)) == 0)
		rc = db_swap(o, o->database, o->restore_db, o->old_db, &err);
	if (rc)
		error("%s", err.buf);
	else
		log_info("'%s' is the previous database again; the restored one is '%s'",
			 o->database, o->restore_db);
	strbuf_release(&err);
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

int db_drop_old(struct db_restore_opts *o)
{
	struct strbuf err = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	int rc, exists;

	default_names(o, &a, &b);
	/* After an undo the previous database is live again: nothing to drop. */
	exists = o->dry_run ? 1 : db_exists(o, o->old_db, &err);
	if (exists == 0)
		log_info("nothing to drop: no database '%s' (none kept, or undo made it live again)",
			 o->old_db);
	rc = exists > 0 ? db_drop(o, o->old_db, &err) : exists;
	if (rc < 0)
		error("%s", err.buf);
	else if (exists > 0 && !o->dry_run)
		log_info("dropped '%s'", o->old_db);
	strbuf_release(&err);
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}
