#!/bin/sh
# berth db restore against a real PostgreSQL 15 on a unix socket: every row
# arrives, constraints hold, the swap handles the app's connections, each
# flag does what it says, and failures leave the live database untouched.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/db/pg.sh"

pg_test_cluster 'db restore'
W="$TRASH/work"
mkdir -p "$W"
R="berth db restore --database app --workdir $W --large-table events,measurements --critical-matview account_names"

# The "production" database: dumped once; app is then the staging copy.
test_expect_success 'setup: a production-shaped database and its dump' '
	createdb prod &&
	psql -X -q -v ON_ERROR_STOP=1 -v events_rows=20000 -d prod -f "$TOP/tests/db/fixture.sql" >/dev/null &&
	pg_dump -Fc -f prod.dump prod &&
	gzip -c prod.dump >prod.dump.gz && zstd -q -c prod.dump >prod.dump.zst &&
	createdb app && pgsql app "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('"'"'old'"'"')"
'

counts() {
	for t in accounts events event_notes settings audit_log measurements measurements_2023 account_names event_stats trigger_log; do
		echo "$t $(pgsql "$1" "SELECT count(*) FROM $t")"
	done
	echo "triggers $(pgsql "$1" "SELECT string_agg(tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text, ', ' ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger WHERE NOT tgisinternal")"
	echo "seq $(pgsql "$1" "SELECT last_value FROM invoice_numbers") $(pgsql "$1" "SELECT last_value FROM events_id_seq")"
}

test_expect_success '--dry-run prints both lists and every command, changes nothing' '
	$R --file prod.dump --dry-run >out 2>&1 &&
	test_grep "^fast list" out && test_grep "TABLE DATA public accounts" out &&
	test_grep "^deferred list" out &&
	grep -A4 "^deferred list" out | grep -q "TABLE DATA public measurements_2024" &&
	test_grep "run: .*pg_restore -d app_berth_restore --schema-only" out &&
	test_grep "PGOPTIONS\|--data-only" out &&
	test_grep "sql: .*RENAME TO" out &&
	test "$(pgsql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '"'"'app_berth%'"'"'")" = 0 &&
	test "$(pgsql app "SELECT v FROM marker")" = old
'

test_expect_success 'a restore swaps in every row, constraints and all, with the app connected' '
	psql -X -d app -c "SELECT pg_sleep(60)" >app-session.out 2>&1 &
	app_pid=$! &&
	sleep 0.5 &&
	$R --file prod.dump >out 2>&1 &&
	cat out &&
	test_grep "core live after" out &&
	counts prod >expect && counts app >actual && test_cmp expect actual &&
	! wait $app_pid && test_grep "terminating connection" app-session.out &&
	test "$(pgsql app "SELECT count(*) FROM pg_constraint WHERE NOT convalidated")" = 0 &&
	test "$(pgsql app "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" = 0 &&
	test "$(pgsql app "SELECT count(*) FROM pg_indexes WHERE tablename = '"'"'events'"'"'")" = 3 &&
	test "$(pgsql app "SELECT count(*) FROM pg_namespace WHERE nspname = '"'"'berth_restore'"'"'")" = 0 &&
	test "$(pgsql app_berth_old "SELECT v FROM marker")" = old
'

# What pg_restore keeps of the large table's set-aside indexes and keys.
details() {
	pgsql "$1" "SELECT 'index comment', obj_description('events_account_idx'::regclass, 'pg_class')
		UNION ALL SELECT 'constraint comment ' || conname, obj_description(oid, 'pg_constraint')
			FROM pg_constraint WHERE conname IN ('events_pkey', 'event_notes_event_id_fkey')
		UNION ALL SELECT 'cluster on', indexrelid::regclass::text FROM pg_index WHERE indrelid = 'events'::regclass AND indisclustered
		UNION ALL SELECT 'replica identity ' || relreplident::text, (SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = c.oid AND indisreplident)
			FROM pg_class c WHERE oid = 'events'::regclass
		UNION ALL SELECT 'statistics ' || attrelid::regclass || ' ' || attnum, attstattarget::text
			FROM pg_attribute WHERE attrelid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'events'::regclass) AND attstattarget >= 0
		ORDER BY 1"
}

