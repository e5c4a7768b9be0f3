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
	hyperfine -N -w 5 -r "$runs" --export-json "$work/h.json" \
		"$berth config --version=bench" >/dev/null 2>&1
	python3 -c "import json,sys; print('%.2f' % (json.load(open(sys.argv[1]))['results'][0]['median']*1000))" "$work/h.json" |
		sed "s/^/berth config ($case): median /; s/\$/ ms/"
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
