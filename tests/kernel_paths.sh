#!/bin/sh
# The golden tests and the path agreement tests under every kernel implementation this CPU has
# (TITANS_KERNELS=portable|avx2|avx512; the plain runs of those tests use the best one), and
# titans-bench on a tiny checkpoint under each: it runs, and its CSV names the kernels it used
# (no speed is asserted: CI machines vary).
. "$(dirname "$0")/lib.sh"
echo "1..10"
has() { case $1 in portable) true ;; avx2) grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo ;;
        avx512) grep -qw avx512f /proc/cpuinfo ;; esac; }
for k in portable avx2 avx512; do
  if ! has $k; then
    for t in golden paths bench; do n=$((n + 1)); echo "ok $n - # SKIP this CPU has no $k ($t)"; done
    continue
  fi
  for t in test_golden test_memory_paths; do
    TITANS_KERNELS=$k ./tests/$t > "$work/$t.log" 2>&1
    check $? "$t with TITANS_KERNELS=$k" "$work/$t.log"
  done
  TITANS_KERNELS=$k ./titans-bench --checkpoint "$fixtures/mixed.h5" --lengths 40 --decode 3 \
    > "$work/bench.csv" 2>&1
  rc=$?
  [ $rc = 0 ] && [ "$(wc -l < "$work/bench.csv")" = 2 ] &&
    [ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "kernels") c = i } NR == 2 { print $c }' "$work/bench.csv")" = "$k" ]
  check $? "titans-bench runs with TITANS_KERNELS=$k and reports it" "$work/bench.csv"
done

# a cluster whose nodes differ (one rank told to use the portable kernels, as a node without
# AVX2 would): every rank uses the kernels all have, so the records are those of a portable run
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
  mpirun -np 1 env TITANS_KERNELS=portable ./titans-eval --suite "$fixtures/../smoke.ini" --out "$work/mixed" \
  --progress none : -np 1 ./titans-eval --suite "$fixtures/../smoke.ini" --out "$work/mixed" --progress none \
  > "$work/mixed.log" 2>&1 &&
  TITANS_KERNELS=portable MPI_NP=1 $LAUNCH $EVAL --suite "$fixtures/../smoke.ini" --out "$work/port" --progress none \
  >> "$work/mixed.log" 2>&1 &&
  grep -q "kernels.portable" "$work/mixed/journal/attempt-1.identity" && same "$work/mixed/units.csv" "$work/port/units.csv"
check $? "ranks whose CPUs differ agree on the kernels all have: the records of a portable run" "$work/mixed.log"
