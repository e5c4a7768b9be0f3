/* swap.c - the one-transaction database swap, undo and drop. */
#include "swap.h"
#include "pg.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAINTENANCE_DB "postgres"
#define SWAP_TRIES 50

static void add_ident(struct strbuf *sb, const char *s)
{
	db_quote_ident(sb, s);
}

void db_swap_sql(struct strbuf *sql, const char *live, const char *aside,
		 const char *incoming, int live_exists)
{
	strbuf_addstr(sql, "BEGIN; ");
	if (live_exists) {
		strbuf_addstr(sql, "ALTER DATABASE ");
		add_ident(sql, live);
		strbuf_addstr(sql, " RENAME TO ");
		add_ident(sql, aside);
		strbuf_addstr(sql, "; ");
	}
	strbuf_addstr(sql, "ALTER DATABASE ");
	add_ident(sql, incoming);
	strbuf_addstr(sql, " RENAME TO ");
	add_ident(sql, live);
	strbuf_addstr(sql, "; COMMIT;");
}

static void connections_sql(struct strbuf *sql, const char *db, int allow)
{
	strbuf_addstr(sql, "ALTER DATABASE ");
	add_ident(sql, db);
	strbuf_addf(sql, " ALLOW_CONNECTIONS %s; ", allow ? "true" : "false");
}

static void terminate_sql(struct strbuf *sql, const char *a, const char *b)
{
	strbuf_addstr(sql, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
			   "WHERE pid <> pg_backend_pid() AND datname IN (");
	db_quote_literal(sql, a);
	strbuf_addstr(sql, ", ");
	db_quote_literal(sql, b);
	strbuf_addstr(sql, ")");
}

int db_exists(const struct db_restore_opts *o, const char *name, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT, v = STRBUF_INIT;
	PGconn *c = db_connect(o, MAINTENANCE_DB, err);
	int rc = -1;

	if (!c)
		return -1;
	strbuf_addstr(&sql, "SELECT count(*) FROM pg_database WHERE datname = ");
	db_quote_literal(&sql, name);
	if (db_value(c, sql.buf, &v, err) == 0)
		rc = strcmp(v.buf, "0") != 0;
	PQfinish(c);
	strbuf_release(&sql);
	strbuf_release(&v);
	return rc;
}

