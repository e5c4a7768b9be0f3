/* progress.c - the deferred load's progress, sampled from PostgreSQL's own views. */
#include "progress.h"
#include "pg.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

static void progress_sample(struct db_progress *p, PGconn *c)
{
	struct strbuf line = STRBUF_INIT;
	PGresult *r;

	r = PQexec(c, "SELECT relid::regclass::text, tuples_processed, bytes_processed "
		      "FROM pg_stat_progress_copy WHERE datname = current_database() ORDER BY 1");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_verbose("progress: %s", PQresultErrorMessage(r));
		p->broken = 1;
	}
	for (int i = 0; !p->broken && i < PQntuples(r); i++)
		strbuf_addf(&line, "%s%s %lld rows (%.1f MB)", line.len ? ", " : "",
			    PQgetvalue(r, i, 0), atoll(PQgetvalue(r, i, 1)),
			    (double)atoll(PQgetvalue(r, i, 2)) / 1e6);
	PQclear(r);
	if (line.len)
		log_info("    loading: %s", line.buf);
	strbuf_reset(&line);
	r = PQexec(c, "SELECT relid::regclass::text, phase, blocks_done, blocks_total, "
		      "tuples_done, tuples_total FROM pg_stat_progress_create_index "
		      "WHERE datname = current_database() ORDER BY 1");
	for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
		long long bd = atoll(PQgetvalue(r, i, 2)), bt = atoll(PQgetvalue(r, i, 3));
		long long td = atoll(PQgetvalue(r, i, 4)), tt = atoll(PQgetvalue(r, i, 5));
		strbuf_addf(&line, "%sindex on %s: %s", line.len ? ", " : "",
			    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		if (bt > 0)
			strbuf_addf(&line, " %lld%% of %lld blocks", bd * 100 / bt, bt);
		else if (tt > 0)
			strbuf_addf(&line, " %lld of %lld rows", td, tt);
	}
	PQclear(r);
	if (line.len)
		log_info("    building: %s", line.buf);
	strbuf_release(&line);
}

static void *progress_thread(void *v)
{
	struct db_progress *p = v;
	struct strbuf err = STRBUF_INIT;
	PGconn *c = db_connect(p->o, p->dbname, &err);

	if (!c)
		log_verbose("progress: %s", err.buf);
	else
		PQclear(PQexec(c, "SET search_path = ''")); /* names come out schema-qualified */
	pthread_mutex_lock(&p->mu);
	while (c && !p->stop && !p->broken) {
		struct timespec until;
		double whole;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(modf(p->interval, &whole) * 1e9);
		until.tv_sec += (time_t)whole + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT)
			;
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		progress_sample(p, c);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	PQfinish(c);
	strbuf_release(&err);
	return NULL;
}

void db_progress_start(struct db_progress *p, const struct db_restore_opts *o,
			   const char *dbname)
{
	const char *env = getenv("BERTH_DB_PROGRESS");

	memset(p, 0, sizeof(*p));
	p->o = o;
	p->dbname = dbname;
	p->interval = env && *env ? atof(env) : 10.0;
	if (p->interval <= 0 || o->dry_run)
		return;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->started = !pthread_create(&p->thread, NULL, progress_thread, p);
}

void db_progress_stop(struct db_progress *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}
