#!/bin/bash
# lab.sh - the multi-host lab: real servers on this machine (docs/lab.md).
#
#   lab.sh up [N]            N hosts (default 3), registry, local daemon, images
#   lab.sh down [--keep]     everything gone; --keep keeps $LAB_DIR's data
#                            (refused while a test run holds the lab: --force)
#   lab.sh host-down N [--wipe] / host-up N    power-cycle host N
#   lab.sh rekey N [--trust] new host key for host N (--trust: known_hosts too)
#   lab.sh status | env | images
#   lab.sh lease OWNER / release OWNER   a test run's claim (tests/lab/lib.sh)
#   lab.sh ssh N CMD...      ssh to host N with the lab's client config
#   lab.sh docker N ARGS...  the docker CLI against host N's daemon (no ssh)
#   lab.sh exec N CMD...     run CMD inside host N (its console, no ssh)
#
# A host is a network namespace plus private mount, UTS and PID namespaces
# whose PID 1 is tini; it runs its own dockerd and sshd. Killing PID 1 ends
# the host and all it ran. The root namespace reaches the hosts' LAN by a
# veth to a bridge in a "switch" namespace, so no packet to a host crosses
# the root FORWARD chain and nothing here runs iptables in the root
# namespace. On cgroup v1 every process the lab starts is tracked in the
# pids cgroup /$LAB_NAME (containers too, through docker's cgroup-parent),
# so `down` finds all of them.
#
# Environment: LAB_NAME (berthlab; prefixes namespaces, interfaces and the
# cgroup), LAB_DIR (/var/tmp/berth-lab), LAB_SUBNET (10.77.0, a /24),
# LAB_TIMEOUT (60, seconds a host may take to come up).
set -euo pipefail
umask 022

LAB_NAME=${LAB_NAME:-berthlab}
LAB_DIR=${LAB_DIR:-/var/tmp/berth-lab}
LAB_SUBNET=${LAB_SUBNET:-10.77.0}
LAB_TIMEOUT=${LAB_TIMEOUT:-60}
SELF=$(readlink -f "$0")
HERE=$(dirname "$SELF")