test_expect_success 'comments, CLUSTER ON, REPLICA IDENTITY and statistics of the set-aside indexes and keys survive' '
	details prod >expect &&
	cat >expect-prod <<-EOF &&
	cluster on|events_account_idx
	constraint comment event_notes_event_id_fkey|notes point at events
	constraint comment events_pkey|the event id
	index comment|events by account
	replica identity i|events_pkey
	statistics events_kind_hash 1|500
	EOF
	test_cmp expect-prod expect &&
	details app >actual &&
	test_cmp expect actual
'

test_expect_success 'foreign keys into the deferred table are enforced again' '
	! pgsql app "INSERT INTO event_notes (event_id) VALUES (999999999)" 2>err &&
	test_grep "foreign key" err
'

test_expect_success 'triggers in every enable mode fire for none of the dump rows and keep their mode' '
	test "$(pgsql app "SELECT count(*) FROM trigger_log")" = 0 &&
	pgsql app "SELECT tgrelid::regclass || '"'"' '"'"' || tgname || '"'"' '"'"' || tgenabled::text FROM pg_trigger
		WHERE tgname LIKE '"'"'%_always'"'"' OR tgname LIKE '"'"'%_replica'"'"' OR tgname LIKE '"'"'%_disabled'"'"' ORDER BY 1" >actual &&
	cat >expect <<-EOF &&
	accounts accounts_always A
	events events_disabled D
	events events_replica R
	measurements measurements_replica R
	measurements_2023 measurements_replica R
	measurements_2024 measurements_replica R
	settings settings_replica R
	EOF
	test_cmp expect actual &&
	pgsql app "INSERT INTO accounts (name) VALUES ('"'"'after the restore'"'"')" &&
	test "$(pgsql app "SELECT name FROM trigger_log")" = accounts.accounts_always
'

test_expect_success 'undo swaps the previous database back; drop-old then has nothing to drop' '
	berth db undo --database app >out 2>&1 &&
	test "$(pgsql app "SELECT v FROM marker")" = old &&
	test_must_fail berth db undo --database app 2>err &&
	test_grep "no previous database .app_berth_old." err &&
	test "$(pgsql app "SELECT v FROM marker")" = old &&
	berth db drop-old --database app >out 2>&1 &&
	cat out &&
	test_grep "nothing to drop: no database .app_berth_old." out &&
	! grep -q dropped out &&
	test "$(pgsql postgres "SELECT count(*) FROM pg_database WHERE datname = '"'"'app_berth_old'"'"'")" = 0
'

test_expect_success 'drop-old drops the database a swap replaced' '
	berth db restore --database other --workdir "$W" --file prod.dump --no-deferred >out 2>&1 &&
	berth db restore --database other --workdir "$W" --file prod.dump --no-deferred >out 2>&1 &&
	test "$(pgsql other_berth_old "SELECT count(*) FROM accounts")" = 50 &&
	berth db drop-old --database other >out 2>&1 &&
	test_grep "dropped .other_berth_old." out &&
	test "$(pgsql postgres "SELECT count(*) FROM pg_database WHERE datname = '"'"'other_berth_old'"'"'")" = 0
'

test_expect_success '--no-swap builds the restore database and leaves live alone' '
	$R --file prod.dump.gz --no-swap >out 2>&1 &&
	test "$(pgsql app "SELECT v FROM marker")" = old &&
	counts prod >expect && counts app_berth_restore >actual && test_cmp expect actual
'

