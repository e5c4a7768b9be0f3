#!/bin/sh
# Runs every fuzz harness in build-fuzz/ for FUZZ_SECONDS on a scratch copy
# of its seed corpus (fuzz/corpus/<name without "fuzz-">/), as TAP. A crash,
# leak or timeout fails that harness; its reproducer stays in build-fuzz/.
# Writes "passed failed skipped" to build-fuzz/test-counts.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
n=0 p=0 f=0
mkdir -p build-fuzz
for bin in build-fuzz/fuzz-*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	seeds=fuzz/corpus/${name#fuzz-}
	work=build-fuzz/work-$name
	rm -rf "$work" && mkdir -p "$work"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	n=$((n + 1))
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/"$name"- "$work" >build-fuzz/"$name".log 2>&1; then
		echo "ok $n - $name ($(grep -c . "$work"/* 2>/dev/null | wc -l) inputs, ${secs}s)"
		p=$((p + 1))
	else
		echo "not ok $n - $name: see build-fuzz/$name.log"
		tail -n 20 build-fuzz/"$name".log | sed 's/^/#   /'
		f=$((f + 1))
	fi
done
echo "1..$n"
echo "$p $f 0" >build-fuzz/test-counts
echo "fuzz: $p passed, $f failed"
[ "$f" -eq 0 ]
