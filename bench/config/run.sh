#!/bin/sh
# Times `berth config` as a whole process on the largest conformance case
# (by deploy.yml lines), and prints the median of RUNS runs in ms.
# Target: under 5 ms. Uses hyperfine when installed, else a shell loop.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
berth=${BERTH:-$top/build/berth}
runs=${RUNS:-101}
corpus=${CORPUS:-$top/../shared/conformance/kamal-configs}
case=$(tail -n +2 "$corpus/INDEX.tsv" | sort -t '	' -k3 -n | tail -n 1 | cut -f1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus/$case/." "$work/" && chmod -R u+w "$work"
cd "$work"
# Placeholders for what its ERB reads, so the run succeeds (or fails) fast.
for v in $(grep -h = expected/filled.env 2>/dev/null); do export "$v"; done
export KAMAL_REGISTRY_PASSWORD=x RAILS_MASTER_KEY=x
"$berth" config --version=bench >/dev/null 2>&1 || echo "# note: berth config exits non-zero on $case"
if command -v hyperfine >/dev/null 2>&1; then
	# hyperfine_ms LABEL CMD: the median of RUNS runs, without a shell.
	hyperfine_ms() {
		hyperfine -N -w 5 -r "$runs" --export-json "$work/h.json" "$2" >/dev/null 2>&1
		python3 -c "import json,sys; print('%s: median %.2f ms over %d runs' % (sys.argv[2], json.load(open(sys.argv[1]))['results'][0]['median']*1000, $runs))" "$work/h.json" "$1"
	}
	hyperfine_ms "berth config ($case)" "$berth config --version=bench"
	hyperfine_ms "berth version" "$berth version"
	# What starting any process costs here, so the numbers above can be
	# read against the machine's floor.
	hyperfine_ms "baseline (/bin/true)" /bin/true
	exit 0
fi
# median_ms LABEL CMD...: the median wall time of RUNS runs of CMD.
median_ms() {
	label=$1
	shift
	i=0
	while [ $i -lt "$runs" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		echo $(((e - s) / 1000))
		i=$((i + 1))
	done | sort -n | awk -v l="$label" '{ a[NR] = $1 } END { printf "%s: median %.2f ms over %d runs\n", l, a[int((NR + 1) / 2)] / 1000, NR }'
}
median_ms "berth config ($case)" "$berth" config --version=bench
# What starting any process costs here, measured the same way, so the
# number above can be read against the machine's floor.
median_ms "baseline (/bin/true)" /bin/true
