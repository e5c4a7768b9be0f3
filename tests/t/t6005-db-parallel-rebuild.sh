#!/bin/sh
# berth db restore rebuilds the large tables' indexes and keys side by
# side, one connection per table up to --jobs: a table whose concurrent
# index build waits on an app's open write transaction does not hold up
# another table's, and a failed rebuild of one table stops the run with its
# error while resume finishes the rest.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/db/pg.sh"

pg_test_cluster 'db restore'
W="$TRASH/work"
mkdir -p "$W"
R="berth db restore --workdir $W --large-table a_items,b_items,c_slow,p_items --jobs 2"

test_expect_success 'setup: a production database and its dump' '
	createdb prod &&
	psql -X -q -v ON_ERROR_STOP=1 -d prod -f "$TOP/tests/db/parallel.sql" >/dev/null &&
	pg_dump -Fc -f prod.dump prod &&
	createdb app &&
	createdb app2
'

# Waits (up to 60 s) until SQL's answer in database $1 is $3.
wait_for() {
	for i in $(seq 600); do
		test "$(pgsql "$1" "$2")" = "$3" && return 0
		sleep 0.1
	done
	echo "waited for: $2 = $3 (in $1), have: $(pgsql "$1" "$2")"
	return 1
}

at_gate="SELECT count(*) FROM pg_stat_activity WHERE application_name = 'berth-db-load' AND wait_event = 'PgSleep'"
valid="SELECT count(*) FROM pg_index WHERE indrelid = '%s'::regclass AND indisvalid AND indisready"

# The app's session that has written to a_items and not committed: a
# concurrent build on a_items waits for it (PostgreSQL's rule), an idle
# transaction holds no snapshot, so builds on other tables do not.
open_writer() {
	mkfifo writer.in &&
	{ PGAPPNAME=writer psql -X -q -v ON_ERROR_STOP=1 -d "$1" <writer.in >writer.out 2>&1 & } &&
	exec 3>writer.in &&
	echo "BEGIN; LOCK TABLE a_items IN ROW EXCLUSIVE MODE;" >&3 &&
	wait_for "$1" "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE a.application_name = 'writer' AND l.relation = 'a_items'::regclass AND l.granted" 1
}

close_writer() {
	echo "COMMIT;" >&3 && exec 3>&- && rm -f writer.in
}

test_expect_success 'a table whose build waits on an app writer does not hold up the others' '
	$R --database app --file prod.dump >out 2>&1 &
	pid=$! &&
	wait_for app "$at_gate" 2 &&
	pgsql app "DELETE FROM members WHERE tenant_id = 1 AND id = 5;
		INSERT INTO p_items VALUES (-5, '"'"'2024-01-06'"'"', '"'"'p-5'"'"'), (7, '"'"'2024-01-08'"'"', '"'"'app-7'"'"')" &&
	open_writer app &&
	pgsql app "INSERT INTO gate VALUES (true)" &&
	wait_for app "$(printf "$valid" b_items)" 3 &&
	wait_for app "SELECT count(*) FROM pg_constraint WHERE conrelid = '"'"'b_items'"'"'::regclass AND contype = '"'"'p'"'"'" 1 &&
	wait_for app "$(printf "$valid" c_slow)" 1 &&
	test "$(pgsql app "$(printf "$valid" a_items)")" = 0 &&
	test "$(pgsql app "SELECT phase FROM pg_stat_progress_create_index WHERE relid = '"'"'a_items'"'"'::regclass")" = \
		"waiting for writers before build" &&
	close_writer &&
	wait $pid &&
	cat out &&
	test "$(pgsql app "$(printf "$valid" a_items)")" = 4 &&
	test "$(pgsql app "SELECT count(*) FROM pg_namespace WHERE nspname = '"'"'berth_restore'"'"'")" = 0
'

# The indexes, constraints and data, as prod has them; $2: c_slow's columns.
schema_and_data() {
	pgsql "$1" "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
		WHERE indrelid::regclass::text IN ('a_items', 'b_items', 'c_slow') ORDER BY 1"
	pgsql "$1" "SELECT conrelid::regclass::text, conname, convalidated, pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
	for t in a_items b_items; do
		pgsql "$1" "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM $t t"
	done
	pgsql "$1" "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (SELECT $2 FROM c_slow) t"
}