test_expect_success 'NO_SWAP=1 does the same and never claims the core went live' '
	NO_SWAP=1 $R --file prod.dump >out 2>&1 &&
	cat out &&
	test "$(pgsql app "SELECT v FROM marker")" = old &&
	! grep -i "live after\|is live" out &&
	test_grep "^==> restored into .app_berth_restore. (not swapped in) after" out
'

test_expect_success 'NO_DEFERRED=1 restores the core only, from a zstd dump' '
	NO_DEFERRED=1 $R --file prod.dump.zst >out 2>&1 &&
	test "$(pgsql app "SELECT count(*) FROM events")" = 0 &&
	test "$(pgsql app "SELECT count(*) FROM measurements")" = 0 &&
	test "$(pgsql app "SELECT count(*) FROM accounts")" = 50 &&
	test "$(pgsql app "SELECT count(*) FROM event_notes")" = 100 &&
	test "$(pgsql app "SELECT count(*) FROM pg_indexes WHERE tablename = '"'"'events'"'"'")" = 3
'

test_expect_success '--schema-only keeps a database schema-only' '
	berth db restore --database versions --workdir "$W" --file prod.dump --schema-only >out 2>&1 &&
	test "$(pgsql versions "SELECT count(*) FROM accounts")" = 0 &&
	test "$(pgsql versions "SELECT count(*) FROM pg_indexes WHERE tablename = '"'"'events'"'"'")" = 3
'

reset_live() {
	berth db drop-old --database app >/dev/null 2>&1
	pgsql app "DROP TABLE IF EXISTS marker; CREATE TABLE marker (v text); INSERT INTO marker VALUES ('current')"
}

test_expect_success 'a truncated dump fails before the swap, live untouched' '
	reset_live &&
	size=$(wc -c <prod.dump) && head -c $((size * 3 / 4)) prod.dump >trunc.dump &&
	test_must_fail $R --file trunc.dump >out 2>&1 &&
	cat out && test_grep "untouched" out &&
	# Both the fast load and the deferred check fail: one message per line.
	test_grep "^\(error: \)\{0,1\}the dump.s deferred data cannot be read" out &&
	test "$(pgsql app "SELECT v FROM marker")" = current
'

test_expect_success 'a corrupt compressed dump fails with a clear message' '
	head -c 3000 prod.dump.gz >bad.dump.gz &&
	test_must_fail $R --file bad.dump.gz >out 2>&1 &&
	test_grep "cannot decompress" out &&
	test "$(pgsql app "SELECT v FROM marker")" = current
'

test_expect_success 'an empty critical matview stops the restore before the swap' '
	test_must_fail $R --file prod.dump --critical-matview event_stats >out 2>&1 &&
	test_grep "event_stats is empty" out &&
	test "$(pgsql app "SELECT v FROM marker")" = current
'

# A dump as pg_dump 14 makes it: 14 and 15 write the same archive version
# (1.14), so only the two version strings of the header differ.
as_dump_14() {
	python3 - "$1" "$2" <<-\EOF
	import re, sys
	d = open(sys.argv[1], "rb").read()
	v = re.search(rb"15\.\d+ \([^)]*\)", d).group(0)
	open(sys.argv[2], "wb").write(d.replace(v, v.replace(b"15", b"14"), 2))
	EOF
}

test_expect_success 'a dump from an older major restores with the newer pg_restore' '
	as_dump_14 prod.dump prod14.dump &&
	pg_restore -l prod14.dump | grep "Dumped by pg_dump version: 14\." &&
	test ! -x /usr/lib/postgresql/14/bin/pg_restore &&
	berth db restore --database from14 --workdir "$W" --file prod14.dump --large-table events >out 2>&1 &&
	cat out &&
	test_grep "pg_dump 14" out &&
	test "$(pgsql from14 "SELECT count(*) FROM events")" = 20000
'

