#!/bin/sh
# berth's main job on the lab: deploy an app to 3 hosts with 2 roles (web
# behind berth-proxy on two hosts, a worker without proxy on the third),
# deploy the next version under load with no failed request, roll back,
# and the failures a user meets: a new version that never becomes
# healthy (the old one keeps serving, its log and health answer shown), a
# failing pre-deploy hook, a held lock, berth killed in the middle.
# Checked on the hosts (docker ps, the proxy's answers) and with requests.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lib/lab-project.sh"

lab_require 3
H1=$(lab_host 1) H2=$(lab_host 2) H3=$(lab_host 3)
BERTH_PROXY_IMAGE=$(berth_proxy_image)
export BERTH_PROXY_IMAGE
DOCKER_HOST=$LAB_DOCKER_HOST
export DOCKER_HOST
PYTHON_LOAD="python3 $TOP/tests/proxy/load.py"

lab_project app "servers:
  web:
    - $H1
    - $H2
  job:
    hosts:
      - $H3
    cmd: sh -c 'echo job booted; trap exit TERM; sleep 600 & wait'"
cd app
cat >>config/deploy.yml <<EOF
proxy:
  app_port: 3000
  healthcheck:
    path: /up
    interval: 1
readiness_delay: 0
deploy_timeout: 6
drain_timeout: 2
x-berth:
  ssh:
    connect_timeout: 3
aliases:
  console: app exec -i --reuse --roles=web "sh -c 'tty; cat /www/index.html'"
accessories:
  cache:
    image: busybox
    host: $H3
    cmd: sh -c 'echo cache up; cat /etc/cache.conf; trap exit TERM; sleep 600 & wait'
    files:
      - config/cache.conf:/etc/cache.conf
EOF
echo "maxmemory 64mb" >config/cache.conf
# The test's own files stay out of the app's commits (and clean clones).
printf '%s\n' raw expect out err all 'got.*' 'ps.*' mode audit 'load*.out' stop push.out kill.out live clean follow.out conf 'id.*' 'loop*' body >.gitignore
# busybox's httpd, as PID 1 behind a shell that stops on TERM (docker stop).
mkdir -p www
cat >Dockerfile <<'EOF'
FROM busybox
COPY www /www
CMD ["sh", "-c", "echo web booted; trap 'exit 0' TERM; httpd -f -p 3000 -h /www & wait"]
EOF
release() { # NAME: a commit serving NAME, healthy
	echo "$1" >www/index.html && echo ok >www/up &&
	git add -A && git commit -qm "$1" && git rev-parse HEAD
}

# Hosts as a new server has them.
for n in 1 2 3; do
	for c in $(lab_docker $n ps -aq); do lab_docker $n rm -f $c >/dev/null; done
	lab_docker $n volume rm kamal-proxy-config >/dev/null 2>&1
	lab_ssh $n rm -rf .kamal .docker
done

serves() { # HOST TEXT: the host's proxy answers / with TEXT
	curl -s --max-time 5 "http://$1/" >got.$1 && test "$(cat got.$1)" = "$2"
}
running() { # N NAME: host N runs container NAME
	lab_docker $1 ps --format '{{.Names}}' >ps.$1 && grep -qx "$2" ps.$1
}
locked() {
	lab_ssh 1 test -d .kamal/lock-shop
}

V1=$(release one)

test_expect_success 'setup builds, pushes, boots the accessory, web behind the proxy on 2 hosts and the worker on the third' '
	berth setup >out 2>err &&
	running 3 shop-cache &&
	lab_ssh 3 cat shop-cache/etc/cache.conf >conf &&
	test "$(cat conf)" = "maxmemory 64mb" &&
	serves $H1 one && serves $H2 one &&
	running 1 shop-web-$V1 && running 2 shop-web-$V1 && running 3 shop-job-$V1 &&
	! running 3 kamal-proxy &&
	test_grep "Finished all in" out &&
	! locked &&
	lab_ssh 1 cat .kamal/shop-audit.log >audit &&
	test_grep "\[web\] Booted app version $V1" audit &&
	lab_ssh 3 stat -c %a .kamal/apps/shop/env/roles/job.env >mode &&
	test "$(cat mode)" = 600
'

V2=$(release two)

