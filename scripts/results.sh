#!/bin/sh
# Regenerates every committed table and figure in results/ with the project's own commands: each
# suite into results/<suite> (a fresh run: --restart), then the figures and summaries, then the
# tables that are not suites (the schedule, the checkpoint list, trainability and stability).
# About an hour on 2 cores (the suites' times are in the README). Run from the build folder.
#
#   scripts/results.sh                   everything
#   scripts/results.sh sniah babilong    some of it (suite names, or schedule, checkpoints,
#                                        trainability, stability)
#   NP=4 DATA=/path/to/datasets scripts/results.sh
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
NP=${NP:-2}
MPIRUN=${MPIRUN:-mpirun}
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
EVAL=${EVAL:-./titans-eval}
PY=${PYTHON:-/usr/bin/python3}
suites=${*:-quick sniah-512 table2-sniah sniah sniah-beyond ruler table5-ablation babilong forecast genomics
  schedule checkpoints trainability stability}
# relative to the repository root when run from it: the tables quote the command as run
root=
[ "$src" = "$(pwd)" ] || root=$src/
here=${root}results
DATA=${DATA:-${root}../shared/datasets}

suite() {
  s=$1 out=$here/$1
  if [ "$s" = quick ]; then  # the README's main command: no data directory
    TITANS_DATA= $MPIRUN -np "$NP" "$EVAL" -s quick -d "" -o "$out" --restart --progress none
  else
    $MPIRUN -np "$NP" "$EVAL" -s "$s" -d "$DATA" -o "$out" --restart --progress none
  fi
  case $s in
    sniah|sniah-beyond|babilong|forecast) sh "$src/scripts/plot.sh" "$out" ;;
  esac
  case $s in
    babilong) sh "$src/scripts/babilong_summary.sh" "$out" > "$out/summary.md" ;;
    forecast) sh "$src/scripts/forecast_vs_paper.sh" "$out" > "$out/vs-paper.md" ;;
  esac
}

# float32 engine against float64 reference: every byte-level checkpoint on its own task's prompts
stability() {
  out=$here/stability
  "$PY" "${root}scripts/stability.py" --data-dir "$DATA" --out "$out/sniah" "${root}"checkpoints/sniah/*.h5
  "$PY" "${root}scripts/stability.py" --family babilong --data-dir "$DATA" --out "$out/babilong" \
    "${root}"checkpoints/babilong/*.h5
}

for s in $suites; do
  case $s in
    schedule) EVAL=$EVAL DATA=$DATA sh "$src/scripts/schedule_report.sh" > "$here/schedule/schedule.md" ;;
    checkpoints) "$PY" "$src/scripts/train/summary.py" > "$here/checkpoints.md" ;;
    trainability)
      "$PY" "$src/scripts/train/trainability.py" --data-dir "$DATA" --tool ./titans-data --out "$here/trainability"
      "$PY" "$src/scripts/train/trainability.py" --variants mac --init wh0 wh0+conv --lengths 2048 8192 \
        --seeds 3 4 5 6 7 8 9 10 11 12 --data-dir "$DATA" --tool ./titans-data --out "$here/trainability/mac-seeds" ;;
    stability) stability ;;
    *) suite "$s" ;;
  esac
done
