#!/bin/sh
# Installs, from Debian's packages, everything berth needs to build and to
# run its whole test suite. Safe to re-run: installs only what is missing.
#
# Each subsystem lists its packages in scripts/deps/<name>.packages (one per
# line, # comments) and may add scripts/deps/<name>.sh for steps apt cannot
# do (run after the packages are in, from the repository root).
set -eu
cd "$(dirname "$0")/.."
PKGS=$(cat scripts/deps/*.packages | sed 's/#.*//' | tr -s ' \n' '\n\n' | sort -u)
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
else
	echo "install-deps: all Debian packages are installed"
fi
for s in scripts/deps/*.sh; do
	[ -f "$s" ] || continue
	sh "$s"
done
