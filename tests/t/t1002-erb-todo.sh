#!/bin/sh
# t1002: what real configs do that berth does not do yet (found by
# tests/conformance/wild/, see its README.md): Time.now, String#[] with a
# regexp, String#delete_prefix, comment lines inside a <% %> block, a
# method defined in ERB, require of a computed path, and Kamal's order of
# errors (unknown keys before wrong-typed values).
#
# The cases in tests/conformance/erb-todo/ are laid out as
# tests/conformance/erb-ruby/'s (self-written, Kamal's answers from
# ../erb-ruby/oracle.sh). Each check is a known breakage: when berth does it,
# the check reports "known breakage vanished" and the case moves to
# erb-ruby/, where t1001 holds berth to it.
. "$TOP/tests/lib/test-lib.sh"

cases=$TOP/tests/conformance/erb-todo
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
	test_expect_failure "$desc" '
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
