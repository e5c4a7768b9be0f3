#!/bin/sh
# t1900: berth reads 83 real-world Kamal configurations as Kamal 2.12 does.
#
# For every case in $SHARED/conformance/kamal-configs and every run Kamal
# was asked for (bare and filled environment; base and each destination),
# run `berth config --version=expected [-d DEST]` the way the README says
# Kamal was run, and check that berth accepts exactly what Kamal accepted
# and, on success, prints the same values. tests/conformance/expected.tsv
# keeps Kamal's answer and, for each rejection, its reason.
. "$TOP/tests/lib/test-lib.sh"

corpus=$SHARED/conformance/kamal-configs
table=$TOP/tests/conformance/expected.tsv
compare=$TOP/tests/conformance/compare.py

if ! [ -d "$corpus" ]; then
	test_skip 'conformance corpus' "no $corpus"
	test_done
fi

# The password-manager CLIs the secrets files call, as Kamal's run had them.
mkdir -p stubs
for cmd in op aws sops gh bw lpass doppler gcloud; do
	printf '#!/bin/sh\necho stub-secret\n' >stubs/$cmd
	chmod +x stubs/$cmd
done
stubs=$TRASH/stubs
berth=$BUILD_DIR/berth

# run_berth CASE MODE DEST: berth's stdout/stderr/rc in out/CASE.MODE.DEST.*
run_berth() {
	case=$1 mode=$2 dest=$3
	work=$TRASH/cases/$case
	if ! [ -d "$work" ]; then
		mkdir -p "$TRASH/cases"
		cp -r "$corpus/$case" "$work" && chmod -R u+w "$work"
	fi
	set -- --version=expected
	[ "$dest" = base ] || set -- "$@" -d "$dest"
	vars=
	[ "$mode" = filled ] && vars=$(grep = "$corpus/$case/expected/filled.env")
	o=$TRASH/out/$case.$mode.$dest
	mkdir -p "$TRASH/out"
	(
		cd "$work" &&
		# shellcheck disable=SC2086 # one NAME=value word per line
		IFS='
'
		exec env -i HOME="$HOME" USER=root PATH="$stubs:/usr/local/bin:/usr/bin:/bin" \
			KAMAL_REGISTRY_PASSWORD=x RAILS_MASTER_KEY=x $vars \
			"$berth" config "$@"
	) >"$o.out" 2>"$o.err"
	echo $? >"$o.rc"
}

agree=0 total=0
while IFS='	' read -r case mode dest rc reason; do
	[ "$case" = case ] && continue
	total=$((total + 1))
	run_berth "$case" "$mode" "$dest"
	o=$TRASH/out/$case.$mode.$dest
	if [ "$rc" = 0 ]; then
		desc="$case ($mode, $dest): accepted, same values as Kamal"
	else
		desc="$case ($mode, $dest): rejected like Kamal ($reason)"
	fi
	before=$test_failed
	test_expect_success "$desc" '
		got=$(cat "$o.rc") &&
		if [ "$rc" = 0 ]; then
			[ "$got" = 0 ] || { cat "$o.err"; false; } &&
			python3 "$compare" "$corpus/$case/expected/$mode.$dest.out" "$o.out"
		else
			[ "$got" != 0 ] || { echo "berth accepted it:"; head -5 "$o.out"; false; } &&
			test -s "$o.err"
		fi
	'
	[ "$test_failed" = "$before" ] && agree=$((agree + 1))
done <"$table"
echo "# $agree/$total runs agree with Kamal"
echo "# trash: $TRASH"; test_done
