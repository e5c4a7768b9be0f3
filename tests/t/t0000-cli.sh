#!/bin/sh
# The command line: help, version, the kamal name, global options, init.
. "$TOP/tests/lib/test-lib.sh"

test_expect_success 'help lists the implemented commands and global options' '
	berth help >out &&
	test_grep "berth config" out &&
	test_grep "berth init" out &&
	test_grep "Not implemented yet:.*upgrade" out &&
	test_grep "berth deploy" out &&
	test_grep "\-d, \[--destination=DESTINATION\]" out
'

test_expect_success 'no arguments prints help' '
	berth >out &&
	test_grep "^Commands:" out
'

test_expect_success 'invoked as kamal, berth speaks as kamal' '
	ln -s "$BUILD_DIR/berth" kamal &&
	./kamal help >out &&
	test_grep "kamal config" out &&
	! grep -q "berth config" out &&
	./kamal version >v &&
	test "$(cat v)" = "2.12.0"
'

test_expect_success 'version names berth and the Kamal release it follows' '
	berth version >out &&
	test_grep "^berth [0-9.]* (Kamal 2.12.0 compatible)" out
'

test_expect_success 'an unknown command is an error with a hint' '
	test_must_fail berth frobnicate 2>err &&
	test_grep "frobnicate. is not a berth command" err
'

test_expect_success 'a command not implemented yet says so and exits 2' '
	test_expect_code 2 berth upgrade 2>err &&
	test_grep "not implemented in this version of berth yet" err
'

test_expect_success 'global options are accepted anywhere, as Thor does' '
	berth -q init --help -d staging >out &&
	test_grep "Usage:" out
'

test_expect_success '--help on a command prints its usage' '
	berth config --help >out &&
	test_grep "berth config" out
'

test_expect_success 'init writes a starter config, secrets and hooks' '
	mkdir proj && cd proj &&
	berth init >out &&
	test_grep "Created configuration file in config/deploy.yml" out &&
	test -f config/deploy.yml &&
	test -f .kamal/secrets &&
	test -x .kamal/hooks/pre-deploy.sample &&
	test "$(stat -c %a .kamal/secrets)" = 600
'

test_expect_success 'init never overwrites existing files' '
	cd proj &&
	echo "service: mine" >config/deploy.yml &&
	echo "MINE=1" >.kamal/secrets &&
	berth init >out &&
	test_grep "already exists in config/deploy.yml" out &&
	test "$(cat config/deploy.yml)" = "service: mine" &&
	test "$(cat .kamal/secrets)" = "MINE=1"
'

test_done