test_expect_success 'a dump from a newer major than any pg_restore is refused, naming both' '
	python3 -c "import sys; d = open(\"prod.dump\", \"rb\").read(); sys.stdout.buffer.write(d.replace(b\"Debian 15.\", b\"Debian 99.\", 2).replace(b\"15.\", b\"99.\", 2))" >prod99.dump &&
	pg_restore -l prod99.dump | grep "Dumped by pg_dump version: 99\." &&
	test_must_fail berth db restore --database from99 --workdir "$W" --file prod99.dump >out 2>&1 &&
	cat out &&
	test_grep "pg_dump 99.*no pg_restore .* 99 or newer" out
'

test_expect_success 'a large table missing from the dump is an error' '
	test_must_fail $R --file prod.dump --large-table evnets >out 2>&1 &&
	test_grep "large table .public.evnets. is not in the dump" out
'

test_expect_success 'an interrupted deferred load resumes to completion' '
	mkdir -p flaky && cat >flaky/pg_restore <<-EOF &&
	#!/bin/sh
	case "\$*" in *deferred-*) [ -f "$TRASH/fail-deferred" ] && kill -9 \$\$ ;; esac
	exec $PGBIN/pg_restore "\$@"
	EOF
	chmod +x flaky/pg_restore && : >fail-deferred &&
	test_must_fail $R --file prod.dump --pg-bin "$TRASH/flaky" >out 2>&1 &&
	test_grep "berth db resume" out &&
	test "$(pgsql app "SELECT count(*) FROM accounts")" = 50 &&
	test "$(pgsql app "SELECT count(*) FROM events")" = 0 &&
	rm fail-deferred &&
	berth db resume --database app --workdir "$W" >out 2>&1 &&
	counts prod >expect && counts app >actual && test_cmp expect actual &&
	test "$(pgsql app "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" = 0
'

test_expect_success 'the deferred load reports progress in rows and bytes' '
	createdb slow -T prod &&
	pgsql slow "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN PERFORM pg_sleep(0.0001); RETURN NEW; END\$\$;
		CREATE TRIGGER slow_row BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION slow_row();
		ALTER TABLE events ENABLE ALWAYS TRIGGER slow_row" &&
	pg_dump -Fc -f slow.dump slow &&
	BERTH_DB_PROGRESS=0.2 $R --file slow.dump >out 2>&1 &&
	cat out &&
	test_grep "loading: .*public.events [0-9][0-9]* rows ([0-9.]* MB)" out &&
	test "$(pgsql app "SELECT count(*) FROM events")" = "$(pgsql prod "SELECT count(*) FROM events")"
'

