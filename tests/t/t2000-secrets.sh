#!/bin/sh
# berth secrets print/fetch/extract, with fake vault CLIs on PATH.
. "$TOP/tests/lib/test-lib.sh"

PATH="$TOP/tests/fakes:$PATH"
FAKE_LOG="$TRASH/fake.log"
export PATH FAKE_LOG

test_expect_success 'print shows secrets-common then secrets, later keys win in place' '
	mkdir -p app/.kamal &&
	printf "SHARED=common\nA=from-common\n" >app/.kamal/secrets-common &&
	printf "# app secrets\nA=from-app\nB=\"x \$A y\" # note\nC=\$(echo run)\n" >app/.kamal/secrets &&
	(cd app && berth secrets print) >out &&
	printf "SHARED=common\nA=from-app\nB=x from-app y\nC=run\n" >expect &&
	test_cmp expect out
'

test_expect_success 'print -d uses secrets.<dest> instead of secrets' '
	printf "A=from-staging\n" >app/.kamal/secrets.staging &&
	(cd app && berth secrets print -d staging) >out &&
	printf "SHARED=common\nA=from-staging\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a byte order mark at the start of a secrets file is dropped, as the gem reads it' '
	mkdir -p bom/.kamal &&
	printf "\357\273\277FIRST=one\nSECOND=two\n" >bom/.kamal/secrets &&
	(cd bom && berth secrets print) >out &&
	printf "FIRST=one\nSECOND=two\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a failing $(command) names file, line and key' '
	mkdir -p bad/.kamal &&
	printf "OK=1\nTOKEN=\$(exit 7)\n" >bad/.kamal/secrets &&
	! (cd bad && berth secrets print) >out 2>err &&
	test_grep "\\.kamal/secrets:2: TOKEN: command .\$(exit 7). failed" err &&
	! test_grep OK= out
'

test_expect_success 'a failing $(command) is quoted as written, never with a secret in it' '
	mkdir -p leak/.kamal &&
	cat >leak/.kamal/secrets <<-\EOF &&
	KAMAL_REGISTRY_PASSWORD=hunter2secret
	B=$(sh -c "exit 3" $KAMAL_REGISTRY_PASSWORD)
	EOF
	! (cd leak && berth secrets print) >out 2>err &&
	echo "error: .kamal/secrets:2: B: command \`\$(sh -c \"exit 3\" \$KAMAL_REGISTRY_PASSWORD)\` failed (exit status 3)" >expect &&
	test_cmp expect err &&
	test_must_fail grep hunter2 out err
'

test_expect_success 'a value from the environment in a failing command stays out of the message' '
	printf "B=\$(exit 4 \$ENV_TOKEN)\n" >leak/.kamal/secrets &&
	! (cd leak && ENV_TOKEN=envsecret99 berth secrets print) 2>err &&
	test_grep "command .\$(exit 4 \$ENV_TOKEN). failed (exit status 4)" err &&
	test_must_fail grep envsecret99 err
'

test_expect_success 'an earlier value repeated in a later failing line is redacted' '
	cat >leak/.kamal/secrets <<-\EOF &&
	A=hunter2secret
	B=$(sh -c "exit 3" hunter2secret)
	EOF
	! (cd leak && berth secrets print) 2>err &&
	test_grep "command .\$(sh -c \"exit 3\" \[REDACTED\]). failed" err &&
	test_must_fail grep hunter2 err
'

