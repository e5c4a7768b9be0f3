#!/bin/bash
# images.sh - the images the tests need, without Docker Hub: built from
# files on this machine, loaded into the lab's local daemon, and pushed to
# the lab's hub (the hosts' Docker Hub mirror, so `docker pull busybox`
# works on a host as it does on a connected machine).
#
#   busybox:latest   Debian's busybox-static with every applet linked: a
#                    shell for docker exec, healthchecks and accessories
#   registry:3       Debian's docker-registry (distribution) with the
#                    image's usual config: Kamal's local-registry mode
#                    (docker run -d -p 127.0.0.1:5555:5000 registry:3)
#                    works unchanged; registry:2 is the same image
#
# Each image is a docker-archive written here (one layer, owners and times
# fixed, so the same files give the same image ID) and loaded with docker
# load; an image the daemon already has with the recorded ID is skipped.
# Run by `lab.sh up`; LAB_DIR and LAB_SUBNET as for lab.sh.
set -euo pipefail
LAB_DIR=${LAB_DIR:-/var/tmp/berth-lab}
LAB_SUBNET=${LAB_SUBNET:-10.77.0}
HUB=$LAB_SUBNET.1:5001
SOCK=$LAB_DIR/local/docker.sock
export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$LAB_DIR/local/client
W=$LAB_DIR/images

die() { echo "images: $*" >&2; exit 1; }
# Nothing is written where no lab is: a stray folder would stop `up` later.
[ -f "$LAB_DIR/.berth-lab" ] || die "no lab in $LAB_DIR (lab.sh up makes one)"
mkdir -p "$W"

image_id() { # TAG: the local daemon's ID for TAG, or nothing
	curl -s --max-time 5 --unix-socket "$SOCK" "http://d/images/$1/json" |
		sed -n 's/^{"Id":"\([^"]*\)".*/\1/p'
}

# archive NAME CONFIG-JSON TAG...: $W/NAME/rootfs -> $W/NAME.tar, and its
# image ID in $W/NAME.tar.id.
archive() {
	local name=$1 config=$2 layer cfg tags="" t
	local d=$W/$name
	shift 2
	tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 \
		-C "$d/rootfs" -cf "$d/layer.tar" .
	layer=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	rm -rf "$d/archive" && mkdir -p "$d/archive/$layer"
	mv "$d/layer.tar" "$d/archive/$layer/layer.tar"
	printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"berth tests/lab/images.sh"}]}' \
		"$config" "$layer" >"$d/archive/config.json"
	cfg=$(sha256sum "$d/archive/config.json" | cut -d' ' -f1)
	mv "$d/archive/config.json" "$d/archive/$cfg.json"
	for t in "$@"; do tags="$tags${tags:+,}\"$t\""; done
	printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar"]}]\n' "$cfg" "$tags" "$layer" \
		>"$d/archive/manifest.json"
	tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C "$d/archive" -cf "$d.tar.tmp" .
	rm -rf "$d/archive" "$d/rootfs"
	echo "sha256:$cfg" >"$d.tar.id"
	mv "$d.tar.tmp" "$d.tar"
}

# ensure NAME TAG: the daemon has TAG as NAME_archive builds it. The ID of
# what was loaded is recorded; an image with that ID is not loaded again.
ensure() {
	[ -s "$W/$1.id" ] && [ "$(image_id "$2")" = "$(cat "$W/$1.id")" ] && return 0
	[ -f "$W/$1.tar" ] || "$1_archive"
	docker load -q -i "$W/$1.tar" >/dev/null
	mv "$W/$1.tar.id" "$W/$1.id"
	rm -f "$W/$1.tar"
}

etc_files() { # ROOTFS SHELL
	mkdir -p "$1/etc" "$1/tmp" "$1/root"
	chmod 1777 "$1/tmp"
	chmod 700 "$1/root"
	printf 'root:x:0:0:root:/root:%s\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' "$2" >"$1/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
}

busybox_archive() {
	local r=$W/busybox/rootfs
	[ -x /bin/busybox ] || die "no /bin/busybox (apt install busybox-static)"
	rm -rf "$W/busybox" && mkdir -p "$r/bin" "$r/usr/bin"
	cp /bin/busybox "$r/usr/bin/busybox"
	ln "$r/usr/bin/busybox" "$r/bin/busybox"
	# One link per applet in /bin, pointing at /usr/bin/busybox (the path
	# --install records on a merged-/usr system); one process, not 270.
	/bin/busybox --install -s "$r/bin"
	etc_files "$r" /bin/sh
	archive busybox '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' \
		busybox:latest
}

registry_archive() {
	local r=$W/registry/rootfs so bin
	bin=$(command -v docker-registry) || die "no docker-registry (apt install docker-registry)"
	rm -rf "$W/registry" && mkdir -p "$r/bin" "$r/etc/distribution" "$r/etc/docker/registry" "$r/var/lib/registry"
	cp "$bin" "$r/bin/registry"
	for so in $(ldd "$bin" | grep -o '/[^ ]*' | sort -u); do
		mkdir -p "$r${so%/*}"
		cp -L "$so" "$r$so"
	done
	etc_files "$r" /nonexistent
	cat >"$r/etc/distribution/config.yml" <<-'EOF'
	version: 0.1
	log:
	  fields:
	    service: registry
	storage:
	  cache:
	    blobdescriptor: inmemory
	  filesystem:
	    rootdirectory: /var/lib/registry
	  delete:
	    enabled: true
	http:
	  addr: :5000
	  headers:
	    X-Content-Type-Options: [nosniff]
	health:
	  storagedriver:
	    enabled: true
	    interval: 10s
	    threshold: 3
	EOF
	cp "$r/etc/distribution/config.yml" "$r/etc/docker/registry/config.yml"
	archive registry '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":["/bin/registry","serve"],"Cmd":["/etc/distribution/config.yml"],"ExposedPorts":{"5000/tcp":{}},"Volumes":{"/var/lib/registry":{}}}' \
		registry:3 registry:2
}

# push_hub TAG: the hub serves it as docker.io's library/TAG would.
push_hub() {
	local name=${1%%:*} tag=${1#*:}
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$HUB/v2/library/$name/manifests/$tag")" = 200 ] && return 0
	docker tag "$1" "$HUB/library/$1"
	docker push -q "$HUB/library/$1" >/dev/null
	docker rmi "$HUB/library/$1" >/dev/null
}

# `lab.sh up` starts this while the daemons are still starting.
wait_ok() { # WHAT CMD...
	local what=$1 end=$((SECONDS + ${LAB_TIMEOUT:-60}))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || die "$what: no answer (is the lab up?)"
		sleep 0.05
	done
}
ping_local() { [ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://d/_ping)" = OK ]; }
ping_hub() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HUB/v2/")" = 200 ]; }
# On a new lab the archives are built while the daemon starts.
for name in busybox registry; do
	[ -s "$W/$name.id" ] || [ -f "$W/$name.tar" ] || "${name}_archive"
done
wait_ok "the local daemon" ping_local
ensure busybox busybox:latest
ensure registry registry:3
wait_ok "the hub" ping_hub
push_hub busybox:latest