# Waits (up to 20s) for a line matching $2 in file $1.
wait_for_line() {
	for i in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# A dump whose events load takes about 2s: a trigger enabled ALWAYS (so it
# fires for the deferred load too) sleeps 10ms every 100th row.
test_expect_success 'setup: a dump whose deferred load takes a while' '
	createdb killable -T prod &&
	pgsql killable "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN IF NEW.id % 100 = 0 THEN PERFORM pg_sleep(0.01); END IF; RETURN NEW; END\$\$;
		CREATE TRIGGER slow_row BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION slow_row();
		ALTER TABLE events ENABLE ALWAYS TRIGGER slow_row" &&
	pg_dump -Fc -f killable.dump killable
'

test_expect_success 'berth-db SIGKILLed in the deferred load takes its pg_restore children with it' '
	$R --file killable.dump >killed.out 2>&1 &
	pid=$! &&
	wait_for_line killed.out "==> deferred data" &&
	sleep 0.5 &&
	pgrep -f "$W/deferred-" >before &&
	kill -9 $pid && { wait $pid; true; } &&
	for i in $(seq 20); do pgrep -f "$W/deferred-" >after || break; sleep 0.1; done &&
	test_must_fail pgrep -f "$W/deferred-"
'

test_expect_success 'resume refuses steps an older berth wrote (its copies do not mark themselves done)' '
	pgsql app "ALTER TABLE berth_restore.steps DROP COLUMN xid" &&
	test_must_fail berth db resume --database app --workdir "$W" >out 2>&1 &&
	test_grep "started by an older berth" out
'

# The dump's events rows as one line: count and checksum. In app, the rows
# the app wrote (payload app-*) are left out and the dump rows set aside for
# a key the app took are put back in, so that the result must equal prod's.
dump_events() {
	if [ "$1" = prod ]; then
		from="events"
	else
		from="(SELECT * FROM events WHERE payload NOT LIKE 'app-%'"
		[ "$(pgsql "$1" "SELECT to_regclass('berth_conflicts.\"public.events\"') IS NOT NULL")" = t ] &&
			from="$from UNION ALL SELECT * FROM berth_conflicts.\"public.events\""
		from="$from) e"
	fi
	pgsql "$1" "SELECT count(*), md5(string_agg(concat_ws(',', id, account_id, kind, payload, created_at), ';' ORDER BY id)) FROM $from"
}

# One trial: berth-db is SIGKILLed $1 seconds into the deferred load; the
# app then writes (a row of its own, and one with a key of the dump's if the
# key is free), and resume finishes. The app's rows are there, every dump
# row is there exactly once (or, for the key the app took, set aside).
kill_and_resume() {
	echo "trial: SIGKILL ${1}s after '${2:-==> deferred data}'"
	$R --file killable.dump >killed.out 2>&1 &
	pid=$! &&
	wait_for_line killed.out "${2:-==> deferred data}" &&
	sleep "$1" &&
	{ kill -9 $pid 2>/dev/null || echo "(the restore had finished)"; } && { wait $pid; true; } &&
	pgsql app "INSERT INTO events (account_id, kind, payload) VALUES (1, 'app', 'app-new')" &&
	took=$(pgsql app "INSERT INTO events (id, account_id, kind, payload) VALUES (7, 2, 'app', 'app-took-7') ON CONFLICT DO NOTHING RETURNING id") &&
	berth db resume --database app --workdir "$W" >resume.out 2>&1 &&
	cat resume.out &&
	dump_events prod >expect && dump_events app >actual && test_cmp expect actual &&
	test "$(pgsql app "SELECT count(*) FROM events WHERE payload = 'app-new'")" = 1 &&
	test "$(pgsql app "SELECT count(*) FROM events WHERE id = 7")" = 1 &&
	if [ "$took" = 7 ]; then
		test "$(pgsql app "SELECT payload FROM events WHERE id = 7")" = app-took-7 &&
		test "$(pgsql app "SELECT count(*) FROM berth_conflicts.\"public.events\" WHERE id = 7")" = 1 &&
		cat killed.out resume.out >both.out &&
		test_grep "1 row.* of public.events from the dump have a key .* berth_conflicts" both.out
	else
		test "$(pgsql app "SELECT to_regclass('berth_conflicts.\"public.events\"') IS NULL")" = t
	fi &&
	test "$(pgsql app "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" = 0 &&
	test "$(pgsql app "SELECT count(*) FROM pg_constraint WHERE NOT convalidated")" = 0 &&
	test "$(pgsql app "SELECT count(*) FROM pg_indexes WHERE tablename = 'events'")" = 3 &&
	test "$(pgsql app "SELECT count(*) FROM pg_namespace WHERE nspname = 'berth_restore'")" = 0 &&
	test "$(pgsql app "SELECT tgenabled FROM pg_trigger WHERE tgname = 'events_replica'")" = R &&
	details prod >expect && details app >actual && test_cmp expect actual &&
	test "$(pgsql app "SELECT count(*) FROM trigger_log")" = 0
}

test_expect_success 'resume after a SIGKILL in the deferred load keeps the rows the app wrote (random kill points)' '
	for delay in $(awk "BEGIN { srand(); for (i = 0; i < 9; i++) printf \"%.2f \", rand() * 2.6 }"); do
		kill_and_resume $delay || exit 1
	done &&
	# And once among the index builds and constraints, after the copies.
	kill_and_resume 0 "loaded 3 table"
'

test_done
