/* deferred-run.c - the deferred steps, run in the live database (deferred.h). */
#include "deferred.h"
#include "conflicts.h"
#include "pg.h"
#include "progress.h"
#include "stage.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct step {
	char *n, *kind, *subject, *sql, *table, *aside;
};

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int mark_done(PGconn *c, const char *n, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	PGresult *r;
	int rc = 0;

	strbuf_addf(&q, "UPDATE berth_restore.steps SET done = true WHERE n = %d", atoi(n));
	r = PQexec(c, q.buf);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		strbuf_addf(err, "%scannot record step %s: %s", err->len ? "\n" : "", n,
			    PQresultErrorMessage(r));
		strbuf_rtrim(err);
		rc = -1;
	}
	PQclear(r);
	strbuf_release(&q);
	return rc;
}

/*
 * A partition's copy that failed, most likely on a unique key the app took
 * (its indexes stay through the load), goes in again through a staging
 * table (stage.h). 0 when it did; -1 leaves why in out (or in err).
 */
static int restage(const struct db_restore_opts *o, PGconn *c, const char *dbname,
		   const struct step *st, const char *list, const char *dump,
		   const char *pg_restore, struct strbuf *out)
{
	struct strbuf e = STRBUF_INIT, name = STRBUF_INIT;
	int rc = db_stage_partition(c, st->subject, &name, &e);

	if (rc == 1) {
		strbuf_rtrim(out);
		log_warn("the copy of %s failed: %s", st->subject, out->buf);
		log_info("    loading %s again through a staging table, the app's rows keeping their keys",
			 st->subject);
		rc = db_stage_copy(o, dbname, st->subject, name.buf, list, dump, pg_restore, &e);
	} else {
		rc = -1; /* not a partition: the copy's own error stands */
	}
	if (rc < 0 && e.len) {
		strbuf_reset(out);
		strbuf_addbuf(out, &e);
	}
	strbuf_release(&e);
	strbuf_release(&name);
	return rc;
}

/* The connections, copies and build workers a run may use: --jobs, 2 when not given. */
static size_t jobs_of(const struct db_restore_opts *o)
{
	return o->jobs > 0 ? (size_t)o->jobs : 2;
}

static int run_copies(const struct db_restore_opts *o, PGconn *c, const char *dbname,
		      struct step *steps, size_t n, const char *dump,
		      const char *pg_restore, struct strbuf *err)
{
	struct child_process *cps = xcalloc(n ? n : 1, sizeof(*cps));
	struct parallel_result *res = xcalloc(n ? n : 1, sizeof(*res));
	struct strbuf path = STRBUF_INIT, list = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct child_process init = CHILD_PROCESS_INIT;

		strbuf_reset(&path);
		strbuf_addf(&path, "%s/deferred-%s.list", o->workdir, steps[i].n);
		strbuf_reset(&list);
		strbuf_addf(&list, "%s\n", steps[i].sql);
		if (strbuf_write_file(&list, path.buf) < 0) {
			strbuf_addf(err, "cannot write '%s': %s", path.buf, strerror(errno));
			rc = -1;
			goto out;
		}
		cps[i] = init;
		db_pg_child(&cps[i]);
		/* One table per child: the parallelism is across children. */
		db_pg_restore_argv(&cps[i].args, pg_restore, dbname, "--data-only", 1, 0,
				   path.buf, dump);
		strvec_pushl(&cps[i].env, DB_LOAD_PGOPTIONS, "PGAPPNAME=" DB_LOAD_APPNAME, NULL);
		strbuf_init(&res[i].out, 0);
		if (db_child_env(o->conninfo, &cps[i].env, err) < 0) {
			rc = -1;
			goto out;
		}
	}
	run_parallel(cps, n, jobs_of(o), res);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/deferred-%s.list", o->workdir, steps[i].n);
		if (res[i].status &&
		    restage(o, c, dbname, &steps[i], path.buf, dump, pg_restore, &res[i].out) < 0) {
			strbuf_addf(err, "%sloading %s failed: %s", err->len ? "\n" : "",
				    steps[i].subject, res[i].out.buf);
			strbuf_rtrim(err);
			rc = -1;
		} else if (mark_done(c, steps[i].n, err) < 0) {
			rc = -1;
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		child_process_clear(&cps[i]);
		strbuf_release(&res[i].out);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/deferred-%s.list", o->workdir, steps[i].n);
		unlink(path.buf);
	}
	free(cps);
	free(res);
	strbuf_release(&path);
	strbuf_release(&list);
	return rc;
}

