#!/bin/sh
# The access log never stops the traffic: with a reader that stalls (a full
# pipe, a stuck log driver) every request is still answered, the lines
# that find no room are counted, and the log goes on whole-lined once the
# reader reads again. Every line is JSON, whatever bytes the client sent.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

backend_start one

# The proxy's stdout is a pipe whose only reader (sleep, holding it open)
# never reads: 64 KiB in, every further write would block.
mkfifo "$TRASH/log.fifo"
sleep 300 3<>"$TRASH/log.fifo" &
started $!
HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port) METRICS_PORT=$(free_port)
"$PROXY_BIN" run --bind 127.0.0.1 --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
	--metrics-port "$METRICS_PORT" --state-dir "$TRASH/state" \
	>"$TRASH/log.fifo" 2>>"$TRASH/proxy.err" &
started $!
wait_port "$HTTP_PORT"

dropped() {
	curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
		sed -n 's/^berth_proxy_access_log_dropped_total //p'
}

test_expect_success 'a stalled log reader: 3000 requests are all answered' '
	bp deploy app --target 127.0.0.1:$PORT_one &&
	curl -s --max-time 120 -o /dev/null -w "%{http_code}\n" \
		"http://127.0.0.1:$HTTP_PORT/stalled/[1-3000]" >codes &&
	test "$(grep -c "^200$" codes)" = 3000
'

test_expect_success 'the lines that found no room are counted in the metrics' '
	test "$(dropped)" -gt 0
'

test_expect_success 'once the reader reads, the log goes on in whole JSON lines' '
	{ timeout 5 cat "$TRASH/log.fifo" >log & } &&
	sleep 0.5 &&
	curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/after-the-stall" &&
	curl -s -o /dev/null -H "User-Agent: caf$(printf "\351\303")" \
		"http://127.0.0.1:$HTTP_PORT/bad-utf8" &&
	for _ in $(seq 40); do
		grep -q bad-utf8 log && break
		sleep 0.1
	done &&
	grep -q "\"path\":\"/after-the-stall\"" log &&
	python3 -c "
import json, sys
n = 0
for line in open(\"log\", \"rb\"):
    rec = json.loads(line.decode(\"utf-8\"))
    n += 1
    if rec.get(\"path\") == \"/bad-utf8\":
        assert rec[\"user_agent\"] == \"caf\ufffd\ufffd\", rec[\"user_agent\"]
assert n > 2, n
"
'

test_done
