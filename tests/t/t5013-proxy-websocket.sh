#!/bin/sh
# WebSockets through berth-proxy between real peers: python3-websockets'
# server behind the proxy (it refuses a handshake RFC 6455 refuses) and
# its client in front (it checks Sec-WebSocket-Accept), plain and over
# TLS, with and without buffering, and across a deploy.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

# Debian's python3, where python3-websockets lives (another python3 may
# come first in PATH).
WS_PYTHON=${WS_PYTHON:-/usr/bin/python3}
if ! $WS_PYTHON -c 'import websockets' 2>/dev/null; then
	test_skip 'WebSockets between real peers' 'python3-websockets is not installed'
	test_done
fi

# ws_server NAME: a websockets server on a free port: $PORT_<NAME>.
ws_server() {
	port=$(free_port)
	(cd "$TRASH" && exec $WS_PYTHON "$HELPERS/wsserver.py" "$port" "$1" 2>>"$TRASH/ws-$1.err") &
	started $!
	eval "PORT_$1=$port"
	wait_port "$port"
}

ws() {
	$WS_PYTHON "$HELPERS/wsclient.py" "$@"
}

# wait_file FILE: up to 5 s for FILE to appear.
wait_file() {
	for _ in $(seq 1 100); do test -f "$1" && return 0; sleep 0.05; done
	echo "$1 never appeared"
	return 1
}

proxy_start
ws_server A
ws_server B

test_expect_success 'the handshake of a real client reaches a real server; messages echo' '
	bp deploy chat --target 127.0.0.1:$PORT_A --host ws.example.com &&
	ws echo ws://ws.example.com:$HTTP_PORT/room hello world >out &&
	printf "A /room hello\nA /room world\n" >expect &&
	test_cmp expect out &&
	test_grep "^ws.example.com:$HTTP_PORT\$" A.hosts
'

test_expect_success 'the server itself refuses a plain GET (so the handshake above was whole)' '
	test "$(status /room -H "Host: ws.example.com")" = 426
'

test_expect_success 'a message larger than any buffer passes whole' '
	ws big ws://ws.example.com:$HTTP_PORT/ 3000000 >out &&
	test_grep "^ok 3000000" out
'

test_expect_success 'with request and response buffering: the handshake, and messages over every limit' '
	bp deploy buffered --target 127.0.0.1:$PORT_A --host buf.example.com \
		--buffer-requests --buffer-responses --buffer-memory 1024 \
		--max-request-body 1000 --max-response-body 1000 &&
	ws echo ws://buf.example.com:$HTTP_PORT/b one >out &&
	test_grep "^A /b one\$" out &&
	ws big ws://buf.example.com:$HTTP_PORT/ 2000000 >out &&
	test_grep "^ok 2000000" out
'

test_expect_success 'during a swap an open connection keeps its target until it ends; deploy waits for it' '
	rm -f ready &&
	{ ws session ws://ws.example.com:$HTTP_PORT/s 3 ready >session.out & } &&
	client=$! &&
	wait_file ready &&
	start=$(date +%s) &&
	bp deploy chat --target 127.0.0.1:$PORT_B --host ws.example.com --drain-timeout 20s &&
	took=$(($(date +%s) - start)) &&
	wait $client &&
	cat session.out &&
	test_grep "from=A end=done" session.out &&
	n=$(sed "s/replies=\([0-9]*\).*/\1/" session.out) &&
	test "$n" -ge 15 &&
	echo "deploy took ${took}s" && test "$took" -le 10 &&
	ws echo ws://ws.example.com:$HTTP_PORT/after x >out &&
	test_grep "^B /after x\$" out
'

test_expect_success 'a connection still open at the drain timeout is closed then' '
	rm -f ready &&
	{ ws session ws://ws.example.com:$HTTP_PORT/s 15 ready >session.out & } &&
	client=$! &&
	wait_file ready &&
	start=$(date +%s) &&
	bp deploy chat --target 127.0.0.1:$PORT_A --host ws.example.com --drain-timeout 1s &&
	took=$(($(date +%s) - start)) &&
	wait $client &&
	cat session.out &&
	test_grep "from=B end=closed 1006" session.out &&
	echo "deploy took ${took}s" && test "$took" -le 5 &&
	ws echo ws://ws.example.com:$HTTP_PORT/after y >out &&
	test_grep "^A /after y\$" out
'

test_expect_success 'wss:// through the TLS port' '
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tls.example.com" \
		-addext "subjectAltName=DNS:tls.example.com" \
		-keyout tls.key -out tls.crt 2>/dev/null &&
	bp deploy secure --target 127.0.0.1:$PORT_B --host tls.example.com --tls \
		--tls-certificate-path tls.crt --tls-private-key-path tls.key &&
	ws --ca tls.crt echo wss://tls.example.com:$HTTPS_PORT/t over-tls >out &&
	test_grep "^B /t over-tls\$" out
'

test_done
