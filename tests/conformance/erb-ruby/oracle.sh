#!/bin/sh
# Writes CASE/expected/ for each case here (or the cases named) from Kamal
# 2.12 itself, run as tests/t/t1001-erb-ruby.sh runs berth:
#
#   KAMAL_RUN_DIR=/tmp/kamal-oracle sh tests/conformance/erb-ruby/oracle.sh [CASE...]
#
# KAMAL_RUN_DIR is the scratch folder ../shared/kamal-oracle/setup.sh made.
# For each run (base, and -d DEST for each config/deploy.DEST.yml) it
# writes DEST.rc, DEST.out (colours removed) and DEST.err when Kamal wrote
# to stderr. The DEST.berth files (what berth must say when Kamal rejects)
# are written by hand; this script never touches them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
kamal=$here/../../../../shared/kamal-oracle/kamal
: "${KAMAL_RUN_DIR:?set KAMAL_RUN_DIR (see ../shared/kamal-oracle/README.md)}"
[ -x "$kamal" ] || kamal=${KAMAL_ORACLE:?set KAMAL_ORACLE to the kamal wrapper}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/stubs" "$scratch/home"
for cmd in op aws sops gh bw lpass doppler gcloud; do
	printf '#!/bin/sh\necho stub-secret\n' >"$scratch/stubs/$cmd"
	chmod +x "$scratch/stubs/$cmd"
done
[ $# -gt 0 ] || set -- $(cd "$here" && ls -d */ | tr -d /)
for name; do
	case=$here/$name
	work=$scratch/work/$name
	rm -rf "$work" && mkdir -p "$work" "$case/expected"
	(cd "$case" && tar cf - --exclude=expected --exclude=environment .) | (cd "$work" && tar xf -)
	vars=
	[ -f "$case/environment" ] && vars=$(grep = "$case/environment")
	for dest in base $(cd "$work/config" && ls deploy.*.yml 2>/dev/null | sed 's/^deploy\.\(.*\)\.yml$/\1/'); do
		set -- --version=expected
		[ "$dest" = base ] || set -- "$@" -d "$dest"
		(
			cd "$work" &&
			IFS='
'
			# shellcheck disable=SC2086 # one NAME=value word per line
			exec env -i HOME="$scratch/home" USER=root PATH="$scratch/stubs:/usr/bin:/bin" \
				KAMAL_REGISTRY_PASSWORD=x RAILS_MASTER_KEY=x KAMAL_RUN_DIR="$KAMAL_RUN_DIR" $vars \
				timeout 60 "$kamal" config "$@"
		) >"$scratch/out" 2>"$scratch/err"
		echo $? >"$case/expected/$dest.rc"
		sed 's/\x1b\[[0-9;]*m//g' "$scratch/out" >"$case/expected/$dest.out"
		if [ -s "$scratch/err" ]; then
			sed 's/\x1b\[[0-9;]*m//g' "$scratch/err" >"$case/expected/$dest.err"
		else
			rm -f "$case/expected/$dest.err"
		fi
		echo "$name $dest: $(cat "$case/expected/$dest.rc")"
	done
done