/*
 * The dump's rows whose key an app row took, before a unique index. The
 * table has no index yet and its statistics are those of the empty table
 * the schema step made, so the planner takes the self-join for a few rows
 * and nests two scans: quadratic (20,000 rows took 50 s, a million would
 * not end). Without nested loops it hashes one side: linear.
 */
static int set_conflicts_aside(const struct db_restore_opts *o, PGconn *c,
			       const struct step *st, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT, e = STRBUF_INIT;
	int rc;

	strbuf_addf(&why, "from the dump have a key the app's rows already took (index %s): "
			  "the app's rows are kept", st->subject);
	rc = db_sql(o, c, "SET enable_nestloop = off", err);
	if (!rc)
		rc = db_conflicts_move(o, c, st->table, st->aside, why.buf, err);
	if (db_sql(o, c, "RESET enable_nestloop", rc < 0 ? &e : err) < 0 && rc >= 0)
		rc = -1;
	strbuf_release(&why);
	strbuf_release(&e);
	return rc;
}

/* CREATE INDEX; *duplicate says whether it failed on a duplicate key. */
static int build_index(PGconn *c, const char *sql, int *duplicate, struct strbuf *err)
{
	PGresult *r;
	const char *state;
	int rc = 0;

	log_verbose("sql: %s", sql);
	r = PQexec(c, sql);
	*duplicate = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		*duplicate = state && !strcmp(state, "23505");
		strbuf_addf(err, "%s", PQresultErrorMessage(r));
		strbuf_rtrim(err);
		strbuf_addf(err, " (in: %.200s)", sql);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* While the index builds the app may take another key: set aside again. */
#define UNIQUE_TRIES 3

static int run_index_step(const struct db_restore_opts *o, PGconn *c,
			  const struct step *st, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, e = STRBUF_INIT;
	int rc = -1, duplicate = 1;

	strbuf_addf(&q, "DROP INDEX CONCURRENTLY IF EXISTS %s", st->subject);
	for (int i = 0; rc && duplicate && i < UNIQUE_TRIES; i++) {
		strbuf_reset(&e);
		/* A concurrent build cut short leaves an invalid index behind. */
		if (db_sql(o, c, q.buf, &e) < 0 ||
		    (*st->aside && set_conflicts_aside(o, c, st, &e) < 0))
			break;
		rc = build_index(c, st->sql, &duplicate, &e);
		duplicate = duplicate && *st->aside;
	}
	if (rc)
		strbuf_addbuf(err, &e);
	strbuf_release(&q);
	strbuf_release(&e);
	return rc;
}

/*
 * A plain SQL step commits with its done mark, so that resume never runs
 * one twice (ADD CONSTRAINT would fail the second time): the session of a
 * killed berth-db finishes the statement it was running and commits it.
 * Index builds (CONCURRENTLY) and VACUUM cannot run in a transaction; they
 * are marked after, and are redone harmlessly.
 */
static int run_sql_step(const struct db_restore_opts *o, PGconn *c,
			const struct step *st, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, e = STRBUF_INIT;
	int rc;

	if (!strcmp(st->kind, "sql")) {
		strbuf_addf(&q, "BEGIN;\n%s;\nUPDATE berth_restore.steps SET done = true WHERE n = %d;\nCOMMIT",
			    st->sql, atoi(st->n));
		if ((rc = db_sql(o, c, q.buf, err)) < 0)
			db_sql(o, c, "ROLLBACK", &e);
		strbuf_release(&q);
		strbuf_release(&e);
		return rc;
	}
	if (!strcmp(st->kind, "index") || !strcmp(st->kind, "unique"))
		rc = run_index_step(o, c, st, err);
	else if (!strcmp(st->kind, "orphans"))
		rc = db_orphans_fix(o, c, st->subject, st->table, st->aside, st->sql, err);
	else
		rc = db_sql(o, c, st->sql, err);
	if (!rc)
		rc = mark_done(c, st->n, err);
	return rc;
}

static void log_step(const struct step *st, double t)
{
	if (!strcmp(st->kind, "orphans"))
		log_info("    rows of %s without a parent (%s) %6.1fs", st->table, st->subject,
			 seconds() - t);
	else
		log_info("    %-60.60s %6.1fs", st->sql, seconds() - t);
}

/* A step of one table's own rebuild (deferred.h). */
static int table_step(const struct step *st)
{
	return *st->table && (!strcmp(st->kind, "index") || !strcmp(st->kind, "unique") ||
			      !strcmp(st->kind, "sql"));
}

/*
 * The rebuilds of a run of table steps, one table per group, the groups
 * handed out to up to --jobs connections. A failure stops the others
 * after the step each is running: resume redoes what is not marked done.
 */
struct rebuild {
	const struct db_restore_opts *o;
	const char *dbname;
	struct step *steps;
	size_t n, *group, groups, next;
	int workers, failed;
	const char *work_mem;
	pthread_mutex_t mu;
	struct strbuf err;
};

static int session_setup(const struct db_restore_opts *o, PGconn *c, int workers,
			 const char *work_mem, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	int rc;

	strbuf_addf(&q, "SET search_path = ''; SET maintenance_work_mem = '%s'; "
			"SET max_parallel_maintenance_workers = %d", work_mem, workers);
	rc = db_sql(o, c, q.buf, err);
	strbuf_release(&q);
	return rc;
}

static int run_group(struct rebuild *rb, PGconn *c, size_t g, struct strbuf *err)
{
	for (size_t i = 0; i < rb->n; i++) {
		double t = seconds();
		int stop;

		if (rb->group[i] != g)
			continue;
		pthread_mutex_lock(&rb->mu);
		stop = rb->failed;
		pthread_mutex_unlock(&rb->mu);
		if (stop)
			return 0;
		if (run_sql_step(rb->o, c, &rb->steps[i], err) < 0)
			return -1;
		log_step(&rb->steps[i], t);
	}
	return 0;
}

static void *rebuild_worker(void *v)
{
	struct rebuild *rb = v;
	struct strbuf err = STRBUF_INIT;
	PGconn *c = db_connect(rb->o, rb->dbname, &err);
	int rc = c ? session_setup(rb->o, c, rb->workers, rb->work_mem, &err) : -1;

	/* A later run stops a session a killed one left building (take_over). */
	if (!rc)
		rc = db_sql(rb->o, c, "SET application_name = '" DB_REBUILD_APPNAME "'", &err);

	while (!rc) {
		size_t g;

		pthread_mutex_lock(&rb->mu);
		g = rb->failed ? rb->groups : rb->next++;
		pthread_mutex_unlock(&rb->mu);
		if (g >= rb->groups)
			break;
		rc = run_group(rb, c, g, &err);
	}
	if (rc) {
		pthread_mutex_lock(&rb->mu);
		rb->failed = 1;
		strbuf_addf(&rb->err, "%s%s", rb->err.len ? "\n" : "", err.buf);
		pthread_mutex_unlock(&rb->mu);
	}
	PQfinish(c);
	strbuf_release(&err);
	return NULL;
}

/* Groups steps[0..n) by table, in the order the tables first appear. */
static size_t group_by_table(const struct step *steps, size_t n, size_t *group)
{
	size_t groups = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < i && strcmp(steps[j].table, steps[i].table))
			j++;
		group[i] = j < i ? group[j] : groups++;
	}
	return groups;
}

