# pg.sh - a throwaway PostgreSQL 15 cluster for the db restore tests.
#
#   . "$TOP/tests/db/pg.sh"
#   pg_start "$TRASH/pg"     initdb + start, listening only on a unix socket
#                            in that directory; exports PGHOST PGPORT PGUSER
#   pg_stop                  stops it (call from the script's end and traps)
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
	PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres
	export PGHOST PGPORT PGUSER PGDIR
}

pg_stop() {
	[ -n "${PGDIR:-}" ] && [ -f "$PGDIR/data/postmaster.pid" ] &&
		pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
	return 0
}

pgsql() {
	psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"
}
