#!/bin/sh
# Zero downtime: under steady load (keep-alive and not, plus slow requests),
# 20 deploys alternate between two targets without a single failed request.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start
backend_start blue
backend_start green
bp deploy app --target 127.0.0.1:$PORT_blue >/dev/null

test_expect_success '20 deploys under load: no failed or non-2xx response' '
	$PYTHON "$HELPERS/load.py" "$HTTP_PORT" 60 "$TRASH/stop" >load.out &
	load=$! &&
	sleep 0.5 &&
	for i in $(seq 1 10); do
		bp deploy app --target 127.0.0.1:$PORT_green --drain-timeout 5s --health-check-interval 100ms &&
		bp deploy app --target 127.0.0.1:$PORT_blue --drain-timeout 5s --health-check-interval 100ms || break
	done &&
	touch "$TRASH/stop" &&
	wait $load &&
	cat load.out &&
	grep -q "fail=0" load.out &&
	! grep -q "ok=0 " load.out
'

test_expect_success 'slow requests that began before a swap completed' '
	slow=$(sed -n "s/.*slow_ok=\([0-9]*\).*/\1/p" load.out) &&
	test "$slow" -gt 0
'

test_expect_success 'both targets served traffic' '
	log_line "\"target\":\"127.0.0.1:$PORT_blue\"" >/dev/null &&
	log_line "\"target\":\"127.0.0.1:$PORT_green\"" >/dev/null
'

test_done
