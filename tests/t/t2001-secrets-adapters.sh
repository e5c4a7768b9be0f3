#!/bin/sh
# berth secrets fetch with the GCP, Doppler, Bitwarden Secrets Manager,
# Enpass and Passbolt adapters, against fake CLIs (tests/fakes) on PATH.
. "$TOP/tests/lib/test-lib.sh"

PATH="$TOP/tests/fakes:$PATH"
FAKE_LOG="$TRASH/fake.log"
export PATH FAKE_LOG
unset DOPPLER_TOKEN BWS_ACCESS_TOKEN

# ---- gcp ----

test_expect_success 'gcp: a bare name is default/NAME at version latest' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a gcp --account default mypassword >out &&
	echo "{\"default/mypassword\":\"secret123\"}" >expect &&
	test_cmp expect out &&
	cat >expect.log <<-\LOG &&
	gcloud --version
	gcloud auth list --format=json
	gcloud secrets versions access latest --secret=mypassword --format=json
	LOG
	test_cmp expect.log "$FAKE_LOG"
'

test_expect_success 'gcp: --from is the project' '
	berth secrets fetch -a gcp_secret_manager --account default --from other-project item1 item2 >out &&
	echo "{\"other-project/item1\":\"secret1\",\"other-project/item2\":\"secret2\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'gcp: version, user and impersonation chain from --account' '
	berth secrets fetch -a gcp --account "user@example.com|service-user@example.com,service-user2@example.com" \
		some-project/item1/123 >out &&
	echo "{\"some-project/item1\":\"secret1\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'gcp: a failing read names project/secret' '
	! berth secrets fetch -a gcp --account default other/nope 2>err &&
	test_grep "Could not read other/nope from Google Secret Manager" err
'

test_expect_success 'gcp: logs in when no account is listed, fails if still none' '
	: >"$FAKE_LOG" &&
	! FAKE_GCLOUD_LOGGED_OUT=1 berth secrets fetch -a gcp --account default mypassword 2>err &&
	test_grep "could not login to gcloud" err &&
	test_grep "^gcloud auth login\$" "$FAKE_LOG" &&
	! test_grep "secrets versions" "$FAKE_LOG"
'

test_expect_success 'gcp: needs --account' '
	! berth secrets fetch -a gcp mypassword 2>err &&
	test_grep "required options .--account." err
'

# ---- doppler ----

test_expect_success 'doppler: --from project/config becomes -p/-c, keys are bare names' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a doppler --from my-project/prd SECRET1 FSECRET1 >out &&
	echo "{\"SECRET1\":\"secret1\",\"FSECRET1\":\"fsec\\\"ret1\"}" >expect &&
	test_cmp expect out &&
	cat >expect.log <<-\LOG &&
	doppler --version
	doppler me --json
	doppler secrets get SECRET1 FSECRET1 --json -p my-project -c prd
	LOG
	test_cmp expect.log "$FAKE_LOG"
'

test_expect_success 'doppler: project/config may be in the names' '
	berth secrets fetch -a doppler my-project/prd/SECRET1 my-project/prd/FSECRET1 >out &&
	echo "{\"SECRET1\":\"secret1\",\"FSECRET1\":\"fsec\\\"ret1\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'doppler: a service token needs no project or config' '
	: >"$FAKE_LOG" &&
	DOPPLER_TOKEN=dp.st.xxxx berth secrets fetch -a doppler SECRET1 FSECRET1 >out &&
	echo "{\"SECRET1\":\"secret1\",\"FSECRET1\":\"fsec\\\"ret1\"}" >expect &&
	test_cmp expect out &&
	test_grep "^doppler secrets get SECRET1 FSECRET1 --json\$" "$FAKE_LOG"
'

test_expect_success 'doppler: without --from and token, says what is missing' '
	! berth secrets fetch -a doppler SECRET1 2>err &&
	test_grep "Missing project or config from .--from=project/config. option" err
'

test_expect_success 'doppler: logs in when doppler me fails' '
	: >"$FAKE_LOG" &&
	FAKE_DOPPLER_LOGGED_OUT=1 berth secrets fetch -a doppler --from my-project/prd SECRET1 FSECRET1 >out &&
	test_grep "^doppler login -y\$" "$FAKE_LOG"
'

test_expect_success 'doppler: a failing read lists the names' '
	! berth secrets fetch -a doppler --from my-project/prd NOPE 2>err &&
	test_grep "Could not read \\[\"my-project/prd/NOPE\"\\] from Doppler" err
'

# ---- bitwarden secrets manager ----

test_expect_success 'bws: all lists every secret' '
	: >"$FAKE_LOG" &&
	BWS_ACCESS_TOKEN=t berth secrets fetch -a bitwarden-sm all >out &&
	echo "{\"KAMAL_REGISTRY_PASSWORD\":\"some_password\",\"MY_OTHER_SECRET\":\"my=wierd\\\"secret\"}" >expect &&
	test_cmp expect out &&
	cat >expect.log <<-\LOG &&
	bws --version
	bws project list
	bws secret list
	LOG
	test_cmp expect.log "$FAKE_LOG"
'

test_expect_success 'bws: all with --from lists one project' '
	: >"$FAKE_LOG" &&
	BWS_ACCESS_TOKEN=t berth secrets fetch -a bitwarden_secrets_manager \
		--from 22222222-2222-2222-2222-222222222222 all >out &&
	echo "{\"KAMAL_REGISTRY_PASSWORD\":\"some_password\",\"MY_OTHER_SECRET\":\"my=wierd\\\"secret\"}" >expect &&
	test_cmp expect out &&
	test_grep "^bws secret list 22222222-2222-2222-2222-222222222222\$" "$FAKE_LOG"