test_expect_success 'the next version deploys under load on both web hosts with no failed request' '
	{ berth build push >push.out 2>&1 || { cat push.out; false; }; } &&
	rm -f stop &&
	{ LOAD_HOST=$H1 LOAD_SLOW_PATH=/up $PYTHON_LOAD 80 60 stop --retry-reused >load1.out & } &&
	p1=$! &&
	{ LOAD_HOST=$H2 LOAD_SLOW_PATH=/up $PYTHON_LOAD 80 60 stop --retry-reused >load2.out & } &&
	p2=$! &&
	sleep 1 &&
	rc=0 && berth deploy -P >out 2>err || rc=$?
	touch stop &&
	r1=0 && wait $p1 || r1=$?
	r2=0 && wait $p2 || r2=$?
	cat load1.out load2.out &&
	if test "$rc" != 0; then cat out err; fi &&
	test "$rc" = 0 && test "$r1" = 0 && test "$r2" = 0 &&
	grep -q "fail=0" load1.out && grep -q "fail=0" load2.out &&
	serves $H1 two && serves $H2 two &&
	running 3 shop-job-$V2 && ! running 3 shop-job-$V1 &&
	! running 1 shop-web-$V1
'

test_expect_success 'rollback to the first version: its containers come back on every host' '
	berth rollback $V1 >out 2>err &&
	serves $H1 one && serves $H2 one &&
	running 1 shop-web-$V1 && running 3 shop-job-$V1 && ! running 1 shop-web-$V2
'

test_expect_success '20 deploys and rollbacks in a row under load on both web hosts: no failed request' '
	rm -f stop &&
	{ LOAD_HOST=$H1 LOAD_SLOW_PATH=/up $PYTHON_LOAD 80 300 stop --retry-reused >loop1.out & } &&
	p1=$! &&
	{ LOAD_HOST=$H2 LOAD_SLOW_PATH=/up $PYTHON_LOAD 80 300 stop --retry-reused >loop2.out & } &&
	p2=$! &&
	sleep 1 && rc=0 &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		berth -q deploy -P >>loop.log 2>&1 || { rc=1; break; }
		berth -q rollback $V1 >>loop.log 2>&1 || { rc=1; break; }
	done
	touch stop &&
	r1=0 && wait $p1 || r1=$?
	r2=0 && wait $p2 || r2=$?
	cat loop1.out loop2.out &&
	if test "$rc" != 0; then tail -n 40 loop.log; fi &&
	test "$rc" = 0 && test "$r1" = 0 && test "$r2" = 0 &&
	grep -q "fail=0" loop1.out && grep -q "fail=0" loop2.out &&
	serves $H1 one && serves $H2 one
'

test_expect_success 'app maintenance: the proxy answers 503 with the message; app live serves again' '
	berth app maintenance --message "back soon" >out 2>err &&
	code=$(curl -s -o body --max-time 5 -w "%{http_code}" "http://$H1/") &&
	test "$code" = 503 && test_grep "back soon" body &&
	berth app live >out 2>err &&
	serves $H1 one && serves $H2 one
'

test_expect_success 'redeploy -P boots the version again, without booting the proxy or pruning' '
	berth redeploy -P >out 2>err &&
	! grep -q "Ensure kamal-proxy is running" out &&
	! grep -q "Prune old containers" out &&
	serves $H1 two && serves $H2 two &&
	berth -q rollback $V1 >out 2>err &&
	serves $H1 one
'

test_expect_success 'rollback to a version with no containers changes nothing and says so' '
	test_expect_code 1 berth rollback v-none >out 2>err &&
	test_grep "not available as a container" err &&
	serves $H1 one && ! locked
'

test_expect_success 'app exec runs in a new container on every host, and with --reuse in the running one' '
	berth app exec "cat /www/index.html" >out 2>err &&
	test "$(grep -c "^one$" out)" = 3 &&
	test_grep "$H1" out && test_grep "$H3" out &&
	berth app exec --reuse --roles=web "cat /www/index.html" >out 2>err &&
	test "$(grep -c "^one$" out)" = 2 &&
	! lab_docker 1 ps -a --format "{{.Names}}" | grep -q exec &&
	berth app exec --roles=web -e GREETING:hello "sh -c \"echo \\\$GREETING\"" >out 2>err &&
	test "$(grep -c "^hello$" out)" = 2 &&
	berth app exec --detach --roles=job "sleep 30" >out 2>err &&
	lab_docker 3 ps --filter name=shop-job-exec --format "{{.Names}} {{.Command}}" >ps.3 &&
	test_grep "sleep 30" ps.3 &&
	for c in $(lab_docker 3 ps -aq --filter name=shop-job-exec); do lab_docker 3 rm -f $c >/dev/null || return 1; done
