#!/bin/sh
# berth-proxy over HTTP/2 (TLS, ALPN h2): each stream is routed, rewritten,
# limited and logged as an HTTP/1.1 request is, reaches the target over
# HTTP/1.1, and has flow control of its own.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

if ! command -v openssl >/dev/null || ! curl -V | grep -q HTTP2; then
	test_skip 'HTTP/2 tests' 'needs openssl and a curl with HTTP2'
	test_done
fi

proxy_start
backend_start one
backend_start two
# One certificate for every *.example.com name: services without --tls are
# reached with it too (SNI falls back to the only TLS service).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=example.com" \
	-addext "subjectAltName=DNS:*.example.com,DNS:*.c.example.com" \
	-keyout wild.key -out wild.crt 2>/dev/null

deploy_app() {
	bp deploy app --host a.example.com --tls --tls-certificate-path wild.crt \
		--tls-private-key-path wild.key "$@"
}
deploy_app --target 127.0.0.1:$PORT_one >/dev/null

# h2 HOST PATH [curl args]: the body, over HTTPS with HTTP/2
h2() {
	host=$1 path=$2
	shift 2
	curl -sS --http2 --max-time 10 --cacert wild.crt \
		--resolve "$host:$HTTPS_PORT:127.0.0.1" "$@" "https://$host:$HTTPS_PORT$path"
}

# h2code HOST PATH [curl args]: "VERSION STATUS", e.g. "2 200"
h2code() {
	host=$1 path=$2
	shift 2
	h2 "$host" "$path" -o /dev/null -w "%{http_version} %{http_code}" "$@"
}

h2raw() {
	$PYTHON "$HELPERS/h2raw.py" "$HTTPS_PORT" "$@"
}

# logline PATH: the access-log line of the last request for PATH
logline() {
	log_line "\"path\":\"$1\"" >line
}

wait_file() {
	for _ in $(seq 1 50); do test -e "$1" && return 0; sleep 0.1; done
	return 1
}

test_expect_success 'ALPN picks h2; the target gets HTTP/1.1 with the usual headers' '
	h2 a.example.com "/x?y=1" -w "\n%{http_version}\n" >out &&
	test "$(tail -1 out)" = 2 &&
	test_grep "\"target\": \"/x?y=1\"" out &&
	test_grep "\"Host\", \"a.example.com:$HTTPS_PORT\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"https\"" out &&
	test_grep "\"X-Forwarded-For\", \"127.0.0.1\"" out &&
	test_grep "\"X-Forwarded-Host\", \"a.example.com:$HTTPS_PORT\"" out &&
	test_grep "\"X-Request-ID\", \"" out &&
	test_grep "\"X-Request-Start\", \"t=" out
'

test_expect_success 'the access log line of an h2 request' '
	h2 a.example.com "/logged?q=1" -H "User-Agent: h2-test" >/dev/null &&
	logline /logged &&
	test_grep "\"proto\":\"HTTP/2.0\"" line &&
	test_grep "\"scheme\":\"https\"" line &&
	test_grep "\"status\":200" line &&
	test_grep "\"method\":\"GET\"" line &&
	test_grep "\"query\":\"q=1\"" line &&
	test_grep "\"user_agent\":\"h2-test\"" line &&
	test_grep "\"service\":\"app\"" line &&
	test_grep "\"target\":\"127.0.0.1:$PORT_one\"" line
'

test_expect_success 'HTTP/1.1 clients still work on the same port' '
	test "$(h2code a.example.com / --http1.1)" = "1.1 200"
'

test_expect_success 'the plain HTTP port stays HTTP/1.1 (no h2c upgrade)' '
	curl -sS --http2 -o /dev/null -w "%{http_version} %{http_code}" \
		-H "Host: a.example.com" "http://127.0.0.1:$HTTP_PORT/" >out &&
	test "$(cat out)" = "1.1 301"
'

test_expect_success 'a large POST body arrives intact and comes back (sha256)' '
	head -c 3000000 /dev/urandom >big &&
	h2 a.example.com /echo --data-binary @big -o back &&
	test "$(sha256sum <big)" = "$(sha256sum <back)"
'

test_expect_success 'a body without content-length reaches the target chunked' '
	h2 a.example.com /echo --data-binary @big -H "Content-Length:" \
		-H "X-Request-ID: chunked-echo" -o back2 &&
	cmp big back2 &&
	log_line "\"request_id\":\"chunked-echo\"" >line &&
	test_grep "\"req_content_length\":-1" line
'

test_expect_success 'with Kamal'"'"'s buffering on, h2 bodies both ways arrive whole (memory and spill)' '
	deploy_app --target 127.0.0.1:$PORT_one --buffer-requests --buffer-responses \
		--buffer-memory 100000 >/dev/null &&
	h2 a.example.com /echo --data-binary @big -o back3 &&
	cmp big back3 &&
	echo small >small &&
	h2 a.example.com /echo --data-binary @small -o back4 && cmp small back4 &&
	h2 a.example.com "/bytes?n=2000000" -D hdr -o bytes3 &&
	test "$(wc -c <bytes3)" = 2000000 &&
	test "$(sed -n "s/^x-sha256: \([0-9a-f]*\).*/\1/p" hdr)" = "$(sha256sum <bytes3 | cut -d" " -f1)" &&
	deploy_app --target 127.0.0.1:$PORT_one >/dev/null
