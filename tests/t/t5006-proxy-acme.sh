#!/bin/sh
# Automatic TLS: a service deployed with --tls and no certificate gets one
# from pebble (Let's Encrypt's test CA) on loopback; the CA's HTTP-01
# requests are answered by the daemon on its HTTP port.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

if ! command -v pebble >/dev/null || ! command -v pebble-challtestsrv >/dev/null ||
   [ ! -x "$BUILD_DIR/berth-proxy-acme" ]; then
	test_skip 'automatic certificates from pebble' 'pebble or berth-proxy-acme missing'
	test_done
fi

acme_port=$(free_port) mgmt_port=$(free_port) dns_port=$(free_port) cts_port=$(free_port)
HTTP_PORT=$(free_port)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=test-ca -days 2 -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=localhost -keyout pebble.key -out pebble.csr 2>/dev/null
printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" >ext.cnf
openssl x509 -req -in pebble.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 2 -extfile ext.cnf -out pebble.pem 2>/dev/null
cat >pebble.json <<EOF
{ "pebble": {
	"listenAddress": "127.0.0.1:$acme_port",
	"managementListenAddress": "127.0.0.1:$mgmt_port",
	"certificate": "$TRASH/pebble.pem",
	"privateKey": "$TRASH/pebble.key",
	"httpPort": $HTTP_PORT,
	"tlsPort": $(free_port),
	"ocspResponderURL": "",
	"externalAccountBindingRequired": false
} }
EOF
pebble-challtestsrv -dns01 127.0.0.1:$dns_port -http01 "" -https01 "" \
	-tlsalpn01 "" -management 127.0.0.1:$cts_port \
	-defaultIPv4 127.0.0.1 -defaultIPv6 "" >challtestsrv.log 2>&1 &
PIDS="$PIDS $!"
PEBBLE_VA_NOSLEEP=1 pebble -config pebble.json -dnsserver 127.0.0.1:$dns_port >pebble.log 2>&1 &
PIDS="$PIDS $!"

export BERTH_PROXY_ACME_DIRECTORY="https://127.0.0.1:$acme_port/dir"
export BERTH_PROXY_ACME_CA="$TRASH/ca.pem"
proxy_start
backend_start one

test_expect_success 'pebble is up' '
	for i in $(seq 50); do
		curl -fsS --cacert ca.pem https://127.0.0.1:$acme_port/dir >dir.json 2>/dev/null && break
		sleep 0.2
	done &&
	test_grep newOrder dir.json
'

https_get() {
	curl -sS --max-time 5 --cacert root.pem --resolve "app.berth.test:$HTTPS_PORT:127.0.0.1" \
		"https://app.berth.test:$HTTPS_PORT/"
}

test_expect_success 'deploy --tls without a certificate obtains one and serves HTTPS' '
	bp deploy app --target 127.0.0.1:$PORT_one --host app.berth.test --tls &&
	curl -fsS --cacert ca.pem https://127.0.0.1:$mgmt_port/roots/0 >root.pem &&
	for i in $(seq 1 100); do https_get >out 2>/dev/null && break; sleep 0.2; done &&
	test_grep "\"backend\": \"one\"" out &&
	test_grep "certificate for .app. installed" "$TRASH/proxy.err" &&
	test -f state/certs/app.berth.test.crt
'

test_expect_success 'after a restart the cached certificate is used at once' '
	proxy_stop && proxy_start &&
	https_get >out && test_grep "\"backend\": \"one\"" out &&
	test "$(grep -c "requesting a certificate" "$TRASH/proxy.err")" = 1
'

test_expect_success 'a wildcard-only host cannot get an automatic certificate' '
	test_must_fail bp deploy wild --target 127.0.0.1:$PORT_one --host "*.berth.test" --tls 2>err &&
	test_grep "plain host name" err
'

test_done
