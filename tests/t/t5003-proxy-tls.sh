#!/bin/sh
# berth-proxy with static certificates: HTTPS per host (SNI), redirects.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

if ! command -v openssl >/dev/null; then
	test_skip 'TLS tests' 'openssl command not installed'
	test_done
fi

mkcert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-addext "subjectAltName=DNS:$1" -keyout "$1.key" -out "$1.crt" 2>/dev/null
}

proxy_start
backend_start one
backend_start two
mkcert a.example.com
mkcert b.example.com

https() {
	host=$1
	shift
	curl -sS --max-time 10 --cacert "$host.crt" \
		--resolve "$host:$HTTPS_PORT:127.0.0.1" "$@" "https://$host:$HTTPS_PORT/"
}

test_expect_success '19: a static certificate serves HTTPS over HTTP/1.1' '
	bp deploy a --target 127.0.0.1:$PORT_one --host a.example.com --tls \
		--tls-certificate-path a.example.com.crt --tls-private-key-path a.example.com.key &&
	https a.example.com >out &&
	test_grep "\"backend\": \"one\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"https\"" out
'

test_expect_success '20: with --tls, client X-Forwarded-* are replaced (kamal-proxy'"'"'s default then)' '
	https a.example.com -H "X-Forwarded-For: 6.6.6.6" -H "X-Forwarded-Proto: http" \
		-H "X-Forwarded-Host: front.example.com" >out &&
	test_grep "\"X-Forwarded-For\", \"127.0.0.1\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"https\"" out &&
	test_grep "\"X-Forwarded-Host\", \"a.example.com:$HTTPS_PORT\"" out &&
	! grep -q -e 6.6.6.6 -e front.example.com out
'

# no_sni: a handshake by IP address, which carries no server name.
no_sni() {
	openssl s_client -connect 127.0.0.1:$HTTPS_PORT -noservername </dev/null 2>&1
}

test_expect_success 'without a server name, the only TLS service answers' '
	no_sni >out &&
	test_grep "subject=CN = a.example.com" out &&
	curl -sS --max-time 10 -k -H "Host: a.example.com" "https://127.0.0.1:$HTTPS_PORT/" >out &&
	test_grep "\"backend\": \"one\"" out
'

test_expect_success 'SNI picks each service its own certificate' '
	bp deploy b --target 127.0.0.1:$PORT_two --host b.example.com --tls \
		--tls-certificate-path b.example.com.crt --tls-private-key-path b.example.com.key &&
	https b.example.com >out && test_grep "\"backend\": \"two\"" out &&
	https a.example.com >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success 'an unknown server name, or none among two services, fails the handshake' '
	{ curl -sS --max-time 10 -k --resolve "c.example.com:$HTTPS_PORT:127.0.0.1" \
		"https://c.example.com:$HTTPS_PORT/" 2>err; test $? = 35; } &&
	test_grep "unrecognized name" err &&
	test_must_fail no_sni >out &&
	test_grep "unrecognized name" out &&
	! grep "subject=" out &&
	https a.example.com >out && test_grep "\"backend\": \"one\"" out
'

test_expect_success '17: with TLS, plain HTTP gets 301 to https' '
	curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -H "Host: a.example.com" \
		"http://127.0.0.1:$HTTP_PORT/x?y=1" >out &&
	test_grep "^301 https://a.example.com:$HTTPS_PORT/x?y=1" out
'

test_expect_success '17: --tls-redirect=false serves both schemes' '
	bp deploy a --target 127.0.0.1:$PORT_one --host a.example.com --tls --tls-redirect=false \
		--tls-certificate-path a.example.com.crt --tls-private-key-path a.example.com.key &&
	get / -H "Host: a.example.com" >out &&
	test_grep "\"X-Forwarded-Proto\", \"http\"" out &&
	https a.example.com >out && test_grep "\"X-Forwarded-Proto\", \"https\"" out
'

test_expect_success '18: --canonical-host redirects other hosts in one hop to https' '
	mkcert www.c.example.com &&
	bp deploy c --target 127.0.0.1:$PORT_one --host c.example.com --host www.c.example.com \
		--canonical-host www.c.example.com --tls \
		--tls-certificate-path www.c.example.com.crt --tls-private-key-path www.c.example.com.key &&
	curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -H "Host: c.example.com" \
		"http://127.0.0.1:$HTTP_PORT/p" >out &&
	test_grep "^301 https://www.c.example.com:$HTTPS_PORT/p" out
'

test_expect_success '18: --canonical-host without TLS stays on http' '
	bp deploy d --target 127.0.0.1:$PORT_one --host d.example.com --host www.d.example.com \
		--canonical-host d.example.com &&
	curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -H "Host: www.d.example.com" \
		"http://127.0.0.1:$HTTP_PORT/p" >out &&
	test_grep "^301 http://d.example.com/p" out
'

test_expect_success 'TLS keep-alive: several requests on one connection' '
	curl -sS --cacert a.example.com.crt --resolve "a.example.com:$HTTPS_PORT:127.0.0.1" \
		"https://a.example.com:$HTTPS_PORT/1" "https://a.example.com:$HTTPS_PORT/2" >out &&
	test "$(grep -o "\"backend\": \"one\"" out | wc -l)" = 2
'

test_expect_success 'a large response over TLS arrives whole' '
	head -c 300000 /dev/urandom >big &&
	https a.example.com -X POST --data-binary @big >out &&
	test_grep "\"body_length\": 300000" out
'

test_expect_success 'TLS settings survive a restart' '
	proxy_stop && proxy_start &&
	https b.example.com >out && test_grep "\"backend\": \"two\"" out
'

test_done
