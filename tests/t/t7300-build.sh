#!/bin/sh
# The image's way to the hosts, on the lab: registry logins here and on
# each host (the password only ever on stdin), a build from a clean clone
# of HEAD with Debian's classic docker build, the push, the pull with
# Kamal's service label check, pruning, and Kamal's local registry mode,
# whose pulls go through ssh tunnels.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/lab/lib.sh"
. "$TOP/tests/lib/lab-project.sh"

lab_require 2
H1=$(lab_host 1) H2=$(lab_host 2)
DOCKER_HOST=$LAB_DOCKER_HOST
export DOCKER_HOST
PASSWORD=$(cat "$LAB_REGISTRY_PASSWORD_FILE")
lab_project app "servers:
  web:
    - $H1
    - $H2"
cd app
printf 'FROM busybox\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n' >Dockerfile
echo committed >index.html
git add -A && git commit -qm app
VERSION_SHA=$(git rev-parse HEAD)
docker rm -f kamal-docker-registry >/dev/null 2>&1
for n in 1 2; do
	lab_ssh $n rm -rf .kamal .docker
	for c in $(lab_docker $n ps -aq --filter label=service=shop); do lab_docker $n rm -f $c >/dev/null; done
done

tags() {
	curl -s -u "$LAB_REGISTRY_USER:$PASSWORD" "http://$LAB_REGISTRY/v2/shop/app/tags/list"
}

test_expect_success 'registry login logs in here and on every host' '
	berth registry login >out &&
	for n in 1 2; do
		lab_ssh $n cat .docker/config.json >auth.$n &&
		test_grep "\"$LAB_REGISTRY\"" auth.$n || return 1
	done &&
	test_grep "\"$LAB_REGISTRY\"" "$HOME/.docker/config.json"
'

test_expect_success 'a wrong password: the registry refuses, the error says where, the password shows nowhere' '
	printf "KAMAL_REGISTRY_PASSWORD=not-the-%s\n" "$PASSWORD" >.kamal/secrets &&
	rc=0 && { berth registry login -R >out 2>err || rc=$?; } &&
	printf "KAMAL_REGISTRY_PASSWORD=%s\n" "$PASSWORD" >.kamal/secrets &&
	test "$rc" = 1 &&
	test_grep "docker login $LAB_REGISTRY -u \[REDACTED\] --password-stdin. exited with status 1" err &&
	test_grep "401 Unauthorized" err &&
	! grep -q "not-the-" out err
'

test_expect_success 'build push builds HEAD (not the working tree) with the classic builder, and pushes both tags' '
	echo uncommitted >index.html &&
	berth build push >out 2>err &&
	test_grep "classic .docker build" out &&
	test_grep "uncommitted changes are left out" err &&
	tags >tags &&
	test_grep "\"$VERSION_SHA\"" tags && test_grep "\"latest\"" tags &&
	docker run --rm "$LAB_REGISTRY/shop/app:$VERSION_SHA" cat /www/index.html >content &&
	echo committed | test_cmp - content &&
	docker image inspect "$LAB_REGISTRY/shop/app:$VERSION_SHA" --format "{{.Config.Labels.service}}" >label &&
	echo shop | test_cmp - label &&
	git checkout -q index.html
'

test_expect_success 'build pull puts the image on every host and records it' '
	berth build pull >out &&
	test_grep "$H1  pull" out && test_grep "$H2  pull" out &&
	for n in 1 2; do
		lab_docker $n image inspect "$LAB_REGISTRY/shop/app:$VERSION_SHA" >/dev/null &&
		lab_ssh $n grep -q "Pulled image with version $VERSION_SHA" .kamal/shop-audit.log || return 1
	done
'

test_expect_success 'an image without the service label is refused on pull, with Kamal'"'"'s message' '
	printf "FROM busybox\n" >Dockerfile.nolabel &&
	docker build -q -t "$LAB_REGISTRY/shop/app:nolabel" -f Dockerfile.nolabel . >/dev/null 2>&1 &&
	docker push -q "$LAB_REGISTRY/shop/app:nolabel" >/dev/null &&
	test_must_fail berth --version=nolabel build pull >out 2>err &&
	test_grep "missing the .service. label" err
'

