#!/bin/sh
# berth db restore while the app deletes rows that the large table's rows
# point at, before those rows have loaded: every foreign key holds at the
# end (checked by queries that would find a violating row, not by the
# catalog's flag), the delete's own ON DELETE action is what the late rows
# get, and what could not stay is set aside in berth_conflicts, counted.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/db/pg.sh"

pg_test_cluster 'db restore'
W="$TRASH/work"
mkdir -p "$W"
R="berth db restore --database app --workdir $W --large-table events,readings,tags"

# events (large) points at projects (ON DELETE CASCADE), at users as owner
# (SET NULL) and at reviews (NO ACTION, a two-column key MATCH FULL); notes
# (core) point at events (CASCADE), and events at events (a chain whose
# first link is in the deleted project); tags (large) has unique keys on an
# expression, partial and NULLS NOT DISTINCT. tests/db/live-deletes.sql.
test_expect_success 'setup: a production database and its dump' '
	createdb prod &&
	psql -X -q -v ON_ERROR_STOP=1 -d prod -f "$TOP/tests/db/live-deletes.sql" >/dev/null &&
	pg_dump -Fc -f prod.dump prod &&
	createdb app
'

# Counts of the rows that break each foreign key, by the keys' own rules.
violations() {
	pgsql "$1" "SELECT
		(SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = e.project_id)),
		(SELECT count(*) FROM events e WHERE e.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = e.owner_id)),
		(SELECT count(*) FROM events e WHERE NOT (e.reviewer_id IS NULL AND e.reviewed_in IS NULL) AND NOT EXISTS
			(SELECT 1 FROM reviews r WHERE r.user_id = e.reviewer_id AND r.project_id = e.reviewed_in)),
		(SELECT count(*) FROM notes n WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = n.event_id)),
		(SELECT count(*) FROM events c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = c.parent_id)),
		(SELECT count(*) FROM readings r WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = r.project_id)),
		(SELECT count(*) FROM readings r WHERE r.event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = r.event_id)),
		(SELECT count(*) FROM note_files f WHERE NOT EXISTS (SELECT 1 FROM notes n WHERE n.id = f.note_id)),
		(SELECT count(*) FROM note_likes l WHERE NOT EXISTS (SELECT 1 FROM notes n WHERE n.id = l.note_id)),
		(SELECT count(*) FROM note_links l WHERE l.note_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.id = l.note_id))"
}

# The app, during the load: deletes project 3 (its events cascade), user 2
# (owner: SET NULL) and user 4's reviews (NO ACTION), and writes a row of
# its own that points at a project it keeps.
app_writes() {
	pgsql app "DELETE FROM projects WHERE id = 3;
		DELETE FROM users WHERE id = 2;
		DELETE FROM reviews WHERE user_id = 4;
		INSERT INTO events (project_id, owner_id, payload) VALUES (5, 1, 'app-new');
		INSERT INTO tags (name, code, active, grp, slot) VALUES
			('TAG 7', NULL, false, 100001, 1),
			('app-tag-2', 'c42', true, 100002, 1),
			('app-tag-3', NULL, false, NULL, NULL)"
}

test_expect_success 'the app deletes parents before their dump rows load: every key holds afterwards' '
	$R --file prod.dump >out 2>&1 &
	pid=$! &&
	for i in $(seq 300); do
		test "$(pgsql app "SELECT count(*) FROM pg_stat_activity WHERE application_name = '"'"'berth-db-load'"'"' AND wait_event = '"'"'PgSleep'"'"'")" = 1 && break
		sleep 0.1
	done &&
	test "$(pgsql app "SELECT count(*) FROM events")" = 0 &&
	test "$(pgsql app "SELECT count(*), sum(n) FROM project_events")" = "10|0" &&
	test "$(pgsql app "SELECT count(*) FROM owner_events")" = 0 &&
	app_writes &&
	pgsql app "INSERT INTO gate VALUES (true)" &&
	rc=0 && wait $pid || rc=$? &&
	cat out &&
	# Said, so that a failure shows which check it was.
	echo "restore exit: $rc" &&
	vprod=$(violations prod) && vapp=$(violations app) &&
	invalid=$(pgsql app "SELECT string_agg(conname, '"'"' '"'"') FROM pg_constraint WHERE NOT convalidated") &&
	echo "violations: prod $vprod, app $vapp; not validated: $invalid" &&
	test $rc = 0 &&
	test "$vprod" = "0|0|0|0|0|0|0|0|0|0" &&
	test "$vapp" = "0|0|0|0|0|0|0|0|0|0" &&
	test -z "$invalid" &&
	test "$(pgsql app "SELECT count(*) FROM pg_namespace WHERE nspname = '"'"'berth_restore'"'"'")" = 0
