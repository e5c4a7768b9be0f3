#!/bin/sh
# --buffer-requests and --buffer-responses: whole bodies are read before
# they go on (memory up to --buffer-memory, then an unnamed temp file), so
# slow clients never hold a target; limits answer 413 and 500.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

# Uploads that stall and readers that stop are let go after --idle-timeout.
proxy_start --idle-timeout 8s
backend_start one
bp deploy req --host req.example.com --target 127.0.0.1:$PORT_one \
	--buffer-requests --max-request-body 20000000 >/dev/null
bp deploy small --host small.example.com --target 127.0.0.1:$PORT_one \
	--buffer-requests --max-request-body 1000 --buffer-memory 100 >/dev/null
bp deploy resp --host resp.example.com --target 127.0.0.1:$PORT_one \
	--buffer-responses --max-response-body 20000000 >/dev/null
bp deploy tight --host tight.example.com --target 127.0.0.1:$PORT_one \
	--buffer-responses --max-response-body 100000 --buffer-memory 1000 >/dev/null

# post HOST FILE [curl args]: POSTs FILE, prints the target's JSON answer
post() {
	h=$1 f=$2
	shift 2
	get /post -H "Host: $h" --data-binary @"$f" "$@"
}

# seen FILE: the "sha256" the target reports must be FILE's
seen() {
	test_grep "\"sha256\": \"$(sha256sum <"$1" | cut -d" " -f1)\"" out
}

# Regular files the daemon holds open (logs; spilled bodies, O_TMPFILE,
# show as "/tmp/#123 (deleted)"); sockets and pipes do not count. What it
# inherited is in files.before too.
open_files() {
	ls -l /proc/$PROXY_PID/fd | grep -v -e "socket:" -e "pipe:" -e "anon_inode:" | grep -c -- "->"
}

test_expect_success 'setup: bodies around the 1 MiB memory threshold' '
	head -c 3000000 /dev/urandom >b3m &&
	head -c 1000 /dev/urandom >b1k &&
	head -c 1001 /dev/urandom >b1k1 &&
	open_files >files.before
'

test_expect_success 'a body larger than the memory threshold arrives intact (Content-Length)' '
	post req.example.com b3m >out && seen b3m
'

test_expect_success 'a body larger than the memory threshold arrives intact (chunked)' '
	post req.example.com b3m -H "Transfer-Encoding: chunked" >out && seen b3m
'

test_expect_success 'a small body (memory only) arrives intact' '
	post req.example.com b1k >out && seen b1k
'

test_expect_success 'Expect: 100-continue is answered by the proxy; the target never sees it' '
	post req.example.com b3m -H "Expect: 100-continue" >out && seen b3m &&
	! grep -i "\"expect\"" out
'

test_expect_success 'a slow upload reaches the target only once it is complete' '
	head -c 1500000 /dev/urandom >slow &&
	rm -f one.arrivals &&
	start=$(date +%s.%N) &&
	post req.example.com slow --limit-rate 500K >out && seen slow &&
	read arrived done <one.arrivals &&
	echo "start $start head at target $arrived body complete $done" &&
	awk -v s=$start -v a=$arrived -v d=$done "BEGIN { exit !(a - s >= 2 && d - a < 1) }"
'

test_expect_success 'while a slow upload is buffered past the threshold, it is in a temp file' '
	(post req.example.com b3m --limit-rate 1M >slow.out) &
	sleep 2 &&
	ls -l /proc/$PROXY_PID/fd >fds &&
	wait &&
	grep "(deleted)" fds &&
	test_grep "\"body_length\": 3000000" slow.out
'

test_expect_success 'a body over --max-request-body gets 413 (Content-Length, before any byte is read)' '
	test "$(status /post -H "Host: small.example.com" --data-binary @b1k1)" = 413
'

test_expect_success 'a body over --max-request-body gets 413 (chunked, counting data not framing)' '
	test "$(status /post -H "Host: small.example.com" -H "Transfer-Encoding: chunked" --data-binary @b1k1)" = 413 &&
	post small.example.com b1k -H "Transfer-Encoding: chunked" >out && seen b1k
