#!/bin/sh
# The control socket never stalls the proxy: a command that does not read
# its reply leaves traffic flowing and is dropped after a few seconds.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start
backend_start one
bp deploy app --target 127.0.0.1:$PORT_one >/dev/null

# A list reply of ~500 KB, more than a Unix socket holds unread: 12000
# hosts, 2000 to a --host (an argument may not pass 128 KB).
seq 1 12000 | awk '{ printf "%s%s", (NR % 2000 == 1 ? (NR > 1 ? "\n" : "") : ","),
	"host-" $1 ".with-a-long-name.example.com" } END { print "" }' >hosts.txt

test_expect_success 'a service with a long host list makes a large list reply' '
	set -- &&
	while read -r l; do set -- "$@" --host "$l"; done <hosts.txt &&
	bp deploy big --target 127.0.0.1:$PORT_one "$@" >/dev/null &&
	bp list --json >list.out &&
	test_grep "host-12000.with-a-long-name" list.out &&
	test $(wc -c <list.out) -gt 400000
'

# stuck_client: asks for the list, never reads it; $TRASH/stuck.ready once
# the request is out, and "eof" in stuck.out when the proxy has hung up.
stuck_client() {
	$PYTHON -c '
import socket, sys, os, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"{\"cmd\":\"list\"}\n")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
got = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    got += len(b)
print("eof after", got)
' "$TRASH/state/kamal-proxy.sock" "$TRASH/stuck.ready" "$TRASH/stuck.read" >stuck.out &
	started $!
}

test_expect_success 'a control client that does not read its reply stalls no request' '
	stuck_client &&
	for _ in $(seq 100); do test -f "$TRASH/stuck.ready" && break; sleep 0.05; done &&
	test -f "$TRASH/stuck.ready" &&
	{ $PYTHON "$HELPERS/load.py" "$HTTP_PORT" 2 "$TRASH/stop" >load.out; cat load.out; } &&
	grep -q "fail=0" load.out &&
	! grep -q "ok=0 " load.out &&
	test "$(get / | sed -n "s/.*\"backend\": \"\([a-z]*\)\".*/\1/p")" = one
'

test_expect_success 'it is dropped after a few seconds, and the next command works' '
	for _ in $(seq 100); do
		grep -q "control client did not read its reply" "$TRASH/proxy.err" && break
		sleep 0.1
	done &&
	test_grep "control client did not read its reply" "$TRASH/proxy.err" &&
	touch "$TRASH/stuck.read" &&
	for _ in $(seq 100); do grep -q eof stuck.out && break; sleep 0.05; done &&
	test_grep "eof after" stuck.out &&
	test "$(sed -n "s/eof after //p" stuck.out)" -lt $(wc -c <list.out) &&
	bp list --json >list.out &&
	test_grep "host-12000.with-a-long-name" list.out
'

test_done