'

# same WHAT ACTUAL EXPECTED: equal, or says which check differs and how.
same() {
	test "$2" = "$3" || { echo "$1: $2, expected $3"; return 1; }
}

# What the dump held, by what the app's deletes do to it.
test_expect_success 'cascaded and refused rows are set aside, SET NULL keys are nulled, the rest is intact' '
	gone="project_id = 3 OR (reviewer_id = 4 AND reviewed_in IS NOT NULL) OR id IN (1003, 1004, 1005)" &&
	same "events set aside" "$(pgsql app "SELECT count(*) FROM berth_conflicts.\"public.events\"")" \
		"$(pgsql prod "SELECT count(*) FROM events WHERE $gone")" &&
	same "events set aside that should not be" \
		"$(pgsql app "SELECT count(*) FROM berth_conflicts.\"public.events\" WHERE NOT ($gone)")" 0 &&
	same "dump events kept" "$(pgsql app "SELECT count(*) FROM events WHERE payload LIKE '"'"'event %'"'"'")" \
		"$(pgsql prod "SELECT count(*) FROM events WHERE NOT ($gone)")" &&
	same "events without owner" \
		"$(pgsql app "SELECT count(*) FROM events WHERE owner_id IS NULL AND payload LIKE '"'"'event %'"'"'")" \
		"$(pgsql prod "SELECT count(*) FROM events WHERE NOT ($gone) AND (owner_id IS NULL OR owner_id = 2)")" &&
	same "events of the deleted owner" "$(pgsql app "SELECT count(*) FROM events WHERE owner_id = 2")" 0 &&
	same "notes set aside" "$(pgsql app "SELECT count(*) FROM berth_conflicts.\"public.notes\"")" \
		"$(pgsql prod "SELECT count(*) FROM notes n WHERE n.event_id IN (SELECT id FROM events WHERE $gone)")" &&
	same "notes kept" "$(pgsql app "SELECT count(*) FROM notes")" \
		"$(pgsql prod "SELECT count(*) FROM notes n WHERE n.event_id IN (SELECT id FROM events WHERE NOT ($gone))")" &&
	same "the app'"'"'s event" "$(pgsql app "SELECT count(*) FROM events WHERE payload = '"'"'app-new'"'"'")" 1 &&
	# The notes set aside take their files (RESTRICT) and likes (CASCADE)
	# aside with them, and leave their links (SET NULL) without a note.
	lost="SELECT n.id FROM notes n WHERE n.event_id IN (SELECT id FROM events WHERE $gone)" &&
	for t in note_files note_likes; do
		same "$t set aside" "$(pgsql app "SELECT count(*) FROM berth_conflicts.\"public.$t\"")" \
			"$(pgsql prod "SELECT count(*) FROM $t WHERE note_id IN ($lost)")" &&
		same "$t kept" "$(pgsql app "SELECT count(*) FROM $t")" \
			"$(pgsql prod "SELECT count(*) FROM $t WHERE note_id NOT IN ($lost)")" || exit 1
	done &&
	test "$(pgsql prod "SELECT count(*) FROM note_files WHERE note_id IN ($lost)")" -gt 0 &&
	same "note_links nulled" "$(pgsql app "SELECT count(*) FROM note_links WHERE note_id IS NULL")" \
		"$(pgsql prod "SELECT count(*) FROM note_links WHERE note_id IN ($lost)")" &&
	test "$(pgsql prod "SELECT count(*) FROM note_links WHERE note_id IN ($lost)")" -gt 0 &&
	same "note_links kept" "$(pgsql app "SELECT count(*) FROM note_links")" 300 &&
	# readings load beside events: the app'"'"'s delete cascades to those in
	# by then, the others are set aside; either way exactly these remain.
	same "readings kept" "$(pgsql app "SELECT count(*) FROM readings")" \
		"$(pgsql prod "SELECT count(*) FROM readings r WHERE r.project_id <> 3 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = r.event_id AND ($gone))")"
