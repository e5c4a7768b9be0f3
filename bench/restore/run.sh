#!/bin/sh
# bench/restore/run.sh - naive full pg_restore against berth's fast + deferred
# restore, on one throwaway PostgreSQL 15, in one run.
#
#   ROWS=3000000 sh bench/restore/run.sh      (BUILD_DIR defaults to build)
#
# Prints both times and the ratios the issue sets: time-to-core-live at most
# 0.1x the naive restore, total at most 1.2x.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP/build}
ROWS=${ROWS:-3000000}
JOBS=${JOBS:-2}
. "$TOP/tests/db/pg.sh"
T=$(mktemp -d /tmp/berth-bench.XXXXXX)
chmod 755 "$T"
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start "$T/pg"

echo "# building a dump with a $ROWS-row deferred table"
createdb prod
psql -X -q -v ON_ERROR_STOP=1 -v events_rows="$ROWS" -d prod -f "$TOP/tests/db/fixture.sql" >/dev/null
pg_dump -Fc -f "$T/prod.dump" prod
dropdb prod
echo "# dump: $(du -h "$T/prod.dump" | cut -f1)"

now() { date +%s.%N; }

createdb naive
t0=$(now)
"$PGBIN/pg_restore" -d naive --jobs="$JOBS" --exit-on-error "$T/prod.dump"
naive=$(echo "$(now) - $t0" | bc)
dropdb naive
echo "naive pg_restore --jobs=$JOBS: ${naive}s"

createdb staging
mkdir -p "$T/work"
"$BUILD_DIR/berth" db restore --database staging --workdir "$T/work" --file "$T/prod.dump" \
	--large-table events,measurements --critical-matview account_names --jobs "$JOBS" >"$T/berth.out" 2>&1 ||
	{ cat "$T/berth.out"; exit 1; }
line=$(grep "core live after" "$T/berth.out")
core=$(echo "$line" | sed 's/.*core live after \([0-9.]*\)s.*/\1/')
total=$(echo "$line" | sed 's/.*total \([0-9.]*\)s.*/\1/')
sed 's/^/#   /' "$T/berth.out"
test "$(psql -XAtc 'SELECT count(*) FROM events' staging)" = "$ROWS"
echo "berth: core live ${core}s, total ${total}s"
echo "time-to-core-live / naive: $(echo "scale=3; $core / $naive" | bc) (target <= 0.1)"
echo "total / naive: $(echo "scale=3; $total / $naive" | bc) (target <= 1.2)"
