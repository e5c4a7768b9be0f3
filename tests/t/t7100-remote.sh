#!/bin/sh
# Reaching the hosts of the lab: commands on every host at once over one
# ssh connection each, Kamal's host filters, the deploy lock, the audit log,
# and what a user sees when a host is down, a key is wrong, a host key
# changed, or Ctrl-C comes in the middle. Each effect is checked on the
# hosts themselves.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lib/lab-project.sh"

lab_require 3
H1=$(lab_host 1) H2=$(lab_host 2) H3=$(lab_host 3)
lab_project app
cd app
# The local docker is the lab's build daemon (it knows the lab's registry).
DOCKER_HOST=$LAB_DOCKER_HOST
export DOCKER_HOST

# No ssh master or socket directory of berth's may outlive a run (others'
# that were there before the test, or appear beside it, are not ours).
snapshot() {
	{ pgrep -af "ssh .*-oControlPersist" | sed "s/^[0-9]* //"; ls -d /tmp/berth-??????/ 2>/dev/null; } |
		sort
}
snapshot >"$TRASH/before"
nothing_left() {
	snapshot >"$TRASH/after" &&
	comm -13 "$TRASH/before" "$TRASH/after" >"$TRASH/left" &&
	{ ! grep . "$TRASH/left" || { echo "left behind:"; cat "$TRASH/left"; false; }; }
}

test_expect_success 'server exec runs on every host at once and shows each host its output' '
	berth server exec hostname >out &&
	test_grep "^Running .hostname. on $H1, $H2, $H3" out &&
	test_grep "^App Host: $H1" out && test_grep "^lab1$" out &&
	test_grep "^App Host: $H3" out && test_grep "^lab3$" out &&
	nothing_left
'

test_expect_success 'hosts run in parallel: three 1 s commands take about 1 s, not 3' '
	t0=$(date +%s%N) &&
	berth server exec "sleep 1" >/dev/null &&
	ms=$((($(date +%s%N) - t0) / 1000000)) &&
	echo "$ms ms" &&
	test $ms -lt 2500
'

test_expect_success '-h, -r and -p select hosts as Kamal does, wildcards included' '
	berth -h "$H1,$H3" server exec hostname >out &&
	test_grep "^lab1$" out && test_grep "^lab3$" out && ! grep -q "^lab2$" out &&
	berth -r job server exec hostname >out &&
	test_grep "^lab3$" out && ! grep -q "^lab1$" out &&
	berth -r "w*" server exec hostname >out &&
	test_grep "^lab1$" out && test_grep "^lab2$" out && ! grep -q "^lab3$" out &&
	berth -p server exec hostname >out &&
	test_grep "^lab1$" out && test "$(grep -c "^App Host" out)" = 1 &&
	berth -h "$LAB_SUBNET.{2,4}" server exec hostname >out &&
	test_grep "^lab1$" out && test_grep "^lab3$" out
'

test_expect_success 'a filter that matches nothing is an error, as in Kamal' '
	test_must_fail berth -h 10.9.9.9 server exec true 2>err &&
	test_grep "No --hosts match for 10.9.9.9" err &&
	test_must_fail berth -r nope server exec true 2>err &&
	test_grep "No --roles match for nope" err
'

test_expect_success 'the audit log on each host records what ran there' '
	berth audit >out &&
	test_grep "Executed cmd .hostname. on $H2" out &&
	lab_ssh 3 cat .kamal/shop-audit.log >log3 &&
	test_grep "\[tester@example.com\] Executed cmd .hostname. on $H3" log3 &&
	! grep -q "on $H1" log3
'

test_expect_success 'details shows each accessory container on the hosts that run it' '
	cat >>config/deploy.yml <<-EOF &&
	accessories:
	  db:
	    image: busybox
	    hosts: [$H2, $H3]
	EOF
	git commit -qam accessory &&
	local_docker save busybox | lab_docker 2 load -q >/dev/null &&
	lab_docker 2 rm -f shop-db >/dev/null 2>&1; \
	lab_docker 2 run -d --name shop-db --label service=shop-db busybox sleep 600 >/dev/null &&
	berth details >out &&
	lab_docker 2 rm -f shop-db >/dev/null &&
	git reset -q --hard HEAD^ &&
	test_grep "^Proxy Host: $H1" out &&
	test_grep "^Accessory db Host: $H2" out && test_grep "^Accessory db Host: $H3" out &&
	grep "Host: " out | sed "s/ Host: .*//" | uniq >order &&
	printf "Proxy\nApp\nAccessory db\n" >expect && test_cmp expect order &&
	! grep -q "^Accessory db Host: $H1" out &&
	sed -n "/^Accessory db Host: $H2/,/^\$/p" out >db2 &&
	test_grep "shop-db" db2 &&
	sed -n "/^Accessory db Host: $H3/,/^\$/p" out >db3 &&
	! grep -q "shop-db" db3
