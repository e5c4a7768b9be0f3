#!/bin/sh
# t0002: the harness itself. A test body fails as soon as any command in it
# fails, under dash and under bash; the ways of expecting a failure work.
. "$TOP/tests/lib/test-lib.sh"

# The TAP lines a script with these bodies prints, run by shell $1.
run_bodies() {
	cat >bodies.sh <<-\EOF
	. "$TOP/tests/lib/test-lib.sh"
	test_expect_success 'false then true' 'false; true'
	test_expect_success 'a failing test_grep mid-body' '
		echo a >f
		test_grep b f
		true
	'
	test_expect_success 'cmd || true' 'false || true; true'
	test_expect_success '! cmd' '! false; true'
	test_expect_success 'test_must_fail cmd' 'test_must_fail false; true'
	test_expect_success 'if' 'if false; then exit 1; fi; true'
	test_expect_success 'an && chain' 'true && true'
	test_expect_success 'a broken && chain' 'true && false'
	test_expect_failure 'a known breakage' 'false'
	test_expect_success 'test_expect_code, the code given' 'test_expect_code 3 sh -c "exit 3"; true'
	test_expect_success 'test_expect_code, another code' 'test_expect_code 3 sh -c "exit 4"; true'
	test_done
	EOF
	# its trash directories go inside ours
	mkdir -p tmp &&
	TMPDIR="$TRASH/tmp" "$1" bodies.sh | grep "^ok\|^not ok" >tap.$1 || :
}

expected_tap() {
	cat <<-\EOF
	not ok 1 - false then true
	not ok 2 - a failing test_grep mid-body
	ok 3 - cmd || true
	ok 4 - ! cmd
	ok 5 - test_must_fail cmd
	ok 6 - if
	ok 7 - an && chain
	not ok 8 - a broken && chain
	not ok 9 - a known breakage # TODO known breakage
	ok 10 - test_expect_code, the code given
	not ok 11 - test_expect_code, another code
	EOF
}

for shell in dash bash; do
	if command -v $shell >/dev/null; then
		test_expect_success "$shell: a failing command anywhere fails the test" "
			run_bodies $shell &&
			expected_tap >expect &&
			test_cmp expect tap.$shell
		"
	else
		test_skip "$shell: a failing command anywhere fails the test" "no $shell"
	fi
done

test_done
