#!/bin/sh
# aliases: in the config expand to their command line, extra words appended.
. "$TOP/tests/lib/test-lib.sh"

write_config() {
	mkdir -p config &&
	cat >config/deploy.yml <<-YML
	service: app
	image: app
	servers:
	  - 192.0.2.1
	registry:
	  server: localhost:5555
	builder:
	  arch: amd64
	aliases:
	$1
	YML
}

test_expect_success 'an alias runs its expansion' '
	write_config "  cfg: config --version=fromalias" &&
	berth cfg >out &&
	test_grep "^version: fromalias" out
'

test_expect_success 'words after an alias are appended to its expansion' '
	write_config "  cfg: config --version=fromalias" &&
	berth cfg --json >out &&
	test_grep "\"version\":[[:space:]]*\"fromalias\"" out
'

test_expect_success 'global options before an alias still apply' '
	write_config "  cfg: config" &&
	berth --version=outer cfg >out &&
	test_grep "^version: outer" out
'

test_expect_success 'an alias expanding to an unimplemented command says so' '
	write_config "  moveup: upgrade" &&
	test_expect_code 2 berth moveup 2>err &&
	test_grep "not implemented" err
'

test_expect_success 'an alias may not shadow a built-in command' '
	write_config "  deploy: config" &&
	test_must_fail berth config --version=x 2>err &&
	test_grep "deploy" err &&
	test_grep "built-in" err
'

test_expect_success 'an alias name must be lowercase letters, digits, - and _' '
	write_config "  Bad!: config" &&
	test_must_fail berth config --version=x 2>err &&
	test_grep "Invalid alias name" err
'

test_expect_success 'an empty --version is refused before anything runs' '
	write_config "  cfg: config" &&
	test_must_fail berth config --version= 2>err &&
	test_grep "version needs a value" err &&
	test_must_fail berth cfg --version= 2>err &&
	test_grep "version needs a value" err
'

test_expect_success 'an unknown word with no alias is still an error' '
	write_config "  cfg: config" &&
	test_must_fail berth nope 2>err &&
	test_grep "not a berth command" err
'

test_done