# The app deleted member (1, 5) before c_slow's rows were in: those rows
# lose their member_id, as the key's SET NULL (member_id) says, and keep
# their tenant_id.
test_expect_success 'the rebuilt tables are as prod has them, the app'"'"'s delete applied' '
	schema_and_data prod "id, tenant_id, CASE WHEN (tenant_id, member_id) = (1, 5) THEN NULL ELSE member_id END" >expect &&
	schema_and_data app "id, tenant_id, member_id" >actual &&
	test_cmp expect actual &&
	test "$(pgsql prod "SELECT count(*) FROM c_slow WHERE (tenant_id, member_id) = (1, 5)")" = 10 &&
	test "$(pgsql app "SELECT count(*) FROM c_slow WHERE tenant_id = 1 AND member_id IS NULL")" = 10 &&
	test "$(pgsql app "SELECT count(*) FROM c_slow c WHERE member_id IS NOT NULL AND NOT EXISTS
		(SELECT 1 FROM members m WHERE (m.tenant_id, m.id) = (c.tenant_id, c.member_id))")" = 0 &&
	test_grep "10 row(s) of public.c_slow lost their parent .*ON DELETE action" out &&
	test_grep "CREATE INDEX CONCURRENTLY b_items_note" out &&
	test_grep "ADD CONSTRAINT b_items_a_id_fkey" out
'

# The app took two keys of p_items_1's dump rows (code and day of row 5,
# id and day of row 7) before they were in: the partition keeps its unique
# indexes, so its copy failed, and it went in again through a staging
# table; the app's rows stay, the dump's two are set aside, the rest is in.
p_rows() {
	pgsql "$1" "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM p_items t WHERE $2"
}

test_expect_success 'a partition whose unique keys the app took loads through a staging table' '
	test_grep "the copy of \"public\".\"p_items_1\" failed" out &&
	test_grep "loaded public.p_items_1 through a staging table" out &&
	test "$(pgsql app "SELECT string_agg(id::text, '"'"','"'"' ORDER BY id) FROM berth_conflicts.\"public.p_items_1\"")" = "5,7" &&
	test "$(pgsql app "SELECT count(*) FROM p_items WHERE (id, code) IN ((-5, '"'"'p-5'"'"'), (7, '"'"'app-7'"'"'))")" = 2 &&
	p_rows prod "id NOT IN (5, 7)" >expect &&
	p_rows app "id > 0 AND code <> '"'"'app-7'"'"'" >actual &&
	test_cmp expect actual &&
	test "$(pgsql app "SELECT count(*) FROM p_items")" = 2000 &&
	test_grep "1 row(s) of public.p_items_1 from the dump .*index public.p_items_1_code_day_key" out &&
	test_grep "1 row(s) of public.p_items_1 from the dump .*index public.p_items_1_pkey" out
'

# Two rows of the app's own with one code: a_items_code cannot be built.
# b_items's rebuild, on the other connection, finishes all the same.
test_expect_success 'a failed rebuild names its index and leaves the rest to resume' '
	$R --database app2 --file prod.dump >out2 2>&1 &
	pid=$! &&
	wait_for app2 "$at_gate" 2 &&
	pgsql app2 "INSERT INTO a_items VALUES (-1, '"'"'dup'"'"', '"'"'x'"'"'), (-2, '"'"'dup'"'"', '"'"'x'"'"');
		INSERT INTO gate VALUES (true)" &&
	test_expect_code 1 wait $pid &&
	cat out2 &&
	test_grep "a_items_code" out2 &&
	test_grep "dup" out2 &&
	test "$(pgsql app2 "$(printf "$valid" b_items)")" = 3 &&
	pgsql app2 "DELETE FROM a_items WHERE id = -2" &&
	berth db resume --database app2 --workdir "$W" >out3 2>&1 &&
	cat out3 &&
	test "$(pgsql app2 "$(printf "$valid" a_items)")" = 4 &&
	test "$(pgsql app2 "SELECT count(*) FROM a_items")" = 20001 &&
	test "$(pgsql app2 "SELECT count(*) FROM pg_namespace WHERE nspname = '"'"'berth_restore'"'"'")" = 0
'

test_done
