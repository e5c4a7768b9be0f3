# lib.sh - the multi-host lab for shell tests (sourced after test-lib.sh).
#
#   lab_require N       brings the lab up with at least N hosts (idempotent:
#                       scripts of one run share it) and exports its env
#                       (docs/lab.md): LAB_HOSTS, LAB_SSH_CONFIG,
#                       LAB_REGISTRY, LAB_DOCKER_HOST...; skips the whole
#                       script when this machine cannot run it (not root,
#                       no namespaces, packages missing)
#   lab N ARGS          tests/lab/lab.sh ARGS (lab ssh 1 hostname ...)
#   lab_ssh N CMD...    ssh to host N with the lab's client config
#   lab_host N          host N's address
#   lab_docker N ARGS   the docker CLI against host N's daemon, without ssh
#   local_docker ARGS   the docker CLI against the local (build) daemon
#   lab_login_local     docker login to LAB_REGISTRY from the local daemon
#
# Under tests/run.sh, the first lab_require that brings the lab up leaves
# a mark in $LAB_STARTED_MARK and the run takes the lab down at its end; a
# lab that was up before the run (make lab-up) stays up, and one kept by
# `lab.sh down --keep` is kept again. A script run on its own leaves the
# lab up: make lab-down.

LAB=$TOP/tests/lab/lab.sh

lab() {
	bash "$LAB" "$@"
}

# lab_skip_all REASON: the whole script is skipped (one TAP line, exit 0).
lab_skip_all() {
	test_skip 'multi-host lab' "$1"
	test_done
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
	# A lab that runs stays up after the run; one kept with `down --keep`
	# is kept again (the mark holds the flag for run.sh's `lab.sh down`).
	was_up=0 kept=
	lab status >/dev/null 2>&1 && was_up=1
	[ -f "${LAB_DIR:-/var/tmp/berth-lab}/.berth-lab" ] && kept=--keep
	if ! lab up "$want" >"$TRASH/lab-up.log" 2>&1; then
		test_expect_success "the lab comes up with $want hosts" 'cat "$TRASH/lab-up.log"; false'
		test_done
	fi
	[ "$was_up" = 0 ] && [ -n "${LAB_STARTED_MARK:-}" ] && [ ! -f "$LAB_STARTED_MARK" ] &&
		echo "$kept" >"$LAB_STARTED_MARK"
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
