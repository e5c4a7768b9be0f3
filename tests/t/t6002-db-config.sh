#!/bin/sh
# x-berth: db: in config/deploy.yml: wrong types and unknown keys are errors
# naming file, line and key; credentials are refused there.
. "$TOP/tests/lib/test-lib.sh"

mkdir -p config
write_config() {
	cat >config/deploy.yml <<-YML
	service: app
	image: me/app
	servers:
	  - 127.0.0.1
	registry:
	  server: localhost:5555
	builder:
	  arch: amd64
	x-berth:
	  db:
	YML
	cat >>config/deploy.yml
}

test_expect_success 'a wrong type names file, line and key; all errors in one run' '
	write_config <<-YML &&
	    databases: [app]
	    large_tables: 5
	    jobs: many
	    no_owner: "yes"
	    source:
	      bucket: [a, b]
	YML
	test_must_fail berth db restore --dry-run 2>err &&
	test_grep "^config/deploy.yml:12: x-berth/db/large_tables: must be a list of names" err &&
	test_grep "^config/deploy.yml:13: x-berth/db/jobs: must be a whole number" err &&
	test_grep "^config/deploy.yml:14: x-berth/db/no_owner: must be true or false" err &&
	test_grep "^config/deploy.yml:16: x-berth/db/source/bucket: must be a string" err
'

test_expect_success 'an unknown key is an error (typos do not pass silently)' '
	write_config <<-YML &&
	    databases: [app]
	    large_table: [events]
	YML
	test_must_fail berth db restore --dry-run 2>err &&
	test_grep "^config/deploy.yml:12: x-berth/db/large_table: unknown key" err
'

test_expect_success 'a list item of the wrong type is named by its index' '
	write_config <<-YML &&
	    databases: [app]
	    critical_matviews: [ok_view, {a: b}]
	YML
	test_must_fail berth db restore --dry-run 2>err &&
	test_grep "^config/deploy.yml:12: x-berth/db/critical_matviews\[1\]: must be a name" err
'

test_expect_success 'credentials in the config are refused, pointing at the secrets' '
	write_config <<-YML &&
	    databases: [app]
	    source:
	      bucket: dumps
	      secret_access_key: hunter2
	YML
	test_must_fail berth db restore --dry-run 2>err &&
	test_grep "x-berth/db/source/secret_access_key: credentials belong in .kamal/secrets" err &&
	! grep -q hunter2 err
'

test_expect_success 'without databases in the config or --database, the error says where to put it' '
	write_config <<-YML &&
	    jobs: 2
	YML
	test_must_fail berth db restore --dry-run 2>err &&
	test_grep "x-berth.db.databases" err
'

# berth hands the db verbs to berth-db (so berth never loads libpq and
# libcurl); what was given to berth must arrive there unchanged.
test_expect_success 'berth itself does not load libpq or libcurl' '
	ldd "$BUILD_DIR/berth" >libs &&
	test_grep libyaml libs &&
	! grep -E "libpq|libcurl" libs
'

test_expect_success '-c and -d given to berth reach the db command' '
	mkdir -p other &&
	write_config <<-YML &&
	    databases: [app]
	YML
	mv config/deploy.yml other/base.yml &&
	printf "x-berth:\n  db:\n    jobs: many\n" >other/base.staging.yml &&
	test_must_fail berth db restore --dry-run -c other/base.yml -d staging 2>err &&
	test_grep "^other/base.staging.yml:3: x-berth/db/jobs: must be a whole number" err
'

test_expect_success 'an alias that expands to a db command runs it' '
	write_config <<-YML &&
	    databases: [app]
	    jobs: many
	YML
	printf "aliases:\n  restore: db restore --dry-run\n" >>config/deploy.yml &&
	test_must_fail berth restore 2>err &&
	test_grep "x-berth/db/jobs: must be a whole number" err
'

# The verbs and options as db/command.c's parser has them (its tables).
sed -n "s/^[	 ]*{ \"\([a-z-]*\)\", db_[a-z_]* },\$/\1/p" "$TOP/db/command.c" >verbs
sed -n "s/^[	 ]*{ O_[A-Z0-9_]*, \"\(--[a-z0-9-]*\)\".*/\1/p" "$TOP/db/command.c" >options

# Each line of options, as the start of a line of the help in $1.
lists_every_option() {
	while read -r opt; do
		grep -q -e "^  $opt\( \|\$\)" "$1" || { echo "$1 lacks $opt"; return 1; }
	done <options
}

test_expect_success 'the verb and option tables are found in db/command.c' '
	printf "restore\nresume\nundo\ndrop-old\n" >expect &&
	test_cmp expect verbs &&
	test "$(wc -l <options)" -ge 20 &&
	test_grep "^--database\$" options &&
	test_grep "^--no-swap\$" options
'

test_expect_success 'berth-db: each verb'"'"'s --help lists every option the parser takes' '
	while read -r verb; do
		berth-db db $verb --help >help.$verb &&
		test_grep "db $verb --database NAME" help.$verb &&
		lists_every_option help.$verb || exit 1
	done <verbs
'

test_expect_success 'an unknown option is an error, followed by the options' '
	test_must_fail berth db undo --no-such-option 2>err &&
	test_grep "^error: unknown option .--no-such-option." err &&
	lists_every_option err
'

# berth leaves `db VERB --help` to berth-db, which owns the options table.
test_expect_success 'berth: each db verb'"'"'s --help lists every option' '
	while read -r verb; do
		berth db $verb --help >help.$verb &&
		lists_every_option help.$verb || exit 1
	done <verbs
'

test_expect_success 'without berth-db beside berth, the error says what is missing' '
	mkdir -p lonely &&
	cp "$BUILD_DIR/berth" lonely/ &&
	test_must_fail lonely/berth db restore --dry-run 2>err &&
	test_grep "cannot run .*lonely/berth-db" err &&
	test_grep "berth-db installed beside berth" err
'

test_done
