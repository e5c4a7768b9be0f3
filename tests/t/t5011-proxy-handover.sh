#!/bin/sh
# A proxy replaced by its successor under load, refusing nothing: the new
# berth-proxy listens beside the old one (--reuse-port), takes over the
# control socket and the routes from the shared state directory, and the
# old one then stops; with net.ipv4.tcp_migrate_req, connections waiting
# in the old one's queue move to the new one. This is what `berth proxy
# reboot` does on a host, where the two proxies share one network
# namespace. The test runs in a network namespace of its own, so it may
# set that namespace's sysctl.
if [ -z "${IN_NETNS:-}" ]; then
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n env IN_NETNS=1 sh "$0" "$@"
	fi
	. "$TOP/tests/lib/test-lib.sh"
	test_skip 'a proxy hands over to its successor' 'needs root and network namespaces'
	test_done
fi
ip link set lo up
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

sysctl -qw net.ipv4.tcp_migrate_req=1
proxy_start --reuse-port
OLD=$PROXY_PID
backend_start blue
bp deploy app --target 127.0.0.1:$PORT_blue >/dev/null

# succ: a second proxy on the same ports and state directory.
succ() {
	"$PROXY_BIN" run --reuse-port --bind 127.0.0.1 --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
		--state-dir "$TRASH/state" >>"$TRASH/proxy2.out" 2>>"$TRASH/proxy2.err" &
	echo $! >"$TRASH/proxy.pid"
	started $!
}

test_expect_success 'without --reuse-port a second proxy cannot listen on the ports' '
	test_must_fail "$PROXY_BIN" run --bind 127.0.0.1 --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
		--state-dir "$TRASH/other" 2>err &&
	test_grep "cannot listen" err
'

test_expect_success 'under load, the successor takes over and the old one leaves: nothing fails' '
	$PYTHON "$HELPERS/load.py" "$HTTP_PORT" 30 "$TRASH/stop" --retry-reused >load.out &
	load=$! &&
	sleep 1 &&
	succ &&
	for _ in $(seq 1 100); do
		grep -q "listening" "$TRASH/proxy2.err" && break
		sleep 0.05
	done &&
	test_grep "listening" "$TRASH/proxy2.err" &&
	sleep 1 &&
	kill -TERM $OLD &&
	for _ in $(seq 1 200); do
		kill -0 $OLD 2>/dev/null || break
		sleep 0.05
	done &&
	! kill -0 $OLD 2>/dev/null &&
	sleep 1 &&
	touch "$TRASH/stop" &&
	wait $load &&
	cat load.out &&
	grep -q "fail=0" load.out
'

test_expect_success 'the successor kept the routes; the old one left it the control socket' '
	bp list >list &&
	test_grep "app" list &&
	get / >body &&
	test_grep "blue" body &&
	test -S "$TRASH/state/kamal-proxy.sock"
'

test_expect_success 'a deploy after the handover reaches the successor' '
	backend_start green &&
	bp deploy app --target 127.0.0.1:$PORT_green >/dev/null &&
	get / >body &&
	test_grep "green" body
'

test_done
