#!/bin/sh
# run-end.sh - tests/run.sh's last word on the lab (tests/lab/lib.sh): the
# labs this run brought up go down (a lab it found kept by `down --keep`
# is kept again), and the leases on labs it found up are released (those
# stay up). Reads LAB_RUN_DIR and LAB_RUN_PID; silent, and never fails.
[ -n "${LAB_RUN_DIR:-}" ] && [ -f "$LAB_RUN_DIR/lab-slots" ] || exit 0
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lab/lib.sh"
LAB_LEASE_OWNER=$(lab_owner)
export LAB_LEASE_OWNER
for slot in $(sort -u "$LAB_RUN_DIR/lab-slots"); do
	[ "$slot" = user ] || lab_slot "$slot"
	if [ -f "$LAB_RUN_DIR/lab-started.$slot" ]; then
		# shellcheck disable=SC2046 # the flag, or nothing
		lab down $(cat "$LAB_RUN_DIR/lab-started.$slot")
	else
		lab release "$LAB_LEASE_OWNER"
	fi
done >/dev/null 2>&1
exit 0