'

test_expect_success 'app exec -i --reuse: a terminal session in the primary host'"'"'s running container' '
	script -qec "$BUILD_DIR/berth app exec -i --reuse \"sh -c \\\"tty; cat /www/index.html\\\"\"" /dev/null </dev/null >out 2>&1 &&
	tr -d "\r" <out | sed "s/\\^@//g" >clean &&
	test_grep "^/dev/pts/[0-9]" clean &&
	test_grep "^one$" clean &&
	script -qec "$BUILD_DIR/berth console" /dev/null </dev/null >out 2>&1 &&
	tr -d "\r" <out | sed "s/\\^@//g" >clean &&
	test_grep "^/dev/pts/[0-9]" clean && test_grep "^one$" clean
'

test_expect_success 'app logs -f follows every host at once, each line marked with its host, until Ctrl-C' '
	berth app logs -f >follow.out 2>&1 &
	pid=$! &&
	sleep 3 &&
	kill -INT $pid && wait $pid &&
	test_grep "$H1.*web booted" follow.out &&
	test_grep "$H2.*web booted" follow.out &&
	test_grep "$H3.*job booted" follow.out
'

test_expect_success 'accessory exec: in a new container, --reuse --raw byte for byte, -i through a terminal; logs -f -g; restart' '
	berth accessory exec cache "cat /etc/hostname" >out 2>err &&
	test_grep "Accessory Host: $H3" out &&
	berth accessory exec cache --reuse --raw "cat /etc/cache.conf" >raw 2>err &&
	printf "maxmemory 64mb\n" >expect && cmp expect raw &&
	script -qec "$BUILD_DIR/berth accessory exec cache -i --reuse \"sh -c \\\"tty; cat /etc/cache.conf\\\"\"" /dev/null </dev/null >out 2>&1 &&
	tr -d "\r" <out | sed "s/\\^@//g" >clean &&
	test_grep "^/dev/pts/[0-9]" clean && test_grep "^maxmemory 64mb$" clean &&
	{ berth accessory logs cache -f -g maxmemory >follow.out 2>&1 & } &&
	pid=$! &&
	for _ in $(seq 100); do grep -q "maxmemory 64mb" follow.out && break; sleep 0.1; done &&
	sleep 0.5 &&
	kill -INT $pid && wait $pid &&
	test_grep "$H3.*maxmemory 64mb" follow.out &&
	! grep -q "error:" follow.out &&
	! grep -q "cache up" follow.out &&
	lab_docker 3 inspect -f "{{.State.StartedAt}}" shop-cache >id.before &&
	berth accessory restart cache >out 2>err &&
	lab_docker 3 inspect -f "{{.State.StartedAt}}" shop-cache >id.after &&
	! cmp -s id.before id.after && running 3 shop-cache && ! locked
'

test_expect_success 'accessory logs, reboot and remove act on the accessory'"'"'s host' '
	berth accessory logs cache >out 2>err &&
	test_grep "cache up" out && test_grep "maxmemory 64mb" out &&
	lab_docker 3 inspect -f "{{.Id}}" shop-cache >id.before &&
	berth accessory reboot cache >out 2>err &&
	lab_docker 3 inspect -f "{{.Id}}" shop-cache >id.after &&
	! cmp -s id.before id.after &&
	running 3 shop-cache &&
	berth accessory remove cache -y >out 2>err &&
	! running 3 shop-cache &&
	! lab_ssh 3 test -e shop-cache
'

