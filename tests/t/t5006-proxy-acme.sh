#!/bin/sh
# Automatic TLS: a service deployed with --tls and no certificate gets one
# from pebble (Let's Encrypt's test CA) on loopback. The CA validates
# against the daemon: TLS-ALPN-01 on its HTTPS port (tried first, as Go's
# autocert does), else HTTP-01 on its HTTP port. Each pebble can reach only
# one of them, so each case proves which challenge was answered.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
PEBBLE_TESTS='automatic certificates from pebble'
. "$TOP/tests/proxy/pebble.sh"

# https_get HOST: the daemon's answer, trusting only pebble's roots.
https_get() {
	curl -sS --max-time 5 --cacert roots.pem --resolve "$1:$HTTPS_PORT:127.0.0.1" \
		"https://$1:$HTTPS_PORT/"
}

# Only HTTP-01 can succeed here: TLS-ALPN-01 goes to a closed port.
pebble_start http01 $HTTP_PORT $(free_port)
# Only TLS-ALPN-01 can succeed here: HTTP-01 goes to a closed port.
pebble_start alpn $(free_port) $HTTPS_PORT

export BERTH_PROXY_ACME_DIRECTORY="https://127.0.0.1:$http01_port/dir"
export BERTH_PROXY_ACME_CA="$TRASH/ca.pem"
proxy_start --debug
backend_start one

test_expect_success 'pebble is up' '
	pebble_up $http01_port && pebble_up $alpn_port
'

test_expect_success 'deploy --tls without a certificate obtains one and serves HTTPS' '
	bp deploy app --target 127.0.0.1:$PORT_one --host app.berth.test --tls &&
	curl -fsS --cacert ca.pem https://127.0.0.1:$http01_mgmt/roots/0 >roots.pem &&
	for i in $(seq 1 100); do https_get app.berth.test >out 2>/dev/null && break; sleep 0.2; done &&
	test_grep "\"backend\": \"one\"" out &&
	test_grep "certificate for .app. installed" "$TRASH/proxy.err" &&
	test -f state/certs/app.berth.test.crt
'

test_expect_success 'TLS-ALPN-01 was tried first, then HTTP-01' '
	test_grep "failed tls-alpn-01 validation" "$TRASH/proxy.err" &&
	! grep -q "TLS-ALPN-01 challenge for .app.berth.test. answered" "$TRASH/proxy.err"
'

test_expect_success 'after a restart the cached certificate is used at once' '
	proxy_stop && proxy_start && echo $PROXY_PID >proxy.pid &&
	https_get app.berth.test >out && test_grep "\"backend\": \"one\"" out &&
	test "$(grep -c "requesting a certificate" "$TRASH/proxy.err")" = 1
'

test_expect_success 'acme-tls/1 without a pending challenge fails the handshake' '
	test_must_fail openssl s_client -connect 127.0.0.1:$HTTPS_PORT \
		-servername app.berth.test -alpn acme-tls/1 </dev/null >sc.out 2>&1 &&
	https_get app.berth.test >out && test_grep "\"backend\": \"one\"" out
'

# alpn_handshake TLS-VERSION-FLAG: an acme-tls/1 handshake for app.berth.test.
# (s_client may fail afterwards: the daemon hangs up, as RFC 8737 allows.)
alpn_handshake() {
	openssl s_client -connect 127.0.0.1:$HTTPS_PORT $1 -servername app.berth.test \
		-alpn acme-tls/1 </dev/null 2>&1 || :
}

