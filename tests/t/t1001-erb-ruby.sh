#!/bin/sh
# t1001: the Ruby that real configs' ERB calls - Dotenv, File, Dir, URI,
# ENV, require, ||=, modifiers - and the destination and accessory rules,
# each read as Kamal 2.12 reads them.
#
# Each case in tests/conformance/erb-ruby/ is a small project with
# Kamal's answers in expected/ (README.md there says how they were
# made). For every run Kamal was asked for, berth must accept exactly
# what Kamal accepted and print the same values; where Kamal refused,
# berth's first error line must contain the line in expected/DEST.berth
# (file, line and what is wrong, in Kamal's order of errors).
. "$TOP/tests/lib/test-lib.sh"

. "$TOP/tests/lib/erb-cases.sh"

erb_cases "$TOP/tests/conformance/erb-ruby" test_expect_success
echo "# trash: $TRASH"; test_done