# Addresses in $LAB_SUBNET.0/24: .1 the root namespace (registry :5000,
# hub :5001), .2-.126 hosts 1-125 (each with a /24), .128/28 the local
# daemon's bridge, .144-.255 its pool for user-defined networks (/28s).
# The root namespace routes only .0/25 to the LAN: docker refuses a pool
# that overlaps a route, and the local daemon's networks need their own.
GW=$LAB_SUBNET.1
MAX_HOSTS=125
SW=$LAB_NAME-sw
ROOT_IF=$LAB_NAME-lan
LOCAL_BR=${LAB_NAME}0
REGISTRY=$GW:5000
HUB=$GW:5001
PATH_CLEAN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# LAB_VERBOSE=1: phases with their times on stderr.
T0=$(date +%s%N)
trace() { [ "${LAB_VERBOSE:-0}" = 1 ] && say "$(ms_since "$T0") ms: $*"; return 0; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
die() { echo "lab: $*" >&2; exit 1; }
say() { echo "lab: $*" >&2; }

check_config() {
	[[ $LAB_NAME =~ ^[a-z][a-z0-9]{0,10}$ ]] || die "LAB_NAME '$LAB_NAME': 1-11 lowercase letters and digits"
	[[ $LAB_SUBNET =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "LAB_SUBNET '$LAB_SUBNET': three octets, e.g. 10.77.0"
	[[ $LAB_DIR == /?* && $LAB_DIR != *[[:space:]]* ]] || die "LAB_DIR '$LAB_DIR': an absolute path without spaces"
}

host_ip() { echo "$LAB_SUBNET.$(($1 + 1))"; }
host_ns() { echo "$LAB_NAME-h$1"; }
host_dir() { echo "$LAB_DIR/h$1"; }
# Fixed MACs: a host that comes back with a new MAC stalls its peers on
# stale ARP entries for ~35 s.
lab_mac() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $LAB_SUBNET "$1"
	printf '02:%02x:%02x:%02x:00:%02x' "$1" "$2" "$3" "$4"
}

# Hosts that exist (have a folder), in order.
hosts_configured() {
	local d
	for d in "$LAB_DIR"/h[0-9]*; do
		[ -d "$d" ] && echo "${d##*/h}"
	done | sort -n
}

# --- processes and cgroups --------------------------------------------------

# The tracking hierarchy: pids, on cgroup v1. It has no limits, so moving
# the lab's processes there changes nothing else about them (their memory
# stays charged where it was). On a v2-only machine there is one
# hierarchy, and moving would change that: the lab then relies on its PID
# namespaces alone, and on pid files for the registries.
CG=
[ -f /sys/fs/cgroup/pids/cgroup.procs ] && CG=/sys/fs/cgroup/pids

# cg_join ROLE: the calling (sub)shell and all it starts join ROLE's leaf.
cg_join() {
	[ -n "$CG" ] || return 0
	mkdir -p "$CG/$LAB_NAME/$1/sys" && echo "$BASHPID" >"$CG/$LAB_NAME/$1/sys/cgroup.procs"
}

# cg_procs [ROLE]: every pid in the lab's (or ROLE's) cgroups.
cg_procs() {
	local d=$CG/$LAB_NAME${1:+/$1}
	[ -n "$CG" ] && [ -d "$d" ] || return 0
	find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
}

# cg_remove [ROLE]: the lab's (or ROLE's) cgroup folders in every
# hierarchy (docker's cgroup-parent creates them in all of them).
cg_remove() {
	local h
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -d "$h/$LAB_NAME${1:+/$1}" ] || continue
		find "$h/$LAB_NAME${1:+/$1}" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

alive() { # PID: running and not a zombie (orphans are reaped lazily here)
	local s
	s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

# ours PID: PID is alive and one of this lab's first processes, whose
# command lines name a folder of $LAB_DIR. A pid file can outlive its
# process, and the pid be reused by anything, another lab's host too.
ours() {
	alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF " $LAB_DIR/"
}

# kill_role ROLE PIDFILE: SIGKILL the role's PID 1 (its PID namespace dies
# with it), then whatever is left in its cgroup; waits until it is empty.
kill_role() {
	local role=$1 pidfile=$2 p
	if [ -f "$pidfile" ]; then
		p=$(cat "$pidfile")
		[ -n "$p" ] && ours "$p" && { kill -KILL "$p" 2>/dev/null || true; }
		rm -f "$pidfile"
	fi
	for _ in $(seq 200); do
		p=$(cg_procs "$role")
		[ -z "$p" ] && break
		# shellcheck disable=SC2086
		kill -KILL $p 2>/dev/null || true
		sleep 0.05
	done
	[ -z "$(cg_procs "$role")" ] || say "$role: processes left: $(cg_procs "$role" | tr '\n' ' ')"
	cg_remove "$role"
}

# spawn ROLE LOG CMD...: CMD in its own session and in ROLE's cgroup, with
# a clean environment; prints its pid.
spawn() {
	local role=$1 log=$2
	shift 2
	(exec 9<&- && cg_join "$role" && exec env -i PATH=$PATH_CLEAN HOME=/root LANG=C.UTF-8 setsid "$@") \
		</dev/null >>"$log" 2>&1 &
	echo $!
	# Not this shell's job: its death (at down) is no news to report.
	disown $!
}

# ns_child PID: the child an `unshare --pid --fork` made (the namespace's
# PID 1), told from helpers the launching shell forks by its PID namespace.
ns_child() {
	local c me
	me=$(readlink /proc/self/ns/pid)
	for _ in $(seq 200); do
		for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
			[ "$(readlink "/proc/$c/ns/pid" 2>/dev/null)" != "$me" ] && { echo "$c"; return 0; }
		done
		sleep 0.01
	done
	say "no namespace init under pid $1"
	return 1
}

# pid_of ROLE [COMM]: the pid of ROLE's first process (a host's or the
# local daemon's PID 1, tini; or COMM), if it runs.
pid_of() {
	local f=$LAB_DIR/$1/pid p
	[ -f "$f" ] && p=$(cat "$f") && [ -n "$p" ] && ours "$p" &&
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "${2:-tini}" ] && echo "$p"
}

# --- readiness ----------------------------------------------------------------

ping_docker() { # SOCKET
	[ -S "$1" ] && [ "$(curl -s --max-time 2 --unix-socket "$1" http://d/_ping 2>/dev/null)" = OK ]
}

# sshd writes its pid file once it listens.
sshd_ready() { # N
	[ -s "$(host_dir "$1")/sshd.pid" ]
}

host_ready() { # N
	ping_docker "$(host_dir "$1")/docker.sock" && sshd_ready "$1"
}

# wait_for WHAT PIDFILE CMD...: polls CMD until it succeeds; gives up
# after LAB_TIMEOUT seconds, or at once when PIDFILE's process is gone.
wait_for() {
	local what=$1 pidfile=$2 end=$((SECONDS + LAB_TIMEOUT)) p
	shift 2
	until "$@"; do
		[ $SECONDS -lt $end ] || { say "$what: not ready after ${LAB_TIMEOUT}s"; return 1; }
		# A process's cmdline reads empty for a moment while it execs
		# (the host's PID 1 becoming tini): look twice before giving up.
		if [ -n "$pidfile" ] && ! { p=$(cat "$pidfile" 2>/dev/null) && ours "$p"; }; then
			sleep 0.2
			p=$(cat "$pidfile" 2>/dev/null) && ours "$p" || {
				# What is left of it, for a failure seen once in a while.
				say "$what: exited (pid ${p:-none}: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || echo gone)," \
					"state $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || echo gone))"
				return 1
			}
		fi
		sleep 0.05
	done
}

# --- the LAN, the registry and the local daemon (once per lab) --------------

ns_exists() { [ -e "/run/netns/$1" ]; }

lan_up() {
	local n
	ns_exists "$SW" && ip link show "$ROOT_IF" >/dev/null 2>&1 && return 0
	# Hosts still running lost their cable with the switch: power them off.
	for n in $(hosts_configured); do host_running "$n" && host_halt "$n"; done
	ns_exists "$SW" || ip netns add "$SW"
	ip -n "$SW" link set lo up
	ip -n "$SW" link add br0 type bridge 2>/dev/null || true
	ip -n "$SW" link set br0 up
	ip link del "$ROOT_IF" 2>/dev/null || true
	ip link add "$ROOT_IF" address "$(lab_mac 1)" type veth peer name root netns "$SW"
	sysctl -qw "net.ipv6.conf.$ROOT_IF.disable_ipv6=1"
	ip addr add "$GW/25" dev "$ROOT_IF"
	ip link set "$ROOT_IF" up
	ip -n "$SW" link set root master br0 up
}

registry_config() { # ROOT ADDR [HTPASSWD]
	cat <<-EOF
	# The lab's registry (docker-registry, distribution v2): lab.sh writes this.
	version: 0.1
	log:
	  level: warn
	  accesslog:
	    disabled: true
	storage:
	  filesystem:
	    rootdirectory: $1/data
	  delete:
	    enabled: true
	http:
	  addr: $2
	  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	EOF
	[ -n "${3:-}" ] && cat <<-EOF
	auth:
	  htpasswd:
	    realm: berth-lab
	    path: $3
	EOF
	return 0
}

registry_answers() { # ADDR CODE
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/v2/")" = "$2" ]
}

# The registry (user lab, htpasswd) and the hub: an anonymous registry the
# daemons use as their Docker Hub mirror, so `docker pull busybox` works
# on the hosts as it would on a connected machine.
# port_free ADDR: nothing else listens on ADDR's port of this address or
# of all addresses. Debian's docker-registry service, if apt started it,
# listens on *:5000 and the lab's registry could not bind.
port_free() {
	local l
	l=$(ss -Hltnp "sport = :${1##*:}" 2>/dev/null |
		awk -v a="$1" '$4 == a || $4 ~ /^(0\.0\.0\.0|\*|\[::\]):/')
	[ -z "$l" ] && return 0
	say "$1 is taken: $l"
	say "(is Debian's docker-registry service running? service docker-registry stop)"
	return 1
}

registries_up() {
	local r=$LAB_DIR/registry u=$LAB_DIR/hub p
	mkdir -p "$r/data" "$u/data"
	if [ ! -s "$r/password" ]; then
		(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$r/password")
		htpasswd -Bbc "$r/htpasswd" lab "$(cat "$r/password")" 2>/dev/null
	fi
	chmod 600 "$r/password"
	if ! { p=$(pid_of registry docker-registry) && registry_answers "$REGISTRY" 401; }; then
		kill_role registry "$r/pid"
		port_free "$REGISTRY" || return 1
		registry_config "$r" "$REGISTRY" "$r/htpasswd" >"$r/config.yml"
		spawn registry "$r/registry.log" docker-registry serve "$r/config.yml" >"$r/pid"
	fi
	if ! { p=$(pid_of hub docker-registry) && registry_answers "$HUB" 200; }; then
		kill_role hub "$u/pid"
		port_free "$HUB" || return 1
		registry_config "$u" "$HUB" >"$u/config.yml"
		spawn hub "$u/registry.log" docker-registry serve "$u/config.yml" >"$u/pid"
	fi
}

registries_wait() {
	wait_for registry "$LAB_DIR/registry/pid" registry_answers "$REGISTRY" 401 &&
		wait_for hub "$LAB_DIR/hub/pid" registry_answers "$HUB" 200
}

# daemon.json of a lab dockerd. Keys, not flags: the file is what a user
# finds at /etc/docker/daemon.json on the host.
daemon_json() { # DIR CGROUP EXTRA-JSON
	cat <<-EOF
	{
	  "data-root": "$1/docker",
	  "exec-root": "/run/docker",
	  "pidfile": "/run/docker.pid",
	  "hosts": ["unix:///run/docker.sock", "unix://$1/docker.sock"],
	  "cgroup-parent": "/$LAB_NAME/$2/ctr",
	  "insecure-registries": ["$REGISTRY", "$HUB"],
	  "registry-mirrors": ["http://$HUB"],
	  "storage-driver": "overlay2",
	  "log-driver": "json-file",
	  "log-opts": {"max-size": "10m", "max-file": "2"},
	  $3
	}
	EOF
}

# The build side: a dockerd in the root network namespace (so -p
# 127.0.0.1:P publishes on this machine's loopback through docker-proxy),
# in private mount and PID namespaces, on its own bridge, touching neither
# iptables nor sysctls of the root namespace.
local_up() {
	local l=$LAB_DIR/local u
	pid_of local >/dev/null && ping_docker "$l/docker.sock" && return 0
	kill_role local "$l/pid"
	mkdir -p "$l/etc-docker" "$l/tmp"
	chmod 1777 "$l/tmp"
	if ! ip link show "$LOCAL_BR" >/dev/null 2>&1; then
		ip link add "$LOCAL_BR" type bridge
		sysctl -qw "net.ipv6.conf.$LOCAL_BR.disable_ipv6=1"
		ip addr add "$LAB_SUBNET.129/28" dev "$LOCAL_BR"
		ip link set "$LOCAL_BR" up
	fi
	daemon_json "$l" local "\"bridge\": \"$LOCAL_BR\",
	  \"iptables\": false, \"ip6tables\": false, \"ip-forward\": false, \"ip-masq\": false,
	  \"default-address-pools\": [{\"base\": \"$LAB_SUBNET.128/25\", \"size\": 28}]" \
		>"$l/etc-docker/daemon.json"
	rm -f "$l/docker.sock"
	u=$(spawn local "$l/console.log" unshare --mount --pid --fork --kill-child \
		--propagation slave --mount-proc tini -- "$SELF" _local-init "$l")
	ns_child "$u" >"$l/pid"
}

# --- hosts ------------------------------------------------------------------

# Files of host N that survive its reboots: keys, configs, data-root.
host_prepare() {
	local n=$1 h ip
	h=$(host_dir "$n")
	ip=$(host_ip "$n")
	mkdir -p "$h/root/.ssh" "$h/tmp" "$h/log" "$h/etc-docker" "$h/ssh"
	chmod 700 "$h/root" "$h/root/.ssh"
	chmod 1777 "$h/tmp"
	[ -s "$h/ssh/ssh_host_ed25519_key" ] ||
		ssh-keygen -q -t ed25519 -N '' -C "root@lab$n" -f "$h/ssh/ssh_host_ed25519_key"
	install -m 600 "$LAB_DIR/id_ed25519.pub" "$h/root/.ssh/authorized_keys"
	printf '127.0.0.1\tlocalhost\n%s\tlab%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$ip" "$n" >"$h/hosts"
	daemon_json "$h" "h$n" '"bip": "172.31.0.1/24",
	  "default-address-pools": [{"base": "172.31.128.0/17", "size": 24}]' >"$h/etc-docker/daemon.json"
	cat >"$h/sshd_config" <<-EOF
	# sshd of lab$n: lab.sh writes this.
	ListenAddress $ip:22
	HostKey $h/ssh/ssh_host_ed25519_key
	PidFile $h/sshd.pid
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	AuthorizedKeysFile .ssh/authorized_keys
	# berth multiplexes many sessions over one connection per host.
	MaxSessions 100
	MaxStartups 100:30:200
	UseDNS no
	PrintMotd no
	PrintLastLog no
	X11Forwarding no
	AllowTcpForwarding yes
	AllowStreamLocalForwarding yes
	AcceptEnv LANG LC_*
	Subsystem sftp internal-sftp
	EOF
}

host_net_up() {
	local n=$1 ns
	ns=$(host_ns "$n")
	ip -n "$SW" link del "h$n" 2>/dev/null || true
	ns_exists "$ns" && ip netns del "$ns"
	ip netns add "$ns"
	ip -n "$SW" link add "h$n" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set eth0 address "$(lab_mac "$(($n + 1))")"
	ip -n "$ns" addr add "$(host_ip "$n")/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$SW" link set "h$n" master br0 up
}

host_net_down() {
	local n=$1
	ip -n "$SW" link del "h$n" 2>/dev/null || true
	ns_exists "$(host_ns "$n")" && ip netns del "$(host_ns "$n")"
	return 0
}

# host_boot N: power on (does not wait). Whatever still runs of an earlier
# boot goes first: two dockerds on one data-root wedge both.
host_boot() {
	local n=$1 h u
	h=$(host_dir "$n")
	kill_role "h$n" "$h/pid"
	host_net_up "$n"
	rm -f "$h/docker.sock" "$h/sshd.pid"
	u=$(spawn "h$n" "$h/console.log" nsenter --net="/run/netns/$(host_ns "$n")" \
		unshare --mount --uts --pid --fork --kill-child --propagation slave --mount-proc \
		tini -- "$SELF" _host-init "$h" "lab$n")
	ns_child "$u" >"$h/pid"
}

host_running() { pid_of "h$1" >/dev/null; }

# host_halt N: power off. Connections to it then time out.
host_halt() {
	kill_role "h$1" "$(host_dir "$1")/pid"
	host_net_down "$1"
}

# What a host's PID 1 (tini) runs: its own /run, /dev/shm, home, /tmp,
# /var/log, /etc/docker and /etc/hosts, then dockerd and sshd (this shell
# becomes sshd, which reaps whatever it inherits). LAB_DIR paths come as
# arguments.
cmd__host_init() {
	local h=$1 name=$2
	hostname "$name"
	mount -t tmpfs -o mode=0755,nosuid,nodev,size=64m "$name-run" /run
	mkdir -m 0755 /run/sshd /run/lock
	mount --bind "$h/root" /root
	mount --bind "$h/tmp" /tmp
	mount --bind "$h/log" /var/log
	mount --bind "$h/etc-docker" /etc/docker
	mount --bind "$h/hosts" /etc/hosts
	mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m "$name-shm" /dev/shm
	# Without PAM, sshd refuses a locked root account ("!" in shadow).
	if grep -q '^root:!' /etc/shadow; then
		sed 's/^root:![^:]*:/root:*:/' /etc/shadow >/run/shadow
		chmod 600 /run/shadow
		mount --bind /run/shadow /etc/shadow
	fi
	dockerd --config-file "$h/etc-docker/daemon.json" >>/var/log/docker.log 2>&1 &
	exec /usr/sbin/sshd -D -e -f "$h/sshd_config" >>/var/log/sshd.log 2>&1
}

cmd__local_init() {
	local l=$1
	mount -t tmpfs -o mode=0755,nosuid,nodev,size=64m lab-local-run /run
	mount --bind "$l/etc-docker" /etc/docker
	mount --bind "$l/tmp" /tmp
	exec dockerd --config-file "$l/etc-docker/daemon.json" >>"$l/docker.log" 2>&1
}

# --- client side --------------------------------------------------------------

client_files() {
	[ -s "$LAB_DIR/id_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C "berth-lab" -f "$LAB_DIR/id_ed25519"
	local n
	{
		echo "# The berth lab's hosts: ssh -F $LAB_DIR/ssh_config lab1 (or 10.77.0.2)."
		for n in $(hosts_configured); do
			printf 'Host lab%s\n  HostName %s\n' "$n" "$(host_ip "$n")"
		done
		cat <<-EOF
		Host lab* $LAB_SUBNET.*
		  User root
		  IdentityFile $LAB_DIR/id_ed25519
		  IdentitiesOnly yes
		  IdentityAgent none
		  UserKnownHostsFile $LAB_DIR/known_hosts
		  GlobalKnownHostsFile /dev/null
		  StrictHostKeyChecking yes
		  UpdateHostKeys no
		  BatchMode yes
		  ConnectTimeout 5
		  ServerAliveInterval 5
		  ServerAliveCountMax 3
		  LogLevel ERROR
		EOF
	} >"$LAB_DIR/ssh_config.tmp"
	mv "$LAB_DIR/ssh_config.tmp" "$LAB_DIR/ssh_config"
}

known_hosts_entry() { # N
	echo "$(host_ip "$1") $(cut -d' ' -f1,2 "$(host_dir "$1")/ssh/ssh_host_ed25519_key.pub")"
}

known_hosts_write() {
	local n
	for n in $(hosts_configured); do
		known_hosts_entry "$n"
	done >"$LAB_DIR/known_hosts.tmp"
	mv "$LAB_DIR/known_hosts.tmp" "$LAB_DIR/known_hosts"
}

cmd_env() {
	[ -f "$LAB_DIR/.berth-lab" ] || die "no lab in $LAB_DIR (lab.sh up)"
	local hosts="" n
	for n in $(hosts_configured); do hosts="$hosts $(host_ip "$n")"; done
	cat <<-EOF
	LAB_NAME=$LAB_NAME
	LAB_DIR=$LAB_DIR
	LAB_SUBNET=$LAB_SUBNET
	LAB_GATEWAY=$GW
	LAB_HOSTS="${hosts# }"
	LAB_SSH_CONFIG=$LAB_DIR/ssh_config
	LAB_SSH_KEY=$LAB_DIR/id_ed25519
	LAB_KNOWN_HOSTS=$LAB_DIR/known_hosts
	LAB_REGISTRY=$REGISTRY
	LAB_REGISTRY_USER=lab
	LAB_REGISTRY_PASSWORD_FILE=$LAB_DIR/registry/password
	LAB_HUB=$HUB
	LAB_DOCKER_HOST=unix://$LAB_DIR/local/docker.sock
	export LAB_NAME LAB_DIR LAB_SUBNET LAB_GATEWAY LAB_HOSTS LAB_SSH_CONFIG LAB_SSH_KEY LAB_KNOWN_HOSTS LAB_REGISTRY LAB_REGISTRY_USER LAB_REGISTRY_PASSWORD_FILE LAB_HUB LAB_DOCKER_HOST
	EOF
}

# --- locking ------------------------------------------------------------------

# One lab command at a time: flock on the lab folder itself (down removes
# it, so a waiter re-checks that it holds the folder that still exists).
lab_lock() {
	for _ in 1 2 3; do
		mkdir -p "$LAB_DIR"
		exec 9<"$LAB_DIR"
		flock 9
		[ "/proc/self/fd/9" -ef "$LAB_DIR" ] && return 0
		exec 9<&-
	done
	die "cannot lock $LAB_DIR"
}

# --- commands -------------------------------------------------------------------

need_tools() {
	local t missing=""
	for t in ip nsenter unshare tini dockerd docker sshd ssh ssh-keygen docker-registry htpasswd curl flock; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing="$missing $t"
	done
	[ -z "$missing" ] || die "missing:$missing (sh scripts/install-deps.sh installs scripts/deps/lab.packages)"
	[ "$(id -u)" -eq 0 ] || die "the lab needs root (namespaces, mounts, dockerd)"
}

UP_FRESH=0
UP_BOOTED=""
UP_IMAGES=""
UP_WAITING=""
up_failed() {
	local n f
	# A trap under set -e: no command here may fail.
	[ -z "$UP_IMAGES" ] || kill "$UP_IMAGES" 2>/dev/null || true
	say "up failed; logs:"
	for n in $(echo "$UP_BOOTED $UP_WAITING" | tr ' ' '\n' | sort -un); do
		for f in "$(host_dir "$n")"/log/docker.log "$(host_dir "$n")"/log/sshd.log "$(host_dir "$n")"/console.log; do
			[ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; } >&2
		done
	done
	for f in "$LAB_DIR"/local/docker.log "$LAB_DIR"/local/console.log "$LAB_DIR"/registry/registry.log "$LAB_DIR"/hub/registry.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; } >&2
	done
	{ echo "--- kernel"; dmesg 2>/dev/null | tail -n 8; } >&2 || true
	if [ "$UP_FRESH" = 1 ]; then
		teardown
		if [ -f "$LAB_DIR/lease" ]; then # the run that holds it may try again
			find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name .berth-lab ! -name lease \
				-exec rm -rf --one-file-system {} + 2>/dev/null || true
		else
			rm -rf --one-file-system "$LAB_DIR"
		fi
	else
		for n in $UP_BOOTED; do host_halt "$n"; done
	fi
}

cmd_up() {
	local want=${1:-3} n t0
	[[ $want =~ ^[0-9]+$ ]] && [ "$want" -ge 1 ] && [ "$want" -le $MAX_HOSTS ] ||
		die "up N: N from 1 to $MAX_HOSTS"
	need_tools
	t0=$(date +%s%N)
	if [ -d "$LAB_DIR" ] && [ ! -f "$LAB_DIR/.berth-lab" ] && [ -n "$(ls -A "$LAB_DIR")" ]; then
		die "$LAB_DIR exists and is not a lab folder"
	fi
	lab_lock
	# New: no lab was made here yet (a lease may have made the folder).
	[ -f "$LAB_DIR/id_ed25519" ] || UP_FRESH=1
	trap 'up_failed' EXIT
	trap 'exit 130' INT TERM HUP
	touch "$LAB_DIR/.berth-lab"
	chmod 755 "$LAB_DIR"
	client_files
	lan_up
	trace "lan"
	registries_up
	local_up
	# Images build, load and push while the hosts start.
	"$SELF" images >"$LAB_DIR/images.log" 2>&1 &
	UP_IMAGES=$!
	trace "registries and local daemon started"
	# Hosts are prepared and started in parallel; each then boots alone.
	local boots=""
	for n in $(seq 1 "$want"); do
		host_running "$n" && continue
		mkdir -p "$(host_dir "$n")"
		UP_BOOTED="$UP_BOOTED $n"
		(host_prepare "$n" && host_boot "$n") &
		boots="$boots $!"
	done
	for n in $boots; do wait "$n" || die "a host failed to start"; done
	client_files
	known_hosts_write
	trace "hosts started"
	registries_wait
	wait_for "local dockerd" "$LAB_DIR/local/pid" ping_docker "$LAB_DIR/local/docker.sock"
	trace "registries and local daemon ready"
	for n in $(seq 1 "$want"); do
		UP_WAITING=$n
		wait_for "lab$n" "$(host_dir "$n")/pid" host_ready "$n"
		trace "lab$n ready"
	done
	wait "$UP_IMAGES" || { cat "$LAB_DIR/images.log" >&2; die "images failed"; }
	trace "images ready"
	cmd_env >"$LAB_DIR/env"
	trap - EXIT
	if [ -n "$UP_BOOTED" ]; then
		say "up: hosts 1-$want ready in $(ms_since "$t0") ms (booted:$UP_BOOTED)"
	fi
}

cmd_host_up() {
	local n=${1:?host-up N}
	need_tools
	lab_lock
	[ -d "$(host_dir "$n")" ] || die "no host $n (lab.sh up $n)"
	host_running "$n" && host_ready "$n" && return 0
	host_halt "$n"
	host_prepare "$n"
	host_boot "$n"
	if ! wait_for "lab$n" "$(host_dir "$n")/pid" host_ready "$n"; then
		tail -n 15 "$(host_dir "$n")"/console.log "$(host_dir "$n")"/log/docker.log \
			"$(host_dir "$n")"/log/sshd.log >&2 || true
		host_halt "$n"
		exit 1
	fi
}

cmd_host_down() {
	local n=${1:?host-down N [--wipe]}
	lab_lock
	[ -d "$(host_dir "$n")" ] || die "no host $n"
	host_halt "$n"
	if [ "${2:-}" = --wipe ]; then
		rm -rf --one-file-system "$(host_dir "$n")/docker"
	fi
}

cmd_rekey() {
	local n=${1:?rekey N [--trust]} h p
	lab_lock
	h=$(host_dir "$n")
	[ -d "$h" ] || die "no host $n"
	rm -f "$h/ssh/ssh_host_ed25519_key" "$h/ssh/ssh_host_ed25519_key.pub"
	ssh-keygen -q -t ed25519 -N '' -C "root@lab$n" -f "$h/ssh/ssh_host_ed25519_key"
	[ "${2:-}" = --trust ] && known_hosts_write
	if p=$(pid_of "h$n"); then
		# sshd rereads its host key on SIGHUP (it re-executes itself).
		nsenter -t "$p" -m -p -- sh -c 'kill -HUP "$(cat "$1")"' sh "$h/sshd.pid"
		local want
		want=$(cut -d' ' -f2 "$h/ssh/ssh_host_ed25519_key.pub")
		wait_for "lab$n sshd" "$h/pid" sh -c '[ "$(ssh-keyscan -T 2 -t ed25519 "$1" 2>/dev/null | cut -d" " -f3)" = "$2" ]' \
			sh "$(host_ip "$n")" "$want"
	fi
}

# Everything the lab made, found by name and cgroup, so that it works
# even when $LAB_DIR is gone or half-written.
teardown() {
	local f p ns
	for f in "$LAB_DIR"/h*/pid "$LAB_DIR"/local/pid "$LAB_DIR"/registry/pid "$LAB_DIR"/hub/pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		[ -n "$p" ] && ours "$p" && { kill -KILL "$p" 2>/dev/null || true; }
	done
	kill_role "" /nonexistent
	# The local daemon's containers' veths go with their namespaces, which
	# the kernel frees asynchronously; then the bridges can go.
	for _ in $(seq 100); do
		[ -z "$(ip -o link show master "$LOCAL_BR" 2>/dev/null)" ] && break
		sleep 0.05
	done
	local_networks_down
	ip link del "$LOCAL_BR" 2>/dev/null || true
	ip link del "$ROOT_IF" 2>/dev/null || true
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in "$LAB_NAME"-sw | "$LAB_NAME"-h[0-9]*) ip netns del "$ns" ;; esac
	done
	cg_remove
	# Nothing should be mounted under the lab folder in this namespace; if
	# something is, unmount it before the folder goes.
	awk -v d="$LAB_DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	# iproute2 made /run/netns a mount for the first namespace; empty, it
	# goes too (the next `ip netns add` makes it again).
	if [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
		umount /run/netns 2>/dev/null || true
		rmdir /run/netns 2>/dev/null || true
	fi
}

# Bridges of the local daemon's user-defined networks (its address pool).
local_networks_down() {
	local dev
	for dev in $(ip -o -4 addr show 2>/dev/null | awk -v p="$LAB_SUBNET." '
		index($4, p) == 1 { split($4, a, "/"); split(a[1], o, "."); if (o[4] >= 144) print $2 }'); do
		case $dev in br-*) ip link del "$dev" 2>/dev/null || true ;; esac
	done
}

cmd_down() {
	local keep=0 force=0 a cur
	for a in "$@"; do
		case $a in
		--keep) keep=1 ;;
		--force) force=1 ;;
		*) die "down [--keep] [--force]" ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "the lab needs root"
	if [ -d "$LAB_DIR" ]; then
		[ -f "$LAB_DIR/.berth-lab" ] || [ -z "$(ls -A "$LAB_DIR")" ] ||
			die "$LAB_DIR is not a lab folder; not touching it"
		lab_lock
		cur=$(lease_holder)
		if [ -n "$cur" ] && [ "$cur" != "${LAB_LEASE_OWNER:-}" ] && [ $force = 0 ]; then
			die "in use by the test run of pid ${cur%% *} (down --force takes it anyway)"
		fi
	fi
	teardown
	if [ -d "$LAB_DIR" ] && [ $keep = 0 ]; then
		rm -rf --one-file-system "$LAB_DIR"
	fi
	rm -f "$LAB_DIR/lease"
	return 0
}

