#!/bin/sh
# app exec's option rules, as Kamal's: refused with Kamal's message before
# anything connects (the hosts here do not exist, and no ssh may start).
. "$TOP/tests/lib/test-lib.sh"

test_expect_success 'a project whose hosts cannot be reached' '
	git init -q . && mkdir config &&
	printf "service: s\nimage: i\nservers: [192.0.2.1]\nregistry: {server: localhost:5555}\nbuilder: {arch: amd64}\n" >config/deploy.yml &&
	mkdir bin && printf "#!/bin/sh\necho ssh-was-run >>\"$PWD/ssh.log\"\nexit 255\n" >bin/ssh &&
	chmod +x bin/ssh
'

refused() {
	PATH="$PWD/bin:$PATH" VERSION=v1 test_must_fail berth "$@" >out 2>err &&
	! test -e ssh.log
}

test_expect_success 'detach with interactive or reuse is refused' '
	refused app exec --detach -i ls && test_grep "Detach is not compatible with interactive$" err &&
	refused app exec --detach --reuse ls && test_grep "Detach is not compatible with reuse$" err &&
	refused app exec --detach -i --reuse ls &&
	test_grep "Detach is not compatible with interactive or reuse" err
'

test_expect_success 'raw with interactive or detach is refused' '
	refused app exec --raw -i ls && test_grep "Raw is not compatible with interactive$" err &&
	refused app exec --raw --detach ls && test_grep "Raw is not compatible with detach$" err
'

test_expect_success 'exec needs a command' '
	refused app exec && test_grep "No command provided. You must specify a command to execute." err &&
	refused app exec -e A:1 && test_grep "No command provided" err
'

test_expect_success '-e takes the KEY:VALUE words after it, and leaves the command' '
	PATH="$PWD/bin:$PATH" VERSION=v1 berth app exec --dry-run -e A:1 B:two:parts "ls -l" >out 2>err &&
	test_grep "CAPTURE docker run --rm --name s-web-exec-latest-[0-9a-f]\{6\} --network kamal .*--env A=\"1\" --env B=\"two:parts\" .*/i:latest ls -l$" out &&
	! test -e ssh.log
'

test_expect_success '-e with a word that is not KEY:VALUE is refused' '
	refused app exec -e=nocolon ls && test_grep "takes KEY:VALUE" err
'

test_expect_success 'the hidden verbs run but stay out of the group help' '
	berth app help >help &&
	test_grep "app exec" help &&
	! grep -q remove_container help &&
	berth help --commands >commands &&
	test_grep "^app remove_container$" commands
'

test_done
