# pebble.sh - pebble (Let's Encrypt's test CA) on loopback for the ACME
# tests. Sourced after tests/proxy/lib.sh, in the trash directory. Makes
# ca.pem (the CA that signs pebble's own HTTPS certificate) and starts
# pebble-challtestsrv as the DNS server that resolves every name to
# 127.0.0.1. Without pebble, pebble-challtestsrv or berth-proxy-acme the
# whole test is skipped, under the title in $PEBBLE_TESTS.

if ! command -v pebble >/dev/null || ! command -v pebble-challtestsrv >/dev/null ||
   [ ! -x "$BUILD_DIR/berth-proxy-acme" ]; then
	test_skip "$PEBBLE_TESTS" 'pebble or berth-proxy-acme missing'
	test_done
fi

dns_port=$(free_port) cts_port=$(free_port)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=test-ca -days 2 -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=localhost -keyout pebble.key -out pebble.csr 2>/dev/null
printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" >ext.cnf
openssl x509 -req -in pebble.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 2 -extfile ext.cnf -out pebble.pem 2>/dev/null
pebble-challtestsrv -dns01 127.0.0.1:$dns_port -http01 "" -https01 "" \
	-tlsalpn01 "" -management 127.0.0.1:$cts_port \
	-defaultIPv4 127.0.0.1 -defaultIPv6 "" >challtestsrv.log 2>&1 &
PIDS="$PIDS $!"

# pebble_start NAME HTTP01-PORT TLSALPN01-PORT: sets ${NAME}_port (ACME)
# and ${NAME}_mgmt (roots).
pebble_start() {
	acme=$(free_port) mgmt=$(free_port)
	cat >$1.json <<-JSON
	{ "pebble": {
		"listenAddress": "127.0.0.1:$acme",
		"managementListenAddress": "127.0.0.1:$mgmt",
		"certificate": "$TRASH/pebble.pem",
		"privateKey": "$TRASH/pebble.key",
		"httpPort": $2,
		"tlsPort": $3,
		"ocspResponderURL": "",
		"externalAccountBindingRequired": false
	} }
	JSON
	PEBBLE_VA_NOSLEEP=1 pebble -config $1.json -dnsserver 127.0.0.1:$dns_port >$1.log 2>&1 &
	PIDS="$PIDS $!"
	eval "${1}_port=$acme ${1}_mgmt=$mgmt"
}

# pebble_up ACME-PORT: waits until that pebble answers.
pebble_up() {
	for i in $(seq 50); do
		curl -fsS --cacert ca.pem https://127.0.0.1:$1/dir >dir.json 2>/dev/null && break
		sleep 0.2
	done &&
	test_grep newOrder dir.json
}