static int run_rebuilds(const struct db_restore_opts *o, PGconn *c, const char *dbname,
			struct step *steps, size_t n, struct strbuf *err)
{
	struct rebuild rb = { .o = o, .dbname = dbname, .steps = steps, .n = n };
	size_t jobs = jobs_of(o), conns;
	pthread_t *t;
	int rc = 0;

	rb.group = xcalloc(n, sizeof(*rb.group));
	rb.groups = group_by_table(steps, n, rb.group);
	conns = rb.groups < jobs ? rb.groups : jobs;
	pthread_mutex_init(&rb.mu, NULL);
	strbuf_init(&rb.err, 0);
	if (conns <= 1) {
		/* One table: the main connection, its builds with every job. */
		rc = run_group(&rb, c, 0, err);
		goto out;
	}
	rb.workers = (int)(jobs / conns) - 1;
	/* Within the 512MB one connection alone would use. */
	rb.work_mem = conns > 4 ? "128MB" : "256MB";
	t = xcalloc(conns, sizeof(*t));
	for (size_t i = 0; i < conns; i++)
		if (pthread_create(&t[i], NULL, rebuild_worker, &rb))
			die("cannot start a thread: %s", strerror(errno));
	for (size_t i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	free(t);
	if (rb.failed) {
		strbuf_addf(err, "%s%s", err->len ? "\n" : "", rb.err.buf);
		rc = -1;
	}
out:
	pthread_mutex_destroy(&rb.mu);
	strbuf_release(&rb.err);
	free(rb.group);
	return rc;
}

static void free_steps(struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].n);
		free(steps[i].kind);
		free(steps[i].subject);
		free(steps[i].sql);
		free(steps[i].table);
		free(steps[i].aside);
	}
	free(steps);
}

