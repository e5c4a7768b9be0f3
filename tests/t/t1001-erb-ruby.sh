#!/bin/sh
# t1001: the Ruby that real configs' ERB calls - Dotenv, File, Dir, URI,
# ENV, require, ||=, modifiers - and the destination and accessory rules,
# each read as Kamal 2.12 reads them.
#
# Each case in tests/conformance/erb-ruby/ is a small project with
# Kamal's answers in expected/ (README.md there says how they were
# made). For every run Kamal was asked for, berth must accept exactly
# what Kamal accepted and print the same values; where Kamal refused,
# berth's first error line must contain the line in expected/DEST.berth
# (file, line and what is wrong, in Kamal's order of errors).
. "$TOP/tests/lib/test-lib.sh"

cases=$TOP/tests/conformance/erb-ruby
compare=$TOP/tests/conformance/compare.py

mkdir -p stubs
for cmd in op aws sops gh bw lpass doppler gcloud; do
	printf '#!/bin/sh\necho stub-secret\n' >stubs/$cmd
	chmod +x stubs/$cmd
done
stubs=$TRASH/stubs

# run_berth CASE DEST: berth's stdout/stderr/rc in out/CASE.DEST.*
run_berth() {
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
		exec env -i HOME="$HOME" USER=root PATH="$stubs:/usr/bin:/bin" \
			KAMAL_REGISTRY_PASSWORD=x RAILS_MASTER_KEY=x $vars \
			"$BUILD_DIR/berth" config "$@"
	) >"$o.out" 2>"$o.err"
	echo $? >"$o.rc"
}

for expected in "$cases"/*/expected/*.rc; do
	dest=$(basename "$expected" .rc)
	dir=$(dirname "$expected")
	case=$(basename "$(dirname "$dir")")
	rc=$(cat "$expected")
	run_berth "$case" "$dest"
	o=$TRASH/out/$case.$dest
	if [ "$rc" = 0 ]; then
		desc="$case ($dest): accepted, same values as Kamal"
	else
		desc="$case ($dest): rejected like Kamal: $(cat "$dir/$dest.berth")"
	fi
	test_expect_success "$desc" '
		got=$(cat "$o.rc") &&
		! grep -E "Sanitizer|runtime error" "$o.err" &&
		if [ "$rc" = 0 ]; then
			[ "$got" = 0 ] || { cat "$o.err"; false; } &&
			python3 "$compare" "$dir/$dest.out" "$o.out"
		else
			[ "$got" != 0 ] || { echo "berth accepted it:"; cat "$o.out"; false; } &&
			head -n 1 "$o.err" >first &&
			grep -F -f "$dir/$dest.berth" first || { cat "$o.err"; false; }
		fi
	'
done
echo "# trash: $TRASH"; test_done
