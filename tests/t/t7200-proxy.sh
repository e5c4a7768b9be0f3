#!/bin/sh
# The proxy on the lab's hosts: berth-proxy loaded onto each host without
# a registry, booted in berth's port holder, rebooted and upgraded under
# load without a failed request, a Kamal-booted proxy moved into the
# holder, and removed without a trace. Checked on the hosts (docker ps,
# published ports) and with real requests.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lib/lab-project.sh"

lab_require 2
H1=$(lab_host 1) H2=$(lab_host 2)
BERTH_PROXY_IMAGE=$(berth_proxy_image)
export BERTH_PROXY_IMAGE
DOCKER_HOST=$LAB_DOCKER_HOST
export DOCKER_HOST
PYTHON=python3
# Keep-alive and new connections, and slow ones; a request a client would
# send again on a new connection (RFC 9112 9.3.1) counts as retried.
PYTHON_LOAD="$PYTHON $TOP/tests/proxy/load.py"
lab_project app "servers:
  web:
    - $H1
    - $H2"
cd app

# Hosts as a new server has them: no containers, no proxy state, no
# image, nothing in .kamal.
for n in 1 2; do
	for c in $(lab_docker $n ps -aq); do lab_docker $n rm -f $c >/dev/null; done
	lab_docker $n volume rm kamal-proxy-config >/dev/null 2>&1
	lab_docker $n rmi berth-proxy:v0.9.2 >/dev/null 2>&1
	lab_ssh $n rm -rf .kamal
done

# A web app on host N behind its proxy, as a deploy leaves it: busybox's
# httpd on the kamal network, routed by kamal-proxy deploy.
app_on() {
	local_docker save busybox | lab_docker $1 load -q >/dev/null &&
	lab_docker $1 run -d --name web --network kamal --restart unless-stopped busybox \
		sh -c "mkdir -p /www && echo web-on-lab$1 >/www/index.html && echo ok >/www/up && exec httpd -f -p 3000 -h /www" >/dev/null &&
	lab_docker $1 exec kamal-proxy kamal-proxy deploy shop-web --target web:3000 --health-check-path /up >/dev/null
}

# held N: host N's proxy is berth's, on the kamal network, its sockets from the holder.
held() {
	lab_docker $1 inspect kamal-proxy --format "{{.HostConfig.NetworkMode}} {{.Args}}" >mode.$1 &&
	grep -q "^kamal \[run --holder\]$" mode.$1
}

proxy_tags() {
	curl -s -u "$LAB_REGISTRY_USER:$(cat "$LAB_REGISTRY_PASSWORD_FILE")" \
		"http://$LAB_REGISTRY/v2/shop/berth-proxy/tags/list"
}

test_expect_success 'proxy boot pushes berth-proxy to the registry once, the hosts pull it, it boots in the port holder' '
	berth proxy boot >out 2>err &&
	test "$(cat out err | grep -c "berth-proxy pushed as $LAB_REGISTRY/shop/berth-proxy:v0.9.2-")" = 1 &&
	test_grep "$H1  berth-proxy pulled from the registry" out &&
	test_grep "$H2  berth-proxy pulled from the registry" out &&
	! grep -q "loading the berth-proxy image" out &&
	proxy_tags >tags && test_grep "\"v0.9.2-[0-9a-f]\{12\}\"" tags &&
	for n in 1 2; do
		lab_docker $n ps --format "{{.Names}} {{.Image}} {{.Ports}}" >ps.$n &&
		test_grep "^kamal-proxy berth-proxy:v0.9.2 " ps.$n &&
		! grep -q "^kamal-proxy .*->" ps.$n &&
		test_grep "^berth-proxy-net berth-proxy:v0.9.2 .*0.0.0.0:80->80/tcp" ps.$n &&
		lab_docker $n image ls --format "{{.Repository}}:{{.Tag}}" >images.$n &&
		! grep -q "/berth-proxy:" images.$n || return 1
	done &&
	held 1
'

test_expect_success 'when the push cannot be made here, the image goes over ssh, with a warning' '
	lab_docker 2 rm -f kamal-proxy berth-proxy-net >/dev/null &&
	lab_docker 2 rmi berth-proxy:v0.9.2 >/dev/null &&
	DOCKER_HOST=unix://$TRASH/no-docker.sock berth -h $H2 proxy boot >out 2>err &&
	test_grep "berth-proxy goes to each host over ssh" err &&
	test_grep "$H2  loading the berth-proxy image" out &&
	lab_docker 2 ps --format "{{.Names}} {{.Image}}" >ps.2 &&
	test_grep "^kamal-proxy berth-proxy:v0.9.2" ps.2 &&
	BERTH_PROXY_VIA=ssh berth -h $H2 proxy reboot -y >out 2>err &&
	! grep -q "pushed\|pulled" out err &&
	printf "x-berth:\n  proxy:\n    image_via: pigeon\n" >>config/deploy.yml &&
	test_must_fail berth proxy boot 2>err &&
	git checkout -q config/deploy.yml &&
	test_grep "config/deploy.yml:[0-9]*: x-berth/proxy/image_via: must be registry or ssh, not pigeon" err
'

test_expect_success 'the proxy answers on the host: 404 for an unknown host, then the app' '
	test "$(curl -s -o /dev/null -w "%{http_code}" http://$H1/)" = 404 &&
	app_on 1 && app_on 2 &&
	test "$(curl -s http://$H1/)" = web-on-lab1 &&
	test "$(curl -s http://$H2/)" = web-on-lab2
'

test_expect_success 'a second boot loads nothing and changes nothing' '
	id=$(lab_docker 1 inspect kamal-proxy --format "{{.Id}}") &&
	berth proxy boot >out &&
	! grep -q "loading" out &&
	test "$(lab_docker 1 inspect kamal-proxy --format "{{.Id}}")" = "$id"