'

test_expect_success 'lock acquire takes the lock on the primary host, status says who, when, for which version' '
	berth lock acquire -m "Maintenance window" >out &&
	test_grep "Acquired the deploy lock" out &&
	lab_ssh 1 test -d .kamal/lock-shop &&
	! lab_ssh 2 test -d .kamal/lock-shop &&
	berth lock status >out &&
	test_grep "^Locked by: Tester at 20" out &&
	test_grep "^Version: $(git rev-parse HEAD)" out &&
	test_grep "^Message: Maintenance window" out &&
	test_grep "^(held for 0m" out
'

test_expect_success 'a lock someone holds stops a command that needs it, and says who' '
	test_expect_code 1 berth prune containers >out 2>err &&
	test_grep "Deploy lock already in place" out &&
	test_grep "Message: Maintenance window" out &&
	test_grep "Deploy lock found" err &&
	test_expect_code 1 berth --lock-wait --lock-wait-timeout=2 prune containers >out 2>err &&
	test_grep "held manually, not waiting" err
'

test_expect_success 'lock release frees it; a second release says there is none' '
	berth lock release >out &&
	test_grep "Released the deploy lock" out &&
	! lab_ssh 1 test -d .kamal/lock-shop &&
	berth lock release >out &&
	test_grep "There is no deploy lock" out
'

test_expect_success 'a command that takes the lock releases it, also when it fails' '
	berth prune containers >out &&
	test_grep "Releasing the deploy lock" out &&
	! lab_ssh 1 test -d .kamal/lock-shop &&
	mkdir -p .kamal/hooks &&
	printf "#!/bin/sh\necho the hook says no\nexit 3\n" >.kamal/hooks/docker-setup &&
	chmod +x .kamal/hooks/docker-setup &&
	test_expect_code 1 berth server bootstrap >out 2>err &&
	test_grep "the hook says no" err &&
	test_grep "Hook .docker-setup. failed" err &&
	! lab_ssh 1 test -d .kamal/lock-shop &&
	rm .kamal/hooks/docker-setup
'

test_expect_success 'hooks get the KAMAL_ and BERTH_ variables and the secrets in their environment' '
	printf "#!/bin/sh\nenv | grep -E \"^(KAMAL|BERTH)_\" | sort >\"%s/hook.env\"\n" "$PWD" >.kamal/hooks/docker-setup &&
	chmod +x .kamal/hooks/docker-setup &&
	berth server bootstrap >out &&
	test_grep "^KAMAL_COMMAND=server$" hook.env &&
	test_grep "^KAMAL_SUBCOMMAND=bootstrap$" hook.env &&
	test_grep "^KAMAL_HOSTS=$H1,$H2,$H3$" hook.env &&
	test_grep "^BERTH_COMMAND=server$" hook.env &&
	test_grep "^KAMAL_LOCK=true$" hook.env &&
	rm .kamal/hooks/docker-setup
'

test_expect_success 'server bootstrap finds Docker on every host and changes nothing' '
	berth server bootstrap >out &&
	test_grep "$H1  bootstrap" out && test_grep "$H3  bootstrap" out &&
	! grep -q "installing" out
'

test_expect_success 'a host that is down fails within the connect timeout; the others are done' '
	lab host-down 2 >/dev/null &&
	t0=$(date +%s) &&
	test_expect_code 1 berth server exec hostname >out 2>err &&
	test $(($(date +%s) - t0)) -le 12 &&
	test_grep "^lab1$" out && test_grep "^lab3$" out &&
	test_grep "error: $H2: cannot connect" err &&
	test_grep "down or unreachable" err &&
	lab host-up 2 >/dev/null &&
	berth -h "$H2" server exec hostname >out &&
	test_grep "^lab2$" out &&
	nothing_left
'

test_expect_success 'a key the host does not know: the login is refused, clearly' '
	ssh-keygen -q -t ed25519 -N "" -f wrong &&
	# The lab client settings but for the key: ssh reads ~ from the
	# passwd entry, not $HOME, so known_hosts must stay the lab one.
	grep -v IdentityFile "$LAB_SSH_CONFIG" >wrong.ssh_config &&
	printf "ssh:\n  config: [ %s/wrong.ssh_config ]\n  keys: [ %s/wrong ]\n  keys_only: true\n" \
		"$PWD" "$PWD" >config/deploy.wrong.yml &&
	cp .kamal/secrets .kamal/secrets.wrong &&
	test_expect_code 1 berth -d wrong -h "$H1" server exec true 2>err &&
	test_grep "$H1: ssh refused the login" err &&
	test_grep "Permission denied" err
