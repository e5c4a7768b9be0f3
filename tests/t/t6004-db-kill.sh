#!/bin/sh
# berth db restore SIGKILLed before and during the swap: the live database
# keeps serving, every time, and the next restore ends where an
# uninterrupted one does. (Kills during the deferred load: t6000.)
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/db/pg.sh"

# A prepared transaction is the one kind of session the swap cannot end.
PG_EXTRA_OPTS="-c max_prepared_transactions=4" pg_test_cluster 'db restore'
W="$TRASH/work"
mkdir -p "$W"
R="berth db restore --database app --workdir $W --large-table events,measurements --critical-matview account_names"

# The rows of every table, as one line per table.
sums() {
	for tbl in accounts events event_notes settings audit_log measurements account_names event_stats; do
		echo "$tbl $(pgsql "$1" "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM $tbl t")"
	done
}

test_expect_success 'setup: a production database, its dump, and a live one' '
	createdb prod &&
	psql -X -q -v ON_ERROR_STOP=1 -v events_rows=20000 -d prod -f "$TOP/tests/db/fixture.sql" >/dev/null &&
	pg_dump -Fc -f prod.dump prod &&
	sums prod >expect &&
	createdb app && pgsql app "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('"'"'old'"'"')"
'

# A prepared transaction in app holds the swap in its window (connections
# blocked, renames failing, retried) for about 5 s; berth-db is killed there.
test_expect_success 'berth-db SIGKILLed with connections blocked for the swap: app serves again, nothing renamed' '
	pgsql app "BEGIN; INSERT INTO marker VALUES ('"'"'held'"'"'); PREPARE TRANSACTION '"'"'hold'"'"'" &&
	{ $R --file prod.dump >killed.out 2>&1 & } &&
	pid=$! &&
	for i in $(seq 300); do
		test "$(pgsql postgres "SELECT datallowconn FROM pg_database WHERE datname = '"'"'app'"'"'")" = f && break
		sleep 0.05
	done &&
	test "$(pgsql postgres "SELECT datallowconn FROM pg_database WHERE datname = '"'"'app'"'"'")" = f &&
	kill -9 $pid && { wait $pid; true; } &&
	for i in $(seq 100); do
		test "$(pgsql postgres "SELECT datallowconn FROM pg_database WHERE datname = '"'"'app'"'"'")" = t && break
		sleep 0.1
	done &&
	test "$(pgsql app "SELECT string_agg(v, '"'"','"'"') FROM marker")" = old &&
	pgsql app "ROLLBACK PREPARED '"'"'hold'"'"'" &&
	test "$(pgsql postgres "SELECT count(*) FROM pg_database WHERE NOT datallowconn AND datname LIKE '"'"'app%'"'"'")" = 0 &&
	test_grep "connections to .app. are allowed again" killed.out
'

test_expect_success 'the next restore after it succeeds' '
	$R --file prod.dump >out 2>&1 &&
	sums app >actual && test_cmp expect actual
'

# Kill points spread over the time an uninterrupted run takes to the swap
# (berth-db's own time to it, scaled to the whole run's wall clock). The
# live database must be untouched; a kill that came after the swap after
# all is resumed.
test_expect_success 'SIGKILLed at 10 points before the swap: live untouched each time, the next restore complete' '
	t0=$(date +%s%N) && $R --file prod.dump >out 2>&1 && t1=$(date +%s%N) &&
	t=$(sed -n "s/^==> core live after \([0-9.]*\)s, total \([0-9.]*\)s/\1 \2/p" out |
		awk -v w=$(( (t1 - t0) / 1000000 )) "{ printf \"%d\", w - (\$2 - \$1) * 1000 }") &&
	for k in 1 2 3 4 5 6 7 8 9 10; do
		pgsql app "CREATE TABLE IF NOT EXISTS marker (v text); INSERT INTO marker VALUES ('"'"'trial $k'"'"')" &&
		rm -f killed.out &&
		{ $R --file prod.dump >killed.out 2>&1 & } &&
		pid=$! &&
		delay=$(awk "BEGIN { srand($k); print $t / 1000 * ($k - 1 + rand()) / 10 }") && sleep $delay &&
		{ kill -9 $pid 2>/dev/null || true; } && { wait $pid || true; } &&
		echo "trial $k, ${delay}s of ${t}ms: $(grep "^==>" killed.out | tail -n 1)" &&
		pgrep -f "pg_restore.*app_berth_restore" && { echo "a pg_restore was left"; exit 1; }
		if pgsql app "SELECT 1 FROM marker" >/dev/null 2>&1; then
			test "$(pgsql app "SELECT v FROM marker ORDER BY v DESC LIMIT 1")" = "trial $k" || exit 1
		else
			# The swap was done: the deferred load resumes.
			berth db resume --database app --workdir "$W" >resume.out 2>&1 || { cat resume.out; exit 1; }
		fi &&
		test "$(pgsql postgres "SELECT count(*) FROM pg_database WHERE NOT datallowconn AND datname LIKE '"'"'app%'"'"'")" = 0 &&
		$R --file prod.dump >out 2>&1 || { cat killed.out out; exit 1; }
		sums app >actual && test_cmp expect actual || exit 1
	done
'

test_done
