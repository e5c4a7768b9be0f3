#!/bin/sh
# berth-proxy as a client sees it: routing, deploys, headers, pause/stop.
# Numbers refer to /work/shared/conformance/proxy-behaviours.md.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start
backend_start one
backend_start two
backend_start sick --health 500

test_expect_success '1: no service deployed answers 404 with an HTML page' '
	test "$(status /)" = 404 &&
	get / >page && test_grep "<html" page
'

test_expect_success 'deploy routes requests to the target' '
	bp deploy app --target 127.0.0.1:$PORT_one &&
	get /hello >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '2: redeploying sends the next request to the new target' '
	bp deploy app --target 127.0.0.1:$PORT_two --drain-timeout 1s &&
	get /hello >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '8: a target failing its health check is not deployed' '
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_sick --deploy-timeout 1s 2>err &&
	test_grep "failed to become healthy" err &&
	test_grep "last health check: unexpected status 5[0-9][0-9]" err &&
	get /hello >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '8: a target that refuses connections is not deployed' '
	port=$(free_port) &&
	test_must_fail bp deploy app --target 127.0.0.1:$port --deploy-timeout 1s 2>err &&
	test_grep "failed to become healthy" err &&
	test_grep "last health check: Connection refused" err
'

test_expect_success '3: a second service cannot take a host another service owns' '
	test_must_fail bp deploy other --target 127.0.0.1:$PORT_one 2>err &&
	test_grep "conflict" err &&
	get /hello >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '4: hosts, wildcards and the catch-all' '
	bp deploy first --target 127.0.0.1:$PORT_one --host "*.first.example.com" &&
	get / -H "Host: a.first.example.com" >out && test_grep "\"backend\": \"one\"" out &&
	get / -H "Host: unknown.example.com" >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '4: a wildcard stands for one label, as in kamal-proxy and TLS certificates' '
	get / -H "Host: A.First.Example.com:80" >out && test_grep "\"backend\": \"one\"" out &&
	get / -H "Host: a.b.first.example.com" >out && test_grep "\"backend\": \"two\"" out &&
	get / -H "Host: first.example.com" >out && test_grep "\"backend\": \"two\"" out &&
	get / -H "Host: .first.example.com" >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '5: Host with a port matches the host' '
	bp deploy named --target 127.0.0.1:$PORT_one --host name.example.com &&
	get / -H "Host: name.example.com:80" >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '6: path prefixes are stripped, whole segments only' '
	bp deploy pre --target 127.0.0.1:$PORT_one --host pre.example.com --path-prefix /app &&
	get "/app/show?a=1" -H "Host: pre.example.com" >out &&
	test_grep "\"target\": \"/show?a=1\"" out &&
	get /app -H "Host: pre.example.com" >out && test_grep "\"path\": \"/\"" out &&
	test "$(status /appointment -H "Host: pre.example.com")" = 404
'

test_expect_success '6: a host with services, none under the path, is a 404 (no falling back to the catch-all), as in kamal-proxy' '
	get /elsewhere -H "Host: pre.example.com" >out && test_grep "404 Not Found" out &&
	get /elsewhere -H "Host: other.example.com" >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '6: --strip-path-prefix=false keeps the path' '
	bp deploy keep --target 127.0.0.1:$PORT_one --host keep.example.com --path-prefix /app --strip-path-prefix=false &&
	get /app/show -H "Host: keep.example.com" >out && test_grep "\"path\": \"/app/show\"" out
'

test_expect_success '7: query and Host reach the backend verbatim' '
	get "/q?p1=a;b;c&p2=%x" -H "Host: Odd.Example.com" >out &&
	test_grep "\"query\": \"p1=a;b;c&p2=%x\"" out &&
	test_grep "\"Host\", \"Odd.Example.com\"" out
'

