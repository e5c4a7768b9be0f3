#!/bin/sh
# t5800-acme: berth-proxy's ACME client gets real certificates from pebble
# (Let's Encrypt's test CA) on loopback, proving control of the names with
# HTTP-01 and TLS-ALPN-01 answered by our own responder. pebble resolves
# the names through pebble-challtestsrv's mock DNS, which says 127.0.0.1.

. "$(dirname "$0")/../lib/test-lib.sh"

driver="$BUILD_DIR/tests/test-acme-pebble"
if ! command -v pebble >/dev/null || ! command -v pebble-challtestsrv >/dev/null ||
   [ ! -x "$driver" ]; then
	test_skip 'obtain a certificate from pebble' 'pebble or the driver is missing'
	test_done
fi

# Eight consecutive ports below the kernel's ephemeral range (32768+), so
# no outgoing connection can hold one; the first free block from our pid on.
free_block() {
	python3 -c '
import socket, sys
start = int(sys.argv[1])
for k in range(110):
    base = 20000 + ((start + k) % 120) * 100
    try:
        socks = []
        for p in range(base + 1, base + 8):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                s.bind(("127.0.0.1", p))
                socks.append(s)
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
' "$1"
}
base=$(free_block $$)
acme_port=$((base + 1)) mgmt_port=$((base + 2)) dns_port=$((base + 3))
cts_port=$((base + 4)) http_port=$((base + 5)) tls_port=$((base + 6))
idle_port=$((base + 7))
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

obtain() {
	# obtain CHALLENGE PORT DOMAINS...
	ch=$1 port=$2
	shift 2
	ACME_TEST_DIRECTORY="https://127.0.0.1:$acme_port/dir" \
	ACME_TEST_CA="$TRASH/ca.pem" ACME_TEST_CACHE="$TRASH/cache" \
	ACME_TEST_CHALLENGE=$ch ACME_TEST_PORT=$port ACME_TEST_DOMAINS="$*" \
	"$driver"
}

test_expect_success 'pebble starts on loopback with a certificate we made' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=test-ca -days 2 -keyout ca.key -out ca.pem 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=localhost -keyout pebble.key -out pebble.csr 2>/dev/null &&
	printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" >ext.cnf &&
	openssl x509 -req -in pebble.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile ext.cnf -out pebble.pem 2>/dev/null &&
	cat >pebble.json <<-EOF &&
	{ "pebble": {
		"listenAddress": "127.0.0.1:$acme_port",
		"managementListenAddress": "127.0.0.1:$mgmt_port",
		"certificate": "$TRASH/pebble.pem",
		"privateKey": "$TRASH/pebble.key",
		"httpPort": $http_port,
		"tlsPort": $tls_port,
		"ocspResponderURL": "",
		"externalAccountBindingRequired": false
	} }
	EOF
	true
	# Started outside any && chain, which would background the whole list.
	pebble-challtestsrv -dns01 127.0.0.1:$dns_port -http01 "" -https01 "" \
		-tlsalpn01 "" -management 127.0.0.1:$cts_port \
		-defaultIPv4 127.0.0.1 -defaultIPv6 "" >challtestsrv.log 2>&1 &
	echo $! >cts.pid
	PEBBLE_VA_NOSLEEP=1 pebble -config pebble.json \
		-dnsserver 127.0.0.1:$dns_port >pebble.log 2>&1 &
	echo $! >pebble.pid
	for i in $(seq 50); do
		curl -fsS --cacert ca.pem https://127.0.0.1:$acme_port/dir >dir.json 2>/dev/null && break
		sleep 0.2
	done &&
	test_grep newOrder dir.json
'
pids="$(cat cts.pid pebble.pid 2>/dev/null)"

test_expect_success 'HTTP-01: a two-name certificate, validated by the CA fetching our answer' '
	obtain http-01 $http_port app.berth.test www.berth.test >out &&
	test_grep "^ok 1" out &&
	answered=$(sed -n "s/^# answered: //p" out) &&
	test "$answered" -ge 2 &&
	test -f cache/app.berth.test.crt && test -f cache/app.berth.test.key &&
	test -f cache/acme-account.key
'

test_expect_success 'the certificate names both domains' '
	openssl x509 -in cache/app.berth.test.crt -noout -ext subjectAltName >san &&
	test_grep "DNS:app.berth.test" san &&
	test_grep "DNS:www.berth.test" san
'

test_expect_success 'the chain is issued by pebble and verifies against its root' '
	curl -fsS --cacert ca.pem https://127.0.0.1:$mgmt_port/roots/0 >root.pem &&
	openssl x509 -in cache/app.berth.test.crt -noout -issuer >issuer &&
	test_grep "Pebble" issuer &&
	openssl verify -CAfile root.pem -untrusted cache/app.berth.test.crt \
		cache/app.berth.test.crt
'

test_expect_success 'the cached key matches the certificate and is private' '
	openssl x509 -in cache/app.berth.test.crt -noout -pubkey >crt.pub &&
	openssl pkey -in cache/app.berth.test.key -pubout >key.pub &&
	test_cmp crt.pub key.pub &&
	test "$(stat -c %a cache/app.berth.test.key)" = 600 &&
	test "$(stat -c %a cache/acme-account.key)" = 600
'

test_expect_success 'a second order reuses the cached account key' '
	cp cache/acme-account.key account.before &&
	obtain http-01 $http_port api.berth.test >out2 &&
	test_grep "^ok 1" out2 &&
	test_cmp account.before cache/acme-account.key &&
	openssl x509 -in cache/api.berth.test.crt -noout -ext subjectAltName >san2 &&
	test_grep "DNS:api.berth.test" san2
'

test_expect_success 'TLS-ALPN-01: validated through an acme-tls/1 handshake' '
	obtain tls-alpn-01 $tls_port tls.berth.test >out3 &&
	test_grep "^ok 1" out3 &&
	test "$(sed -n "s/^# answered: //p" out3)" -ge 1 &&
	openssl x509 -in cache/tls.berth.test.crt -noout -ext subjectAltName >san3 &&
	test_grep "DNS:tls.berth.test" san3
'

test_expect_success 'nobody answering the challenge fails with the CA'"'"'s reason' '
	! obtain http-01 $idle_port nobody.berth.test >out4 &&
	test_grep "nobody.berth.test.*failed http-01 validation" out4 &&
	test ! -f cache/nobody.berth.test.crt
'

test_done
