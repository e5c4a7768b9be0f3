#!/bin/sh
# The README's first command: build berth, show the example app's resolved
# configuration, and serve the example app through berth-proxy, deploying
# a second version with zero downtime.
#
#   scripts/demo.sh        start (idempotent: restarts a running demo)
#   scripts/demo.sh stop   stop everything the demo started
#
# Everything listens on 127.0.0.1 only. PORT (default 8080) is the proxy's.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
run=$top/build/demo
port=${PORT:-8080}

stop() {
	for f in "$run"/*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
}

if [ "${1:-}" = stop ]; then
	stop
	echo "demo stopped"
	exit 0
fi

sh scripts/install-deps.sh
make -s
stop
mkdir -p "$run/state"
cc -O2 -o "$run/hello" examples/hello/app/hello.c

echo
echo "== berth config (examples/hello, as kamal config would print it)"
(cd examples/hello && "$top/build/berth" config --version=demo) || true
echo
echo "== berth config -d staging"
(cd examples/hello && "$top/build/berth" config -d staging --version=demo | head -n 12) || true

start_app() { # version port
	APP_VERSION=$1 PORT=$2 BIND=127.0.0.1 "$run/hello" >>"$run/app-$1.log" 2>&1 &
	echo $! >"$run/app-$1.pid"
}

echo
echo "== berth-proxy on 127.0.0.1:$port"
BERTH_PROXY_STATE_DIR=$run/state "$top/build/berth-proxy" run \
	--bind 127.0.0.1 --http-port "$port" >"$run/proxy.log" 2>&1 &
echo $! >"$run/proxy.pid"
export BERTH_PROXY_STATE_DIR="$run/state"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		echo "berth-proxy did not start; its log:" >&2
		cat "$run/proxy.log" >&2
		exit 1
	fi
	sleep 0.1
done

start_app v1 18081
"$top/build/berth-proxy" deploy hello --target 127.0.0.1:18081 --health-check-path /up
curl -s "http://127.0.0.1:$port/"
echo
echo "== zero-downtime deploy of v2 while requests keep coming"
start_app v2 18082
( n=0 bad=0
  while [ $n -lt 300 ]; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
	[ "$code" = 200 ] || bad=$((bad + 1))
	n=$((n + 1))
  done
  echo "$n requests during the deploy, $bad failed" ) &
load=$!
"$top/build/berth-proxy" deploy hello --target 127.0.0.1:18082 --health-check-path /up
wait $load
kill "$(cat "$run/app-v1.pid")" && rm -f "$run/app-v1.pid"
curl -s "http://127.0.0.1:$port/"
echo
"$top/build/berth-proxy" list
echo
echo "The example app is live: open http://127.0.0.1:$port/"
echo "Stop it with: make demo-stop"