test_expect_success 'absolute-form: the URI'"'"'s authority routes; the target gets origin-form, Host set to it' '
	get / --request-target "http://name.example.com/abs?q=1" -H "Host: other.example.com" >out &&
	test_grep "\"backend\": \"one\"" out &&
	test_grep "\"target\": \"/abs?q=1\"" out &&
	test_grep "\"Host\", \"name.example.com\"" out &&
	test_grep "\"X-Forwarded-Host\", \"name.example.com\"" out &&
	! grep -q other.example.com out &&
	get / --request-target "HTTP://pre.example.com:80/app/show" -H "Host: name.example.com" >out &&
	test_grep "\"target\": \"/show\"" out &&
	get / --request-target "http://name.example.com" >out &&
	test_grep "\"target\": \"/\"" out
'

test_expect_success 'absolute-form with userinfo or without a host is refused' '
	test "$(status / --request-target "http://me@name.example.com/")" = 400 &&
	test "$(status / --request-target "http:///x")" = 400
'

test_expect_success '20: without --tls, client X-Forwarded-* are kept and appended to (kamal-proxy'"'"'s default)' '
	get / -H "X-Forwarded-For: 6.6.6.6" -H "X-Forwarded-For: 7.7.7.7" \
		-H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: front.example.com" >out &&
	test_grep "\"X-Forwarded-For\", \"6.6.6.6, 7.7.7.7, 127.0.0.1\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"https\"" out &&
	test_grep "\"X-Forwarded-Host\", \"front.example.com\"" out &&
	get / -H "Host: plain.example.com" >out &&
	test_grep "\"X-Forwarded-For\", \"127.0.0.1\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"http\"" out &&
	test_grep "\"X-Forwarded-Host\", \"plain.example.com\"" out
'

test_expect_success 'headers the Connection header names, and Proxy-Authorization, stop at the proxy (RFC 9110 7.6.1)' '
	get / -H "Connection: keep-alive, X-Hop-Secret" -H "X-Hop-Secret: for the proxy" \
		-H "Proxy-Authorization: Basic cHJveHk6cGFzcw==" -H "X-Kept: end to end" >out &&
	test_grep "\"X-Kept\", \"end to end\"" out &&
	! grep -qi -e x-hop-secret -e proxy-authorization -e cHJveHk6 out
'

test_expect_success '20: --forward-headers=false replaces them' '
	bp deploy strict --target 127.0.0.1:$PORT_one --host strict.example.com --forward-headers=false &&
	get / -H "Host: strict.example.com" -H "X-Forwarded-For: 6.6.6.6" \
		-H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: front.example.com" >out &&
	test_grep "\"X-Forwarded-For\", \"127.0.0.1\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"http\"" out &&
	test_grep "\"X-Forwarded-Host\", \"strict.example.com\"" out &&
	! grep -q -e 6.6.6.6 -e front.example.com out
'

test_expect_success '20: a client'"'"'s Forwarded header never reaches the target' '
	get / -H "Forwarded: for=6.6.6.6;proto=https" >out &&
	! grep -q "Forwarded\", \"for=" out &&
	get / -H "Host: strict.example.com" -H "Forwarded: for=6.6.6.6" >out &&
	! grep -q 6.6.6.6 out
'

test_expect_success '--client-ip-header: its value stands for the client'"'"'s X-Forwarded-For, and is the log'"'"'s remote_addr' '
	bp deploy cip --target 127.0.0.1:$PORT_one --host cip.example.com --client-ip-header True-Client-IP &&
	get / -H "Host: cip.example.com" -H "True-Client-IP: 203.0.113.9" -H "X-Forwarded-For: 6.6.6.6" >out &&
	test_grep "\"X-Forwarded-For\", \"203.0.113.9, 127.0.0.1\"" out &&
	log_line "\"host\":\"cip.example.com\"" >line &&
	test_grep "\"remote_addr\":\"203.0.113.9\"" line &&
	get / -H "Host: cip.example.com" -H "X-Forwarded-For: 6.6.6.6" >out &&
	test_grep "\"X-Forwarded-For\", \"6.6.6.6, 127.0.0.1\"" out &&
	bp remove cip