'

test_expect_success 'a spilled body goes on the same keep-alive connection as the next request' '
	curl -sS --max-time 10 -H "Host: small.example.com" --data-binary @b1k \
		-o first.out "http://127.0.0.1:$HTTP_PORT/post" \
		--next -H "Host: small.example.com" "http://127.0.0.1:$HTTP_PORT/second" >second.out &&
	test_grep "\"body_length\": 1000" first.out &&
	test_grep "\"path\": \"/second\"" second.out
'

test_expect_success 'a client that stops sending mid-body gets 408 after --idle-timeout' '
	$PYTHON "$HELPERS/raw.py" $HTTP_PORT \
		"POST /post HTTP/1.1\r\nHost: req.example.com\r\nContent-Length: 100\r\n\r\nhalf" 11 >out &&
	test_grep "408" out
'

test_expect_success 'large responses arrive intact (Content-Length and until close)' '
	for q in "n=5000000" "n=5000000&close=1"; do
		$PYTHON "$HELPERS/slowread.py" $HTTP_PORT "/bytes?$q" 0.5 resp.example.com >out &&
		echo "200 5000000 sha256-ok" >expect && test_cmp expect out || return 1
	done
'

# 16 MB is more than the sockets between target and client hold, so
# without buffering the target could not finish before the client reads.
test_expect_success 'a client that reads late does not hold the target (16 MB response)' '
	rm -f one.sent &&
	$PYTHON "$HELPERS/slowread.py" $HTTP_PORT "/bytes?n=16000000" 6 resp.example.com 20 reading >out &&
	echo "200 16000000 sha256-ok" >expect && test_cmp expect out &&
	read began done <one.sent && read reading <reading &&
	echo "target sent from $began to $done; the client began reading at $reading" &&
	awk -v d=$done -v r=$reading "BEGIN { exit !(d < r) }"
'

test_expect_success 'streams are not buffered (chunked), as in kamal-proxy' '
	$PYTHON "$HELPERS/slowread.py" $HTTP_PORT "/bytes?n=300000&chunked=1" 0 tight.example.com >out &&
	echo "200 300000 sha256-ok" >expect && test_cmp expect out &&
	get /stream -H "Host: tight.example.com" >out && test_grep "data: 2" out
'

test_expect_success 'a response over --max-response-body gets 500 (Content-Length, and until close)' '
	test "$(status "/bytes?n=100001" -H "Host: tight.example.com")" = 500 &&
	test "$(status "/bytes?n=300000&close=1" -H "Host: tight.example.com")" = 500 &&
	test "$(status "/bytes?n=100000&close=1" -H "Host: tight.example.com")" = 200
'

test_expect_success 'a client that gives up mid-upload (past the threshold) is let go' '
	test_must_fail post req.example.com b3m --limit-rate 1M --max-time 1.5 >/dev/null 2>&1
'

test_expect_success 'no temp file or other descriptor outlives its request' '
	for i in $(seq 1 50); do
		test "$(open_files)" = "$(cat files.before)" && break
		sleep 0.1
	done &&
	ls -l /proc/$PROXY_PID/fd &&
	test "$(open_files)" = "$(cat files.before)" &&
	! ls -l /proc/$PROXY_PID/fd | grep "/#[0-9]* (deleted)"
'

test_expect_success 'when no temp file can be made, bodies past --buffer-memory get 500 and a log line' '
	proxy_stop && HTTP_PORT= && export TMPDIR=/nonexistent &&
	proxy_start --idle-timeout 8s &&
	test "$(status /post -H "Host: small.example.com" --data-binary @b1k)" = 500 &&
	test "$(status "/bytes?n=5000" -H "Host: tight.example.com")" = 500 &&
	test_grep "cannot buffer a request body: No such file" "$TRASH/proxy.err" &&
	test_grep "cannot buffer a response body: No such file" "$TRASH/proxy.err" &&
	test "$(status "/bytes?n=500" -H "Host: tight.example.com")" = 200
'

test_done
