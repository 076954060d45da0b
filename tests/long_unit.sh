#!/bin/sh
# Long units survive walltime (issue 15): a 2M-byte S-NIAH unit saves its sequence state after
# every 64K-token piece (--save-interval 0); the run is killed with SIGKILL at three moments inside
# the unit, and each time the same command goes on from the unit's last saved state, not its first
# token, and ends with the record of an uninterrupted run (every field but the seconds); the saved
# states are gone once the record is journaled. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
echo "1..4"
printf '[suite]\nname = long\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 2m\nsamples = 1\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/long.ini"
run() { MPI_NP=1 $LAUNCH $EVAL --suite "$work/long.ini" --save-interval 0 --progress none --out "$work/$1" >> "$work/$1.log" 2>&1; }
record() { cut -d, -f1-11,13- "$1/units.csv"; } # all but the seconds
run ref && [ -z "$(ls "$work/ref/journal" | grep '^unit-')" ]
check $? "an uninterrupted 2M unit, its saved states removed at the end" "$work/ref.log"
for k in 1 2 3; do
  out=kill$k
  MPI_NP=1 $LAUNCH $EVAL --suite "$work/long.ini" --save-interval 0 --progress none --out "$work/$out" > "$work/$out.log" 2>&1 &
  pid=$!
  for i in $(seq 1 600); do [ -e "$work/$out/journal/unit-0.state" ] && break; sleep 0.05; done
  sleep "$(awk -v k=$k 'BEGIN { print 0.1 + 0.3 * (k - 1) }')"
  pkill -KILL -f "titans-eval --suite $work/long.ini .*--out $work/$out"; wait $pid 2> /dev/null
  run $out && grep -q "unit 0 went on from token [1-9][0-9]* of its saved state" "$work/$out.log" &&
    [ "$(record "$work/$out")" = "$(record "$work/ref")" ] && [ -z "$(ls "$work/$out/journal" | grep '^unit-')" ]
  check $? "killed $(awk -v k=$k 'BEGIN { print 0.1 + 0.3 * (k - 1) }') s after its first save: goes on from its saved state, the same record" "$work/$out.log"
done