test_expect_success 'inline secrets commands: errors quote the source, mask words from variables' '
	cat >leak/.kamal/secrets <<-\EOF &&
	Q=$(kamal secrets extract "unclosed $ENV_TOKEN)
	EOF
	! (cd leak && ENV_TOKEN=envsecret99 berth secrets print) 2>err &&
	test_grep "Unmatched quote: \$(kamal secrets extract \"unclosed \$ENV_TOKEN)" err &&
	test_must_fail grep envsecret99 err &&
	cat >leak/.kamal/secrets <<-\EOF &&
	X=$(kamal secrets extract $ENV_TOKEN {})
	EOF
	! (cd leak && ENV_TOKEN=envsecret99 berth secrets print) 2>err &&
	test_grep "X: Could not find secret \[REDACTED\]" err &&
	test_must_fail grep envsecret99 err
'

test_expect_success 'no core file once secrets load: commands already run with a core limit of 0' '
	mkdir -p core/.kamal &&
	printf "CORE=\$(ulimit -c)\n" >core/.kamal/secrets &&
	(ulimit -c unlimited && cd core && berth secrets print) >out &&
	echo CORE=0 >expect &&
	test_cmp expect out
'

test_expect_success 'fetch with the test adapter reverses names, as Kamal' '
	berth secrets fetch --adapter test --account a --from Vault/Item KEY1 KEY2 >out &&
	echo "{\"Vault/Item/KEY1\":\"1YEK/metI/tluaV\",\"Vault/Item/KEY2\":\"2YEK/metI/tluaV\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'fetch needs --adapter, and --account for most adapters' '
	! berth secrets fetch KEY1 2>err &&
	test_grep "required options .--adapter." err &&
	! berth secrets fetch -a 1password KEY1 2>err &&
	test_grep "required options .--account." err &&
	! berth secrets fetch -a nosuch --account x KEY1 2>err &&
	test_grep "Unknown secrets adapter: nosuch" err
'

test_expect_success 'the fake op wants a session, in OP_SESSION_<user ID> as op reads it' '
	test_must_fail op item get myitem --vault myvault --format json --account myaccount 2>err &&
	test_grep "not currently signed in" err &&
	test_must_fail env OP_SESSION_myaccount=SESSIONTOKEN \
		op item get myitem --vault myvault --format json --account myaccount &&
	OP_SESSION_UUUUUUUUUUUUUUUUUUUUUUUUUU=SESSIONTOKEN \
		op item get myitem --vault myvault --format json --account myaccount >/dev/null
'

test_expect_success '1password: signs in, one op item get per item, keys from references' '
	: >"$FAKE_LOG" &&
	berth secrets fetch --adapter 1password --account myaccount --from op://myvault \
		myitem/section/SECRET1 myitem/section/SECRET2 myitem2 >out &&
	echo "{\"myvault/myitem/section/SECRET1\":\"VALUE1\",\"myvault/myitem/section/SECRET2\":\"VAL\\\"UE2\",\"myvault/myitem2\":\"PW2\"}" >expect &&
	test_cmp expect out &&
	cat >expect.log <<-\LOG &&
	op --version
	op account get --account myaccount
	op signin --account myaccount --force --raw
	op account list --format json
	op item get myitem --vault myvault --format json --account myaccount --fields label=section.SECRET1,label=section.SECRET2
	op item get myitem2 --vault myvault --format json --account myaccount --fields label=password
	LOG
	test_cmp expect.log "$FAKE_LOG"
'

test_expect_success '1password: the session token is never on a command line' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a 1password --account my.1password.com --from op://myvault/myitem >out &&
	test_grep "\"myvault/myitem\":\"PASSWORD\"" out &&
	test_grep "^op item get myitem --vault myvault --format json --account my.1password.com\$" "$FAKE_LOG" &&
	test_must_fail grep -e SESSIONTOKEN -e --session "$FAKE_LOG"
'

test_expect_success '1password: already signed in, whole item from --from' '
	: >"$FAKE_LOG" &&
	FAKE_OP_SIGNED_IN=1 berth secrets fetch -a 1password --account myaccount --from op://myvault/myitem >out &&
	echo "{\"myvault/myitem/section/SECRET1\":\"VALUE1\",\"myvault/myitem\":\"PASSWORD\"}" >expect &&
	test_cmp expect out &&
	! test_grep signin "$FAKE_LOG"
'

test_expect_success '1password: a failing read names the fields, item and vault' '
	! FAKE_OP_SIGNED_IN=1 berth secrets fetch -a 1password --account myaccount --from myvault nope/A nope/B 2>err &&
	test_grep "Could not read A, B from nope in the myvault 1Password vault" err
'

test_expect_success 'extract finds the exact key or a /NAME suffix' '
	berth secrets extract SECRET2 "$(cat out)" >v 2>&1 || true &&
	json="{\"myvault/myitem/section/SECRET1\":\"VALUE1\",\"myvault/myitem/section/SECRET2\":\"VALUE2\"}" &&
	berth secrets extract SECRET2 "$json" >v &&
	echo VALUE2 >expect && test_cmp expect v &&
	berth secrets extract myvault/myitem/section/SECRET1 "$json" >v &&
	echo VALUE1 >expect && test_cmp expect v &&
	! berth secrets extract CRET1 "$json" 2>err &&
	test_grep "Could not find secret CRET1" err
'

test_expect_success 'bitwarden: unlocks, syncs with the session, reads fields and logins' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a bitwarden --account email@example.com mynote/field1 mylogin >out &&
	echo "{\"mynote/field1\":\"secret1\",\"mylogin\":\"loginpw\"}" >expect &&
	test_cmp expect out &&
	test_grep "^bw sync session=BWSESSION" "$FAKE_LOG" &&
	test_grep "^bw get item mynote session=BWSESSION" "$FAKE_LOG"
'

test_expect_success 'lastpass: one lpass show for all secrets' '
	berth secrets fetch -a lastpass --account email@example.com SECRET1 FOLDER1/FSECRET1 >out &&
	echo "{\"SECRET1\":\"secret1\",\"FOLDER1/FSECRET1\":\"fsecret1\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'aws: JSON secret strings become NAME/KEY, no account needed' '
	berth secrets fetch -a aws_secrets_manager --from secret KEY1 KEY2 >out &&
	echo "{\"secret/KEY1\":\"VALUE1\",\"secret/KEY2\":\"VALUE2\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'aws: a failed read names the secrets, not what the CLI printed' '
	! berth secrets fetch -a aws_secrets_manager --from leaky KEY 2>err &&
	test_grep "Could not read \[\"leaky/KEY\"\] from AWS Secrets Manager" err &&
	test_must_fail grep leakedvalue err
'

test_expect_success 'secrets files run kamal secrets fetch/extract inline' '
	mkdir -p inl/.kamal &&
	cat >inl/.kamal/secrets <<-\EOF &&
	SECRETS=$(kamal secrets fetch --adapter 1password --account myaccount --from op://myvault/myitem section/SECRET1 section/SECRET2)
	DB_PASSWORD=$(kamal secrets extract SECRET2 $SECRETS)
	EOF
	(cd inl && FAKE_OP_SIGNED_IN=1 berth secrets print) >out &&
	test_grep "^DB_PASSWORD=VAL\"UE2\$" out
'

test_expect_success 'print honours the config'"'"'s secrets_path' '
	mkdir -p sp/config sp/vault &&
	cat >sp/config/deploy.yml <<-\EOF &&
	service: hey
	image: me/hey
	servers:
	  - 10.0.0.1
	registry:
	  username: me
	  password: [ KAMAL_REGISTRY_PASSWORD ]
	builder:
	  arch: amd64
	secrets_path: vault/app
	EOF
	printf "servers:\n  - 10.0.0.2\n" >sp/config/deploy.staging.yml &&
	printf "C=common\n" >sp/vault/app-common &&
	printf "A=app\n" >sp/vault/app &&
	printf "A=staging\n" >sp/vault/app.staging &&
	mkdir -p sp/.kamal && printf "A=ignored\n" >sp/.kamal/secrets &&
	(cd sp && berth secrets print) >out &&
	printf "C=common\nA=app\n" >expect &&
	test_cmp expect out &&
	(cd sp && berth secrets print -d staging) >out &&
	printf "C=common\nA=staging\n" >expect &&
	test_cmp expect out
'

test_expect_success 'print without secrets_path reads .kamal/secrets next to a config' '
	sed /secrets_path/d sp/config/deploy.yml >sp/config/deploy.yml.new &&
	mv sp/config/deploy.yml.new sp/config/deploy.yml &&
	(cd sp && berth secrets print) >out &&
	printf "A=ignored\n" >expect &&
	test_cmp expect out
'

test_done