test_expect_success 'a version that never becomes healthy: the old one keeps serving, the user sees why' '
	rm www/up && echo three >www/index.html && git add -A && git commit -qm sick &&
	V3=$(git rev-parse HEAD) &&
	test_expect_code 1 berth deploy >out 2>err &&
	cat out err >all &&
	test_grep "failed to become healthy" all &&
	test_grep "last health check: unexpected status 404" all &&
	test_grep "The last lines of its log" all &&
	serves $H1 one && serves $H2 one &&
	! running 1 shop-web-$V3 &&
	! running 3 shop-job-$V3 &&
	! locked
'

V4=$(release four)

test_expect_success 'a failing pre-deploy hook stops the deploy before any host changes, with its output' '
	mkdir -p .kamal/hooks &&
	printf "#!/bin/sh\necho migrations are pending >&2\nexit 3\n" >.kamal/hooks/pre-deploy &&
	chmod +x .kamal/hooks/pre-deploy &&
	test_expect_code 1 berth deploy >out 2>err &&
	cat out err >all &&
	test_grep "migrations are pending" all &&
	test_grep "pre-deploy" all &&
	! running 1 shop-web-$V4 && serves $H1 one && ! locked &&
	rm .kamal/hooks/pre-deploy
'

test_expect_success 'a held lock: deploy refuses and names who holds it' '
	berth lock acquire -m "db maintenance" >/dev/null &&
	test_expect_code 1 berth deploy -P >out 2>err &&
	cat out err >all &&
	test_grep "db maintenance" all &&
	berth lock release >/dev/null &&
	serves $H1 one
'

test_expect_success 'berth killed in the middle of a deploy: every host still serves, the next deploy cleans up' '
	for delay in 0.3 1 2; do
		berth deploy -P >kill.out 2>&1 &
		pid=$! &&
		sleep $delay &&
		kill -9 $pid; wait $pid
		serves $H1 one || serves $H1 four || return 1
		serves $H2 one || serves $H2 four || return 1
		berth lock release >/dev/null 2>&1
	done &&
	berth deploy -P >out 2>err &&
	serves $H1 four && serves $H2 four && running 3 shop-job-$V4 &&
	lab_docker 1 ps --filter label=service=shop --filter status=running --format "{{.Names}}" >live &&
	test "$(grep -c . live)" = 1
'


test_expect_success 'a host Kamal deployed: berth stops the container Kamal left and serves the new one' '
	# What Kamal 2.12 sends for a boot (the goldens): its names and labels.
	lab_docker 1 stop shop-web-$V4 >/dev/null &&
	lab_docker 1 run --detach --restart unless-stopped --name shop-web-kamal4 --network kamal \
		--env KAMAL_CONTAINER_NAME=shop-web-kamal4 --label service=shop --label role=web \
		--label destination= $LAB_REGISTRY/shop/app:$V4 >/dev/null &&
	id=$(lab_docker 1 container ls --all --filter name=^shop-web-kamal4$ --quiet) &&
	lab_docker 1 exec kamal-proxy kamal-proxy deploy shop-web --target="$id:3000" \
		--health-check-path=/up --health-check-interval=1s >/dev/null &&
	serves $H1 four &&
	V5=$(release five) &&
	berth deploy >out 2>err &&
	running 1 shop-web-$V5 &&
	serves $H1 five && serves $H2 five && ! running 1 shop-web-kamal4
'

test_expect_success 'a host down: the deploy stops naming it, before any host changes; once it is back, the deploy goes through' '
	V6=$(release six) &&
	lab host-down 2 &&
	rc=0 && test_expect_code 1 berth deploy >out 2>err || rc=$?
	lab host-up 2 >/dev/null 2>&1 || return 1
	if test "$rc" != 0; then cat out err; fi &&
	test "$rc" = 0 &&
	test_grep "$H2" err &&
	serves $H1 five && ! running 1 shop-web-$V6 && ! locked &&
	berth deploy -P >out 2>err &&
	serves $H1 six && serves $H2 six && running 3 shop-job-$V6
'

