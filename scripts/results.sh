#!/bin/sh
# Regenerates every committed table and figure in results/ with the project's own commands: each
# suite into results/<suite> (a fresh run: --restart), then the figures and summaries. About 35
# minutes on 2 cores (the suites' times are in the README). Run from the build folder.
#
#   scripts/results.sh                   every suite
#   scripts/results.sh sniah babilong    some of them
#   NP=4 DATA=/path/to/datasets scripts/results.sh
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
NP=${NP:-2}
DATA=${DATA:-$src/../shared/datasets}
MPIRUN=${MPIRUN:-mpirun}
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
EVAL=${EVAL:-./titans-eval}
suites=${*:-quick sniah-512 table2-sniah sniah table5-ablation babilong forecast genomics}
for s in $suites; do
  out=$src/results/$s
  if [ "$s" = quick ]; then  # the README's main command: no data directory
    TITANS_DATA= $MPIRUN -np "$NP" "$EVAL" -s quick -d "" -o "$out" --restart --progress none
  else
    $MPIRUN -np "$NP" "$EVAL" -s "$s" -d "$DATA" -o "$out" --restart --progress none
  fi
  case $s in
    sniah|babilong|forecast) sh "$src/scripts/plot.sh" "$out" ;;
  esac
  case $s in
    babilong) sh "$src/scripts/babilong_summary.sh" "$out" > "$out/summary.md" ;;
    forecast) sh "$src/scripts/forecast_vs_paper.sh" "$out" > "$out/vs-paper.md" ;;
  esac
done
