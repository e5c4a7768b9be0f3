#!/bin/sh
# Installs s3rver (a loopback S3-compatible server for the db restore tests)
# into tests/db/node_modules, which is gitignored. Run from the repository root.
set -eu
dir=tests/db
if [ -f "$dir/node_modules/s3rver/package.json" ]; then
	echo "db.sh: s3rver is installed"
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
cd "$dir"
# Offline or a registry hiccup must not fail the whole install: the S3 test
# skips itself without s3rver.
npm install --no-audit --no-fund --no-save --silent --prefix . s3rver@3.7.1 ||
	echo "db.sh: npm install s3rver failed; the S3 test (t6001) will be skipped" >&2