int db_drop(const struct db_restore_opts *o, const char *name, struct strbuf *err)
{
	struct strbuf sql = STRBUF_INIT;
	PGconn *c = NULL;
	int rc = -1;

	strbuf_addstr(&sql, "DROP DATABASE IF EXISTS ");
	add_ident(&sql, name);
	strbuf_addstr(&sql, " WITH (FORCE)");
	if (!o->dry_run && !(c = db_connect(o, MAINTENANCE_DB, err)))
		goto out;
	rc = db_sql(o, c, sql.buf, err);
out:
	PQfinish(c);
	strbuf_release(&sql);
	return rc;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Terminate, then try the renames; retried while backends linger. */
static int try_swap(const struct db_restore_opts *o, PGconn *c, const char *swap,
		    const char *terminate, struct strbuf *err)
{
	struct strbuf e = STRBUF_INIT;
	int rc = -1;

	for (int i = 0; i < SWAP_TRIES; i++) {
		strbuf_reset(&e);
		if (db_sql(o, c, terminate, &e) == 0 && db_sql(o, c, swap, &e) == 0) {
			rc = 0;
			break;
		}
		db_sql(o, c, "ROLLBACK", &e);
		pause_ms(100);
	}
	if (rc)
		strbuf_addf(err, "swap failed, nothing renamed: %s", e.buf);
	strbuf_release(&e);
	return rc;
}

/*
 * From the block to the allow, a berth-db killed outright (SIGKILL, OOM)
 * would leave the live database refusing every connection: the app down
 * until somebody finds out why. So a guard process is forked just before
 * the block (berth-db has no other thread then). It waits on a pipe: one
 * byte means the swap is over; end of file without it means berth-db
 * died. Then the guard ends the swap's session, waiting for it to exit,
 * which rolls back renames not yet committed, and allows connections to
 * the three names again, whichever of them exist. It leaves the session
 * (setsid) so that a Ctrl-C meant for berth-db does not stop it too.
 */
struct swap_guard {
	pid_t pid;
	int fd;
};

static void guard_run(const struct db_restore_opts *o, int rfd, int backend,
		      const char *const names[3])
{
	struct strbuf err = STRBUF_INIT, sql = STRBUF_INIT, v = STRBUF_INIT;
	PGconn *c;
	ssize_t n;
	char byte;

	setsid();
	/* Its warning may go to a pipe nobody reads any more: never die of it. */
	signal(SIGPIPE, SIG_IGN);
	/* Not to keep berth-db's pipes and its server connection open. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != rfd)
			close(fd);
	do
		n = read(rfd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 || !(c = db_connect(o, MAINTENANCE_DB, &err)))
		_exit(0);
	strbuf_addf(&sql, "SELECT pg_terminate_backend(%d, 30000)", backend);
	db_value(c, sql.buf, &v, &err);
	for (int i = 0; i < 3; i++) {
		strbuf_reset(&sql);
		connections_sql(&sql, names[i], 1);
		strbuf_reset(&err);
		if (db_exists(o, names[i], &err) == 1 && db_sql(o, c, sql.buf, &err) == 0)
			log_warn("berth-db ended during the database swap: connections to '%s' are allowed again",
				 names[i]);
	}
	PQfinish(c);
	_exit(0);
}

static void guard_start(const struct db_restore_opts *o, PGconn *c,
			const char *const names[3], struct swap_guard *g)
{
	int fds[2];

	g->pid = -1;
	g->fd = -1;
	if (o->dry_run || pipe(fds) < 0)
		return;
	fflush(NULL);
	g->pid = fork();
	if (g->pid == 0) {
		close(fds[1]);
		guard_run(o, fds[0], PQbackendPID(c), names);
	}
	close(fds[0]);
	if (g->pid < 0)
		close(fds[1]);
	else
		g->fd = fds[1];
}

static void guard_stop(struct swap_guard *g)
{
	void (*old)(int);

	if (g->pid <= 0)
		return;
	old = signal(SIGPIPE, SIG_IGN); /* a guard gone must not take berth-db along */
	if (write(g->fd, "", 1) != 1)
		log_warn("cannot tell the swap's guard process that the swap is over");
	signal(SIGPIPE, old);
	close(g->fd);
	while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int db_swap(const struct db_restore_opts *o, const char *live,
	    const char *aside, const char *incoming, struct strbuf *err)
{
	struct strbuf block = STRBUF_INIT, allow = STRBUF_INIT;
	struct strbuf swap = STRBUF_INIT, term = STRBUF_INIT, e = STRBUF_INIT;
	PGconn *c = NULL;
	int live_exists = o->dry_run ? 1 : db_exists(o, live, err);
	const char *const names[3] = { live, aside, incoming };
	struct swap_guard guard = { -1, -1 };
	int rc = -1;

	if (live_exists < 0)
		return -1;
	if (!o->dry_run && !(c = db_connect(o, MAINTENANCE_DB, err)))
		return -1;
	if (live_exists)
		connections_sql(&block, live, 0);
	connections_sql(&block, incoming, 0);
	terminate_sql(&term, live, incoming);
	db_swap_sql(&swap, live, aside, incoming, live_exists);
	connections_sql(&allow, live, 1);
	if (live_exists)
		connections_sql(&allow, aside, 1);

	guard_start(o, c, names, &guard);
	if (db_sql(o, c, block.buf, err) < 0)
		goto out;
	rc = try_swap(o, c, swap.buf, term.buf, err);
	if (rc) {
		/* Nothing was renamed: let the live database serve again. */
		strbuf_reset(&allow);
		if (live_exists)
			connections_sql(&allow, live, 1);
		connections_sql(&allow, incoming, 1);
	}
	if (db_sql(o, c, allow.buf, &e) < 0) {
		strbuf_addf(err, "%scannot allow connections again: %s",
			    err->len ? "\n" : "", e.buf);
		rc = -1;
	}
out:
	guard_stop(&guard);
	PQfinish(c);
	strbuf_release(&block);
	strbuf_release(&allow);
	strbuf_release(&swap);
	strbuf_release(&term);
	strbuf_release(&e);
	return rc;
}
