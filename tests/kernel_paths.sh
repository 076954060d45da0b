#!/bin/sh
# The golden tests and the path agreement tests under every kernel implementation this CPU has
# (TITANS_KERNELS=portable|avx2|avx512; the plain runs of those tests use the best one), and
# titans-bench on a tiny checkpoint under each: it runs, and its CSV names the kernels it used
# (no speed is asserted: CI machines vary).
. "$(dirname "$0")/lib.sh"
echo "1..9"
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
  [ $rc = 0 ] && [ "$(wc -l < "$work/bench.csv")" = 2 ] && tail -1 "$work/bench.csv" | grep -q ",$k\$"
  check $? "titans-bench runs with TITANS_KERNELS=$k and reports it" "$work/bench.csv"
done
