#!/bin/sh
# One huge connection does not take the daemon's memory: with request and
# response buffering on and no body limit, 128 MiB each way pass through
# while the proxy's resident memory stays near its idle size (bodies past
# --buffer-memory spill to a nameless file), and it keeps serving others.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

proxy_start
backend_start one
MIB=134217728

rss_kib() { # FIELD: VmRSS or VmHWM of the proxy, in KiB
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PROXY_PID/status"
}
# Under the sanitizers, allocations are kept in quarantine: only the plain
# build's memory is held to the bound.
bounded() { # BEFORE AFTER (KiB): grew by less than 16 MiB (idle is ~3 MiB; 128 MiB pass)
	case $PROXY_BIN in *build-san*) return 0 ;; esac
	test $(($2 - $1)) -lt 16384 || { echo "grew from $1 KiB to $2 KiB"; return 1; }
}

test_expect_success 'a 128 MiB request body, buffered: it all arrives, the proxy stays small' '
	bp deploy big --target 127.0.0.1:$PORT_one --buffer-requests &&
	before=$(rss_kib VmRSS) &&
	head -c $MIB /dev/zero | curl -sS --max-time 120 -X POST --data-binary @- \
		-H "Content-Type: application/octet-stream" "http://127.0.0.1:$HTTP_PORT/upload" >out &&
	test_grep "\"body_length\": $MIB" out &&
	bounded "$before" "$(rss_kib VmHWM)" &&
	kill -0 $PROXY_PID &&
	get /after >out && test_grep "\"path\": \"/after\"" out
'

test_expect_success 'a 128 MiB response, buffered: it all arrives whole, the proxy stays small' '
	bp deploy big --target 127.0.0.1:$PORT_one --buffer-responses &&
	before=$(rss_kib VmHWM) &&
	curl -sS --max-time 120 -D head -o body "http://127.0.0.1:$HTTP_PORT/bytes?n=$MIB" &&
	test "$(wc -c <body)" = $MIB &&
	want=$(tr -d "\r" <head | awk -F": " "tolower(\$1) == \"x-sha256\" { print \$2 }") &&
	test "$(sha256sum <body | cut -d" " -f1)" = "$want" &&
	bounded "$before" "$(rss_kib VmHWM)" &&
	kill -0 $PROXY_PID
'

test_done
