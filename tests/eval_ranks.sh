#!/bin/sh
# titans-eval end to end under MPI (the default suite, fixture checkpoints): the same per-unit
# predictions and scores at 1, 2 and 3 ranks; more ranks than units; and bad input (a suite
# with a mistake, an unknown option) exits non-zero on every rank with a message naming the
# file and line, without hanging. Emits TAP.
set -u
EVAL=./titans-eval
LAUNCH=tests/mpi-launch.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/titans-eval-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
check() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$3"; fi; }
# every column but seconds (12) and rank (13)
same() { cut -d, -f1-11,14- "$1" > "$work/a"; cut -d, -f1-11,14- "$2" > "$work/b"; cmp -s "$work/a" "$work/b"; }

echo "1..8"
for np in 1 2 3; do
  MPI_NP=$np $LAUNCH $EVAL --out "$work/np$np" > "$work/log$np" 2>&1
  echo $? > "$work/rc$np"
done
[ "$(cat "$work/rc1")" -eq 0 ] && [ -s "$work/np1/units.csv" ] && [ -s "$work/np1/tables.md" ]
check $? "1 rank runs the default suite and writes units.csv and tables.md" "$work/log1"
[ "$(cat "$work/rc2")" -eq 0 ] && same "$work/np1/units.csv" "$work/np2/units.csv"
check $? "2 ranks: identical predictions and scores" "$work/log2"
[ "$(cat "$work/rc3")" -eq 0 ] && same "$work/np1/units.csv" "$work/np3/units.csv"
check $? "3 ranks: identical predictions and scores" "$work/log3"

units=$(($(wc -l < "$work/np3/units.csv") - 1))
h5dump -a /world_size "$work/np3/results.h5" 2>&1 | grep -q "(0): 3" &&
  h5dump -H -d /units/score "$work/np3/results.h5" 2>&1 | grep -q "( $units )" &&
  [ ! -e "$work/np3/results.h5.tmp" ]
check $? "results.h5: world size, one score per unit, no temporary left" "$work/log3"

MPI_NP=3 $LAUNCH $EVAL --limit 2 --out "$work/few" > "$work/logfew" 2>&1 &&
  [ "$(wc -l < "$work/few/units.csv")" -eq 3 ]
check $? "3 ranks, 2 units: the idle rank is fine" "$work/logfew"

printf '[suite]\nname = bad\n[task.x]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k\nsamples = 1\nmodels = nobody\n' > "$work/bad.ini"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/bad.ini" --out "$work/bad" > "$work/logbad" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "bad.ini:8: \[task.x\] models: no section \[model.nobody\]" "$work/logbad"
check $? "a suite mistake: non-zero exit, file:line and key named" "$work/logbad"

MPI_NP=2 $LAUNCH $EVAL --no-such-option > "$work/logopt" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "unknown option" "$work/logopt"
check $? "an unknown option: non-zero exit and a message" "$work/logopt"

printf '[suite]\nname = nodata\n[model.m]\ncheckpoint = %s\n[task.g]\nfamily = sniah\nvariants = s-niah-2\nlengths = 1k\nsamples = 1\nmodels = m\n' \
  "$(cd "$(dirname "$0")/fixtures" && pwd)/mixed.h5" > "$work/nodata.ini"
MPI_NP=2 TITANS_DATA= $LAUNCH $EVAL --suite "$work/nodata.ini" --data-dir "" --out "$work/nodata" > "$work/lognodata" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "needs the essay haystack" "$work/lognodata"
check $? "a task that needs the data directory without one: non-zero exit, clear message" "$work/lognodata"
