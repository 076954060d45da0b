#!/bin/sh
# The sanitizer build (docs/testing.md): builds a copy of the working tree with AddressSanitizer
# and UndefinedBehaviorSanitizer (-fno-sanitize-recover=all: any UB report fails) and runs the whole
# make check under them, with the suppressions of tests/sanitizers/ (Open MPI's and HDF5's own
# leaks, each entry justified there). The copy (tracked files and untracked ones git does not
# ignore) is built out of the way, in a temporary folder, so the in-tree build of the README's
# commands is left as it is.
#
#   scripts/sanitize-check.sh [--keep DIR] [-- MAKE_CHECK_ARGS...]
#
# --keep DIR builds in DIR (made or emptied) and leaves it there; otherwise a temporary folder is
# removed at the end. TITANS_DATA is passed on (default: ../shared/datasets beside the checkout
# when present), so the tests on real data run sanitized too. The reference self-tests (pure
# Python) are left out: they run no C. Prints make check's lines and its summary; exit status is
# make check's (or the build's).
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --keep) dir=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--keep DIR] [-- MAKE_CHECK_ARGS...]" >&2; exit 2 ;;
  esac
done
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/titans-sanitize.XXXXXX") || exit 1
  trap 'rm -rf "$dir"' EXIT
else
  rm -rf "$dir" && mkdir -p "$dir" || exit 1
  dir=$(cd "$dir" && pwd)
fi
if [ -z "${TITANS_DATA:-}" ] && [ -d "$src/../shared/datasets" ]; then
  TITANS_DATA=$(cd "$src/../shared/datasets" && pwd)
fi
export TITANS_DATA="${TITANS_DATA:-}"

# the copy: what git would commit now, without build products
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
   tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$dir" || {
  echo "sanitize-check: cannot copy the working tree (is $src a git checkout?)"; exit 1; }

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
# ASan: stop at the first error; leaks checked at exit (LSan) with the suppressions. UBSan: stop
# at the first report with a stack. Sanitizer output goes to stderr, into each test's log.
# (strict_string_checks is left off: it makes every strchr scan its whole string, and the loaders'
# line loops quadratic: minutes per data file.) MPI programs (started by tests/mpi-launch.sh)
# unwind allocation stacks the slow, complete way: Open MPI is built without frame pointers, and
# the fast unwinder stops in its first frame, where no suppression can name it.
ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1"
MPI_ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
LSAN_OPTIONS="suppressions=$dir/tests/sanitizers/lsan.supp:print_suppressions=0"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$dir/tests/sanitizers/ubsan.supp"
export ASAN_OPTIONS MPI_ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

cd "$dir" || exit 1
log=$dir/sanitize-build.log
if ! { autoreconf -fi && ./configure PYTHON=false CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN" \
         LDFLAGS="$SAN" TITANS_DATA="$TITANS_DATA" && make -j2; } > "$log" 2>&1; then
  echo "sanitize-check: the sanitizer build failed:"
  tail -30 "$log"
  exit 1
fi
make -j2 check "$@" > check.out 2>&1
rc=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP)|^# ' check.out
if [ $rc -ne 0 ]; then
  for f in $(find . -name '*.log' ! -name test-suite.log ! -name config.log ! -name sanitize-build.log); do
    grep -lqE 'ERROR: (Address|Leak)Sanitizer|runtime error:|^not ok|^ERROR' "$f" 2>/dev/null || continue
    echo "---- $f"
    grep -E -m1 -A25 'ERROR: (Address|Leak)Sanitizer|runtime error:|^not ok' "$f"
  done
fi
exit $rc
