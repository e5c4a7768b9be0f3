# erb-cases.sh - runs berth config on each case of an erb-ruby-style folder
# (tests/conformance/erb-ruby/README.md: a small project, Kamal's answers in
# expected/) and checks it against Kamal's: the same accept/reject, the same
# values when accepted, berth's first error line containing expected/DEST.berth
# when refused. Sourced by t1001 (erb-ruby, must pass) and t1002 (erb-todo,
# known breakages).

erb_compare=$TOP/tests/conformance/compare.py

mkdir -p stubs
for cmd in op aws sops gh bw lpass doppler gcloud; do
	printf '#!/bin/sh\necho stub-secret\n' >stubs/$cmd
	chmod +x stubs/$cmd
done
erb_stubs=$TRASH/stubs

# erb_case_run CASES CASE DEST: berth's stdout/stderr/rc in out/CASE.DEST.*
erb_case_run() {
	cases=$1
	shift
	work=$TRASH/cases/$1
	rm -rf "$work" && mkdir -p "$work" "$TRASH/out"
	(cd "$cases/$1" && tar cf - --exclude=expected --exclude=environment .) |
		(cd "$work" && tar xf -)
	set -- "$1" "$2" --version=expected
	[ "$2" = base ] || set -- "$@" -d "$2"
	vars=
	[ -f "$cases/$1/environment" ] && vars=$(grep = "$cases/$1/environment")
	o=$TRASH/out/$1.$2
	(
		cd "$work" &&
		shift 2 &&
		IFS='
'
		# shellcheck disable=SC2086 # one NAME=value word per line
		exec env -i HOME="$HOME" USER=root PATH="$erb_stubs:/usr/bin:/bin" \
			KAMAL_REGISTRY_PASSWORD=x RAILS_MASTER_KEY=x $vars \
			"$BUILD_DIR/berth" config "$@"
	) >"$o.out" 2>"$o.err"
	echo $? >"$o.rc"
}

# erb_cases CASES EXPECT: one check per run Kamal was asked for, each with
# EXPECT (test_expect_success, or test_expect_failure for known breakages).
erb_cases() {
	cases=$1 expect=$2
	for expected in "$cases"/*/expected/*.rc; do
		dest=$(basename "$expected" .rc)
		dir=$(dirname "$expected")
		case=$(basename "$(dirname "$dir")")
		rc=$(cat "$expected")
		erb_case_run "$cases" "$case" "$dest"
		o=$TRASH/out/$case.$dest
		if [ "$rc" = 0 ]; then
			desc="$case ($dest): accepted, same values as Kamal"
		else
			desc="$case ($dest): rejected like Kamal: $(cat "$dir/$dest.berth")"
		fi
		$expect "$desc" '
			got=$(cat "$o.rc") &&
			! grep -E "Sanitizer|runtime error" "$o.err" &&
			if [ "$rc" = 0 ]; then
				[ "$got" = 0 ] || { cat "$o.err"; false; } &&
				python3 "$erb_compare" "$dir/$dest.out" "$o.out"
			else
				[ "$got" != 0 ] || { echo "berth accepted it:"; cat "$o.out"; false; } &&
				head -n 1 "$o.err" >first &&
				grep -F -f "$dir/$dest.berth" first || { cat "$o.err"; false; }
			fi
		'
	done
}
