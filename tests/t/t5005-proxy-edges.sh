#!/bin/sh
# Less common paths: WebSockets across a drain, held requests and stop,
# health-check options, error pages, response limits.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start
backend_start one
backend_start two
backend_start slowup --health-delay 2
bp deploy app --target 127.0.0.1:$PORT_one >/dev/null


# ws_session SECONDS: opens a WebSocket-style upgrade and pings every 0.2s;
# prints how many echoes came back before the connection ended.
ws_session() {
	$PYTHON -c "
import socket, time, sys
s = socket.create_connection(('127.0.0.1', $HTTP_PORT))
s.sendall(b'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n$WS_KEY\r\n')
s.settimeout(1)
buf = s.recv(4096)
open('ws.open', 'w').close()
n = 0
end = time.time() + $1
while time.time() < end:
    try:
        s.sendall(b'ping')
        got = s.recv(4096)
        if not got:
            break
        n += 1
    except OSError:
        break
    time.sleep(0.2)
print(n)
"
}

test_expect_success '12 (beyond): a WebSocket lives on during a drain, until its timeout' '
	rm -f ws.open &&
	{ ws_session 6 >ws.count & } &&
	ws=$! &&
	for i in $(seq 1 50); do test -f ws.open && break; sleep 0.1; done &&
	start=$(date +%s) &&
	bp deploy app --target 127.0.0.1:$PORT_two --drain-timeout 2s &&
	wait $ws &&
	n=$(cat ws.count) &&
	echo "echoes: $n" &&
	test "$n" -ge 8 && test "$n" -le 18
'

test_expect_success '15: stopping while requests are held fails them at once with the message' '
	bp pause app --max-pause 10s &&
	{ (get / >held.out; echo done >held.done) & } &&
	sleep 0.5 &&
	bp stop app --message "maintenance window" &&
	for i in $(seq 1 30); do test -f held.done && break; sleep 0.1; done &&
	test -f held.done && test_grep "maintenance window" held.out &&
	bp resume app
'

test_expect_success 'pause waits for in-flight requests (up to --drain-timeout)' '
	rm -f two.started &&
	{ (get "/slow?ms=1200" >inflight.out) & } &&
	slow_started two &&
	start=$(date +%s%N) &&
	bp pause app --drain-timeout 5s &&
	end=$(date +%s%N) &&
	test_grep "slow" inflight.out &&
	test $(( (end - start) / 1000000 )) -ge 500 &&
	bp resume app
'

test_expect_success '9: a health check slower than its timeout fails' '
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_slowup --health-check-timeout 500ms --deploy-timeout 1500ms 2>err &&
	test_grep "failed to become healthy" err
'

test_expect_success '9: a slow check passes within its timeout' '
	bp deploy slow --host slow.example.com --target 127.0.0.1:$PORT_slowup --health-check-timeout 3s --deploy-timeout 5s
'

test_expect_success '9: --health-check-path and --health-check-port are used' '
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_one --health-check-path /status/500 --deploy-timeout 1s 2>err &&
	bp deploy app --target 127.0.0.1:$PORT_one --health-check-port $PORT_two --deploy-timeout 2s
'

test_expect_success '13: a deploy with a missing error pages directory fails' '
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_two --error-pages /nonexistent 2>err &&
	test_grep "error pages" err &&
	get / >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'custom error pages are served' '
	mkdir pages && echo "<p>custom unavailable</p>" >pages/503.html &&
	bp deploy app --target 127.0.0.1:$PORT_one --error-pages "$TRASH/pages" &&
	bp stop app &&
	get / >out && test_grep "custom unavailable" out &&
	bp resume app
'

# Kamal's maintenance page: kamal-proxy renders it as a Go template whose
# data is the stop message.
cat >maintenance.html <<'EOF'
<!doctype html>
<title>Down for maintenance</title>
{{ if .Message -}}
<p class="why">{{ .Message }}</p>
{{- else -}}
<p class="why">We will be back shortly.</p>
{{- end }}
<!-- not for the client -->
EOF

