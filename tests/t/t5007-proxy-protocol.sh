#!/bin/sh
# PROXY protocol v1/v2 (beyond kamal-proxy): the client address a trusted
# load balancer reports becomes the client, for X-Forwarded-For and logs.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start --proxy-protocol-from 127.0.0.0/8
backend_start one
bp deploy app --target 127.0.0.1:$PORT_one >/dev/null

test_expect_success 'v1 header from a trusted source names the client' '
	raw "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >out &&
	test_grep "\"X-Forwarded-For\", \"203.0.113.7\"" out &&
	log_line "\"client_addr\":\"203.0.113.7\",\"client_port\":5555" >/dev/null
'

test_expect_success 'v2 header (binary) from a trusted source names the client' '
	$PYTHON -c "
import socket, struct
sig = b\"\r\n\r\n\x00\r\nQUIT\n\"
addr = socket.inet_aton(\"198.51.100.9\") + socket.inet_aton(\"127.0.0.1\") + struct.pack(\"!HH\", 4444, 80)
hdr = sig + bytes([0x21, 0x11]) + struct.pack(\"!H\", len(addr)) + addr
s = socket.create_connection((\"127.0.0.1\", $HTTP_PORT))
s.sendall(hdr + b\"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n\")
out = b\"\"
while True:
    d = s.recv(65536)
    if not d: break
    out += d
print(out.decode())
" >out &&
	test_grep "\"X-Forwarded-For\", \"198.51.100.9\"" out
'

test_expect_success 'a trusted source may also talk plain HTTP' '
	test "$(status /)" = 200
'

test_expect_success 'a malformed header closes the connection, the daemon lives on' '
	raw "PROXY TCP4 nonsense\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n" 1 >out &&
	! grep -q HTTP out &&
	test "$(status /)" = 200
'

test_expect_success 'from an untrusted source a PROXY line is just a bad request' '
	proxy_stop && HTTP_PORT= && proxy_start --proxy-protocol-from 10.0.0.0/8 &&
	raw "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n" >out &&
	test_grep "400 Bad Request" out
'

test_done
