#!/bin/sh
# berth-proxy refuses requests whose framing two parties could read
# differently (request smuggling), and bounds what a client can make it hold.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start --header-timeout 1s
backend_start one
bp deploy app --target 127.0.0.1:$PORT_one >/dev/null

# expect_400 DESC RAW-REQUEST
expect_status() {
	want=$1 desc=$2 req=$3
	test_expect_success "$desc: $want" "
		raw '$req' 2 >out &&
		head -n 1 out | grep -q ' $want ' || { cat out; false; }
	"
}

expect_status 400 'Content-Length with Transfer-Encoding' \
	'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
expect_status 400 'two Content-Length headers' \
	'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd'
expect_status 400 'two different Content-Length headers' \
	'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'
expect_status 400 'Content-Length that is not a number' \
	'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd'
expect_status 400 'Content-Length list' \
	'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\nabcd'
expect_status 400 'Content-Length that overflows' \
	'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n'
expect_status 400 'Transfer-Encoding other than chunked' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'
expect_status 400 'Transfer-Encoding twice' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
expect_status 400 'Transfer-Encoding in HTTP/1.0' \
	'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
expect_status 400 'invalid chunk size' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'
expect_status 400 'chunk size with a sign' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n'
expect_status 400 'chunk size that overflows' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nabc\r\n0\r\n\r\n'
expect_status 400 'chunk data longer than its size' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n'
expect_status 400 'chunk size ended by a bare LF' \
	'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n'
expect_status 400 'obs-fold header continuation' \
	'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'
expect_status 400 'bare LF line ending' \
	'GET / HTTP/1.1\nHost: x\n\n'
expect_status 400 'bare CR in a header' \
	'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'
expect_status 400 'space before the colon' \
	'GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 4\r\n\r\nabcd'
expect_status 400 'missing Host in HTTP/1.1' \
	'GET / HTTP/1.1\r\n\r\n'
expect_status 400 'two Host headers' \
	'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'
expect_status 400 'NUL in a header value' \
	'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n'
expect_status 400 'malformed request line' \
	'GET  / HTTP/1.1\r\nHost: x\r\n\r\n'
expect_status 505 'HTTP/2.0 on the request line' \
	'GET / HTTP/2.0\r\nHost: x\r\n\r\n'

test_expect_success 'oversized headers: 431' '
	big=$(head -c 70000 /dev/zero | tr "\0" a) &&
	test "$(status / -H "X-Big: $big")" = 431
'

# send_all_then_read MB: a client that writes its whole request before it
# reads (as Python's http.client, Ruby's Net::HTTP... do), here a 2 MB
# header at a pace a real network would set (32 KiB every 5 ms), then
# prints the status line it gets, or the error that ended it.
send_all_then_read() {
	$PYTHON -c "
import socket, sys, time
s = socket.create_connection(('127.0.0.1', $HTTP_PORT))
data = b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * ($1 << 20) + b'\r\n\r\n'
try:
    for i in range(0, len(data), 32768):
        s.sendall(data[i:i + 32768])
        time.sleep(0.005)
    s.settimeout(5)
    got = b''
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
    print(got.split(b'\r\n')[0].decode())
except OSError as e:
    print('error:', e)
"
}

test_expect_success 'a 2 MB header gets its 431, read and all, before the connection closes' '
	send_all_then_read 2 >out &&
	cat out &&
	test "$(cat out)" = "HTTP/1.1 431 Request Header Fields Too Large" &&
	test "$(status /)" = 200
'

test_expect_success 'too many headers: 431' '
	set -- &&
	for i in $(seq 1 120); do set -- "$@" -H "X-H$i: v"; done &&
	test "$(status / "$@")" = 431
'

test_expect_success 'a valid chunked body with extensions and trailers passes' '
	raw "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n" >out &&
	test_grep "HTTP/1.1 200" out && test_grep "\"body_length\": 5" out
'

test_expect_success 'a smuggled second request after a rejected one is never forwarded' '
	raw "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n" >out &&
	test "$(grep -c "^HTTP/1.1" out)" = 1 &&
	get /after-smuggling >/dev/null && log_line "\"path\":\"/after-smuggling\"" >/dev/null &&
	! grep -q "\"path\":\"/smuggled\"" "$TRASH/proxy.out"
'

# Timed from the connection, not the process: on a busy machine starting
# and ending the interpreter alone took seconds.
test_expect_success 'slowloris: a client sending its head too slowly is cut off' '
	$PYTHON -c "
import socket, time, sys
s = socket.create_connection((\"127.0.0.1\", $HTTP_PORT))
start = time.time()
s.sendall(b\"GET / HTTP/1.1\r\nHost: x\r\n\")
s.settimeout(5)
try:
    while time.time() - start < 3:
        s.sendall(b\"X-A: b\r\n\")
        time.sleep(0.1)
    sys.exit(\"still open after 3s\")
except (BrokenPipeError, ConnectionResetError):
    print(\"cut after %.1fs\" % (time.time() - start))
"
'

test_expect_success 'the daemon still serves after all of that' '
	test "$(status /)" = 200
'

test_expect_success 'connection cap: refusals are logged, the daemon lives on' '
	proxy_stop && HTTP_PORT= && proxy_start --max-connections 5 &&
	$PYTHON -c "
import socket, time
socks = [socket.create_connection((\"127.0.0.1\", $HTTP_PORT)) for i in range(10)]
time.sleep(0.5)
" &&
	test_grep "connection limit 5 reached" "$TRASH/proxy.err" &&
	test "$(status /)" = 200
'

test_done
