#!/bin/sh
# Runs every unit test binary and every shell test, each speaking TAP, and
# ends with "N passed, N failed, N skipped". Counts are also written to
# $BUILD_DIR/test-counts for the overall summary of `make check`.
#
#   BUILD_DIR   where the programs and unit-test binaries are (required)
#   TESTS       optional space-separated filter of test names (t1000 test-strbuf)
set -u
: "${BUILD_DIR:?set BUILD_DIR}"
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
passed=0 failed=0 skipped=0
failures=""
export BUILD_DIR TOP="$top" PATH="$BUILD_DIR:$PATH"

wanted() {
	[ -z "${TESTS:-}" ] && return 0
	for w in $TESTS; do case "$1" in *"$w"*) return 0 ;; esac; done
	return 1
}

# Reads TAP on stdin, echoes it, and updates the counters via a temp file.
tally() {
	name=$1
	awk -v name="$name" '
		/^ok / { if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++; else p++; print; next }
		/^not ok / { if ($0 ~ /# *TODO/) { p++; print; next } f++; print "FAIL " name ": " $0; next }
		{ print }
		END { printf "%d %d %d\n", p+0, f+0, s+0 > "/dev/stderr" }
	'
}


tmp=$(mktemp -d)
# The multi-host lab (tests/lab) is shared by the scripts of a run, which
# lease it; at the end the run takes down a lab it brought up.
export LAB_RUN_DIR="$tmp" LAB_RUN_PID=$$
trap 'sh "$here/lab/run-end.sh"; rm -rf "$tmp"' EXIT

run_suite() {
	name=$1; shift
	wanted "$name" || return 0
	echo "# --- $name"
	start=$(date +%s%N)
	# A hung test must not hang CI: each suite gets TEST_TIMEOUT seconds.
	timeout -k 10 "${TEST_TIMEOUT:-900}" "$@" >"$tmp/out" 2>&1 </dev/null
	rc=$?
	# Each suite's wall time, to see where a run's minutes go.
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	secs=$(printf '%d.%d' $((secs / 1000)) $((secs % 1000 / 100)))
	echo "$name $secs" >>"$BUILD_DIR/test-times"
	[ "$rc" -eq 124 ] && echo "not ok - $name timed out after ${TEST_TIMEOUT:-900}s" >>"$tmp/out"
	tally "$name" <"$tmp/out" 2>"$tmp/counts" | tee "$tmp/shown"
	# The failures again, for the summary at the very end of `make check`.
	awk '/^FAIL / { print; n = 6; next } n > 0 && /^#/ { print; n--; next } { n = 0 }' \
		"$tmp/shown" >>"$BUILD_DIR/test-failures"
	read p f s <"$tmp/counts"
	echo "# $name: $p passed, $f failed, $s skipped in $secs s"
	# A script that died before its plan counts as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $rc" | tee -a "$BUILD_DIR/test-failures"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures="$failures $name"
}

: >"$BUILD_DIR/test-failures"
: >"$BUILD_DIR/test-times"
for bin in "$BUILD_DIR"/tests/test-*; do
	[ -x "$bin" ] || continue
	run_suite "$(basename "$bin")" "$bin"
done
for t in "$here"/t/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_suite "$(basename "$t" .sh)" sh "$t"
done

echo "$passed $failed $skipped" >"$BUILD_DIR/test-counts"
sort -k2 -rn "$BUILD_DIR/test-times" | head -n 5 | sed 's/^/# slowest: /; s/$/ s/'
[ -n "$failures" ] && echo "# failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
