#!/bin/sh
# The README's first command: deploy the example app (examples/hello) to a
# lab host over SSH, as a team would deploy to a server, then deploy its
# next version while requests keep coming, and print where to see it.
#
#   scripts/demo.sh        bring up the lab host, berth setup, berth deploy
#   scripts/demo.sh stop   take the lab host (and all it ran) down
#
# The lab host is a network namespace on this machine with its own sshd and
# dockerd (tests/lab/lab.sh, docs/lab.md), at 10.78.0.2: the address the
# example's config/deploy.yml names. The image is built here, pushed to
# Kamal's local registry (localhost:5555), pulled by the host through ssh,
# and served by berth-proxy on the host's port 80.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
LAB_NAME=berthdemo LAB_DIR=/var/tmp/berth-demo LAB_SUBNET=10.78.0
export LAB_NAME LAB_DIR LAB_SUBNET
host=$LAB_SUBNET.2
lab() { bash "$top/tests/lab/lab.sh" "$@"; }

if [ "${1:-}" = stop ]; then
	lab down --force >/dev/null 2>&1 || true
	echo "demo stopped: the lab host $host and everything it ran are gone"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "make demo: run as root (the lab host is a network namespace)" >&2; exit 1; }

sh scripts/install-deps.sh
make -s
make -s proxy-image DOCKER= >/dev/null
echo "== the lab host $host (sshd + dockerd in a namespace)"
lab up 1 >"$top/build/demo-lab.log" 2>&1 || { cat "$top/build/demo-lab.log" >&2; exit 1; }
eval "$(lab env)"
# berth builds with the lab's local docker daemon, reaches the host with
# the lab's ssh config, and brings its own proxy image.
DOCKER_HOST=$LAB_DOCKER_HOST BERTH_DEMO_SSH_CONFIG=$LAB_SSH_CONFIG
BERTH_PROXY_IMAGE=$top/build/proxy-image/berth-proxy.tar
export DOCKER_HOST BERTH_DEMO_SSH_CONFIG BERTH_PROXY_IMAGE
# The image is FROM scratch: the app is one static binary.
cc -static -O2 -o examples/hello/app/hello examples/hello/app/hello.c
berth=$top/build/berth
cd examples/hello

echo
echo "== berth setup: Docker checked, the proxy booted, version one deployed"
VERSION=one "$berth" setup
curl -s "http://$host/"

echo
echo "== berth deploy of version two while requests keep coming"
( n=0 bad=0
  while [ $n -lt 400 ]; do
	code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "http://$host/")
	[ "$code" = 200 ] || bad=$((bad + 1))
	n=$((n + 1))
  done
  echo "$n requests during the deploy, $bad failed" ) &
load=$!
VERSION=two "$berth" deploy
wait $load
curl -s "http://$host/"
echo
"$berth" app details -q 2>/dev/null | head -n 3 || true
echo
echo "The example app is live on the lab host: open http://$host/"
echo "(from this machine; try also: cd examples/hello && BERTH_DEMO_SSH_CONFIG=$LAB_SSH_CONFIG $berth app logs)"
echo "Take it down with: make demo-stop"