'

test_expect_success '21: X-Request-ID and X-Request-Start are added only when absent' '
	get / >out &&
	test_grep "\"X-Request-ID\", \"[0-9a-f-]\{36\}\"" out &&
	test_grep "\"X-Request-Start\", \"t=[0-9]\{13\}\"" out &&
	get / -H "X-Request-ID: mine" -H "X-Request-Start: t=5" >out &&
	test_grep "\"X-Request-ID\", \"mine\"" out &&
	test_grep "\"X-Request-Start\", \"t=5\"" out
'

test_expect_success '15: stop answers 503 with the message; resume restores' '
	bp stop app --message "back soon" &&
	test "$(status /)" = 503 &&
	get / >out && test_grep "back soon" out &&
	bp resume app &&
	test "$(status /)" = 200
'

test_expect_success '15: the health path still answers while stopped' '
	bp stop app &&
	test "$(status /up)" = 200 &&
	bp resume app
'

test_expect_success '14, 15: paused or stopped, the proxy itself answers GET and HEAD of the health path with 200, even with the target down' '
	backend_start maint &&
	bp deploy maint --target 127.0.0.1:$PORT_maint --host maint.example.com \
		--path-prefix /m --health-check-path /health &&
	bp stop maint --message "planned" &&
	kill $PID_maint && { wait $PID_maint 2>/dev/null || :; } &&
	curl -sS -i --max-time 5 -H "Host: maint.example.com" "http://127.0.0.1:$HTTP_PORT/m/health" >out &&
	test_grep "^HTTP/1.1 200 " out &&
	test_grep "^Content-Length: 0" out &&
	test "$(status /m/health -I -H "Host: maint.example.com")" = 200 &&
	test "$(status /m/health?probe=1 -H "Host: maint.example.com")" = 200 &&
	test "$(status /m/health -X POST -H "Host: maint.example.com")" = 503 &&
	test "$(status /m/other -H "Host: maint.example.com")" = 503 &&
	bp pause maint --max-pause 5s &&
	test "$(status /m/health -H "Host: maint.example.com" --max-time 2)" = 200 &&
	bp resume maint &&
	test "$(status /m/health -H "Host: maint.example.com")" = 502 &&
	bp remove maint
'

test_expect_success '14: paused requests are held and proceed on resume' '
	bp pause app &&
	{ (get / >held.out; echo done >held.done) & } &&
	sleep 0.5 && test ! -f held.done &&
	bp resume app &&
	for i in $(seq 1 50); do test -f held.done && break; sleep 0.1; done &&
	test_grep "\"backend\": \"two\"" held.out
'

test_expect_success '14: after --max-pause held requests get 504' '
	bp pause app --max-pause 500ms &&
	test "$(status /)" = 504 &&
	bp resume app
'

test_expect_success '16: a paused service stays paused across a redeploy' '
	bp pause app --max-pause 300ms &&
	bp deploy app --target 127.0.0.1:$PORT_one --drain-timeout 1s &&
	test "$(status /)" = 504 &&
	bp resume app && get / >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '10: in-flight requests finish during a swap; deploy waits' '
	rm -f one.started &&
	{ (get "/slow?ms=1500" >slow.out) & } &&
	slow_started one &&
	bp deploy app --target 127.0.0.1:$PORT_two --drain-timeout 5s &&
	test_grep "slow one" slow.out &&
	get / >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '11: requests still running at the drain timeout get 504' '
	rm -f two.cancelled two.started &&
	{ (status "/slow?ms=5000" >drain.status) & } &&
	slow_started two &&
	bp deploy app --target 127.0.0.1:$PORT_one --drain-timeout 500ms &&
	for i in $(seq 1 50); do test -s drain.status && break; sleep 0.1; done &&
	test "$(cat drain.status)" = 504 &&
	for i in $(seq 1 30); do test -f two.cancelled && break; sleep 0.1; done &&
	test -f two.cancelled
