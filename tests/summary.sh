#!/bin/sh
# Adds up the counts that each suite of `make check` wrote, prints the
# closing line, and fails if any suite failed or did not run at all.
passed=0 failed=0 skipped=0
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "# suite did not finish: $f"
		failed=$((failed + 1))
		continue
	fi
	read p fl s <"$f"
	# Each failed test once more (run.sh keeps them beside the counts), so
	# that the last lines of a long log say what failed and where.
	[ -s "${f%/*}/test-failures" ] && sed "s|^|# ${f%/*}: |" "${f%/*}/test-failures"
	passed=$((passed + p)); failed=$((failed + fl)); skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