# --- leases -------------------------------------------------------------------

# A test run claims the lab it uses, so that another run (another
# checkout on this machine) picks another lab instead of sharing this one
# and taking it down under it. OWNER is "PID STARTTIME" of the run's
# process; a lease whose process is gone is void.
owner_alive() { # OWNER
	local pid=${1%% *}
	alive "$pid" && [ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)" = "${1#* }" ]
}

# lease_holder: the live owner of this lab's lease, if any.
lease_holder() {
	local cur
	cur=$(cat "$LAB_DIR/lease" 2>/dev/null) || return 0
	[ -n "$cur" ] && owner_alive "$cur" && echo "$cur"
	return 0
}

# lease OWNER: exit 0 with the lease taken (or already held) by OWNER,
# 3 when another live run holds it.
cmd_lease() {
	local owner=${1:?lease OWNER} cur
	[[ $owner =~ ^[0-9]+\ [0-9]+$ ]] || die "lease OWNER: \"PID STARTTIME\""
	if [ -d "$LAB_DIR" ] && [ ! -f "$LAB_DIR/.berth-lab" ] && [ -n "$(ls -A "$LAB_DIR")" ]; then
		die "$LAB_DIR exists and is not a lab folder"
	fi
	lab_lock
	touch "$LAB_DIR/.berth-lab"
	cur=$(lease_holder)
	if [ -n "$cur" ] && [ "$cur" != "$owner" ]; then
		say "$LAB_DIR is in use by the test run of pid ${cur%% *}"
		exit 3
	fi
	echo "$owner" >"$LAB_DIR/lease"
}

cmd_release() {
	local owner=${1:?release OWNER}
	[ -d "$LAB_DIR" ] || return 0
	lab_lock
	[ "$(cat "$LAB_DIR/lease" 2>/dev/null)" != "$owner" ] || rm -f "$LAB_DIR/lease"
	# A folder that held only the lease goes with it.
	[ -n "$(find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name .berth-lab -print -quit)" ] ||
		rm -rf --one-file-system "$LAB_DIR"
}

cmd_status() {
	local n ip up s
	[ -f "$LAB_DIR/.berth-lab" ] || { echo "no lab in $LAB_DIR"; return 1; }
	printf '%-9s %-12s %-5s %s\n' HOST ADDRESS POWER SERVICES
	for n in $(hosts_configured); do
		ip=$(host_ip "$n")
		if host_running "$n"; then up=on; else up=off; fi
		s=""
		ping_docker "$(host_dir "$n")/docker.sock" && s="$s docker"
		[ $up = on ] && sshd_ready "$n" && s="$s sshd"
		printf '%-9s %-12s %-5s %s\n' "lab$n" "$ip" "$up" "${s# }"
	done
	registry_answers "$REGISTRY" 401 && s=up || s=down
	echo "registry  $REGISTRY  $s"
	registry_answers "$HUB" 200 && s=up || s=down
	echo "hub       $HUB  $s"
	ping_docker "$LAB_DIR/local/docker.sock" && s=up || s=down
	echo "local     unix://$LAB_DIR/local/docker.sock  $s"
	# Exit 1: no lab running (its local daemon is the last part to go).
	[ $s = up ]
}

host_arg() { # N: validate
	[[ ${1:-} =~ ^[0-9]+$ ]] && [ -d "$(host_dir "$1")" ] || die "no host '${1:-}'"
}

main() {
	check_config
	export LAB_NAME LAB_DIR LAB_SUBNET LAB_TIMEOUT
	local cmd=${1:-help}
	[ $# -gt 0 ] && shift
	case $cmd in
	up) cmd_up "$@" ;;
	down) cmd_down "$@" ;;
	host-up) host_arg "${1:-}"; cmd_host_up "$@" ;;
	host-down) host_arg "${1:-}"; cmd_host_down "$@" ;;
	rekey) host_arg "${1:-}"; cmd_rekey "$@" ;;
	status) cmd_status ;;
	lease) cmd_lease "$@" ;;
	release) cmd_release "$@" ;;
	env) cmd_env ;;
	images) exec "$HERE/images.sh" ;;
	ssh)
		host_arg "${1:-}"
		local ip
		ip=$(host_ip "$1")
		shift
		exec ssh -F "$LAB_DIR/ssh_config" "$ip" "$@"
		;;
	docker)
		host_arg "${1:-}"
		local h
		h=$(host_dir "$1")
		shift
		DOCKER_HOST=unix://$h/docker.sock exec docker "$@"
		;;
	exec)
		host_arg "${1:-}"
		local p
		p=$(pid_of "h$1") || die "lab$1 is down"
		shift
		exec nsenter -t "$p" -m -u -n -p -- "$@"
		;;
	_host-init) cmd__host_init "$@" ;;
	_local-init) cmd__local_init "$@" ;;
	help | -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$SELF" ;;
	*) die "unknown command '$cmd' (lab.sh help)" ;;
	esac
}

main "$@"
