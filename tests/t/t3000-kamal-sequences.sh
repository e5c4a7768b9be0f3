#!/bin/sh
# Whole command sequences, against Kamal 2.12's own (the goldens in
# ../shared/conformance/kamal-commands): berth's --dry-run plan of each
# host-level command, with the goldens' canned answers, is Kamal's line for
# line, host by host, but where tests/conformance/kamal-sequences-differences.tsv
# says why berth differs. (app boot and the commands built on it join this
# list as they land.)
. "$TOP/tests/lib/test-lib.sh"

CASES=$SHARED/conformance/kamal-commands
COMMANDS="lock_status.txt lock_release.txt lock_acquire_-m_Maintenance-window.txt
audit.txt prune_all.txt server_bootstrap.txt server_bootstrap_no-docker.txt
server_exec_uptime.txt registry_login.txt registry_logout.txt proxy_boot.txt
proxy_reboot_-y.txt proxy_details.txt proxy_logs.txt proxy_remove.txt
build_push.txt build_pull.txt build_deliver.txt app_boot.txt
deploy.txt deploy_--skip-push.txt redeploy.txt rollback_v41.txt
app_start.txt app_stop.txt app_details.txt app_version.txt app_containers.txt
app_images.txt app_stale_containers.txt app_stale_containers_--stop.txt app_remove.txt
app_exec_bin-rails-db-migrate.txt app_exec_--reuse_bin-rails-db-migrate.txt
app_exec_--interactive_bin-rails-db-migrate.txt app_exec_--primary_bin-rails-db-migrate.txt
app_exec_--version=v40_bin-rails-db-migrate.txt app_logs.txt app_logs_-f.txt
app_logs_--lines=5.txt app_logs_--grep=ERROR.txt
console.txt shell.txt dbc.txt migrate.txt seed.txt logs.txt rake.txt
setup.txt remove_-y.txt details.txt"
# Each case's --roles=ROLE goldens (ROLE: its first role but web).
ROLE_FILES="app_exec_--roles=*_bin-rails-db-migrate.txt app_logs_--roles=*.txt
accessory_*.txt"

# Under make check the corpus must be there: a missing one is a failure.
if [ ! -d "$CASES" ]; then
	test_expect_success 'the command goldens are where the tests expect them' "
		echo 'no $CASES' && false
	"
	test_done
fi

for case in "$CASES"/*/; do
	name=$(basename "$case")
	files=""
	for f in $COMMANDS $(cd "$case/commands" && echo $ROLE_FILES); do
		[ -f "$case/commands/$f" ] && files="$files $f"
	done
	test_expect_success "$name: every host-level command's plan is Kamal's" "
		python3 \"\$TOP/tests/conformance/sequences.py\" \"\$BUILD_DIR/berth\" \"$case\" $files >tap ||
			{ grep -v '^ok' tap; exit 1; }
	"
done

test_expect_success 'every difference is used by some case, so none goes stale' '
	: >used &&
	for case in "$CASES"/*/; do
		files=""
		for f in $COMMANDS $(cd "$case/commands" && echo $ROLE_FILES); do
			[ -f "$case/commands/$f" ] && files="$files $f"
		done
		SEQUENCES_USED=used python3 "$TOP/tests/conformance/sequences.py" "$BUILD_DIR/berth" "$case" $files >/dev/null || exit 1
	done &&
	grep -v "^#" "$TOP/tests/conformance/kamal-sequences-differences.tsv" | grep -c . >want &&
	sort -u used | wc -l >got &&
	test "$(cat want)" = "$(cat got)"
'

test_done
