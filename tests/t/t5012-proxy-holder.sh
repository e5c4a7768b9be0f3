#!/bin/sh
# berth's port holder (berth-proxy hold) and the proxies it serves: the
# holder binds the ports and hands the listening sockets over a unix socket
# in the shared state directory; proxies run with --holder accept on them.
# No network namespace is shared, so neither needs the other to start (a
# host reboot restarts containers in any order), and an old and a new
# proxy share one accept queue during a handover.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
S=$TRASH/state

holder_start() {
	"$PROXY_BIN" hold --bind 127.0.0.1 --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
		--state-dir "$S" >>"$TRASH/holder.out" 2>>"$TRASH/holder.err" &
	echo $! >"$TRASH/holder.pid"
	started $!
	wait_port "$HTTP_PORT"
}

# held N: proxy N, with its sockets from the holder.
held() {
	"$PROXY_BIN" run --holder --state-dir "$S" >>"$TRASH/proxy$1.out" 2>>"$TRASH/proxy$1.err" &
	echo $! >"$TRASH/proxy$1.pid"
	started $!
}

# wait_log FILE TEXT: up to 5 s for TEXT in FILE.
wait_log() {
	for _ in $(seq 1 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "never in $1: $2"; cat "$1"
	return 1
}

backend_start blue

test_expect_success 'a proxy started before its holder waits for it, then serves' '
	held 1 &&
	wait_log "$TRASH/proxy1.err" "waiting for berth.s port holder" &&
	holder_start &&
	wait_log "$TRASH/proxy1.err" "listening" &&
	bp deploy app --target 127.0.0.1:$PORT_blue >/dev/null &&
	get / >body && test_grep blue body
'

test_expect_success 'a second holder on the same state directory is refused' '
	test_must_fail "$PROXY_BIN" hold --bind 127.0.0.1 --http-port "$(free_port)" \
		--state-dir "$S" 2>err &&
	test_grep "another port holder answers" err
'

test_expect_success 'under load, a second proxy takes over on the same sockets and the first leaves: nothing fails' '
	$PYTHON "$HELPERS/load.py" "$HTTP_PORT" 30 "$TRASH/stop" --retry-reused >load.out &
	load=$! &&
	sleep 1 &&
	held 2 &&
	wait_log "$TRASH/proxy2.err" "listening" &&
	sleep 1 &&
	old=$(cat "$TRASH/proxy1.pid") &&
	kill -TERM $old &&
	for _ in $(seq 1 200); do
		kill -0 $old 2>/dev/null || break
		sleep 0.05
	done &&
	! kill -0 $old 2>/dev/null &&
	sleep 1 &&
	touch "$TRASH/stop" &&
	wait $load &&
	cat load.out &&
	grep -q " fail=0 " load.out &&
	bp list >list && test_grep app list
'

test_expect_success 'a holder that goes away and comes back: the proxy listens again by itself' '
	kill -TERM "$(cat "$TRASH/holder.pid")" &&
	wait_log "$TRASH/proxy2.err" "port holder went away" &&
	holder_start &&
	wait_log "$TRASH/proxy2.err" "listening again through" &&
	get / >body && test_grep blue body
'

test_expect_success 'without --holder, run binds its ports itself, as kamal-proxy does' '
	test_must_fail "$PROXY_BIN" run --bind 127.0.0.1 --http-port "$HTTP_PORT" \
		--https-port "$(free_port)" --state-dir "$TRASH/other" 2>err &&
	test_grep "cannot listen" err
'

test_done
