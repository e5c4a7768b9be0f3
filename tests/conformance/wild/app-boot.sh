#!/bin/sh
# `app boot` dry-run command sequences for corpus cases: Kamal's (golden.py
# --only app_boot.txt, with the case's filled.env) against berth's plan
# (tests/conformance/sequences.py). Then: app-boot.py GOLD/out CASES > app-boot.tsv
# usage: app-boot.sh SCRATCH PART CASE...   (SCRATCH/cases/CASE from build-cases.sh,
#   with expected/filled.env from measure.sh; PART names this worker's scratch)
# needs KAMAL_RUN_DIR. sequences.py reads filled.env from GOLD/kamal-configs/CASE.
S=$(cd "$1" && pwd); shift; G=$S/gold; HERE=$(cd "$(dirname "$0")" && pwd)
ORACLE=${ORACLE:-/work/shared/kamal-oracle}; BERTH=${BERTH:-$HERE/../../../build/berth}
ln -sfn ../cases "$G/kamal-configs" 2>/dev/null || { mkdir -p "$G"; ln -sfn ../cases "$G/kamal-configs"; }
part=$1; shift
mkdir -p $G/out $G/scr-$part
for n in "$@"; do
  [ -f $G/out/$n/berth.tap ] && continue
  c=$S/cases/$n
  envs=$(sed 's/^/--env /' $c/expected/filled.env | tr '\n' ' ')
  timeout 25 python3 $ORACLE/golden.py $c $G/out/$n $G/scr-$part $envs --only app_boot.txt > $G/scr-$part/$n.log 2>&1
  if [ -f $G/out/$n/commands/app_boot.txt ]; then
    timeout 60 python3 $HERE/../sequences.py $BERTH $G/out/$n app_boot.txt > $G/out/$n/berth.tap 2>&1
  fi
done
echo done > $G/part-$part.done
