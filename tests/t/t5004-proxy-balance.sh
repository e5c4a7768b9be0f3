#!/bin/sh
# Load balancing across targets, read targets, and rollouts.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start
backend_start one
backend_start two
backend_start three
backend_start four --health-file "$TRASH/four.ok"

test_expect_success '25: several --target share traffic round-robin' '
	bp deploy app --target 127.0.0.1:$PORT_one --target 127.0.0.1:$PORT_two &&
	for i in 1 2 3 4; do get /; done >out &&
	test "$(grep -o "\"backend\": \"one\"" out | wc -l)" = 2 &&
	test "$(grep -o "\"backend\": \"two\"" out | wc -l)" = 2
'

test_expect_success '25: with --read-target, GET goes to readers and POST to writers' '
	bp deploy app --target 127.0.0.1:$PORT_one --read-target 127.0.0.1:$PORT_two &&
	get / >out && test_grep "\"backend\": \"two\"" out &&
	get / -X POST -d x=1 >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'X-Kamal-Target tells the target how it was picked, as kamal-proxy says it' '
	get / >out && test_grep "\"X-Kamal-Target\", \"127.0.0.1:$PORT_two\"" out &&
	get / -X POST -d x=1 >out && test_grep "\"X-Kamal-Target\", \"127.0.0.1:$PORT_one\"" out &&
	get / -H "X-Kamal-Target: edge" >out &&
	test_grep "\"X-Kamal-Target\", \"edge, 127.0.0.1:$PORT_two\"" out &&
	bp deploy strict --target 127.0.0.1:$PORT_three --host strict.example.com --forward-headers=false &&
	get / -H "Host: strict.example.com" -H "X-Kamal-Target: edge" >out &&
	test_grep "\"X-Kamal-Target\", \"127.0.0.1:$PORT_three\"" out &&
	! grep -q edge out &&
	bp remove strict
'

# ws_backend: which backend switched to the WebSocket protocol.
ws_backend() {
	$PYTHON "$TOP/tests/proxy/raw.py" $HTTP_PORT \
		"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n$WS_KEY\r\n" 1 >ws.out &&
	test_grep "^HTTP/1.1 101 " ws.out &&
	sed -n "s/^X-Backend: \([a-z]*\).*/\1/p" ws.out
}

test_expect_success '25: WebSockets go to writers unless --read-target-websockets' '
	test "$(ws_backend)" = one &&
	bp deploy app --target 127.0.0.1:$PORT_one --read-target 127.0.0.1:$PORT_two \
		--read-target-websockets &&
	test "$(ws_backend)" = two &&
	get / >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '25: a write sets the writer-affinity cookie that pins reads to writers' '
	bp deploy app --target 127.0.0.1:$PORT_one --read-target 127.0.0.1:$PORT_two --writer-affinity-timeout 2s &&
	curl -s -c jar -o /dev/null -X POST -d x=1 "http://127.0.0.1:$HTTP_PORT/" &&
	test_grep kamal-writer jar &&
	get / -b jar >out && test_grep "\"backend\": \"one\"" out &&
	sleep 2.2 &&
	get / -b "kamal-writer=1" >out && test_grep "\"backend\": \"two\"" out
'

test_expect_success '26: rollout with an allowlist sends listed cookies to the rollout target' '
	bp deploy app --target 127.0.0.1:$PORT_one &&
	bp rollout deploy app --target 127.0.0.1:$PORT_three &&
	bp rollout set app --list alpha,beta &&
	get / -H "Cookie: kamal-rollout=alpha" >out && test_grep "\"backend\": \"three\"" out &&
	get / -H "Cookie: kamal-rollout=gamma" >out && test_grep "\"backend\": \"one\"" out &&
	get / >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '26: rollout by percent: 100% sends every cookie holder there' '
	bp rollout set app --percent 100 &&
	get / -H "Cookie: a=b; kamal-rollout=zeta" >out && test_grep "\"backend\": \"three\"" out
'

test_expect_success '26: after rollout stop all traffic goes to the active target' '
	bp rollout stop app &&
	get / -H "Cookie: kamal-rollout=alpha" >out && test_grep "\"backend\": \"one\"" out
'

# backends: prints the sorted set of backends that answered N requests.
backends() {
	for i in $(seq 1 $1); do get /; echo; done |
		sed -n "s/.*\"backend\": \"\([a-z]*\)\".*/\1/p" | sort -u | tr "\n" " "
}

test_expect_success 'between deploys a target failing its health check leaves the rotation, and comes back' '
	touch "$TRASH/four.ok" &&
	bp deploy app --target 127.0.0.1:$PORT_one --target 127.0.0.1:$PORT_four \
		--health-check-interval 200ms &&
	test "$(backends 4)" = "four one " &&
	rm "$TRASH/four.ok" &&
	wait_grep "127.0.0.1:$PORT_four.* out of rotation" "$TRASH/proxy.err" &&
	test "$(backends 6)" = "one " &&
	touch "$TRASH/four.ok" &&
	for i in $(seq 1 50); do test "$(backends 4)" = "four one " && break; sleep 0.1; done &&
	test "$(backends 4)" = "four one "
'

test_expect_success 'a lone target stays in rotation even when its health check fails' '
	bp deploy app --target 127.0.0.1:$PORT_four --health-check-interval 200ms &&
	rm "$TRASH/four.ok" &&
	sleep 1 && # nothing may happen: a lone target is not even checked
	test "$(backends 2)" = "four "
'

test_expect_success 'with every reader out of rotation, reads go to the writers' '
	touch "$TRASH/four.ok" &&
	bp deploy app --target 127.0.0.1:$PORT_one --read-target 127.0.0.1:$PORT_four \
		--health-check-interval 200ms &&
	test "$(backends 2)" = "four " &&
	: >"$TRASH/four.checks" &&
	rm "$TRASH/four.ok" &&
	wait_grep "^503" "$TRASH/four.checks" &&
	for i in $(seq 1 50); do test "$(backends 2)" = "one " && break; sleep 0.1; done &&
	test "$(backends 2)" = "one "
'

test_expect_success 'deploy flags are checked like kamal-proxy checks them' '
	test_must_fail bp deploy app 2>err && test_grep "required flag" err &&
	test_must_fail bp deploy app --target 127.0.0.1:1 --max-request-body 10 2>err &&
	test_grep "buffering" err &&
	test_must_fail bp deploy app --target 127.0.0.1:1 --deploy-timeout 10x 2>err &&
	test_grep "invalid" err
'

test_done
