#!/bin/sh
# t1002: what real configs do that berth does not do yet (found by
# tests/conformance/wild/, see its README.md): Time.now, String#[] with a
# regexp, String#delete_prefix, comment lines inside a <% %> block, a
# method defined in ERB, require of a computed path, and Kamal's order of
# errors (unknown keys before wrong-typed values).
#
# The cases in tests/conformance/erb-todo/ are laid out as
# tests/conformance/erb-ruby/'s (self-written, Kamal's answers from
# ../erb-ruby/oracle.sh). Each check is a known breakage: when berth does it,
# the check reports "known breakage vanished" and the case moves to
# erb-ruby/, where t1001 holds berth to it.
. "$TOP/tests/lib/test-lib.sh"

. "$TOP/tests/lib/erb-cases.sh"

erb_cases "$TOP/tests/conformance/erb-todo" test_expect_failure
echo "# trash: $TRASH"; test_done
