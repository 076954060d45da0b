#!/bin/sh
# titans-eval end to end under MPI (the default suite, fixture checkpoints): the same per-unit
# predictions and scores at 1, 2 and 3 ranks; more ranks than units; bad input (a suite with a
# mistake, an unknown option, missing data) exits non-zero on every rank with a message naming
# the file and line, without hanging; and a run killed with SIGKILL, or stopped with SIGTERM,
# resumes without redoing finished units and ends with the uninterrupted run's results.
# Emits TAP.
set -u
EVAL=./titans-eval
LAUNCH=tests/mpi-launch.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/titans-eval-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
check() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$3"; fi; }
# every column but seconds (12) and rank (13)
same() { cut -d, -f1-11,14- "$1" > "$work/a"; cut -d, -f1-11,14- "$2" > "$work/b"; cmp -s "$work/a" "$work/b"; }

echo "1..11"
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

# ---- kill and resume: 8 units of about a second each (S-NIAH-1 at 256K bytes on the MAG fixture)
printf '[suite]\nname = long\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 256k\nsamples = 8\nmodels = m\n' \
  "$(cd "$(dirname "$0")/fixtures" && pwd)/mag.h5" > "$work/long.ini"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/ref" > "$work/logref" 2>&1
# waits until the run has journaled at least one unit, then sends the signal; 0 if it could
interrupt() { # out signal
  MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/$1" > "$work/log$1" 2>&1 &
  pid=$!
  for i in $(seq 1 200); do
    [ -n "$(find "$work/$1/journal" -name '*.bin' -size +0 2>/dev/null)" ] && break
    sleep 0.1
  done
  if [ "$2" = KILL ]; then pkill -KILL -f "titans-eval --suite $work/long.ini --out $work/$1"; else kill -TERM $pid; fi
  wait $pid
  echo $? > "$work/rc$1"
}
interrupt killed KILL
MPI_NP=3 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/killed" > "$work/logresume" 2>&1 &&
  grep -Eq "resuming attempt 2: [1-7] of 8 units" "$work/logresume" &&
  same "$work/ref/units.csv" "$work/killed/units.csv"
check $? "SIGKILL mid-run, then the same command on 3 ranks: resumes, redoes nothing, same results" "$work/logresume"

interrupt stopped TERM
[ "$(cat "$work/rcstopped")" -ne 0 ] && [ ! -e "$work/stopped/units.csv" ]
check $? "SIGTERM to mpirun ends the run, non-zero, before its tables" "$work/logstopped"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/stopped" > "$work/logresume2" 2>&1 &&
  grep -q "resuming attempt 2" "$work/logresume2" &&
  same "$work/ref/units.csv" "$work/stopped/units.csv"
check $? "after SIGTERM the same command finishes with the uninterrupted results" "$work/logresume2"
