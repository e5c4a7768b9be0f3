#!/bin/sh
# Every command's help lists every option it takes: the test walks the
# command table (berth help --commands) and, for each command and verb,
# the option table its parser reads (berth help --options).
. "$TOP/tests/lib/test-lib.sh"

test_expect_success 'the table lists the commands of this build' '
	berth help --commands >commands &&
	test_grep "^lock acquire$" commands &&
	test_grep "^proxy reboot$" commands &&
	test_grep "^config$" commands &&
	test $(wc -l <commands) -gt 30
'

test_expect_success 'every command and verb answers --help with its usage and each option' '
	while read -r cmd verb; do
		berth $cmd $verb --help >help.out 2>&1 ||
			{ echo "$cmd $verb --help failed"; cat help.out; exit 1; }
		grep -q "^Usage:" help.out || { echo "$cmd $verb: no usage"; cat help.out; exit 1; }
		berth help --options $cmd $verb >opts || exit 1
		while read -r opt; do
			case "$opt" in "(own parser)") continue ;; esac
			grep -q -e "--$opt" help.out ||
				{ echo "$cmd $verb --help does not list --$opt:"; cat help.out; exit 1; }
		done <opts
	done <commands
'

test_expect_success 'an option no table has is refused, naming it, for every verb the table parses' '
	while read -r cmd verb; do
		berth help --options $cmd $verb >opts || exit 1
		grep -q "(own parser)" opts && continue
		test_expect_code 2 berth $cmd $verb --no-such-option >out 2>&1 ||
			{ echo "$cmd $verb took --no-such-option:"; cat out; exit 1; }
		grep -q "unknown option .--no-such-option." out ||
			{ echo "$cmd $verb: unclear refusal:"; cat out; exit 1; }
	done <commands
'

test_expect_success 'options of each kind parse as Thor parses them' '
	mkdir proj && cd proj && mkdir config &&
	printf "service: s\nimage: i\nservers: [1.2.3.4]\nregistry: {server: localhost:5555}\nbuilder: {arch: amd64}\n" >config/deploy.yml &&
	VERSION=v1 berth config --json >out && test_grep "\"service_with_version\"" out &&
	VERSION=v1 berth config --no-json >out && ! grep -q "^{" out &&
	test_expect_code 2 berth config --json=yes 2>err &&
	test_grep "takes no value" err &&
	test_expect_code 2 berth lock acquire -m 2>err &&
	test_grep "no value provided for option .-m." err
'

test_done
