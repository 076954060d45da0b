#!/bin/sh
# Regenerates every committed table and figure in results/ with the project's own commands: each
# suite into results/<suite> (a fresh run: --restart), then the figures and summaries, then the
# tables that are not suites (the schedule, the checkpoint list, trainability and stability).
# About an hour on 2 cores (the suites' times are in the README). Run from the build folder.
#
#   scripts/results.sh                   everything
#   scripts/results.sh sniah babilong    some of it (suite names, or schedule, checkpoints,
#                                        trainability, stability, bf16)
#   NP=4 DATA=/path/to/datasets scripts/results.sh
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
NP=${NP:-2}
MPIRUN=${MPIRUN:-mpirun}
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
EVAL=${EVAL:-./titans-eval}
PY=${PYTHON:-/usr/bin/python3}
suites=${*:-quick sniah-512 table2-sniah sniah sniah-beyond ruler table5-ablation babilong forecast genomics
  schedule checkpoints trainability stability bf16}
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

# what bf16 weights cost (--weights bf16): suites of the trained checkpoints run with float32 and
# with bf16 weights, compared unit by unit (scripts/compare_runs.py) into results/bf16/SUITE.md;
# the runs themselves stay in results/bf16/{float32,bf16}/SUITE (not committed)
bf16() {
  for s in ${BF16_SUITES:-sniah-512 sniah sniah-beyond table5-ablation genomics forecast}; do
    times=
    for w in float32 bf16; do
      start=$(date +%s)
      $MPIRUN -np "$NP" "$EVAL" -s "$s" -d "$DATA" -o "$here/bf16/$w/$s" -w $w --restart --progress none > /dev/null
      times="$times${times:+ and }$w ($(( $(date +%s) - start )) s)"
    done
    { echo "# $s: float32 against bf16 weights"
      echo
      echo "Commands: \`$MPIRUN -np $NP $EVAL -s $s -d $DATA -o $here/bf16/W/$s -w W --restart\` for W = $times,"
      echo "then \`scripts/compare_runs.py\` on their units.csv; commit"
      echo "$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), $($EVAL --version 2>/dev/null | head -1)."
      echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(getconf _NPROCESSORS_ONLN) cores; engine: $(sed -n 's/^- Engine: //p' "$here/bf16/bf16/$s/tables.md")."
      echo
      "$PY" "$src/scripts/compare_runs.py" "$here/bf16/float32/$s/units.csv" "$here/bf16/bf16/$s/units.csv" --labels float32,bf16
    } > "$here/bf16/$s.md"
  done
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
    bf16) bf16 ;;
    *) suite "$s" ;;
  esac
done