'

# Every constraint, its partition parent and definition, and the triggers
# that enforce the keys, as prod has them.
keys() {
	pgsql "$1" "SELECT k.conrelid::regclass::text, k.conname, k.convalidated, p.conname, pg_get_constraintdef(k.oid)
		FROM pg_constraint k LEFT JOIN pg_constraint p ON p.oid = k.conparentid
		WHERE k.connamespace = 'public'::regnamespace ORDER BY 1, 2"
	pgsql "$1" "SELECT tgrelid::regclass::text, tgfoid::regproc::text, count(*) FROM pg_trigger
		WHERE tgisinternal AND tgrelid::regclass::text NOT LIKE 'berth%' GROUP BY 1, 2 ORDER BY 1, 2"
}

test_expect_success 'the keys come back as prod has them, those of the partitioned large table included' '
	keys prod >expect && keys app >actual && test_cmp expect actual &&
	test_grep "readings_2023 VALIDATE CONSTRAINT" out
'

matview_sum() {
	pgsql app "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM $1 t"
}

test_expect_success 'the analytics matviews hold the final data, the one with a unique index refreshed CONCURRENTLY' '
	test_grep "REFRESH MATERIALIZED VIEW CONCURRENTLY \"public\".\"project_" out &&
	test_grep "REFRESH MATERIALIZED VIEW \"public\".\"owner_events\"" out &&
	for mv in project_events owner_events; do
		matview_sum $mv >expect &&
		pgsql app "REFRESH MATERIALIZED VIEW $mv" &&
		matview_sum $mv >actual &&
		test_cmp expect actual || exit 1
	done
'

test_expect_success 'a dump row whose key on an expression, partial or NULLS NOT DISTINCT index the app took is set aside' '
	test "$(pgsql app "SELECT string_agg(name, '"'"','"'"' ORDER BY name) FROM berth_conflicts.\"public.tags\"")" = "Tag 3,Tag 42,Tag 7" &&
	test "$(pgsql app "SELECT count(*) FROM tags")" = 1000 &&
	test "$(pgsql app "SELECT count(*) FROM tags WHERE name IN ('"'"'TAG 7'"'"', '"'"'app-tag-2'"'"', '"'"'app-tag-3'"'"')")" = 3 &&
	test "$(pgsql app "SELECT count(*) FROM pg_index WHERE indrelid = '"'"'tags'"'"'::regclass AND indisvalid")" = 4 &&
	for i in tags_lower_name tags_active_code tags_grp_slot; do
		test_grep "1 row(s) of public.tags from the dump have a key .*index public.$i" out || exit 1
	done
'

test_expect_success 'each kind of repair is reported with its count and key' '
	n=$(pgsql prod "SELECT count(*) FROM events WHERE project_id = 3") &&
	test_grep "$n row(s) of public.events have lost their parent .*events_project_id_fkey.*berth_conflicts" out &&
	test_grep "row(s) of public.events lost their parent .*events_owner_id_fkey.*ON DELETE action" out &&
	test_grep "row(s) of public.events have lost their parent .*events_review_fkey" out &&
	test_grep "row(s) of public.notes have lost their parent .*notes_event_id_fkey" out &&
	test_grep "row(s) of public.note_files have lost their parent .*note_files_note_id_fkey.*berth_conflicts" out &&
	test_grep "row(s) of public.note_likes have lost their parent .*note_likes_note_id_fkey.*berth_conflicts" out &&
	test_grep "row(s) of public.note_links lost their parent .*note_links_note_id_fkey.*ON DELETE action" out &&
	test "$(grep -c "1 row(s) of public.events have lost their parent .*events_parent_id_fkey" out)" = 3
'

test_done
