#!/bin/sh
# On-demand TLS (--tls-on-demand-url, as in kamal-proxy): a service with no
# hosts gets a certificate from pebble for each host a client first asks
# for, once the endpoint approves that host. The first handshake waits for
# the certificate; a denied host gets no certificate and no order.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
PEBBLE_TESTS='on-demand certificates from pebble'
. "$TOP/tests/proxy/pebble.sh"
pebble_start ca $HTTP_PORT $HTTPS_PORT

export BERTH_PROXY_ACME_DIRECTORY="https://127.0.0.1:$ca_port/dir"
export BERTH_PROXY_ACME_CA="$TRASH/ca.pem"
proxy_start --debug
backend_start one
backend_start check
printf "one.berth.test\ntwo.berth.test\nfour.berth.test\nlocal.berth.test\n" >allowed-hosts

# https_get HOST: the daemon's answer, trusting only pebble's root.
https_get() {
	curl -sS --max-time 20 --cacert roots.pem --resolve "$1:$HTTPS_PORT:127.0.0.1" \
		"https://$1:$HTTPS_PORT/"
}

test_expect_success 'pebble is up' '
	pebble_up $ca_port &&
	curl -fsS --cacert ca.pem https://127.0.0.1:$ca_mgmt/roots/0 >roots.pem
'

test_expect_success 'the URL needs --tls, and no hosts, certificate or canonical host' '
	url=http://127.0.0.1:$PORT_check/allow-host &&
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls-on-demand-url $url 2>err &&
	test_grep "TLS must be enabled to use a TLS on-demand URL" err &&
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls --host a.berth.test \
		--tls-on-demand-url $url 2>err &&
	test_grep "cannot set hosts when using a TLS on-demand URL" err &&
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls --canonical-host a.berth.test \
		--tls-on-demand-url $url 2>err &&
	test_grep "cannot set a canonical host" err &&
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls \
		--tls-certificate-path x.pem --tls-private-key-path x.key --tls-on-demand-url $url 2>err &&
	test_grep "cannot use a custom TLS certificate" err
'

test_expect_success 'the URL is a path or an absolute http(s) URL' '
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls \
		--tls-on-demand-url ftp://example.com/allow 2>err &&
	test_grep "unsupported scheme \"ftp\" in tls-on-demand-url" err &&
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls \
		--tls-on-demand-url //example.com/allow 2>err &&
	test_grep "must be a path or an absolute http(s) URL" err &&
	test_must_fail bp deploy od --target 127.0.0.1:$PORT_one --tls \
		--tls-on-demand-url http:///allow 2>err &&
	test_grep "missing host in tls-on-demand-url" err &&
	bp list >out && ! grep -q "^od " out
'

test_expect_success 'the first request for an approved host waits for its certificate' '
	bp deploy od --target 127.0.0.1:$PORT_one --tls \
		--tls-on-demand-url "http://127.0.0.1:$PORT_check/allow-host?from=berth" &&
	https_get one.berth.test >out &&
	test_grep "\"backend\": \"one\"" out &&
	test -f state/certs/one.berth.test.crt &&
	test_grep "certificate for .one.berth.test. (service .od.) installed" "$TRASH/proxy.err" &&
	test_grep "127.0.0.1:$PORT_check one.berth.test" checks.log
'

test_expect_success 'the CA validated it by TLS-ALPN-01 while the first handshake waited' '
	test_grep "TLS-ALPN-01 challenge for .one.berth.test. answered" "$TRASH/proxy.err"
'

test_expect_success 'each host gets its own certificate; the first one is not ordered again' '
	https_get two.berth.test >out &&
	test_grep "\"backend\": \"one\"" out &&
	openssl x509 -in state/certs/two.berth.test.crt -noout -ext subjectAltName >san &&
	test_grep "DNS:two.berth.test" san && ! grep -q one.berth.test san &&
	https_get one.berth.test >out && test_grep "\"backend\": \"one\"" out &&
	test "$(grep -c "one.berth.test\$" checks.log)" = 1
'