test_expect_success 'build deliver is push and pull' '
	echo v2 >index.html && git commit -qam v2 &&
	berth build deliver >out &&
	lab_docker 2 image inspect "$LAB_REGISTRY/shop/app:$(git rev-parse HEAD)" >/dev/null
'

test_expect_success 'build details says which builder: the classic one here' '
	berth build details >out &&
	test_grep "classic docker build" out
'


# Docker itself says which files the context sends: the dev image's /app
# holds exactly the changed and untracked files the warning names.
test_expect_success 'build dev builds the working tree as -dirty, pushes nothing, and names what git lacks' '
	lab_project ../dev "servers: [$H1]" &&
	(
		cd ../dev &&
		printf "FROM busybox\nCOPY . /app\n" >Dockerfile &&
		printf "secret.env\nlogs\n!logs/keep.txt\n**/*.tmp\n" >.dockerignore &&
		echo one >a.txt && git add -A && git commit -qm dev &&
		echo two >>a.txt && echo new >new.txt && echo s >secret.env &&
		mkdir -p logs deep/er && echo k >logs/keep.txt && echo o >logs/other.txt &&
		echo t >deep/er/x.tmp && echo secret.env >.gitignore &&
		berth build dev >../dev.out 2>../dev.err &&
		docker run --rm "$LAB_REGISTRY/shop/app:$(git rev-parse HEAD)-dirty" \
			find /app -type f >../dev.files &&
		docker image inspect "$LAB_REGISTRY/shop/app:latest-dirty" >/dev/null
	) &&
	for f in a.txt new.txt logs/keep.txt .gitignore; do
		test_grep "^  $f\$" ../dev.err && test_grep "^/app/$f\$" ../dev.files || return 1
	done &&
	for f in secret.env logs/other.txt deep/er/x.tmp; do
		! grep -q "^  $f\$" ../dev.err && ! grep -q "^/app/$f\$" ../dev.files || return 1
	done &&
	test_grep "uncommitted changes will be in the dev image" ../dev.err &&
	test_grep "Successfully tagged" ../dev.out &&
	! tags | grep -q dirty
'
test_expect_success 'prune containers keeps the newest N stopped containers of the service' '
	for i in 1 2 3 4 5 6; do
		lab_docker 1 run --name shop-web-old$i --label service=shop busybox true >/dev/null || return 1
	done &&
	berth -h "$H1" prune containers --retain 2 >out &&
	lab_docker 1 ps -a --filter label=service=shop --format "{{.Names}}" | sort >left &&
	printf "shop-web-old5\nshop-web-old6\n" | test_cmp - left &&
	test_must_fail berth prune containers --retain 0 2>err &&
	test_grep "retain must be at least 1" err
'

test_expect_success 'prune images removes the service'"'"'s images no container uses' '
	lab_docker 1 run --name shop-web-keep "$LAB_REGISTRY/shop/app:$VERSION_SHA" true >/dev/null &&
	v2=$(git rev-parse HEAD~0) &&
	lab_docker 1 image inspect "$LAB_REGISTRY/shop/app:$v2" >/dev/null &&
	berth -h "$H1" prune images >out &&
	! lab_docker 1 image inspect "$LAB_REGISTRY/shop/app:$v2" >/dev/null 2>&1 &&
	lab_docker 1 image inspect "$LAB_REGISTRY/shop/app:$VERSION_SHA" >/dev/null
'

test_expect_success 'local registry (localhost:PORT): push here, hosts pull through ssh tunnels' '
	port=$((20000 + $$ % 10000)) &&
	sed -i "s|^  server: .*|  server: localhost:$port|; /^  username:/d; /^  password:/,/^    - /d" config/deploy.yml &&
	git commit -qam local-registry &&
	berth build push >out &&
	docker ps --filter name=kamal-docker-registry --format "{{.Ports}}" >ports &&
	test_grep "127.0.0.1:$port->5000" ports &&
	berth build pull >out &&
	test_grep "Setting up local registry port forwarding" out &&
	lab_docker 1 image inspect "localhost:$port/shop/app:$(git rev-parse HEAD)" >/dev/null &&
	! lab_ssh 1 "ss -ltn | grep -q :$port" &&
	berth registry remove >/dev/null &&
	! docker ps -a --format "{{.Names}}" | grep -q kamal-docker-registry
'

test_done
