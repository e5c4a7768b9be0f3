#!/bin/bash
# bench/remote/run.sh - berth's ssh layer on 1, 3 and 8 lab hosts against
# plain ssh, measured in the same run.
#
# The workload is one `berth details` on a project whose hosts each run
# the proxy, the app and 19 accessories: 21 `docker ps --filter ...` commands per
# host, sent as Kamal sends them (per host one after another, hosts at
# once). Its peers send the very same command lines, taken from berth -v:
#
#   ssh loop     for each host, for each command: ssh HOST CMD (a fresh
#                connection each, as a shell script would)
#   warm master  the same through ssh ControlMasters that are already up
#                (ssh -S), the hosts at once: the floor for these commands
#                over ssh on this machine
#
# and a two-command project (proxy and app, no accessories) on 1 host, so berth's cost
# per command comes from the difference, free of what it pays once per run
# (start, config, the master's handshake):
#
#   per command = (T(21 commands) - T(2 commands)) / 19
#
# Targets: 8 hosts within 1.5x the time of 1 host; per command, under 5 ms
# over the warm master. The lab's hosts share this machine's cores, and
# each command costs them CPU (sshd's session, the docker client, dockerd):
# 8 hosts cannot take less than the warm masters' 8-host time, whatever
# runs them, so 8 against 1 is printed for the warm masters too, and
# berth's cost of going wide as its time over theirs. Times are medians of ROUNDS runs, the programs
# interleaved round by round so drift in the machine hits them alike.
#
#   ROUNDS=5 bench/remote/run.sh
#
# The bench brings up its own lab (8 hosts: LAB_NAME=berthbench,
# LAB_DIR=/var/tmp/berth-lab-bench, LAB_SUBNET=10.79.0; set them to use
# another) and takes it down at the end unless it was up before.
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
ACCESSORIES=19