test_expect_success 'clients arriving together for a new host all wait for one order' '
	for i in 1 2 3 4; do https_get four.berth.test >out.$i 2>&1 & done; wait &&
	for i in 1 2 3 4; do test_grep "\"backend\": \"one\"" out.$i || return 1; done &&
	test "$(grep -c " four.berth.test\$" checks.log)" = 1
'

test_expect_success 'a client that gives up while its handshake waits does not stop the order' '
	echo five.berth.test >>allowed-hosts &&
	# curl gives up (exit 28: "Operation timed out", or "SSL connection
	# timeout" when the deadline falls in the handshake).
	rc=0 && curl -sS --max-time 0.3 --cacert roots.pem \
		--resolve "five.berth.test:$HTTPS_PORT:127.0.0.1" "https://five.berth.test:$HTTPS_PORT/" 2>err || rc=$? &&
	{ test $rc = 28 || { echo "curl exit $rc, not 28 (timeout)"; cat err; false; }; } &&
	for i in $(seq 100); do test -f state/certs/five.berth.test.crt && break; sleep 0.1; done &&
	https_get five.berth.test >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'a denied host gets no certificate; the log says why' '
	test_must_fail https_get evil.berth.test 2>err &&
	test ! -f state/certs/evil.berth.test.crt &&
	test_grep "TLS on-demand check denied host .evil.berth.test. (status: 403, body: \"not on the list: evil.berth.test\")" \
		"$TRASH/proxy.err"
'

test_expect_success 'a denied host is not asked about again at once' '
	test_must_fail https_get evil.berth.test 2>err &&
	test "$(grep -c " evil.berth.test\$" checks.log)" = 1
'

test_expect_success 'plain HTTP for any host is redirected to HTTPS' '
	curl -sS -o /dev/null -w "%{http_code} %{redirect_url}\n" \
		-H "Host: whatever.berth.test" "http://127.0.0.1:$HTTP_PORT/x" >out &&
	echo "301 https://whatever.berth.test:$HTTPS_PORT/x" >expect &&
	test_cmp expect out
'

test_expect_success 'cached certificates serve without asking the endpoint (it is down)' '
	kill $PID_check && proxy_stop && proxy_start &&
	https_get one.berth.test >out && test_grep "\"backend\": \"one\"" out &&
	https_get two.berth.test >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'a cached certificate due for renewal serves at once and is renewed unasked' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=six.berth.test -addext subjectAltName=DNS:six.berth.test -days 10 \
		-keyout state/certs/six.berth.test.key -out state/certs/six.berth.test.crt 2>/dev/null &&
	curl -sS --max-time 20 -k --resolve "six.berth.test:$HTTPS_PORT:127.0.0.1" \
		"https://six.berth.test:$HTTPS_PORT/" >out &&
	test_grep "\"backend\": \"one\"" out &&
	for i in $(seq 100); do
		openssl x509 -in state/certs/six.berth.test.crt -noout -issuer | grep -q Pebble && break
		sleep 0.1
	done &&
	openssl x509 -in state/certs/six.berth.test.crt -noout -issuer >issuer &&
	test_grep Pebble issuer &&
	for i in $(seq 30); do https_get six.berth.test >out 2>/dev/null && break; sleep 0.1; done &&
	test_grep "\"backend\": \"one\"" out
'

test_expect_success 'an endpoint that does not answer denies the host' '
	test_must_fail https_get three.berth.test 2>err &&
	test_grep "TLS on-demand check for .three.berth.test. failed" "$TRASH/proxy.err" &&
	test ! -f state/certs/three.berth.test.crt
'

test_expect_success 'a path URL asks the service itself, with the host as Host' '
	bp deploy od --target 127.0.0.1:$PORT_one --tls --tls-on-demand-url /allow-host &&
	https_get local.berth.test >out && test_grep "\"backend\": \"one\"" out &&
	test_grep "^local.berth.test local.berth.test\$" checks.log
'

test_expect_success 'a service with --host keeps its hosts beside the on-demand one' '
	bp deploy fixed --target 127.0.0.1:$PORT_one --host fixed.berth.test &&
	curl -sS -H "Host: fixed.berth.test" "http://127.0.0.1:$HTTP_PORT/" >out &&
	test_grep "\"backend\": \"one\"" out &&
	bp list >out && test_grep "^od " out && test_grep "^fixed " out
'

test_done