'

test_expect_success 'HEAD, chunked responses and server-sent events over h2' '
	h2 a.example.com /x -I >head.out && test_grep "^HTTP/2 200" head.out &&
	h2 a.example.com /stream >sse && test "$(grep -c data: sse)" = 3 &&
	h2 a.example.com "/bytes?n=2000000" -o bytes && test "$(wc -c <bytes)" = 2000000
'

test_expect_success '200 parallel streams on one connection' '
	for i in $(seq 1 200); do
		echo "url = \"https://a.example.com:$HTTPS_PORT/p$i\""
		echo "output = \"/dev/null\""
	done >urls &&
	curl -sS --http2 --parallel --parallel-max 100 --cacert wild.crt \
		--resolve "a.example.com:$HTTPS_PORT:127.0.0.1" \
		-w "%{http_version} %{http_code} %{num_connects}\n" -K urls >out &&
	test "$(grep -c "^2 200 " out)" = 200 &&
	test "$(awk "{ n += \$3 } END { print n }" out)" = 1
'

if command -v h2load >/dev/null; then
	test_expect_success 'h2load: 3000 requests, up to 100 streams per connection' '
		h2load -n 3000 -c 3 -m 100 --connect-to "127.0.0.1:$HTTPS_PORT" \
			"https://a.example.com:$HTTPS_PORT/" >load.out 2>&1 &&
		test_grep "3000 succeeded, 0 failed, 0 errored" load.out &&
		test_grep "3000 2xx, 0 3xx, 0 4xx, 0 5xx" load.out
	'
else
	test_skip 'h2load: 3000 requests, up to 100 streams per connection' 'no h2load'
fi

test_expect_success 'a stream whose reader stalls does not hold up the others' '
	h2raw a.example.com window >out &&
	test_grep "stream 3 end" out
'

test_expect_success 'an upload to a target that reads nothing does not hold up the others' '
	for p in "slow?ms=3000" q1 q2 q3; do
		echo "url = \"https://a.example.com:$HTTPS_PORT/$p\""
		echo "output = /dev/null"
		case $p in slow*) echo "data-binary = @big" ;; esac
		echo "http2"
		echo "cacert = wild.crt"
		echo "resolve = a.example.com:$HTTPS_PORT:127.0.0.1"
		echo "write-out = \"%{url_effective} %{http_code} %{time_total} %{num_connects}\\n\""
		test "$p" = q3 || echo "next"
	done >ops &&
	curl -sS --parallel -K ops >out &&
	cat out &&
	test "$(grep -c "/q[0-9] 200 [01]\." out)" = 3 &&
	test "$(awk "{ n += \$4 } END { print n }" out)" = 1
'

test_expect_success 'a cancelled stream releases its upstream; the connection goes on' '
	rm -f one.cancelled &&
	h2raw a.example.com cancel >out &&
	test_grep "stream 3 end" out &&
	wait_file one.cancelled &&
	logline /slow && test_grep "\"status\":499" line &&
	logline /after && test_grep "\"status\":200" line
'

test_expect_success 'upgrades are refused over h2 (no RFC 8441); CONNECT gets 501' '
	h2raw a.example.com upgrade >out &&
	test_grep "stream 1 rst 1" out &&
	test_grep "stream 3 rst 1" out &&
	test_grep "stream 5 headers" out &&
	test_grep "stream 7 end" out
'

test_expect_success '404 for an unknown host' '
	test "$(h2code nope.example.com /)" = "2 404"
'

test_expect_success '504 after --target-timeout, 502 when the target is gone' '
	backend_start gone &&
	bp deploy gone --target 127.0.0.1:$PORT_gone --host gone.example.com \
		--target-timeout 500ms >/dev/null &&
	test "$(h2code gone.example.com "/slow?ms=3000")" = "2 504" &&
	kill $PID_gone && sleep 0.2 &&
	test "$(h2code gone.example.com /)" = "2 502"
'

test_expect_success '413 over --max-request-body' '
	bp deploy small --target 127.0.0.1:$PORT_one --host small.example.com \
		--buffer-requests --max-request-body 10 >/dev/null &&
	echo "more than ten bytes" >body &&
	test "$(h2code small.example.com /p --data-binary @body -H "Content-Length:")" = "2 413"
'

# An early answer ends the upload with RST_STREAM(NO_ERROR), as Go's server
# does (RFC 9113 8.1); curl 7.x reports that as an error, nghttp does not.
if command -v nghttp >/dev/null; then
	test_expect_success '413 at once for a large body; the upload is stopped without error' '
		nghttp -v -d big -H ":authority: small.example.com" \
			"https://127.0.0.1:$HTTPS_PORT/p" >out 2>&1 &&
		test_grep ":status: 413" out &&
		test_grep "error_code=NO_ERROR" out
	'
