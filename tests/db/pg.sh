# pg.sh - a throwaway PostgreSQL 15 cluster for the db restore tests.
#
#   . "$TOP/tests/db/pg.sh"
#   pg_start "$TRASH/pg"     initdb + start, listening only on a unix socket
#                            in that directory; exports PGHOST PGPORT PGUSER
#   pg_stop                  stops it (from the EXIT trap; works after the
#                            trash is gone, and when called twice)
#   pgsql DB SQL             runs SQL with psql, prints unaligned tuples
#
# CI runs as root and the server refuses to, so as root the cluster runs
# as the "postgres" user in a directory it owns.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PGDIR=$1
	mkdir -p "$PGDIR"
	[ "$(id -u)" -eq 0 ] && chown postgres "$PGDIR" && chmod 755 "$(dirname "$PGDIR")"
	pg_as "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres >"$PGDIR/initdb.log" 2>&1 ||
		{ cat "$PGDIR/initdb.log"; return 1; }
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
		-o "-c listen_addresses='' -k $PGDIR -p 5432 -c fsync=off -c full_page_writes=off -c synchronous_commit=off ${PG_EXTRA_OPTS:-}" \
		start >/dev/null || { cat "$PGDIR/server.log"; return 1; }
	PG_PID=$(head -n 1 "$PGDIR/data/postmaster.pid")
	PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres
	export PGHOST PGPORT PGUSER PGDIR
}

# test_done removes the trash (and the data directory) before the EXIT trap
# runs, so the server is stopped by its pid when pg_ctl has nothing to read.
pg_stop() {
	[ -n "${PGDIR:-}" ] && [ -f "$PGDIR/data/postmaster.pid" ] &&
		pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
	if [ -n "${PG_PID:-}" ] && kill -0 "$PG_PID" 2>/dev/null; then
		kill -QUIT "$PG_PID" 2>/dev/null
		for i in $(seq 50); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	PG_PID=
	return 0
}

pgsql() {
	psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"
}

# pg_test_cluster WHAT: the start of a db test script. Without PostgreSQL
# 15 the script is skipped (as WHAT); else a cluster starts in the trash
# and stops when the script exits. PG_EXTRA_OPTS as for pg_start.
pg_test_cluster() {
	if [ ! -x "$PGBIN/initdb" ] || ! command -v pg_dump >/dev/null; then
		test_skip "$1" 'PostgreSQL 15 is not installed (scripts/deps/db.packages)'
		test_done
	fi
	trap pg_stop EXIT
	trap 'exit 1' INT TERM HUP PIPE
	pg_start "$TRASH/pg" || exit 1
}