test_expect_success 'a pending answer is served over TLS 1.2 and 1.3, then the connection ends' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=planted-answer -days 1 -keyout planted.key -out planted.crt 2>/dev/null &&
	mkdir -p state/certs/acme-tls-alpn &&
	cat planted.crt planted.key >state/certs/acme-tls-alpn/app.berth.test.pem &&
	for v in -tls1_2 -tls1_3; do
		alpn_handshake $v >sc.out &&
		test_grep "ALPN protocol: acme-tls/1" sc.out &&
		test_grep "subject=CN = planted-answer" sc.out || return 1
	done &&
	$PYTHON - $HTTPS_PORT <<-\PY &&
	import socket, ssl, sys
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	ctx.check_hostname = False
	ctx.verify_mode = ssl.CERT_NONE
	ctx.set_alpn_protocols(["acme-tls/1"])
	raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
	s = ctx.wrap_socket(raw, server_hostname="app.berth.test")
	assert s.selected_alpn_protocol() == "acme-tls/1"
	try:
	    s.sendall(b"GET / HTTP/1.1\r\nHost: app.berth.test\r\n\r\n")
	    got = s.recv(100)
	except (ssl.SSLEOFError, ConnectionResetError, BrokenPipeError):
	    got = b""
	assert got == b"", got
	PY
	rm state/certs/acme-tls-alpn/app.berth.test.pem &&
	https_get app.berth.test >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'a wildcard-only host cannot get an automatic certificate' '
	test_must_fail bp deploy wild --target 127.0.0.1:$PORT_one --host "*.berth.test" --tls 2>err &&
	test_grep "plain host name" err
'

# The daemon (and so the helper) now talks to the CA that reaches only
# the HTTPS port. (The restart above happened in a subshell.)
PROXY_PID=$(cat proxy.pid)
proxy_stop
export BERTH_PROXY_ACME_DIRECTORY="https://127.0.0.1:$alpn_port/dir"
proxy_start --debug

test_expect_success 'TLS-ALPN-01 through the daemon gets a certificate' '
	bp deploy alpn --target 127.0.0.1:$PORT_one --host alpn.berth.test --tls &&
	curl -fsS --cacert ca.pem https://127.0.0.1:$alpn_mgmt/roots/0 >>roots.pem &&
	for i in $(seq 1 100); do https_get alpn.berth.test >out 2>/dev/null && break; sleep 0.2; done &&
	test_grep "\"backend\": \"one\"" out &&
	test_grep "TLS-ALPN-01 challenge for .alpn.berth.test. answered" "$TRASH/proxy.err" &&
	test_grep "certificate for .alpn. installed" "$TRASH/proxy.err" &&
	openssl x509 -in state/certs/alpn.berth.test.crt -noout -issuer >issuer &&
	test_grep Pebble issuer
'

test_expect_success 'the challenge certificate is gone afterwards' '
	test -d state/certs/acme-tls-alpn &&
	test -z "$(ls -A state/certs/acme-tls-alpn)"
'

test_expect_success 'renewal: TLS-ALPN-01 for a host that already serves a certificate' '
	BERTH_PROXY_ACME_CHALLENGE=tls-alpn-01 "$BUILD_DIR/berth-proxy-acme" state/certs app.berth.test &&
	test_grep "TLS-ALPN-01 challenge for .app.berth.test. answered" "$TRASH/proxy.err" &&
	test -z "$(ls -A state/certs/acme-tls-alpn)" &&
	https_get app.berth.test >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'a failed TLS-ALPN-01 order leaves no challenge behind' '
	test_must_fail env BERTH_PROXY_ACME_DIRECTORY="https://127.0.0.1:$http01_port/dir" \
		BERTH_PROXY_ACME_CHALLENGE=tls-alpn-01 "$BUILD_DIR/berth-proxy-acme" state/certs nope.berth.test 2>err &&
	test_grep "failed tls-alpn-01 validation" err &&
	test -z "$(ls -A state/certs/acme-tls-alpn)"
'

test_expect_success 'BERTH_PROXY_ACME_CHALLENGE must name a challenge' '
	test_must_fail env BERTH_PROXY_ACME_CHALLENGE=dns-01 "$BUILD_DIR/berth-proxy-acme" state/certs x.berth.test 2>err &&
	test_grep "tls-alpn-01 or http-01" err
'

test_done