else
	test_skip '413 at once for a large body' 'no nghttp'
fi

# Clients will not send more than 64 KiB of fields, but HTTP/2 counts 32
# bytes more per field: 99 fields of some 640 bytes are over the limit.
test_expect_success '431 for a header list over 64 KiB' '
	v=$(head -c 658 /dev/zero | tr "\0" a) &&
	for i in $(seq 10 104); do echo "header = \"X-Big-$i: $v\""; done >fields &&
	test "$(h2code a.example.com / -K fields)" = "2 431" &&
	log_line "\"status\":431" >/dev/null &&
	test "$(h2code a.example.com /)" = "2 200"
'

test_expect_success 'pause holds h2 streams until resume; stop answers 503' '
	bp pause app &&
	{ (h2 a.example.com /held >held.out; echo done >held.done) & } &&
	sleep 0.5 && test ! -f held.done &&
	bp resume app &&
	wait_file held.done &&
	test_grep "\"backend\": \"one\"" held.out &&
	bp stop app --message "back soon" &&
	h2 a.example.com / -w "\n%{http_version} %{http_code}" >out &&
	bp resume app &&
	test_grep "back soon" out && test "$(tail -1 out)" = "2 503"
'

test_expect_success 'canonical host: one redirect over h2' '
	bp deploy canon --target 127.0.0.1:$PORT_one --host c.example.com \
		--host www.c.example.com --canonical-host www.c.example.com >/dev/null &&
	h2 c.example.com /p -o /dev/null -w "%{http_version} %{http_code} %{redirect_url}" >out &&
	test_grep "^2 301 http://www.c.example.com/p" out
'

test_expect_success 'rollout: a listed kamal-rollout cookie reaches the rollout target' '
	bp rollout deploy app --target 127.0.0.1:$PORT_two >/dev/null &&
	bp rollout set app --list beta &&
	h2 a.example.com / -H "Cookie: a=1; kamal-rollout=beta" >out &&
	test_grep "\"backend\": \"two\"" out &&
	h2 a.example.com / -H "Cookie: kamal-rollout=gamma" >out &&
	test_grep "\"backend\": \"one\"" out &&
	bp rollout stop app
'

test_expect_success 'metrics count h2 requests' '
	m() { curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | sed -n "s/^berth_proxy_requests_total //p"; } &&
	before=$(m) && h2 a.example.com / >/dev/null && h2 a.example.com / >/dev/null &&
	test "$(m)" = $((before + 3))
'

if command -v h2load >/dev/null; then
	test_expect_success 'deploys under h2 load: no failed stream; slow streams finish on the old target' '
		h2load -D 6 -c 4 -m 10 --connect-to "127.0.0.1:$HTTPS_PORT" \
			"https://a.example.com:$HTTPS_PORT/" >load.out 2>&1 &
		load=$! &&
		{ (h2 a.example.com "/slow?ms=1500" >slow.out) & } &&
		slow=$! &&
		sleep 0.5 &&
		for i in 1 2 3; do
			deploy_app --target 127.0.0.1:$PORT_two --drain-timeout 5s \
				--health-check-interval 100ms >/dev/null &&
			deploy_app --target 127.0.0.1:$PORT_one --drain-timeout 5s \
				--health-check-interval 100ms >/dev/null || break
		done &&
		wait $load && wait $slow &&
		cat load.out &&
		test_grep " 0 failed, 0 errored, 0 timeout" load.out &&
		test_grep " 0 3xx, 0 4xx, 0 5xx" load.out &&
		! grep -q "requests: 0 total" load.out &&
		test_grep "slow one" slow.out
	'
else
	test_skip 'deploys under h2 load' 'no h2load'
fi

# The rest needs short timeouts: the daemon restarts with them (the
# services come back from the state file).
proxy_stop
proxy_start --idle-timeout 1s --header-timeout 1s
wait_port "$HTTPS_PORT"

test_expect_success 'an idle h2 connection gets GOAWAY after --idle-timeout' '
	h2raw a.example.com idle >out &&
	test_grep "goaway 0" out && test_grep "^eof" out
'

test_expect_success 'headers that never complete: GOAWAY after --header-timeout' '
	h2raw a.example.com slowhead >out &&
	test_grep "goaway 0" out && test_grep "^eof" out
'

test_expect_success 'SIGTERM: a stream in flight finishes, then the daemon exits' '
	(h2 a.example.com "/slow?ms=1500" -w "\n%{http_code}" >slow2.out) &
	slow=$! &&
	sleep 0.5 &&
	kill $PROXY_PID &&
	wait $slow &&
	test "$(tail -1 slow2.out)" = 200 &&
	for _ in $(seq 1 50); do kill -0 $PROXY_PID 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 $PROXY_PID 2>/dev/null
'

test_expect_success 'the daemon reported no memory error (ASan/UBSan builds)' '
	! grep -E "Sanitizer|runtime error" "$TRASH/proxy.err"
'

test_done
