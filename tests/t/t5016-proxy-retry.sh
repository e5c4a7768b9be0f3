#!/bin/sh
# Retry and passive ejection (beyond kamal-proxy): a target that refuses a
# connection leaves the rotation at once, and the idempotent requests it
# refused go to another target of the service; a POST is never retried.
# The regular health checks bring the target back.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start --debug
backend_start one
backend_start two

# metric NAME: its value on the metrics port
metric() {
	curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | sed -n "s/^$1 //p"
}

# lines FILE: how many lines FILE has (0 while it does not exist)
lines() {
	if test -f "$1"; then wc -l <"$1"; else echo 0; fi
}

# wait_lines FILE N: until FILE has at least N lines (up to 10 s)
wait_lines() {
	for _ in $(seq 200); do
		test "$(lines "$1")" -ge "$2" && return 0
		sleep 0.05
	done
	echo "$1 has $(lines "$1") lines, not $2"
	return 1
}

# backends N: the sorted set of backends that answered N GETs
backends() {
	for i in $(seq 1 $1); do get /; echo; done |
		sed -n "s/.*\"backend\": \"\([a-z]*\)\".*/\1/p" | sort -u | tr "\n" " "
}

# statuses N: the sorted set of the statuses of N GETs
statuses() {
	for i in $(seq 1 $1); do status /; echo; done | sort -u | tr "\n" " "
}

# kill_one: SIGKILL for backend one (tests run in subshells: its PID is
# kept in a file). restart_one: it again, on its port.
echo $PID_one >"$TRASH/one.pid"
kill_one() {
	kill -9 "$(cat "$TRASH/one.pid")"
}
restart_one() {
	(cd "$TRASH" && exec $PYTHON "$HELPERS/backend.py" "$PORT_one" one 2>>"$TRASH/backend-one.err") &
	echo $! >"$TRASH/one.pid"
	started $!
	wait_port "$PORT_one"
}

# A health check a second: without the retry, the second after the kill
# would be hundreds of 502s. A request the target was already working on
# when it died has been sent: it is retried only if it went on a
# kept-alive connection (as any client may, RFC 9112 9.3.1), else the
# client gets what the target gave (a 502, a cut response), and the log
# (--debug) says "target ... failed". Every other GET must succeed: the
# warm-up of 1000 requests a target fills the pool, so there are few if
# any of the first kind.
test_expect_success 'a target killed under load: no GET it refused fails' '
	bp deploy app --target 127.0.0.1:$PORT_one --target 127.0.0.1:$PORT_two \
		--health-check-interval 1s &&
	{ $PYTHON "$HELPERS/load.py" "$HTTP_PORT" 60 "$TRASH/stop" >load.out & } &&
	load=$! &&
	wait_lines "$TRASH/one.arrivals" 1000 &&
	wait_lines "$TRASH/two.arrivals" 1000 &&
	kill_one &&
	n=$(lines "$TRASH/two.arrivals") &&
	wait_lines "$TRASH/two.arrivals" $((n + 500)) &&
	touch "$TRASH/stop" &&
	{ wait $load; cat load.out; } &&
	sent=$(grep -c "target .127.0.0.1:$PORT_one. failed" "$TRASH/proxy.err" || :) &&
	grep -q "fail=$sent " load.out &&
	test $sent -le 3 &&
	! grep -q "ok=0 " load.out
'

test_expect_success 'the refused requests were retried and the target ejected' '
	test "$(metric berth_proxy_target_retries_total)" -gt 0 &&
	test "$(metric berth_proxy_targets_ejected_total)" -gt 0 &&
	test_grep "127.0.0.1:$PORT_one.* refused a connection.*out of rotation" "$TRASH/proxy.err" &&
	test "$(statuses 4)" = "200 " &&
	test "$(backends 4)" = "two "
'

test_expect_success 'restarted, the target is back once its health check passes' '
	restart_one &&
	for _ in $(seq 50); do
		test "$(backends 4)" = "one two " && break
		sleep 0.1
	done &&
	test "$(backends 4)" = "one two "
'

# Right after a passing check the next is a second away: the kill and the
# POSTs fall between the two, so the target is still in rotation.
test_expect_success 'a POST to a dead target gets its 502, and the target leaves' '
	n=$(lines "$TRASH/one.checks") &&
	wait_lines "$TRASH/one.checks" $((n + 1)) &&
	kill_one &&
	for i in 1 2; do status / -X POST -d x=1; echo; done | sort | tr "\n" " " >st &&
	test "$(cat st)" = "200 502 " &&
	test "$(statuses 4)" = "200 " &&
	test "$(backends 4)" = "two "
'

test_expect_success 'with no other target in rotation, a refused GET gets 502' '
	restart_one &&
	bp deploy app --target 127.0.0.1:$PORT_one &&
	kill_one &&
	test "$(status /)" = 502 &&
	test "$(status /)" = 502
'

test_done
