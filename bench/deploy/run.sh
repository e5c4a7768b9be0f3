#!/bin/bash
# bench/deploy/run.sh - `berth deploy -P` (an image already in the
# registry) to 1, 3 and 8 lab hosts, against a plain shell script doing
# the same docker work over ssh, measured in the same run.
#
# The app is busybox's httpd behind berth-proxy on each host (web role,
# proxy health check on /up every second). Each round deploys the other
# of two pushed versions, so every run pulls, starts a container, has the
# proxy move traffic to it once healthy and stops the old one. The peer,
# for the same hosts at once (one ssh connection per host, its commands
# in one shell), runs what matters of the same sequence: image rm + pull,
# the service label check, the env file, docker run, the container id,
# kamal-proxy deploy (which waits for the health check), docker stop of
# the old container. berth also takes the lock, looks for stale
# containers, writes the audit log, tags latest and prunes, as Kamal does.
#
# Targets: 8 hosts within 1.5x of 1 host; berth's own time (its CPU time,
# not spent waiting on ssh, docker or the health check) under 10% of the
# wall time. Times are medians of ROUNDS runs, berth and the script
# interleaved round by round.
#
#   ROUNDS=5 bench/deploy/run.sh
#
# Its own lab (8 hosts: LAB_NAME=berthbench, LAB_DIR=/var/tmp/berth-lab-bench,
# LAB_SUBNET=10.79.0), taken down at the end unless it was up before.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$top/build}
BERTH=${BERTH:-$BUILD_DIR/berth}
ROUNDS=${ROUNDS:-5}
export LAB_NAME=${LAB_NAME:-berthbench}
export LAB_DIR=${LAB_DIR:-/var/tmp/berth-lab-bench}
export LAB_SUBNET=${LAB_SUBNET:-10.79.0}
LAB="bash $top/tests/lab/lab.sh"
COUNTS="1 3 8"

die() { echo "bench/deploy: $*" >&2; exit 1; }
[ -x "$BERTH" ] || die "$BERTH missing (make first)"
[ "$(id -u)" = 0 ] || die "the lab needs root"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-deploy.XXXXXX")
lab_was_up=0
cleanup() {
	[ "$lab_was_up" = 1 ] || $LAB down --force >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if $LAB status 2>/dev/null | grep -q '^lab8 .* on '; then
	lab_was_up=1
else
	echo "# bringing up an 8-host lab ($LAB_NAME, $LAB_SUBNET.0/24)..."
	$LAB up 8 >"$work/lab-up.log" 2>&1 || { tail -20 "$work/lab-up.log"; die "lab up failed"; }
fi
eval "$($LAB env)"
read -r -a hosts <<<"$LAB_HOSTS"
[ "${#hosts[@]}" -ge 8 ] || die "the lab has ${#hosts[@]} hosts, 8 needed"
export DOCKER_HOST=$LAB_DOCKER_HOST
[ -f "$BUILD_DIR/proxy-image/berth-proxy.tar" ] || make -s -C "$top" proxy-image DOCKER= >/dev/null
export BERTH_PROXY_IMAGE=$BUILD_DIR/proxy-image/berth-proxy.tar
IMAGE=$LAB_REGISTRY/shop/app

# project DIR N: web on the first N hosts, behind the proxy.
project() {
	local dir=$1 n=$2 list
	list=$(printf '%s, ' "${hosts[@]:0:$n}")
	mkdir -p "$dir/config" "$dir/.kamal" "$dir/www"
	cat >"$dir/config/deploy.yml" <<EOF_CONFIG
service: shop
image: shop/app
servers:
  web: [${list%, }]
registry:
  server: $LAB_REGISTRY
  username: $LAB_REGISTRY_USER
  password: [KAMAL_REGISTRY_PASSWORD]
ssh:
  config: $LAB_SSH_CONFIG
builder:
  arch: amd64
proxy:
  app_port: 3000
  healthcheck:
    path: /up
    interval: 1
drain_timeout: 2
EOF_CONFIG
	printf 'KAMAL_REGISTRY_PASSWORD=%s\n' "$(cat "$LAB_REGISTRY_PASSWORD_FILE")" >"$dir/.kamal/secrets"
	cat >"$dir/Dockerfile" <<'EOF_DOCKERFILE'
FROM busybox
COPY www /www
CMD ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 3000 -h /www & wait"]
EOF_DOCKERFILE
	echo ok >"$dir/www/up"
	echo app >"$dir/www/index.html"
	(cd "$dir" && git init -q && git add -A &&
		git -c user.name=bench -c user.email=bench@example.com commit -qm project)
}
for n in $COUNTS; do project "$work/p$n" "$n"; done

# Two versions in the registry; the proxy on all 8 hosts; every host
# starts from the first version (so each round's deploy replaces one).
(cd "$work/p8" && VERSION=va "$BERTH" build push && VERSION=vb "$BERTH" build push &&
	"$BERTH" proxy boot && VERSION=va "$BERTH" deploy -P) >"$work/setup.log" 2>&1 ||
	{ tail -20 "$work/setup.log"; die "setup failed"; }

# The peer: the same docker work, one ssh connection per host, hosts at once.
peer_host() { # HOST VERSION OLD
	ssh -F "$LAB_SSH_CONFIG" -o ControlMaster=no -o ControlPath=none "$1" sh -es <<EOF_PEER
docker image rm --force $IMAGE:$2 >/dev/null
docker pull -q $IMAGE:$2 >/dev/null
docker inspect -f '{{ .Config.Labels.service }}' $IMAGE:$2 | grep -qx shop
mkdir -p .kamal/apps/peer/env/roles && : >.kamal/apps/peer/env/roles/web.env && chmod 600 .kamal/apps/peer/env/roles/web.env
docker rm -f peer-web-$2 >/dev/null 2>&1 || true
docker run --detach --restart unless-stopped --name peer-web-$2 --network kamal --env-file .kamal/apps/peer/env/roles/web.env --label service=peer --label role=web $IMAGE:$2 >/dev/null
id=\$(docker container ls --all --filter name=^peer-web-$2\\\$ --quiet)
docker exec kamal-proxy kamal-proxy deploy peer-web --target=\$id:3000 --host=peer.test --health-check-path=/up --health-check-interval=1s --drain-timeout=2s >/dev/null
docker container ls --all --filter name=^peer-web-$3\\\$ --quiet | xargs -r docker stop >/dev/null
EOF_PEER
}
peer() { # N VERSION OLD
	local i pids=() rc=0
	for ((i = 0; i < $1; i++)); do
		peer_host "${hosts[$i]}" "$2" "$3" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return $rc
}

# berth N VERSION: deploy -P, its wall time and its own CPU time (utime +
# stime of the berth process, read from /proc until it exits).
berth_run() {
	local dir=$1 v=$2 pid ticks=0 t
	(cd "$dir" && VERSION=$v exec "$BERTH" -q deploy -P) >"$work/last.log" 2>&1 &
	pid=$!
	while t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null); do
		ticks=$t
		sleep 0.02
	done
	wait "$pid" || { cat "$work/last.log" >&2; return 1; }
	echo "$ticks" >>"$work/cpu.$n"
}

