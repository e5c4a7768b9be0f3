#!/bin/sh
# berth db restore from S3: s3rver on 127.0.0.1 behind a proxy that checks
# every request's SigV4 signature independently (tests/db/sigv4-proxy.py).
# The newest dump (by LastModified, not by name) is listed and downloaded;
# a missing bucket, wrong credentials and an empty primary behave as a user
# needs; and a restore runs from config/deploy.yml + .kamal/secrets alone.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/db/pg.sh"

S3RVER="$TOP/tests/db/node_modules/s3rver/bin/s3rver.js"
if [ ! -x "$PGBIN/initdb" ] || ! command -v pg_dump >/dev/null; then
	test_skip 'db restore from S3' 'PostgreSQL 15 is not installed (scripts/deps/db.packages)'
	test_done
fi
if ! command -v node >/dev/null || [ ! -f "$S3RVER" ] || ! command -v python3 >/dev/null; then
	test_skip 'db restore from S3' 's3rver is not installed (sh scripts/deps/db.sh)'
	test_done
fi

S3_PID= PROXY_PID=
cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
	[ -n "$S3_PID" ] && kill "$S3_PID" 2>/dev/null
	pg_stop
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
pg_start "$TRASH/pg" || exit 1

AK=AKIDBERTHTEST
SK=berth-test-secret-kJ7q9PzW
node "$S3RVER" -d "$TRASH/s3" -a 127.0.0.1 -p 0 --silent --no-vhost-buckets \
	--configure-bucket dumps --configure-bucket fb >"$TRASH/s3rver.out" 2>&1 &
S3_PID=$!
python3 "$TOP/tests/db/sigv4-proxy.py" 0 "$AK" "$SK" "$TRASH/proxy.port" "$TRASH/proxy.log" 2>"$TRASH/proxy.err" &
PROXY_PID=$!
# The upstream port is known only once s3rver listens: restart the proxy then.
for i in $(seq 100); do grep -q "listening on" "$TRASH/s3rver.out" 2>/dev/null && break; sleep 0.1; done
S3_PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$TRASH/s3rver.out")
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; rm -f "$TRASH/proxy.port"
python3 "$TOP/tests/db/sigv4-proxy.py" "$S3_PORT" "$AK" "$SK" "$TRASH/proxy.port" "$TRASH/proxy.log" 2>"$TRASH/proxy.err" &
PROXY_PID=$!
for i in $(seq 100); do [ -f "$TRASH/proxy.port" ] && break; sleep 0.1; done
P="http://127.0.0.1:$(cat "$TRASH/proxy.port" 2>/dev/null)"
S3="http://127.0.0.1:$S3_PORT"

mkdir -p .kamal
printf 'R2_ACCESS_KEY_ID=%s\nR2_SECRET_ACCESS_KEY=%s\nFALLBACK_ACCESS_KEY_ID=%s\nFALLBACK_SECRET_ACCESS_KEY=%s\n' \
	"$AK" "$SK" "$AK" "$SK" >.kamal/secrets
W="$TRASH/work"
mkdir -p "$W"
R="berth db restore --database app --workdir $W --large-table events,measurements --critical-matview account_names --endpoint $P --region us-east-1"

put() { curl -sf -T "$1" "$S3/$2" >/dev/null; }

test_expect_success 'setup: s3rver behind the signature check, dumps uploaded' '
	test -n "$S3_PORT" && test -f "$TRASH/proxy.port" &&
	createdb prod &&
	psql -X -q -v ON_ERROR_STOP=1 -v events_rows=2000 -d prod -f "$TOP/tests/db/fixture.sql" >/dev/null &&
	pg_dump -Fc -f prod.dump prod && gzip -c prod.dump >prod.dump.gz &&
	createdb older && pgsql older "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('"'"'older-dump'"'"')" &&
	pg_dump -Fc -f older.dump older &&
	createdb app && pgsql app "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('"'"'current'"'"')" &&
	put older.dump dumps/prod/zzz-older.dump && sleep 1.2 &&
	put prod.dump.gz dumps/prod/aaa-newest.dump.gz &&
	put older.dump fb/prod/zzz-older.dump && sleep 1.2 &&
	put prod.dump.gz fb/prod/fallback-newest.dump.gz
'

test_expect_success 'the proxy refuses an unsigned request' '
	code=$(curl -s -o unsigned.xml -w "%{http_code}" "$P/dumps?list-type=2") &&
	test "$code" = 403 && test_grep "<Code>AccessDenied</Code>" unsigned.xml
'

