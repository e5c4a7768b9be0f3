#!/bin/sh
# The multi-host lab (tests/lab, docs/lab.md) as the tests that deploy to
# it will meet it: hosts that answer ssh as root with the generated
# config, each with its own docker daemon, a registry with a password, a
# local build daemon, power cycles, a changed host key, and a `down` that
# leaves this machine as it found it (other labs, with other names, may
# run beside it).
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lab/lib.sh"

# The root namespace before the lab, for the last test (the lab never
# touches it, so a lab that is already up does not spoil the picture).
iptables-save 2>/dev/null | grep -v '^#' >"$TRASH/iptables.before"
sysctl -n net.ipv4.ip_forward >"$TRASH/forward.before"

lab_require 3

# A lab that was up before (another script run on its own leaves it up)
# may hold that script's containers and networks: the hosts start as a
# new server has them, so that what the tests list is their own.
for n in 1 2 3; do
	for c in $(lab_docker $n ps -aq); do lab_docker $n rm -f "$c" >/dev/null; done
	lab_docker $n network rm kamal >/dev/null 2>&1
done

# Loopback ports for the local daemon's published containers: Kamal's
# 5555 when free (another run's lab may hold it), else any free one.
loopback_port() {
	ss -Hltn "sport = :$1" | grep -q . || { echo "$1"; return; }
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
REG_PORT=$(loopback_port 5555)
WEB_PORT=$(loopback_port 5556)

# A timed command: prints the seconds it took (and keeps its status).
elapsed() {
	t0=$(date +%s%N)
	"$@"
	rc=$?
	echo $((($(date +%s%N) - t0) / 1000000)) >"$TRASH/elapsed"
	return $rc
}

test_expect_success 'every host answers ssh as root, under its own name, with the generated config' '
	for n in 1 2 3; do
		echo "root@lab$n" >>expect &&
		lab_ssh $n "echo \$(id -un)@\$(hostname)" >>actual || return 1
	done &&
	test_cmp expect actual &&
	ssh -F "$LAB_SSH_CONFIG" lab2 hostname >alias && echo lab2 | test_cmp - alias
'

test_expect_success 'only the key gets in: password logins are refused' '
	test_must_fail ssh -F "$LAB_SSH_CONFIG" -o PubkeyAuthentication=no lab1 true 2>err &&
	test_grep "Permission denied" err
'

test_expect_success 'each host runs its own docker daemon' '
	lab_ssh 1 "docker info --format \"{{.Name}} {{.ID}}\"" >one &&
	lab_ssh 2 "docker info --format \"{{.Name}} {{.ID}}\"" >two &&
	test_grep "^lab1 " one && test_grep "^lab2 " two &&
	test "$(cut -d" " -f2 one)" != "$(cut -d" " -f2 two)" &&
	lab_ssh 1 "docker run -d --name only-on-1 busybox sleep 600" >/dev/null &&
	lab_ssh 1 "docker ps --format {{.Names}}" | grep -qx only-on-1 &&
	! lab_ssh 2 "docker ps -a --format {{.Names}}" | grep -qx only-on-1 &&
	lab_ssh 1 "docker rm -f only-on-1" >/dev/null
'

test_expect_success '30 sessions at once over one ControlMaster' '
	cm="$TRASH/cm" &&
	ssh -F "$LAB_SSH_CONFIG" -o ControlMaster=yes -o ControlPath="$cm" -o ControlPersist=30 -fN lab1 &&
	for i in $(seq 30); do
		ssh -F "$LAB_SSH_CONFIG" -o ControlPath="$cm" lab1 "sleep 1; echo ok" >"sess.$i" 2>&1 &
	done &&
	wait &&
	ssh -F "$LAB_SSH_CONFIG" -o ControlPath="$cm" -O exit lab1 2>/dev/null &&
	test "$(cat sess.* | grep -cx ok)" = 30
'

test_expect_success 'an image built and pushed from the local daemon runs on two hosts' '
	mkdir ctx &&
	printf "FROM busybox\nRUN echo built-here >/built\nCMD [\"cat\", \"/built\"]\n" >ctx/Dockerfile &&
	DOCKER_BUILDKIT=0 local_docker build -q -t "$LAB_REGISTRY/lab-test:v1" ctx >/dev/null &&
	test_must_fail local_docker push "$LAB_REGISTRY/lab-test:v1" >push.out 2>&1 &&
	test_grep "no basic auth credentials\|unauthorized" push.out &&
	lab_login_local &&
	local_docker push -q "$LAB_REGISTRY/lab-test:v1" >/dev/null &&
	for n in 1 2; do
		lab_ssh $n "docker login -u $LAB_REGISTRY_USER --password-stdin $LAB_REGISTRY >/dev/null 2>&1 &&
			docker pull -q $LAB_REGISTRY/lab-test:v1 >/dev/null && docker run --rm $LAB_REGISTRY/lab-test:v1" \
			<"$LAB_REGISTRY_PASSWORD_FILE" >"run.$n" &&
		echo built-here | test_cmp - "run.$n" || return 1
	done
'

test_expect_success 'a container on a host reaches the registry' '
	lab_ssh 3 "docker run --rm busybox wget -q -O- http://$LAB_REGISTRY/v2/" >out 2>&1 || true &&
	test_grep "401 Unauthorized" out
'

test_expect_success "Kamal's local registry: registry:3 on the local daemon, on 127.0.0.1:$REG_PORT, pulled over ssh -R" '
	local_docker run -d -p 127.0.0.1:$REG_PORT:5000 --name kamal-docker-registry registry:3 >/dev/null 2>&1 &&
	for i in $(seq 100); do curl -sf http://127.0.0.1:$REG_PORT/v2/ >/dev/null && break; sleep 0.05; done &&
	test "$(curl -s http://127.0.0.1:$REG_PORT/v2/)" = "{}" &&
	local_docker tag "$LAB_REGISTRY/lab-test:v1" localhost:$REG_PORT/lab-test:v1 &&
	local_docker push -q localhost:$REG_PORT/lab-test:v1 >/dev/null &&
	lab_ssh 2 -o ExitOnForwardFailure=yes -R $REG_PORT:127.0.0.1:$REG_PORT \
		"docker pull -q localhost:$REG_PORT/lab-test:v1 >/dev/null && docker run --rm localhost:$REG_PORT/lab-test:v1" >out &&
	echo built-here | test_cmp - out &&
	local_docker rm -f kamal-docker-registry >/dev/null
'

test_expect_success 'what the lab serves listens on loopback or the lab network only' '
	for p in $(find /sys/fs/cgroup/pids/$LAB_NAME /sys/fs/cgroup/$LAB_NAME -name cgroup.procs -exec cat {} + 2>/dev/null); do
		ss -Hltnup | grep "pid=$p," || true
	done >listeners &&
	test_grep "$LAB_GATEWAY:5000" listeners &&
	! awk -v lan="$LAB_SUBNET." "index(\$5, lan) != 1 && index(\$5, \"127.\") != 1" listeners | grep .
'

test_expect_success 'host-down: ssh to it times out, the others still answer' '
	lab_ssh 2 "docker run -d --restart unless-stopped --name survivor busybox sleep 600 &&
		docker run -d --name plain busybox sleep 600" >/dev/null &&
	lab host-down 2 &&
	! elapsed lab_ssh 2 -o ConnectTimeout=2 true 2>err &&
	test_grep "timed out" err &&
	test "$(cat "$TRASH/elapsed")" -lt 4000 &&
	lab_ssh 1 true && lab_ssh 3 true &&
	lab status | grep "^lab2 " | grep -q " off "
'

test_expect_success 'host-up: it boots with its images and containers; unless-stopped ones run again' '
	lab host-up 2 &&
	lab_ssh 2 "docker ps --format {{.Names}}" >running &&
	echo survivor | test_cmp - running &&
	lab_ssh 2 "docker ps -a --filter status=exited --format {{.Names}}" >exited &&
	echo plain | test_cmp - exited &&
	lab_ssh 2 "docker image inspect $LAB_REGISTRY/lab-test:v1" >/dev/null
'

test_expect_success 'host-down --wipe: it comes back without its containers and images' '
	lab host-down 2 --wipe &&
	lab host-up 2 &&
	test "$(lab_ssh 2 "docker ps -aq | wc -l; docker images -q | wc -l")" = "0
0"
'

test_expect_success 'rekey: strict host key checking refuses the host; --trust accepts it again' '
	lab rekey 3 &&
	test_must_fail lab_ssh 3 true 2>err &&
	test_grep "Host key verification failed" err &&
	lab rekey 3 --trust &&
	lab_ssh 3 true
'

test_expect_success 'up is idempotent and quick; up 8 adds five hosts that all answer ssh' '
	elapsed lab up 3 &&
	test "$(cat "$TRASH/elapsed")" -lt 3000 &&
	lab up 8 &&
	eval "$(lab env)" &&
	test "$(echo $LAB_HOSTS | wc -w)" = 8 &&
	for n in $(seq 8); do
		lab_ssh $n hostname >"name.$n" &
	done &&
	wait &&
	for n in $(seq 8); do echo "lab$n" | test_cmp - "name.$n" || return 1; done
'

test_expect_success 'the local daemon runs containers on its own networks, published on loopback' '
	local_docker network create lab-test >/dev/null &&
	local_docker run -d --network lab-test -p 127.0.0.1:$WEB_PORT:80 --name web busybox httpd -f -p 80 >/dev/null 2>&1 &&
	for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$WEB_PORT/ && break; sleep 0.05; done &&
	test "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:$WEB_PORT/)" = 404 &&
	local_docker run --rm --network lab-test busybox wget -q -O- "http://$LAB_REGISTRY/v2/" >out 2>&1 || true &&
	test_grep "401 Unauthorized" out
'

test_expect_success 'down leaves nothing: namespaces, processes, mounts, interfaces, cgroups, iptables, files' '
	lab_ssh 1 "docker network create kamal >/dev/null && docker run -d --network kamal -p 80:80 busybox httpd -f -p 80" >/dev/null &&
	lab down &&
	! ip netns list | grep "^$LAB_NAME-" &&
	! ip -o link show | grep -E ": ($LAB_NAME-lan|${LAB_NAME}0)[@:]" &&
	! ip -o -4 addr show | grep " $LAB_SUBNET\." &&
	! ip -o link show type veth | grep "master ${LAB_NAME}0 " &&
	! grep -l "/$LAB_NAME/" /proc/[0-9]*/cgroup 2>/dev/null &&
	! ps -eo stat=,args= | grep -v "^Z" | grep -v grep | grep "$LAB_DIR/" &&
	! grep -e " $LAB_DIR/" -e " $LAB_DIR " /proc/self/mountinfo &&
	! ls -d /sys/fs/cgroup/*/$LAB_NAME /sys/fs/cgroup/$LAB_NAME 2>/dev/null &&
	! ss -Hltn | grep -e "$LAB_GATEWAY:" -e "127.0.0.1:$REG_PORT " -e "127.0.0.1:$WEB_PORT " &&
	iptables-save 2>/dev/null | grep -v "^#" | test_cmp "$TRASH/iptables.before" - &&
	sysctl -n net.ipv4.ip_forward | test_cmp "$TRASH/forward.before" - &&
	test ! -e "$LAB_DIR"
'

test_done