'

test_expect_success '504 after --target-timeout' '
	bp deploy t504 --target 127.0.0.1:$PORT_one --host t504.example.com --target-timeout 500ms &&
	test "$(status "/slow?ms=3000" -H "Host: t504.example.com")" = 504
'

test_expect_success '502 when the target refuses; the log line names that target' '
	backend_start gone &&
	bp deploy t502 --target 127.0.0.1:$PORT_gone --host t502.example.com >/dev/null &&
	kill $PID_gone && { wait $PID_gone 2>/dev/null || :; } &&
	test "$(status / -H "Host: t502.example.com" -H "X-Request-ID: refused")" = 502 &&
	log_line "\"request_id\":\"refused\"" >line &&
	test_grep "\"status\":502" line &&
	test_grep "\"target\":\"127.0.0.1:$PORT_gone\"" line
'

test_expect_success '23: chunked responses stream through' '
	get /stream >out && test "$(grep -c data: out)" = 3
'

test_expect_success '23: WebSocket upgrade is passed through' '
	printf "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n$WS_KEY\r\nping-pong" >req &&
	raw "$(cat req)" 1 >out &&
	test_grep "^HTTP/1.1 101 " out && test_grep "ping-pong" out &&
	test_grep "^Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" out
'

test_expect_success 'a 101 to another protocol than the one asked for is a 502, as in Go'"'"'s proxy' '
	raw "GET /switch-h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n$WS_KEY\r\n" 1 >out &&
	test_grep "^HTTP/1.1 502 " out && ! grep -q "^HTTP/1.1 101" out
'

test_expect_success 'keep-alive and pipelining: two requests on one connection' '
	raw "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >out &&
	test "$(grep -c "HTTP/1.1 200" out)" = 2 &&
	test_grep "\"path\": \"/a\"" out && test_grep "\"path\": \"/b\"" out
'

test_expect_success 'chunked request bodies reach the target' '
	printf "hello world" >body &&
	get /post -X POST -H "Transfer-Encoding: chunked" --data-binary @body >out &&
	test_grep "\"body_length\": 11" out
'

test_expect_success 'Expect: 100-continue works' '
	head -c 100000 /dev/zero >big &&
	get /post -X POST -H "Expect: 100-continue" --data-binary @big >out &&
	test_grep "\"body_length\": 100000" out
'

test_expect_success 'HTTP/1.0 clients get a response and a close' '
	raw "GET / HTTP/1.0\r\n\r\n" >out &&
	test_grep "HTTP/1.1 200" out && test_grep "Connection: close" out
'

test_expect_success '22: with buffering, an oversized request gets 413' '
	bp deploy small --target 127.0.0.1:$PORT_one --host small.example.com --buffer-requests --max-request-body 10 &&
	test "$(status /p -H "Host: small.example.com" --data-binary @big)" = 413
'

test_expect_success '13: a deploy with an invalid certificate fails and changes nothing' '
	echo junk >bad.pem &&
	test_must_fail bp deploy app --target 127.0.0.1:$PORT_two --host tls.example.com --tls \
		--tls-certificate-path bad.pem --tls-private-key-path bad.pem 2>err &&
	test_grep "certificate" err &&
	get / >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '28: one JSON access-log line per request' '
	get "/logged?x=1" -H "User-Agent: tester" -H "X-Request-ID: logid" >/dev/null &&
	log_line "\"request_id\":\"logid\"" >line &&
	test_grep "\"path\":\"/logged\"" line &&
	test_grep "\"query\":\"x=1\"" line &&
	test_grep "\"status\":200" line &&
	test_grep "\"user_agent\":\"tester\"" line &&
	test_grep "\"service\":\"app\"" line &&
	test_grep "\"method\":\"GET\"" line
'