'

test_expect_success 'reboot without -y and without a terminal refuses, and says how' '
	test_must_fail berth proxy reboot </dev/null 2>err &&
	test_grep "give -y" err
'

test_expect_success 'three reboots under load: not one request fails, the routes survive' '
	{ LOAD_HOST=$H1 LOAD_SLOW_PATH=/up $PYTHON_LOAD 80 60 "$TRASH/stop" --retry-reused >load.out & } &&
	load=$! &&
	sleep 1 &&
	for i in 1 2 3; do berth proxy reboot -y -q || exit 1; done &&
	touch "$TRASH/stop" && wait $load &&
	cat load.out &&
	grep -q " fail=0 " load.out &&
	test "$(curl -s http://$H1/)" = web-on-lab1 &&
	lab_docker 1 ps -a --format "{{.Names}}" | sort >names &&
	printf "berth-proxy-net\nkamal-proxy\nweb\n" | test_cmp - names
'

test_expect_success 'rolling reboot: one host after the other, the hooks told which' '
	mkdir -p .kamal/hooks &&
	printf "#!/bin/sh\necho \"\$KAMAL_HOSTS\" >>%s/reboots\n" "$PWD" >.kamal/hooks/pre-proxy-reboot &&
	chmod +x .kamal/hooks/pre-proxy-reboot &&
	berth proxy reboot -y --rolling >out &&
	printf "%s\n%s\n" "$H1" "$H2" | test_cmp - reboots &&
	rm .kamal/hooks/pre-proxy-reboot
'

test_expect_success 'a newer berth-proxy build: boot upgrades the proxy, under load, with no failure' '
	$PYTHON "$TOP/tests/lab/retag.py" "$BERTH_PROXY_IMAGE" newer.tar >/dev/null &&
	old=$(lab_docker 1 inspect kamal-proxy --format "{{.Image}}") &&
	{ LOAD_HOST=$H1 LOAD_SLOW_PATH=/up $PYTHON_LOAD 80 60 "$TRASH/stop2" --retry-reused >load2.out & } &&
	load=$! &&
	sleep 1 &&
	BERTH_PROXY_IMAGE=$PWD/newer.tar berth proxy boot >out &&
	touch "$TRASH/stop2" && wait $load &&
	cat out load2.out &&
	test_grep "$H1  upgrading berth-proxy, with no gap" out &&
	test "$(lab_docker 1 inspect kamal-proxy --format "{{.Image}}")" != "$old" &&
	grep -q " fail=0 " load2.out
'

test_expect_success 'the proxy comes back by itself after its host reboots' '
	lab host-down 2 >/dev/null && lab host-up 2 >/dev/null &&
	for _ in $(seq 150); do
		test "$(curl -s -m 2 http://$H2/)" = web-on-lab2 && break
		sleep 0.2
	done &&
	test "$(curl -s -m 2 http://$H2/)" = web-on-lab2
'

test_expect_success 'a proxy Kamal booted moves into the holder on the first reboot' '
	lab_docker 2 rm -f kamal-proxy berth-proxy-net >/dev/null &&
	lab_docker 2 run --name kamal-proxy --network kamal --detach --restart unless-stopped \
		--volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy \
		--publish 80:80 --publish 443:443 berth-proxy:v0.9.2 >/dev/null &&
	berth -h $H2 proxy boot >out &&
	! held 2 &&
	berth -h $H2 proxy reboot -y >out &&
	test_grep "moving the proxy into berth.s port holder" out &&
	held 2 &&
	test "$(curl -s http://$H2/)" = web-on-lab2
'

test_expect_success 'stop closes the ports (the holder stops too), start opens them, restart keeps them' '
	berth proxy stop >/dev/null &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -m 2 http://$H1/)" = 000 &&
	lab_docker 1 ps --format "{{.Names}}" >names && ! grep -q "proxy" names &&
	berth proxy start >/dev/null &&
	test "$(curl -s -m 2 http://$H1/)" = web-on-lab1 &&
	berth proxy restart >/dev/null &&
	test "$(curl -s -m 2 http://$H1/)" = web-on-lab1
'

test_expect_success 'details and logs come from every host' '
	berth proxy details >out &&
	test_grep "^Proxy Host: $H1" out && test_grep "^Proxy Host: $H2" out &&
	berth proxy logs --lines 5 >out &&
	test_grep "^Proxy Host: $H2" out
'

test_expect_success 'logs -f follows every host at once, each line marked with its host' '
	berth proxy logs -f >follow 2>&1 &
	pid=$! &&
	sleep 2 &&
	curl -s http://$H1/ >/dev/null && curl -s http://$H2/ >/dev/null &&
	sleep 1 &&
	kill -INT $pid && { wait $pid || true; } &&
	test_grep "^$H1  .*\"host\":\"$H1\"" follow &&
	test_grep "^$H2  .*\"host\":\"$H2\"" follow
'

test_expect_success 'remove takes the proxy, the holder and the image off every host' '
	berth proxy remove >out &&
	for n in 1 2; do
		! lab_docker $n ps -a --format "{{.Names}}" | grep -q -e kamal-proxy -e berth-proxy-net &&
		! lab_docker $n images --format "{{.Repository}}" | grep -q berth-proxy &&
		! lab_ssh $n test -d .kamal/proxy || return 1
	done &&
	test "$(curl -s -o /dev/null -w "%{http_code}" -m 2 http://$H1/)" = 000
'

for n in 1 2; do lab_docker $n rm -f web >/dev/null 2>&1; done
test_done