static int load_state(PGconn *c, struct strbuf *dump, struct strbuf *pg_restore,
		      struct step **steps, size_t *nr, struct strbuf *err)
{
	PGresult *r;

	if (db_value(c, "SELECT value FROM berth_restore.state WHERE key = 'dump'", dump, err) < 0 ||
	    db_value(c, "SELECT value FROM berth_restore.state WHERE key = 'pg_restore'", pg_restore, err) < 0)
		return -1;
	if (!(r = db_query(c, "SELECT n, kind, subject, sql, tbl, aside FROM berth_restore.steps WHERE NOT done ORDER BY n", err)))
		return -1;
	*nr = (size_t)PQntuples(r);
	*steps = xcalloc(*nr ? *nr : 1, sizeof(**steps));
	for (size_t i = 0; i < *nr; i++) {
		(*steps)[i].n = xstrdup(PQgetvalue(r, (int)i, 0));
		(*steps)[i].kind = xstrdup(PQgetvalue(r, (int)i, 1));
		(*steps)[i].subject = xstrdup(PQgetvalue(r, (int)i, 2));
		(*steps)[i].sql = xstrdup(PQgetvalue(r, (int)i, 3));
		(*steps)[i].table = xstrdup(PQgetvalue(r, (int)i, 4));
		(*steps)[i].aside = xstrdup(PQgetvalue(r, (int)i, 5));
	}
	PQclear(r);
	return 0;
}

/*
 * One deferred run at a time per database: a session advisory lock, gone
 * with the connection however berth-db ends. When berth-db was killed, its
 * session keeps the lock until the statement it was running (an index
 * build, say) ends and it finds its client gone, so a run that finds the
 * lock taken waits for it, saying for whom. Holding it, any loading
 * session still there belongs to a berth-db that died; it is terminated
 * and waited for, so that its copy has either committed (and marked its
 * step done) or rolled back before the steps are read.
 */
#define DB_DEFERRED_LOCK "2052344948" /* "zap" */