test_expect_success '28: --log-request-header adds the header to the line' '
	bp deploy hdr --target 127.0.0.1:$PORT_one --host hdr.example.com --log-request-header X-Custom &&
	get / -H "Host: hdr.example.com" -H "X-Custom: zz" -H "X-Request-ID: hdrid" >/dev/null &&
	log_line "\"request_id\":\"hdrid\"" >line &&
	test_grep "\"req_x_custom\":\"zz\"" line
'

test_expect_success '24: a client that disconnects is logged as 499' '
	curl -s --max-time 0.5 "http://127.0.0.1:$HTTP_PORT/slow?ms=3000" -H "X-Request-ID: gone" || true
	log_line "\"request_id\":\"gone\"" >line &&
	test_grep "\"status\":499" line
'

test_expect_success 'list shows services, --json too' '
	bp list >out && test_grep "^app " out && test_grep "running" out &&
	bp list --json >out.json && test_grep "\"service\":\"app\"" out.json
'

test_expect_success 'metrics are served on --metrics-port' '
	curl -s "http://127.0.0.1:$METRICS_PORT/metrics" >out &&
	test_grep "berth_proxy_requests_total" out
'

test_expect_success '--scope-cookie-paths moves cookies under the matched prefix, not other domains'"'"' cookies' '
	bp deploy scoped --host scoped.example.com --path-prefix /app \
		--target 127.0.0.1:$PORT_one --scope-cookie-paths &&
	curl -s -D hdr -o /dev/null -H "Host: scoped.example.com:80" \
		"http://127.0.0.1:$HTTP_PORT/app/cookies" &&
	test_grep "^Set-Cookie: a=1; HttpOnly; Path=/app.$" hdr &&
	test_grep "^Set-Cookie: b=2; Path=/app.$" hdr &&
	test_grep "^Set-Cookie: c=3; Path=/x; Domain=other.example.com.$" hdr &&
	bp deploy scoped --host scoped.example.com --path-prefix /app \
		--target 127.0.0.1:$PORT_one &&
	curl -s -D hdr2 -o /dev/null -H "Host: scoped.example.com" \
		"http://127.0.0.1:$HTTP_PORT/app/cookies" &&
	test_grep "^Set-Cookie: a=1; Path=/; HttpOnly.$" hdr2 &&
	test_grep "^Set-Cookie: b=2.$" hdr2 &&
	bp remove scoped
'

# requests_total: the counter, read from the metrics port (a read counts
# itself once it ends).
requests_total() {
	curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
		sed -n "s/^berth_proxy_requests_total //p"
}

test_expect_success '--exclude-metrics-path leaves those paths (as the target sees them) out of the counters' '
	bp deploy counted --host counted.example.com --path-prefix /p \
		--target 127.0.0.1:$PORT_one --exclude-metrics-path /up &&
	a=$(requests_total) &&
	get /p/up -H "Host: counted.example.com" >/dev/null &&
	get "/p/up?x=1" -H "Host: counted.example.com" >/dev/null &&
	b=$(requests_total) &&
	test "$b" = $((a + 1)) &&
	get /p/other -H "Host: counted.example.com" >/dev/null &&
	c=$(requests_total) &&
	test "$c" = $((b + 2)) &&
	bp remove counted
'

test_expect_success '27: routes survive a restart; the state file is written atomically' '
	test -f state/kamal-proxy.state && ! test -f state/kamal-proxy.state.tmp &&
	proxy_stop && proxy_start &&
	get / >out && test_grep "\"backend\": \"one\"" out &&
	get /app/x -H "Host: pre.example.com" >out && test_grep "\"path\": \"/x\"" out
'

test_expect_success 'remove takes the service away' '
	bp remove named &&
	get / -H "Host: name.example.com" >out && test_grep "\"backend\": \"one\"" out &&
	bp remove app &&
	test "$(status / -H "Host: name.example.com")" = 404
'

test_expect_success 'invoked as kamal-proxy, help names kamal-proxy' '
	ln -s "$PROXY_BIN" kamal-proxy &&
	./kamal-proxy --help >out && test_grep "kamal-proxy \[command\]" out
'

test_done