test_expect_success 'error pages are Go templates: {{.Message}} shows the stop message, escaped' '
	mkdir tpl && cp maintenance.html tpl/503.html &&
	echo "<h1>bad gateway{{.Message}}</h1>" >tpl/502.html &&
	bp deploy tpl --target 127.0.0.1:$PORT_one --host tpl.example.com --error-pages "$TRASH/tpl" &&
	bp stop tpl --message "Upgrading <db> & \"cache\" + more" &&
	get / -H "Host: tpl.example.com" >out &&
	test_grep "^<p class=\"why\">Upgrading &lt;db&gt; &amp; &#34;cache&#34; &#43; more</p>\$" out &&
	! grep -q -e "{{" -e "not for the client" -e "back shortly" out &&
	bp stop tpl &&
	get / -H "Host: tpl.example.com" >out &&
	test_grep "^<p class=\"why\">We will be back shortly.</p>\$" out &&
	bp resume tpl &&
	backend_start brief &&
	bp deploy tpl --target 127.0.0.1:$PORT_brief --host tpl.example.com --error-pages "$TRASH/tpl" &&
	kill $PID_brief && { wait $PID_brief 2>/dev/null || :; } &&
	test "$(status / -H "Host: tpl.example.com")" = 502 &&
	get / -H "Host: tpl.example.com" >out &&
	test_grep "^<h1>bad gateway</h1>\$" out &&
	bp remove tpl
'

test_expect_success '13: a deploy with error pages that are not templates we can render fails; nothing changes' '
	mkdir badtpl && echo "{{ if .Message }}unclosed" >badtpl/503.html &&
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_two --error-pages "$TRASH/badtpl" 2>err &&
	test_grep "unable to load error pages: 503.html:1: {{if}} or {{with}} without {{end}}" err &&
	mkdir empty &&
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_two --error-pages "$TRASH/empty" 2>err &&
	test_grep "unable to load error pages: no \*.html file" err &&
	get / >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '22: with response buffering, an oversized response gets 500' '
	bp deploy big --host big.example.com --target 127.0.0.1:$PORT_one --buffer-responses --max-response-body 10 &&
	test "$(status / -H "Host: big.example.com")" = 500
'

test_expect_success '22: without buffering no limit applies' '
	head -c 2000000 /dev/zero >big &&
	get /post -X POST --data-binary @big >out && test_grep "\"body_length\": 2000000" out
'

# Edge-triggered epoll reports readiness once. The tests below make the
# proxy hold known readiness with work left, where a lost wake-up hangs.

test_expect_success 'a hundred pipelined requests are all answered (work left in the buffer after a turn)' '
	$PYTHON -c "
import socket
s = socket.create_connection((\"127.0.0.1\", $METRICS_PORT))
s.sendall(b\"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\" * 100)
s.settimeout(5)
got = b\"\"
try:
    while got.count(b\"HTTP/1.1 200\") < 100:
        d = s.recv(65536)
        if not d:
            break
        got += d
except OSError:
    pass
print(got.count(b\"HTTP/1.1 200\"))
" >count &&
	echo 100 >expect && test_cmp expect count
'

# upload_intact ARGS...: POSTs the file big8 through the proxy five times
# with extra curl ARGS; the target must see every byte.
upload_intact() {
	want=$(sha256sum <big8 | cut -d" " -f1)
	for i in 1 2 3 4 5; do
		get "/post?read_delay_ms=200" -X POST --data-binary @big8 "$@" >out &&
		test_grep "\"sha256\": \"$want\"" out || return 1
	done
}

test_expect_success 'large uploads reach a target that reads late, intact (Content-Length)' '
	head -c 8000000 /dev/urandom >big8 &&
	upload_intact
'

test_expect_success 'large uploads reach a target that reads late, intact (chunked)' '
	upload_intact -H "Transfer-Encoding: chunked"
'

test_expect_success 'large responses reach a client that reads late, intact (Content-Length and chunked)' '
	for q in "n=8000000" "n=8000000&chunked=1"; do
		$PYTHON "$HELPERS/slowread.py" $HTTP_PORT "/bytes?$q" 0.5 >out &&
		echo "200 8000000 sha256-ok" >expect && test_cmp expect out || return 1
	done
'

test_expect_success 'a response that ends with the connection arrives whole (FIN in the same event as the data)' '
	for i in $(seq 1 10); do
		get /close >out && test_grep "until close one" out || return 1
	done
'

test_expect_success 'the daemon survives a client resetting mid-response' '
	$PYTHON -c "
import socket, struct
for i in range(20):
    s = socket.create_connection((\"127.0.0.1\", $HTTP_PORT))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0))
    s.sendall(b\"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n\")
    s.recv(10)
    s.close()
" &&
	test "$(status /)" = 200
'

test_expect_success 'SIGTERM lets a running request finish, then exits' '
	rm -f one.started &&
	{ (get "/slow?ms=1000" >term.out) & } &&
	slow_started one &&
	kill -TERM $PROXY_PID &&
	sleep 0.2 &&
	test "$(status /)" = 000 &&
	for i in $(seq 1 40); do kill -0 $PROXY_PID 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 $PROXY_PID 2>/dev/null &&
	test_grep "slow one" term.out
'

test_done