test_expect_success 'restore lists the bucket and downloads the newest dump (by LastModified), signed' '
	: >"$TRASH/proxy.log" &&
	$R --bucket dumps --prefix prod/ --source r2 >out 2>&1 &&
	cat out &&
	test_grep "downloading s3://dumps/prod/aaa-newest.dump.gz from r2" out &&
	test_grep "^ok GET /dumps?.*list-type=2" "$TRASH/proxy.log" &&
	test_grep "^ok GET /dumps/prod/aaa-newest.dump.gz" "$TRASH/proxy.log" &&
	! grep -q "^403" "$TRASH/proxy.log" &&
	test "$(pgsql app "SELECT count(*) FROM events")" = "$(pgsql prod "SELECT count(*) FROM events")" &&
	test "$(pgsql app "SELECT count(*) FROM accounts")" = 50 &&
	test "$(pgsql app_berth_old "SELECT v FROM marker")" = current &&
	! ls "$W"/*.dump* 2>/dev/null
'

reset_live() {
	berth db drop-old --database app --workdir "$W" >/dev/null 2>&1
	pgsql app "DROP TABLE IF EXISTS marker; CREATE TABLE marker (v text); INSERT INTO marker VALUES ('current')"
}

test_expect_success 'a missing bucket: clear message naming bucket and endpoint, live untouched' '
	reset_live &&
	test_must_fail $R --bucket nosuch --prefix prod/ --source r2 >out 2>&1 &&
	cat out &&
	test_grep "bucket .nosuch. at $P" out && test_grep "NoSuchBucket" out &&
	test_grep "untouched" out &&
	test "$(pgsql app "SELECT v FROM marker")" = current
'

test_expect_success 'wrong credentials: 403 SignatureDoesNotMatch, said plainly, secret not shown' '
	mkdir -p wrong/.kamal &&
	printf "R2_ACCESS_KEY_ID=%s\nR2_SECRET_ACCESS_KEY=not-the-secret-XYZ\n" "$AK" >wrong/.kamal/secrets &&
	(cd wrong && test_must_fail $R --bucket dumps --prefix prod/ --source r2) >out 2>&1 &&
	cat out &&
	test_grep "403 SignatureDoesNotMatch" out && test_grep "wrong credentials" out &&
	! grep -q "not-the-secret-XYZ" out &&
	test_grep "^403 SignatureDoesNotMatch" "$TRASH/proxy.log" &&
	test "$(pgsql app "SELECT v FROM marker")" = current
'

test_expect_success 'the fallback source is used when the primary has no dump' '
	$R --bucket dumps --prefix empty/ --fallback-endpoint $P --fallback-region us-east-1 \
		--fallback-bucket fb --fallback-prefix prod/ >out 2>&1 &&
	cat out &&
	test_grep "source .r2. failed: s3: no dump under s3://dumps/empty/ at $P; trying the next one" out &&
	test_grep "downloading s3://fb/prod/fallback-newest.dump.gz from fallback" out &&
	test "$(pgsql app "SELECT count(*) FROM accounts")" = 50
'

test_expect_success 'a restore driven by config/deploy.yml and .kamal/secrets alone' '
	reset_live &&
	mkdir -p proj/config proj/.kamal &&
	cat >proj/config/deploy.yml <<-EOF &&
	service: app
	image: me/app
	servers:
	  - 127.0.0.1
	registry:
	  server: localhost:5555
	builder:
	  arch: amd64
	x-berth:
	  db:
	    databases: [app, versions]
	    schema_only_databases: [versions]
	    large_tables: [events, measurements]
	    critical_matviews: [account_names]
	    workdir: $W
	    jobs: 2
	    restart_cmd: touch $TRASH/restarted
	    source:
	      endpoint: $P
	      region: us-east-1
	      bucket: dumps
	      prefix: empty/
	    fallback:
	      endpoint: $P
	      region: us-east-1
	      bucket: fb
	      prefix: prod/
	EOF
	cp .kamal/secrets proj/.kamal/secrets &&
	echo "BERTH_DB_URL=\"host=$PGHOST port=$PGPORT user=postgres\"" >>proj/.kamal/secrets &&
	(cd proj && env -u PGHOST -u PGPORT -u PGUSER berth db restore) >out 2>&1 &&
	cat out &&
	test_grep "from fallback" out && test -f "$TRASH/restarted" &&
	test "$(pgsql app "SELECT count(*) FROM events")" = "$(pgsql prod "SELECT count(*) FROM events")" &&
	test "$(pgsql app_berth_old "SELECT v FROM marker")" = current &&
	(cd proj && env -u PGHOST -u PGPORT -u PGUSER berth db restore --database versions) >out 2>&1 &&
	test "$(pgsql versions "SELECT count(*) FROM accounts")" = 0 &&
	test "$(pgsql versions "SELECT count(*) FROM pg_indexes WHERE tablename = '"'"'events'"'"'")" = 3
'

test_expect_success 'flags override the config: a list flag replaces the list, --jobs the jobs' '
	(cd proj && berth db restore --dry-run --file "$TRASH/prod.dump") >cfg.out 2>&1 &&
	grep -A6 "^deferred list" cfg.out | grep -q "TABLE DATA public measurements_2024" &&
	test_grep "run: .*pg_restore.* --jobs=2 " cfg.out &&
	(cd proj && berth db restore --dry-run --file "$TRASH/prod.dump" --large-table events --jobs 3) >flag.out 2>&1 &&
	! grep -A6 "^deferred list" flag.out | grep -q measurements &&
	grep -A3 "^deferred list" flag.out | grep -q "TABLE DATA public events" &&
	test_grep "run: .*pg_restore.* --jobs=3 " flag.out
'

test_done
