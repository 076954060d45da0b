#!/bin/sh
# Replays every fuzz target's seed corpus (tests/fuzz/corpus/<target>/) and the inputs of every
# crash fuzzing found (tests/fuzz/regress/<target>/) through the normal build: the programs
# fuzz/replay/replay_<target> that make check builds from the harnesses and the project's
# libraries (tests/fuzz/fuzz.mk). An input that crashes, trips a sanitizer (in the sanitizer
# build) or breaks a harness's invariant fails its target. Emits TAP, one line per target.
set -u
src=${TITANS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
targets=${FUZZ_TARGETS:?FUZZ_TARGETS is set by make check}
work=$(mktemp -d "${TMPDIR:-/tmp}/titans-fuzz-replay.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
echo "1..$(echo $targets | wc -w)"
for t in $targets; do
  n=$((n + 1))
  prog=fuzz/replay/replay_$t
  set -- "$src/tests/fuzz/corpus/$t"
  [ -d "$src/tests/fuzz/regress/$t" ] && set -- "$@" "$src/tests/fuzz/regress/$t"
  if [ ! -x "$prog" ]; then
    echo "not ok $n - $t: no $prog (make check builds it)"
    continue
  fi
  "$prog" "$@" > "$work/out" 2>&1
  rc=$?
  inputs=$(grep -c '^ok ' "$work/out")
  if [ $rc -eq 0 ] && ! grep -q '^not ok' "$work/out"; then
    echo "ok $n - $t: $inputs inputs replayed"
  else
    echo "not ok $n - $t: exit $rc after $inputs inputs"
    tail -40 "$work/out" | sed 's/^/# /'
  fi
done
