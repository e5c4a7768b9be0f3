#!/bin/sh
# bench/run.sh - runs every bench/*/run.sh in turn (make bench).
# Each prints its own table with ratios against peers measured in the same
# run; a failing benchmark is reported and the others still run.
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here"/*/run.sh; do
	[ -f "$b" ] || continue
	echo "### $(basename "$(dirname "$b")")"
	bash "$b" || { echo "### $(basename "$(dirname "$b")") failed"; rc=1; }
done
exit $rc
