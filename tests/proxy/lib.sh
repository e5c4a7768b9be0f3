# lib.sh - helpers for berth-proxy shell tests (sourced after test-lib.sh).
#
# proxy_start [run flags]   starts berth-proxy on free loopback ports:
#                           $HTTP_PORT, $HTTPS_PORT, $METRICS_PORT; state in
#                           $TRASH/state; access log in $TRASH/proxy.out
# backend_start NAME [opts] starts tests/proxy/backend.py; sets $PORT_<NAME>
# bp ARGS                   runs a control command against it
# Everything started is killed on exit, also what a test started: tests
# run in subshells, so their PIDs are kept in a file beside $TRASH (which
# test_done removes before the exit trap runs).

PROXY_BIN=${PROXY_BIN:-$BUILD_DIR/berth-proxy}
PYTHON=${PYTHON:-python3}
HELPERS=$TOP/tests/proxy
PIDS=""
# The rest of an RFC 6455 handshake (the sample nonce of its section 1.3),
# as header lines for raw requests that carry Upgrade: websocket.
WS_KEY='Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'

PIDFILE=$TRASH.pids
trap 'for p in $PIDS $(cat "$PIDFILE" 2>/dev/null); do kill $p 2>/dev/null; done; rm -f "$PIDFILE" "$TRASH.ports"; wait 2>/dev/null' EXIT

# started PID: kill PID on exit
started() {
	PIDS="$PIDS $1"
	echo "$1" >>"$PIDFILE"
}

# free_port: a port free on 127.0.0.1, outside the kernel's ephemeral range
# (ip_local_port_range), so that no outgoing connection can be holding it
# when the server we pick it for binds it, and not one handed out before
# in this script (a server picked it and may not have bound it yet).
free_port() {
	$PYTHON -c '
import os, random, socket, sys
given = sys.argv[1]
lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
taken = set(open(given).read().split()) if os.path.exists(given) else set()
ports = [p for p in range(10240, 65536) if not lo <= p <= hi and str(p) not in taken]
while True:
    p = random.choice(ports)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    open(given, "a").write("%d\n" % p)
    print(p)
    break
' "$TRASH.ports"
}

# alive PID: PID runs (an exited child not yet waited for is a zombie, and
# kill -0 still finds it).
alive() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d" " -f1) && [ -n "$st" ] && [ "$st" != Z ]
}

# wait_port PORT [PID]: until something listens on PORT (or PID has exited).
wait_port() {
	for _ in $(seq 1 100); do
		$PYTHON -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
		[ -z "${2:-}" ] || alive "$2" || break
		sleep 0.05
	done
	echo "port $1 never opened"
	return 1
}

# A port free when picked can be bound by some other program before the
# daemon binds it: then the ports picked here are picked again (up to 3
# tries); ports the caller set are kept.
proxy_start() {
	for try in 1 2 3; do
		picked=
		[ -n "${HTTP_PORT:-}" ] || { HTTP_PORT=$(free_port) && picked="$picked HTTP_PORT"; }
		[ -n "${HTTPS_PORT:-}" ] || { HTTPS_PORT=$(free_port) && picked="$picked HTTPS_PORT"; }
		[ -n "${METRICS_PORT:-}" ] || { METRICS_PORT=$(free_port) && picked="$picked METRICS_PORT"; }
		errsize=$(wc -c 2>/dev/null <"$TRASH/proxy.err" || echo 0)
		"$PROXY_BIN" run --bind 127.0.0.1 --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
			--metrics-port "$METRICS_PORT" --state-dir "$TRASH/state" "$@" \
			>>"$TRASH/proxy.out" 2>>"$TRASH/proxy.err" &
		PROXY_PID=$!
		started $PROXY_PID
		echo "$PROXY_PID" >"$TRASH/proxy.pid"
		wait_port "$HTTP_PORT" "$PROXY_PID" >/dev/null && return 0
		if [ -z "$picked" ] || alive "$PROXY_PID" ||
			! tail -c +$((errsize + 1)) "$TRASH/proxy.err" | grep -q "Address already in use"; then
			break
		fi
		echo "# berth-proxy found a port taken; picking others" >&2
		for v in $picked; do eval "$v="; done
	done
	echo "port $HTTP_PORT never opened"
	return 1
}

# Works from the subshells tests run in, where `wait` cannot see the daemon.
proxy_stop() {
	PROXY_PID=$(cat "$TRASH/proxy.pid") # the newest, even if a subshell started it
	kill "$PROXY_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$PROXY_PID" 2>/dev/null || return 0
		sleep 0.05
	done
	echo "berth-proxy $PROXY_PID did not stop"
	return 1
}

backend_start() {
	name=$1
	shift
	port=$(free_port)
	(cd "$TRASH" && exec $PYTHON "$HELPERS/backend.py" "$port" "$name" "$@" 2>>"$TRASH/backend-$name.err") &
	started $!
	eval "PORT_$name=$port"
	eval "PID_$name=$!"
	wait_port "$port"
}

bp() {
	"$PROXY_BIN" "$@" --state-dir "$TRASH/state"
}

# get PATH [curl args]: prints the body
get() {
	p=$1
	shift
	curl -sS --max-time 10 "$@" "http://127.0.0.1:$HTTP_PORT$p"
}

# status PATH [curl args]: prints the status code
status() {
	p=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "http://127.0.0.1:$HTTP_PORT$p"
}

raw() {
	$PYTHON "$HELPERS/raw.py" "$HTTP_PORT" "$@"
}

# wait_grep PATTERN FILE: waits until FILE has a line matching PATTERN (up to
# 5 s), instead of a fixed sleep that a busy machine outlasts.
wait_grep() {
	for _ in $(seq 1 100); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no /$1/ in $2 after 5 s"
	return 1
}

# slow_started NAME: waits until a /slow request has reached backend NAME.
slow_started() {
	for _ in $(seq 1 100); do
		test -f "$TRASH/$1.started" && return 0
		sleep 0.05
	done
	echo "no /slow request reached backend $1"
	return 1
}

# log_line PATTERN: the last access-log line matching PATTERN (grep), once
# there is one (up to 3 s): the daemon writes its log every 100 ms, so a
# pattern should name one request (its X-Request-ID, a unique path).
log_line() {
	for _ in $(seq 30); do
		grep -- "$1" "$TRASH/proxy.out" | tail -1 | grep . && return 0
		sleep 0.1
	done
	return 1
}