'

test_expect_success 'a changed host key is refused with the way out in the message' '
	lab rekey 3 >/dev/null &&
	test_expect_code 1 berth -h "$H3" server exec true 2>err &&
	test_grep "host key of $H3 has changed" err &&
	test_grep "ssh-keygen -R $H3" err &&
	lab rekey 3 --trust >/dev/null &&
	berth -h "$H3" server exec true
'

test_expect_success 'Ctrl-C in the middle: berth stops at once, its lock released, nothing left behind' '
	printf "#!/bin/sh\nsleep 41\n" >.kamal/hooks/docker-setup &&
	chmod +x .kamal/hooks/docker-setup &&
	{ berth server bootstrap >out 2>err & } &&
	pid=$! &&
	for _ in $(seq 100); do lab_ssh 1 test -d .kamal/lock-shop 2>/dev/null && break; sleep 0.1; done &&
	sleep 1 &&
	kill -INT $pid &&
	t0=$(date +%s) &&
	rc=0 && { wait $pid || rc=$?; } &&
	took=$(($(date +%s) - t0)) &&
	{ test "$rc" = 130 || { echo "exit status $rc"; cat out err; false; }; } &&
	{ test $took -le 5 || { echo "took $took s to stop"; cat out err; false; }; } &&
	{ ! lab_ssh 1 test -d .kamal/lock-shop || { echo "the lock is still held"; cat err; false; }; } &&
	{ ! pgrep -fx "sleep 41" >/dev/null || { echo "the hook is still running:"; pgrep -afx "sleep 41"; false; }; } &&
	nothing_left &&
	rm .kamal/hooks/docker-setup
'

test_expect_success 'Ctrl-C during a long command on the hosts stops their ssh sessions' '
	berth server exec "sleep 30" >out 2>err &
	pid=$! &&
	sleep 1.5 &&
	kill -INT $pid &&
	t0=$(date +%s) &&
	rc=0 && { wait $pid || rc=$?; } &&
	test "$rc" = 130 &&
	test $(($(date +%s) - t0)) -le 4 &&
	test_grep "interrupted" err &&
	nothing_left
'

test_expect_success 'commands ride each host'"'"'s master without an ssh process each; output, status and stdin as through ssh' '
	mkdir -p shim &&
	printf "#!/bin/sh\necho \"\$*\" >>%s/ssh.log\nexec /usr/bin/ssh \"\$@\"\n" "$PWD" >shim/ssh &&
	chmod +x shim/ssh &&
	rm -f ssh.log &&
	PATH=$PWD/shim:$PATH berth -h "$H1,$H2" server exec "seq 1 200000; echo to-stderr >&2" >mux.out 2>mux.err &&
	PATH=$PWD/shim:$PATH berth -h "$H1" registry login >/dev/null 2>&1 &&
	rc=0 && PATH=$PWD/shim:$PATH berth -h "$H1" server exec "echo the-reason >&2; exit 7" 2>mux.fail || rc=$? &&
	test "$rc" = 1 && test_grep "exited with status 7" mux.fail && test_grep "^the-reason" mux.fail &&
	{ ! grep -v -e " -M " -e " -G " -e " -O exit " ssh.log ||
		{ echo "commands went through the ssh client:"; cat ssh.log; false; }; } &&
	rm ssh.log &&
	BERTH_SSH_MUX=0 PATH=$PWD/shim:$PATH berth -h "$H1,$H2" server exec "seq 1 200000; echo to-stderr >&2" >ssh.out 2>ssh.err &&
	test "$(grep -c -- " -T -oControlMaster=no .* -- seq 1 200000" ssh.log)" = 2 &&
	test "$(grep -c "^200000$" mux.out)" = 2 &&
	sort mux.out >mux.sorted && sort ssh.out >ssh.sorted && cmp mux.sorted ssh.sorted &&
	nothing_left
'

test_expect_success '--dry-run changes nothing on the hosts and prints each host its commands' '
	berth --dry-run lock acquire -m "not really" >out &&
	test_grep "^\[$H1\] RUN /usr/bin/env mkdir -p .kamal$" out &&
	test_grep "^\[$H1\] RUN /usr/bin/env mkdir .kamal/lock-shop && echo" out &&
	! lab_ssh 1 test -d .kamal/lock-shop
'

test_expect_success '-v shows each command as sent; secrets never show' '
	berth -v -h "$H1" registry login >out 2>err &&
	test_grep "\[$H1\] \$ docker login $LAB_REGISTRY -u \[REDACTED\] --password-stdin" err &&
	! grep -q "$(cat "$LAB_REGISTRY_PASSWORD_FILE")" out err
'

test_done
