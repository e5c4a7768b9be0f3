/*
 * progress.h - what the deferred load is doing, every few seconds.
 *
 * While the deferred steps run, a second connection reads
 * pg_stat_progress_copy (rows and bytes each loading pg_restore has sent)
 * and pg_stat_progress_create_index (the phase and blocks of an index
 * build) every BERTH_DB_PROGRESS seconds (default 10; 0 turns it off).
 * Both are views over shared memory, so a sample costs next to nothing.
 *
 * A thread with its own connection samples and logs ("loading: ...",
 * "building: ..."); the caller owns the struct and must stop what it
 * started. Nothing runs in a dry run or with the interval 0.
 */
#ifndef BERTH_DB_PROGRESS_H
#define BERTH_DB_PROGRESS_H

#include "restore.h"
#include <pthread.h>

struct db_progress {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct db_restore_opts *o;
	const char *dbname;
	double interval;
	int stop, started, broken;
};

/* Starts sampling dbname (p is reset; safe to stop even if nothing started). */
void db_progress_start(struct db_progress *p, const struct db_restore_opts *o,
		       const char *dbname);
/* Stops the thread and waits for it. */
void db_progress_stop(struct db_progress *p);

#endif
