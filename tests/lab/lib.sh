# lib.sh - the multi-host lab for shell tests (sourced after test-lib.sh).
#
#   lab_require N       brings the lab up with at least N hosts (idempotent:
#                       the scripts of one run share it) and exports its env
#                       (docs/lab.md): LAB_HOSTS, LAB_SSH_CONFIG,
#                       LAB_REGISTRY, LAB_DOCKER_HOST...; skips the whole
#                       script when this machine cannot run it (not root,
#                       no namespaces, packages missing)
#   lab ARGS            tests/lab/lab.sh ARGS (lab host-down 2, lab ssh 1 ...)
#   lab_ssh N CMD...    ssh to host N with the lab's client config
#   lab_host N          host N's address
#   lab_docker N ARGS   the docker CLI against host N's daemon, without ssh
#   local_docker ARGS   the docker CLI against the local (build) daemon
#   lab_login_local     docker login to LAB_REGISTRY from the local daemon
#
# One lab serves a whole run of tests/run.sh, which exports LAB_RUN_DIR
# (its scratch folder) and LAB_RUN_PID. The run leases the lab it uses
# (`lab.sh lease`): the default lab (slot 0: berthlab, /var/tmp/berth-lab,
# 10.77.0) unless another live run holds it, then slot K from 1 to 9
# (berthlabK, /var/tmp/berth-labK, 10.77.K), so that runs from two
# checkouts on one machine do not take each other's lab down. LAB_NAME,
# LAB_DIR and LAB_SUBNET set by the user choose the lab instead. At the
# end (tests/lab/run-end.sh) the run takes down the labs it brought up,
# keeps one it found kept by `lab.sh down --keep`, and leaves up one that
# was up before (make lab-up). A script run on its own uses the default
# lab, skips if a run holds it, and leaves it up: make lab-down.

LAB=$TOP/tests/lab/lab.sh

lab() {
	bash "$LAB" "$@"
}

# lab_skip_all REASON: the whole script is skipped (one TAP line, exit 0).
# Not on CI (CI=true), which must run the lab: there it is a failure, so
# a green CI run never hides lab tests that did not run.
lab_skip_all() {
	if [ "${CI:-}" = true ]; then
		lab_reason=$1
		test_expect_success 'the multi-host lab is there (CI runs every lab test)' \
			'echo "lab: $lab_reason"; false'
		test_done
	fi
	test_skip 'multi-host lab' "$1"
	test_done
}

# lab_slot K: the lab of slot K.
lab_slot() {
	if [ "$1" = 0 ]; then
		LAB_NAME=berthlab LAB_DIR=/var/tmp/berth-lab LAB_SUBNET=10.77.0
	else
		LAB_NAME=berthlab$1 LAB_DIR=/var/tmp/berth-lab$1 LAB_SUBNET=10.77.$1
	fi
	export LAB_NAME LAB_DIR LAB_SUBNET
}

# lab_owner: "PID STARTTIME" of the run (or of this script, on its own).
lab_owner() {
	set -- "${LAB_RUN_PID:-$$}"
	echo "$1 $(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)"
}

# lab_claim: leases the run's lab and sets LAB_SLOT.
lab_claim() {
	LAB_LEASE_OWNER=$(lab_owner)
	export LAB_LEASE_OWNER
	if [ -n "${LAB_NAME:-}${LAB_DIR:-}${LAB_SUBNET:-}" ]; then
		LAB_SLOT=user
		lab lease "$LAB_LEASE_OWNER" >"$TRASH/lab-lease.log" 2>&1 ||
			lab_skip_all "$(cat "$TRASH/lab-lease.log")"
		lab_remember
		return 0
	fi
	LAB_SLOT=$(cat "${LAB_RUN_DIR:-/nonexistent}/lab-slot" 2>/dev/null || echo 0)
	while :; do
		lab_slot "$LAB_SLOT"
		lab lease "$LAB_LEASE_OWNER" >"$TRASH/lab-lease.log" 2>&1 && break
		[ $? -eq 3 ] || lab_skip_all "$(cat "$TRASH/lab-lease.log")"
		[ -n "${LAB_RUN_DIR:-}" ] || lab_skip_all "$(cat "$TRASH/lab-lease.log")"
		LAB_SLOT=$((LAB_SLOT + 1))
		[ "$LAB_SLOT" -le 9 ] || lab_skip_all 'all ten lab slots are in use by other test runs'
	done
	lab_remember
}

lab_remember() {
	[ -n "${LAB_RUN_DIR:-}" ] || return 0
	[ "$LAB_SLOT" = user ] || echo "$LAB_SLOT" >"$LAB_RUN_DIR/lab-slot"
	echo "$LAB_SLOT" >>"$LAB_RUN_DIR/lab-slots"
}

lab_require() {
	want=${1:-3}
	[ "$(id -u)" -eq 0 ] || lab_skip_all 'the lab needs root (namespaces, mounts, dockerd)'
	for t in ip nsenter unshare tini dockerd docker sshd docker-registry htpasswd curl; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
			lab_skip_all "$t is not installed (sh scripts/install-deps.sh: scripts/deps/lab.packages)"
	done
	unshare --net --mount --uts --pid --fork true 2>/dev/null ||
		lab_skip_all 'this machine cannot create namespaces (unshare failed)'
	lab_claim
	was_up=0 kept=
	lab status >/dev/null 2>&1 && was_up=1
	[ -f "$LAB_DIR/id_ed25519" ] && kept=--keep
	if ! lab up "$want" >"$TRASH/lab-up.log" 2>&1; then
		test_expect_success "the lab comes up with $want hosts" 'cat "$TRASH/lab-up.log"; false'
		test_done
	fi
	# The mark holds run-end's flag for `lab.sh down`.
	mark=${LAB_RUN_DIR:-/nonexistent}/lab-started.$LAB_SLOT
	[ "$was_up" = 0 ] && [ -n "${LAB_RUN_DIR:-}" ] && [ ! -f "$mark" ] && echo "$kept" >"$mark"
	eval "$(lab env)"
}

lab_host() {
	echo "$LAB_SUBNET.$(($1 + 1))"
}

lab_ssh() {
	n=$1
	shift
	ssh -F "$LAB_SSH_CONFIG" "$LAB_SUBNET.$((n + 1))" "$@"
}

lab_docker() {
	n=$1
	shift
	DOCKER_HOST="unix://$LAB_DIR/h$n/docker.sock" docker "$@"
}

local_docker() {
	DOCKER_HOST=$LAB_DOCKER_HOST docker "$@"
}

lab_login_local() {
	local_docker login -u "$LAB_REGISTRY_USER" --password-stdin "$LAB_REGISTRY" \
		<"$LAB_REGISTRY_PASSWORD_FILE" >/dev/null 2>&1
}