die() { echo "bench/remote: $*" >&2; exit 1; }
[ -x "$BERTH" ] || die "$BERTH missing (make first)"
[ "$(id -u)" = 0 ] || die "the lab needs root"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-remote.XXXXXX")
lab_was_up=0
cleanup() {
	local i
	for ((i = 0; i < ${masters:-0}; i++)); do
		ssh -F "$LAB_SSH_CONFIG" -S "$work/warm$i.sock" -O exit "${hosts[$i]}" 2>/dev/null
	done
	[ "$lab_was_up" = 1 ] || $LAB down --force >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The lab: up with 8 hosts unless it already has them.
if $LAB status 2>/dev/null | grep -q '^lab8 .* on '; then
	lab_was_up=1
else
	echo "# bringing up an 8-host lab ($LAB_NAME, $LAB_SUBNET.0/24)..."
	$LAB up 8 >"$work/lab-up.log" 2>&1 || { tail -20 "$work/lab-up.log"; die "lab up failed"; }
fi
eval "$($LAB env)"
read -r -a hosts <<<"$LAB_HOSTS"
[ "${#hosts[@]}" -ge 8 ] || die "the lab has ${#hosts[@]} hosts, 8 needed"

# project DIR N ACCESSORIES: web on the first N hosts, each accessory on all of them.
project() {
	local dir=$1 n=$2 acc=$3 list i
	list=$(printf '%s, ' "${hosts[@]:0:$n}")
	list="[${list%, }]"
	mkdir -p "$dir/config" "$dir/.kamal"
	{
		printf 'service: shop\nimage: shop/app\nservers:\n  web: %s\n' "$list"
		printf 'registry:\n  server: %s\n  username: %s\n  password: [KAMAL_REGISTRY_PASSWORD]\n' \
			"$LAB_REGISTRY" "$LAB_REGISTRY_USER"
		printf 'ssh:\n  config: %s\nbuilder:\n  arch: amd64\n' "$LAB_SSH_CONFIG"
		[ "$acc" -gt 0 ] && printf 'accessories:\n'
		for ((i = 1; i <= acc; i++)); do
			printf '  a%02d:\n    image: busybox\n    hosts: %s\n' "$i" "$list"
		done
	} >"$dir/config/deploy.yml"
	printf 'KAMAL_REGISTRY_PASSWORD=%s\n' "$(cat "$LAB_REGISTRY_PASSWORD_FILE")" >"$dir/.kamal/secrets"
	(cd "$dir" && git init -q && git add -A &&
		git -c user.name=bench -c user.email=bench@example.com commit -qm project)
}
for n in $COUNTS; do project "$work/p$n" "$n" $ACCESSORIES; done
project "$work/one" 1 0

# The command lines berth sends to the first host, from -v ("  [HOST] $ CMD").
(cd "$work/p1" && "$BERTH" -v details) >"$work/v.out" 2>&1 || { cat "$work/v.out"; die "berth details failed"; }
grep -F "  [${hosts[0]}] \$ " "$work/v.out" | sed 's/^  \[[^]]*\] \$ //' >"$work/cmds"
ncmd=$(wc -l <"$work/cmds")
[ "$ncmd" = $((ACCESSORIES + 2)) ] || { cat "$work/v.out"; die "expected $((ACCESSORIES + 2)) commands per host, berth -v shows $ncmd"; }

ssh_plain() { ssh -F "$LAB_SSH_CONFIG" -o ControlMaster=no -o ControlPath=none "$@"; }
ssh_loop() { # N: every command on the first N hosts, one connection each
	local h c
	for h in "${hosts[@]:0:$1}"; do
		while IFS= read -r c; do ssh_plain -n "$h" "$c" >/dev/null || return 1; done <"$work/cmds"
	done
}
warm_host() { # I: every command on host I through its warm master
	local c
	while IFS= read -r c; do
		ssh -F "$LAB_SSH_CONFIG" -S "$work/warm$1.sock" -n "${hosts[$1]}" "$c" >/dev/null || return 1
	done <"$work/cmds"
}
warm_loop() { # N: the first N hosts at once
	local i pids=() rc=0
	for ((i = 0; i < $1; i++)); do
		warm_host "$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return $rc
}
masters=0
for ((i = 0; i < 8; i++)); do
	ssh -F "$LAB_SSH_CONFIG" -M -N -f -S "$work/warm$i.sock" -o ControlPersist=yes "${hosts[$i]}" ||
		die "cannot start a ControlMaster to ${hosts[$i]}"
	masters=$((i + 1))
done

# ms CMD...: wall time of one run in ms (3 decimals), appended to $work/t.LABEL.
ms() {
	local label=$1 s e
	shift
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { echo "bench/remote: $label failed" >&2; return 1; }
	e=$(date +%s%N)
	echo "$(((e - s) / 1000))" >>"$work/t.$label"
}
berth_in() { (cd "$1" && "$BERTH" details); }

for ((r = 1; r <= ROUNDS; r++)); do
	for n in $COUNTS; do
		ms "berth$n" berth_in "$work/p$n" || exit 1
		ms "loop$n" ssh_loop "$n" || exit 1
		ms "warm$n" warm_loop "$n" || exit 1
	done
	ms one berth_in "$work/one" || exit 1
done

med() { sort -n "$work/t.$1" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "berth details: $ncmd commands per host (proxy, app + $ACCESSORIES accessories), median of $ROUNDS runs"
printf '%-6s %10s %12s %10s %12s %12s\n' hosts "berth ms" "ssh loop ms" "loop/berth" "warm ms" "berth/warm"
for n in $COUNTS; do
	b=$(med "berth$n") l=$(med "loop$n") w=$(med "warm$n")
	printf '%-6s %10s %12s %9sx %12s %11sx\n' "$n" "$b" "$l" "$(ratio "$l" "$b")" "$w" "$(ratio "$b" "$w")"
done
b1=$(med berth1) b8=$(med berth8) l1=$(med loop1) l8=$(med loop8) w1=$(med warm1) w8=$(med warm8)
echo "8 hosts / 1 host: berth $(ratio "$b8" "$b1")x (target <= 1.5x), warm masters $(ratio "$w8" "$w1")x (this machine's floor: $(nproc) cores for 8 hosts), ssh loop $(ratio "$l8" "$l1")x"
echo "going wide: berth's 8-host time over the warm masters' $(ratio "$b8" "$w8")x, against $(ratio "$b1" "$w1")x on 1 host"
one=$(med one) warm=$(med warm1)
per=$(awk -v a="$b1" -v b="$one" -v n="$ACCESSORIES" 'BEGIN { printf "%.2f", (a - b) / n }')
wper=$(awk -v w="$warm" -v n="$ncmd" 'BEGIN { printf "%.2f", w / n }')
over=$(awk -v p="$per" -v w="$wper" 'BEGIN { printf "%.2f", p - w }')
echo "per command on 1 host: berth $per ms ((${b1} - ${one}) / $ACCESSORIES), warm ControlMaster $wper ms: berth's overhead $over ms (target < 5 ms), $(ratio "$per" "$wper")x the warm master"
echo "once per run: berth with two commands (proxy, app) $one ms; a fresh ssh connection and command $(ratio "$l1" "$ncmd") ms"
