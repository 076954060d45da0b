#!/bin/sh
# Progress as a batch log and a terminal show it (issue 12): lines at least every interval even
# while rank 0 is inside one long unit (TITANS_PROGRESS_SECONDS shortens the 30 s for the test),
# labelled units done beside the percentage of the work; on a suite whose units vary 128x in cost
# (S-NIAH 4K to 512K bytes) the ETA after 20% of the work is within 25% of the true end; and
# under mpirun in tmux a live bar on one line. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
echo "1..3"
mag=$fixtures/mag.h5

# one 2M-byte unit on 1 rank: seconds inside one unit, a line every 0.3 s
printf '[suite]\nname = one\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 2m\nsamples = 1\nmodels = m\n' "$mag" > "$work/one.ini"
TITANS_PROGRESS_SECONDS=0.3 MPI_NP=1 $LAUNCH $EVAL --suite "$work/one.ini" --progress lines --out "$work/one" > "$work/one.log" 2>&1
inside=$(grep -c '^progress: [0-9.]*% of the estimated work, 0/1 units done' "$work/one.log")
[ "$inside" -ge 3 ] && grep -q '^progress: 100.0% of the estimated work, 1/1 units done' "$work/one.log" &&
  [ "$(grep '0/1 units done' "$work/one.log" | sed 's/^progress: \([0-9.]*\)%.*/\1/' | sort -n -c && echo sorted)" = sorted ]
check $? "inside one long unit: $inside lines, rising percentages, units done labelled" "$work/one.log"

# units from 4K to 512K bytes on one rank: the ETA at 20% of the work against the end. The test
# reads rank 0's CPU clock (TITANS_PROGRESS_CLOCK=cpu): make check runs tests side by side, and
# their load would stretch the wall clock midway; the estimator is the same either way.
printf '[suite]\nname = mixed\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 4k, 16k, 64k, 512k\nsamples = 12\nmodels = m\n' "$mag" > "$work/mixed.ini"
TITANS_PROGRESS_CLOCK=cpu TITANS_PROGRESS_SECONDS=0.5 MPI_NP=1 $LAUNCH $EVAL --suite "$work/mixed.ini" --progress lines \
  --out "$work/mixed" > "$work/mixed.log" 2>&1
awk '
  function secs(s,  t) { split(s, t, ":"); return t[1] * 3600 + t[2] * 60 + t[3] }
  $1 == "progress:" { for (i = 1; i <= NF; i++) { if ($i == "elapsed") el = secs($(i + 1)); if ($i == "ETA") eta = secs($(i + 1)) }
    pct = $2 + 0; if (!seen && pct >= 20) { seen = 1; at = pct; predicted = el + eta } last = el }
  END { if (!seen || last <= 0) exit 1; err = (predicted - last) / last
    printf "at %.1f%% of the work: predicted end %d s, actual %d s (CPU), error %.0f%%\n", at, predicted, last, 100 * err
    exit (err < -0.25 || err > 0.25) }' "$work/mixed.log" > "$work/eta"
rc=$?
cat "$work/mixed.log" >> "$work/eta"
check $rc "units varying 128x in cost: $(head -1 "$work/eta")" "$work/eta"

# a live bar under mpirun in a terminal (tmux): one line, redrawn, with the labels
if command -v tmux > /dev/null; then
  tmux -L titans-test new-session -d -s bar -x 150 -y 10 \
    "MPI_NP=2 $LAUNCH $EVAL --suite $work/one.ini --out $work/bar > /dev/null; sleep 30"
  for i in $(seq 1 60); do
    tmux -L titans-test capture-pane -t bar -p > "$work/screen" 2>/dev/null
    grep -q 'units done' "$work/screen" && break
    sleep 0.5
  done
  sleep 2; tmux -L titans-test capture-pane -t bar -p > "$work/screen"
  tmux -L titans-test kill-server 2> /dev/null
  grep -Eq '^\[=*>? *\] +[0-9]+% \| [01]/1 units done \| [0-9]+ tok/s \| elapsed ' "$work/screen" &&
    [ "$(grep -c 'units done' "$work/screen")" -eq 1 ] && ! grep -q '^progress:' "$work/screen"
  check $? "under mpirun in tmux: a live bar on one line" "$work/screen"
else
  n=$((n + 1)); echo "ok $n # SKIP the live bar: no tmux"
fi