# boot.parallel_roles (Kamal's on_roles): the roles of one host boot at
# once. The first role on the host (job, the primary one of this
# selection) opens the barrier for the others, as in Kamal; then worker
# and cron boot side by side, each waiting its readiness delay, where in
# turn cron starts only once worker's delay is over. A destination adds
# them beside the job on host 3.
started() { # ROLE: when host 3 started the destination's container of ROLE, in seconds
	name=$(lab_docker 3 ps --filter label=destination=par --filter label=role=$1 --format "{{.Names}}" | head -n 1) &&
	test -n "$name" &&
	date -d "$(lab_docker 3 inspect -f "{{.State.StartedAt}}" "$name")" +%s.%N
}
apart() { # OP SECONDS: how far apart worker and cron started, compared
	python3 -c "import sys; d = abs($(started worker) - $(started cron)); print(d); sys.exit(0 if d $1 $2 else 1)"
}

test_expect_success 'boot.parallel_roles: a host'"'"'s roles boot at once, and in turn without it' '
	cat >config/deploy.par.yml <<-EOF &&
	servers:
	  worker:
	    hosts:
	      - $H3
	    cmd: sh -c "echo worker booted; trap exit TERM; sleep 600 & wait"
	  cron:
	    hosts:
	      - $H3
	    cmd: sh -c "echo cron booted; trap exit TERM; sleep 600 & wait"
	readiness_delay: 3
	boot:
	  parallel_roles: true
	EOF
	V=$(git rev-parse HEAD) &&
	git add config/deploy.par.yml && git commit -qm par &&
	berth app boot -d par --roles=job,worker,cron --version=$V >out 2>err &&
	for r in job worker cron; do running 3 shop-$r-par-$V || return 1; done &&
	apart "<" 2 &&
	sed -i "s/parallel_roles: true/parallel_roles: false/" config/deploy.par.yml &&
	git commit -qam "par in turn" &&
	berth app boot -d par --roles=job,worker,cron --version=$V >out 2>err &&
	for r in job worker cron; do running 3 shop-$r-par-$V || return 1; done &&
	apart ">=" 2.5 &&
	for c in $(lab_docker 3 ps -aq --filter label=destination=par); do lab_docker 3 rm -f $c >/dev/null || return 1; done
'

# app stop and app start take a host's roles at once with parallel_roles
# too. sleep as a container's first process ignores the TERM of docker
# stop, which then waits drain_timeout (3 s) before killing it: at once,
# worker and cron end together; in turn, cron ends one timeout later.
ended() { # ROLE: when host 3's container of ROLE in the destination par ended, in seconds
	name=$(lab_docker 3 ps -a --filter label=destination=par --filter label=role=$1 --format "{{.Names}}" | head -n 1) &&
	test -n "$name" &&
	test "$(lab_docker 3 inspect -f "{{.State.Running}}" "$name")" = false &&
	date -d "$(lab_docker 3 inspect -f "{{.State.FinishedAt}}" "$name")" +%s.%N
}
ended_apart() { # OP SECONDS
	python3 -c "import sys; d = abs($(ended worker) - $(ended cron)); print(d); sys.exit(0 if d $1 $2 else 1)"
}

test_expect_success 'boot.parallel_roles: app stop stops a host'"'"'s roles at once, and in turn without it' '
	V=$(git rev-parse "$(git log -1 --format=%H --grep="^par\$")~1") &&
	cat >config/deploy.par.yml <<-EOF &&
	servers:
	  worker:
	    hosts:
	      - $H3
	    cmd: sleep 600
	  cron:
	    hosts:
	      - $H3
	    cmd: sleep 600
	readiness_delay: 1
	drain_timeout: 3
	boot:
	  parallel_roles: true
	EOF
	git commit -qam "par stop" &&
	berth app boot -d par --roles=worker,cron --version=$V >out 2>err &&
	for r in worker cron; do running 3 shop-$r-par-$V || return 1; done &&
	berth app stop -d par --roles=worker,cron --version=$V >out 2>err &&
	ended_apart "<" 1.5 &&
	berth app start -d par --roles=worker,cron --version=$V >out 2>err &&
	for r in worker cron; do running 3 shop-$r-par-$V || return 1; done &&
	sed -i "s/parallel_roles: true/parallel_roles: false/" config/deploy.par.yml &&
	git commit -qam "par stop in turn" &&
	berth app stop -d par --roles=worker,cron --version=$V >out 2>err &&
	ended_apart ">=" 2.5 &&
	for c in $(lab_docker 3 ps -aq --filter label=destination=par); do lab_docker 3 rm -f $c >/dev/null || return 1; done
'

test_done
