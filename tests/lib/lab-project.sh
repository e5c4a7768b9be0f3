# lab-project.sh - a berth project aimed at the lab (source after
# tests/lab/lib.sh and lab_require).
#
#   lab_project DIR [YAML]   writes DIR/config/deploy.yml for service
#                            "shop" with web on hosts 1 and 2 and job on
#                            host 3 (or the servers: YAML given), the
#                            lab's registry, ssh config and a
#                            .kamal/secrets holding the registry password,
#                            then commits it all (berth takes the version
#                            from git)
#   berth_proxy_image        prints the berth-proxy archive the tests use
#                            (built from the plain build if missing)

lab_project() {
	dir=$1
	servers=${2:-"servers:
  web:
    - $(lab_host 1)
    - $(lab_host 2)
  job:
    hosts:
      - $(lab_host 3)
    cmd: sleep 600"}
	mkdir -p "$dir/config" "$dir/.kamal" &&
	cat >"$dir/config/deploy.yml" <<EOF_CONFIG &&
service: shop
image: shop/app
$servers
registry:
  server: $LAB_REGISTRY
  username: $LAB_REGISTRY_USER
  password:
    - KAMAL_REGISTRY_PASSWORD
ssh:
  config: $LAB_SSH_CONFIG
builder:
  arch: amd64
EOF_CONFIG
	printf 'KAMAL_REGISTRY_PASSWORD=%s\n' "$(cat "$LAB_REGISTRY_PASSWORD_FILE")" >"$dir/.kamal/secrets" &&
	(cd "$dir" && git init -q && git config user.name Tester &&
		git config user.email tester@example.com && git add -A && git commit -qm project)
}

berth_proxy_image() {
	img=$TOP/build/proxy-image/berth-proxy.tar
	[ -f "$img" ] || make -s -C "$TOP" B=build proxy-image DOCKER= >/dev/null 2>&1
	echo "$img"
}