ms() { # LABEL CMD...: wall ms appended to $work/t.LABEL
	local label=$1 s e
	shift
	s=$(date +%s%N)
	"$@" || { echo "bench/deploy: $label failed" >&2; return 1; }
	e=$(date +%s%N)
	echo "$(((e - s) / 1000))" >>"$work/t.$label"
}

peer 8 va none >/dev/null 2>&1 || die "the peer's first deploy failed"
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then v=vb old=va; else v=va old=vb; fi
	for n in $COUNTS; do
		ms "berth$n" berth_run "$work/p$n" "$v" || exit 1
		ms "peer$n" peer "$n" "$v" "$old" || exit 1
	done
	# The hosts beyond a smaller project stay on the other version: bring
	# them along, unmeasured, so every round replaces a container everywhere.
	(cd "$work/p8" && VERSION=$v "$BERTH" -q deploy -P) >/dev/null 2>&1
	peer 8 "$v" "$old" >/dev/null 2>&1
done

med() { sort -n "$work/t.$1" | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000000 }'; }
cpu() { sort -n "$work/cpu.$1" | awk -v hz="$(getconf CLK_TCK)" '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] / hz }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }

echo "deploy -P of a pushed image (web behind berth-proxy), median of $ROUNDS runs"
printf '%-6s %10s %10s %12s %12s %10s\n' hosts "berth s" "script s" "berth/script" "berth cpu s" "cpu/wall"
for n in $COUNTS; do
	b=$(med "berth$n") p=$(med "peer$n") c=$(cpu "$n")
	printf '%-6s %10s %10s %11sx %12s %9s%%\n' "$n" "$b" "$p" "$(ratio "$b" "$p")" "$c" "$(pct "$c" "$b")"
done
echo "8 hosts / 1 host: berth $(ratio "$(med berth8)" "$(med berth1)")x (target <= 1.5x), script $(ratio "$(med peer8)" "$(med peer1)")x"
echo "berth's own time: its CPU time over the wall time above (target < 10%)"
