#!/bin/sh
# Rank 0's per-run costs at scale (issue 15): a plan of about 10^6 units (the forecasting datasets
# at every horizon, seven built-in forecasters, every test window: cheap units, so the harness's
# own costs show), run at NP ranks, then again over its complete journal (the resume path: journal
# scan and write only). Prints titans-eval's per-phase seconds and rank 0's peak RSS, and the
# sizes of what it wrote.
#
#   scripts/scale_rank0.sh [NP...]          (from the build folder; default NP: 2 8)
#   MODELS=1 scripts/scale_rank0.sh 2        (one forecaster: a seventh of the units)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$src/../shared/datasets}
EVAL=${EVAL:-./titans-eval}
MPIRUN=${MPIRUN:-mpirun --oversubscribe}
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ printf '[suite]\nname = scale\n'
  for i in $(seq 1 "${MODELS:-7}"); do
    printf '[model.f%d]\nforecaster = %s\n' $i "$([ $((i % 2)) -eq 1 ] && echo naive-last || echo naive-mean)"
  done
  printf '[task.f]\nfamily = forecast\nvariants = ETTh1, ETTh2, ETTm1, ETTm2, weather\nlengths = 96, 192, 336, 720\nmodels = *\n'
} > "$tmp/scale.ini"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for np in ${*:-2 8}; do
  for pass in run resume; do
    $MPIRUN -np "$np" "$EVAL" -s "$tmp/scale.ini" -d "$DATA" -o "$tmp/out$np" \
      --progress none > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
    units=$(sed -n 's/^titans-eval: suite .*), \([0-9]*\) units on.*/\1/p' "$tmp/log")
    echo "np $np, $pass: $units units; $(sed -n 's/^titans-eval: seconds by phase on rank 0: //p' "$tmp/log"); journal $(du -sm "$tmp/out$np/journal" | cut -f1) MiB, results.h5 $(du -m "$tmp/out$np/results.h5" | cut -f1) MiB, units.csv $(du -m "$tmp/out$np/units.csv" | cut -f1) MiB"
  done
done
