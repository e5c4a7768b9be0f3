#!/bin/sh
# accessory's refusals, before anything connects (the hosts here do not
# exist, and no ssh may start): an unknown accessory names the ones there
# are; remove asks first, and with nobody to ask changes nothing.
. "$TOP/tests/lib/test-lib.sh"

test_expect_success 'a project with two accessories whose hosts cannot be reached' '
	git init -q . && mkdir config &&
	printf "service: s\nimage: i\nservers: [192.0.2.1]\nregistry: {server: localhost:5555}\nbuilder: {arch: amd64}\naccessories:\n  db: {image: postgres, host: 192.0.2.2}\n  cache: {image: valkey, host: 192.0.2.2}\n" >config/deploy.yml &&
	mkdir bin && printf "#!/bin/sh\necho ssh-was-run >>\"$PWD/ssh.log\"\nexit 255\n" >bin/ssh &&
	chmod +x bin/ssh
'

refused() {
	PATH="$PWD/bin:$PATH" VERSION=v1 test_must_fail berth "$@" </dev/null >out 2>err &&
	! test -e ssh.log
}

test_expect_success 'an unknown accessory is refused, naming the ones there are' '
	refused accessory boot dbb &&
	test_grep "No accessory by the name of .dbb. (options: db and cache)" err &&
	refused accessory logs nope && test_grep "No accessory by the name of .nope." err
'

test_expect_success 'remove without -y and no terminal to ask changes nothing' '
	refused accessory remove db &&
	test_grep "Nobody to ask" err
'

test_expect_success 'upgrade without -y and no terminal to ask changes nothing' '
	refused accessory upgrade all &&
	test_grep "Nobody to ask" err &&
	refused accessory upgrade nope -y && test_grep "No accessory by the name of .nope." err
'

test_expect_success 'exec --raw cannot be interactive, and exec needs a command' '
	refused accessory exec db --raw -i psql &&
	test_grep "Raw is not compatible with interactive" err &&
	refused accessory exec db
'

test_expect_success 'the verbs Kamal hides are left out of the help, and answer --help' '
	berth accessory help >out &&
	test_grep "accessory boot NAME" out &&
	test_grep "accessory upgrade" out &&
	! grep -q remove_container out &&
	berth accessory remove_container --help >out &&
	test_grep "Usage:" out
'

test_done