'

test_expect_success 'bws: ids are fetched one by one, keyed by the secret key' '
	BWS_ACCESS_TOKEN=t berth secrets fetch -a bitwarden-sm \
		82aeb5bd-6958-4a89-8197-eacab758acce 6f8cdf27-de2b-4c77-a35d-07df8050e332 >out &&
	printf "%s\n" "{\"KAMAL_REGISTRY_PASSWORD\":\"some_password\",\"SSH_PRIVATE_KEY\":\"some_key\\nwith_linebreak\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'bws: an unknown id, no names, no token' '
	! BWS_ACCESS_TOKEN=t berth secrets fetch -a bitwarden-sm 00000000-0000-0000-0000-000000000000 2>err &&
	test_grep "Could not read 00000000-0000-0000-0000-000000000000 from Bitwarden Secrets Manager" err &&
	! BWS_ACCESS_TOKEN=t berth secrets fetch -a bitwarden-sm 2>err &&
	test_grep "You must specify what to retrieve from Bitwarden Secrets Manager" err &&
	! berth secrets fetch -a bitwarden-sm all 2>err &&
	test_grep "Could not authenticate to Bitwarden Secrets Manager. Did you set a valid access token?" err
'

# ---- enpass ----

test_expect_success 'enpass: --from is the vault; ITEM/LABEL picks one password' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a enpass --from vault-path FooBar/SECRET_1 >out &&
	echo "{\"FooBar/SECRET_1\":\"my-password-1\"}" >expect &&
	test_cmp expect out &&
	cat >expect.log <<-\LOG &&
	enpass-cli version
	enpass-cli -json -vault vault-path show FooBar
	LOG
	test_cmp expect.log "$FAKE_LOG"
'

test_expect_success 'enpass: a bare title takes every non-blank password of the item' '
	berth secrets fetch -a enpass --from vault-path FooBar >out &&
	echo "{\"FooBar/SECRET_1\":\"my-password-1\",\"FooBar/SECRET_2\":\"my-password-2\",\"FooBar\":\"my-password-3\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'enpass: one title asked twice is shown once' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a enpass --from vault-path FooBar/SECRET_1 FooBar/SECRET_2 >out &&
	echo "{\"FooBar/SECRET_1\":\"my-password-1\",\"FooBar/SECRET_2\":\"my-password-2\"}" >expect &&
	test_cmp expect out &&
	test_grep "show FooBar\$" "$FAKE_LOG"
'

test_expect_success 'enpass: a key present twice is an error' '
	! berth secrets fetch -a enpass --from vault-path FooBar/SECRET_1 Dup 2>err &&
	test_grep "Dup/X is present more than once" err
'

# ---- passbolt ----

test_expect_success 'passbolt: verifies, then one filtered list of root resources' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a passbolt SECRET1 FSECRET1 >out &&
	echo "{\"FSECRET1\":\"fsec\\\"ret1\",\"SECRET1\":\"secret1\"}" >expect &&
	test_cmp expect out &&
	cat >expect.log <<-\LOG &&
	passbolt [--version]
	passbolt [verify]
	passbolt [list][resources][--filter][Name == "SECRET1" || Name == "FSECRET1"][--column][name][--column][password][--json]
	LOG
	test_cmp expect.log "$FAKE_LOG"
'

test_expect_success 'passbolt: folders from names and --from, each in its folder' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a passbolt --from my-project SECRET1 FSECRET1 >/dev/null &&
	berth secrets fetch -a passbolt my-project/SECRET1 my-project/FSECRET1 other-project/FSECRET2 >out &&
	echo "{\"FSECRET1\":\"fsecret1\",\"FSECRET2\":\"fsecret2\",\"SECRET1\":\"secret1\"}" >expect &&
	test_cmp expect out &&
	test_grep "^passbolt \\[list\\]\\[folders\\]\\[--filter\\]\\[Name == \"my-project\" || Name == \"other-project\"\\]\\[--json\\]\$" "$FAKE_LOG"
'

test_expect_success 'passbolt: a nested folder is looked up under its parent' '
	: >"$FAKE_LOG" &&
	berth secrets fetch -a passbolt --from my-project/subfolder SECRET1 FSECRET1 >out &&
	echo "{\"FSECRET1\":\"fsecret1\",\"SECRET1\":\"secret1\"}" >expect &&
	test_cmp expect out &&
	test_grep "FolderParentID == \"dcbe0e39-42d8-42db-9637-8256b9f2f8e3\"\\]\\[--json\\]\$" "$FAKE_LOG"
'

test_expect_success 'passbolt: missing secrets, missing folders, failed login' '
	! berth secrets fetch -a passbolt SECRET1 NOPE 2>err &&
	test_grep "Could not find the following secrets in Passbolt: NOPE\$" err &&
	! berth secrets fetch -a passbolt --from my-project/nosuch A 2>err &&
	test_grep "Could not find the following folders in Passbolt: my-project/nosuch\$" err &&
	! berth secrets fetch -a passbolt gone/A 2>err &&
	test_grep "Could not find the following folders in Passbolt: gone\$" err &&
	! berth secrets fetch -a passbolt OTHER 2>err &&
	test_grep "Could not read \\[\"OTHER\"\\] from Passbolt" err &&
	! FAKE_PASSBOLT_NO_LOGIN=1 berth secrets fetch -a passbolt SECRET1 2>err &&
	test_grep "Failed to login to Passbolt" err &&
	! berth secrets fetch -a passbolt 2>err &&
	test_grep "No secrets given to fetch" err
'

test_done