static int take_over(PGconn *c, const char *dbname, struct strbuf *err)
{
	struct strbuf v = STRBUF_INIT;
	int rc = -1;

	if (db_value(c, "SELECT pg_try_advisory_lock(" DB_DEFERRED_LOCK ")", &v, err) < 0)
		goto out;
	if (strcmp(v.buf, "t")) {
		if (db_value(c, "SELECT string_agg(l.pid || ' (' || a.state || ': ' || left(a.query, 60) || ')', ', ') "
				"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
				"AND l.granted AND l.objid = " DB_DEFERRED_LOCK " AND l.database = "
				"(SELECT oid FROM pg_database WHERE datname = current_database())", &v, err) < 0)
			goto out;
		log_info("    waiting for the session running the deferred load of '%s' to end: pid %s",
			 dbname, v.len ? v.buf : "(gone)");
		if (db_value(c, "SELECT pg_advisory_lock(" DB_DEFERRED_LOCK ")", &v, err) < 0)
			goto out;
	}
	if (db_value(c, "SELECT count(pg_terminate_backend(pid, 30000)) FROM pg_stat_activity "
			"WHERE datname = current_database() AND pid <> pg_backend_pid() "
			"AND application_name IN ('" DB_LOAD_APPNAME "', '" DB_REBUILD_APPNAME "')", &v, err) < 0)
		goto out;
	if (strcmp(v.buf, "0"))
		log_info("    stopped %s loading or index building session(s) left by an earlier run", v.buf);
	rc = 0;
out:
	strbuf_release(&v);
	return rc;
}

int db_deferred_run(const struct db_restore_opts *o, const char *dbname,
		    int resume, struct strbuf *err)
{
	struct strbuf dump = STRBUF_INIT, pg_restore = STRBUF_INIT;
	struct step *steps = NULL;
	size_t nr = 0, copies = 0;
	struct db_progress prog;
	PGconn *c;
	int rc = -1;
	double t;

	if (o->dry_run) {
		printf("plan: in '%s', run the steps above: copies (parallel), concurrent index builds, constraints, matview refreshes, VACUUM ANALYZE\n", dbname);
		return 0;
	}
	memset(&prog, 0, sizeof(prog));
	if (!(c = db_connect(o, dbname, err)))
		return -1;
	if (session_setup(o, c, (int)jobs_of(o) - 1, "512MB", err) < 0 ||
	    db_value(c, "SELECT to_regclass('berth_restore.steps') IS NOT NULL", &dump, err) < 0)
		goto out;
	if (strcmp(dump.buf, "t")) {
		if (!resume)
			strbuf_addf(err, "'%s' has no deferred steps", dbname);
		rc = resume ? 1 : -1;
		goto out;
	}
	/*
	 * Steps an older berth wrote have copies that do not mark themselves
	 * done: redoing one without emptying the table could load it twice.
	 */
	if (db_value(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'berth_restore.steps'::regclass "
			"AND attname = 'xid'", &dump, err) < 0)
		goto out;
	if (strcmp(dump.buf, "1")) {
		strbuf_addf(err, "the deferred load in '%s' was started by an older berth: finish it with that version",
			    dbname);
		goto out;
	}
	if (take_over(c, dbname, err) < 0 ||
	    load_state(c, &dump, &pg_restore, &steps, &nr, err) < 0)
		goto out;
	if (access(dump.buf, R_OK)) {
		strbuf_addf(err, "the dump '%s' the deferred load needs is gone", dump.buf);
		goto out;
	}
	while (copies < nr && !strcmp(steps[copies].kind, "copy"))
		copies++;
	db_progress_start(&prog, o, dbname);
	t = seconds();
	if (copies && run_copies(o, c, dbname, steps, copies, dump.buf, pg_restore.buf, err) < 0)
		goto out;
	if (copies)
		log_info("    loaded %zu table(s) in %.1fs", copies, seconds() - t);
	for (size_t i = copies, j; i < nr; i = j) {
		if (!strcmp(steps[i].kind, "copy")) {
			strbuf_addf(err, "step %s: a copy after the index builds", steps[i].n);
			goto out;
		}
		for (j = i; j < nr && table_step(&steps[j]); j++)
			;
		if (j > i) {
			if (run_rebuilds(o, c, dbname, steps + i, j - i, err) < 0)
				goto out;
			continue;
		}
		t = seconds();
		if (run_sql_step(o, c, &steps[i], err) < 0)
			goto out;
		log_step(&steps[i], t);
		j = i + 1;
	}
	rc = db_sql(o, c, "DROP SCHEMA berth_restore CASCADE", err);
out:
	db_progress_stop(&prog);
	PQfinish(c);
	free_steps(steps, nr);
	strbuf_release(&dump);
	strbuf_release(&pg_restore);
	return rc;
}
