#!/bin/sh
# Measure berth against Kamal 2.12 on a corpus of real configurations kept OUTSIDE
# the repository (other people's files are never committed; only the facts are).
# usage: measure.sh SCRATCH [BERTH]
#   SCRATCH/cases/CASE/   one case per folder (config/deploy*.yml, .kamal/secrets*, SOURCE),
#                         e.g. made by build-cases.sh from fetched git snapshots
#   BERTH                 default: build/berth of this checkout
# needs KAMAL_RUN_DIR (Kamal 2.12 set up by ../shared/kamal-oracle/setup.sh).
# Writes SCRATCH/cases/CASE/expected/* (Kamal's answers), SCRATCH/run/berth-out/CASE/*
# (berth's), and SCRATCH/out/{results,ranking}.tsv; prints the agreement figures.
set -eu
SCR=$(cd "$1" && pwd); HERE=$(cd "$(dirname "$0")" && pwd)
BERTH=${2:-$HERE/../../../build/berth}; BERTH=$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")
ORACLE=${ORACLE:-/work/shared/kamal-oracle}
: "${KAMAL_RUN_DIR:?set KAMAL_RUN_DIR (see $ORACLE/README.md)}"
mkdir -p "$SCR/run" "$SCR/out"
sh "$ORACLE/run-config-corpus.sh" "$SCR/cases" "$SCR/run" > "$SCR/run/kamal.log" 2>&1   # Kamal's answers
sh "$ORACLE/run-berth-corpus.sh" "$SCR/cases" "$SCR/run" "$BERTH"                      # berth, same runs
python3 "$HERE/analyze.py" "$SCR/cases" "$SCR/run/berth-out" "$SCR/out" "$HERE/notes.tsv"
