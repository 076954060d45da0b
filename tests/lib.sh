# Shared by the shell tests (sourced, from the build folder): the programs, a scratch folder
# (removed at exit), TAP output and small builders of suites and data folders.
EVAL=./titans-eval
LAUNCH=tests/mpi-launch.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/titans-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fixtures=$(cd "$(dirname "$0")/fixtures" && pwd)
n=0
check() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$3"; fi; }
# every column but seconds (12) and rank (13)
same() { cut -d, -f1-11,14- "$1" > "$work/a"; cut -d, -f1-11,14- "$2" > "$work/b"; cmp -s "$work/a" "$work/b"; }

# expect_failure NP OUT DESCRIPTION REGEX [ARGS...]: titans-eval ARGS --out OUT on NP ranks fails
# (non-zero, before MPIEXEC_TIMEOUT: a hang fails the test), prints exactly one "titans-eval:"
# line on stderr, matching the extended REGEX, before Open MPI's banner of a non-zero exit and
# with no MPI_Abort, and leaves OUT's results.h5 and tables.md as they were (absent, or an
# earlier run's). odls_base_sigkill_timeout=0 skips Open MPI's 1 s grace
# before it reaps a job that exited non-zero.
expect_failure() {
  np=$1 out=$2 desc=$3 re=$4
  shift 4
  before=$(cat "$out/results.h5" "$out/tables.md" 2>/dev/null | cksum)
  MPI_NP=$np MPIEXEC_TIMEOUT=30 OMPI_MCA_odls_base_sigkill_timeout=0 \
    $LAUNCH $EVAL "$@" --out "$out" > "$work/fail.out" 2> "$work/fail.err"
  rc=$?
  grep '^titans-eval: ' "$work/fail.err" > "$work/fail.msg"
  first=$(grep -n '^titans-eval: ' "$work/fail.err" | head -1 | cut -d: -f1)
  banner=$(grep -n '^-----' "$work/fail.err" | head -1 | cut -d: -f1)
  [ $rc -ne 0 ] && ! grep -q 'time limit' "$work/fail.err" && [ "$(wc -l < "$work/fail.msg")" -eq 1 ] &&
    [ "${first:-0}" -lt "${banner:-999999}" ] && ! grep -q 'MPI_ABORT' "$work/fail.err" &&
    grep -Eq -e "$re" "$work/fail.msg" && [ "$(cat "$out/results.h5" "$out/tables.md" 2>/dev/null | cksum)" = "$before" ]
  check $? "$desc" "$work/fail.err"
}
# suite NAME MODEL TASK: $work/NAME.ini with one model m (MODEL: "checkpoint = PATH" or
# "forecaster = naive-last") and one task t (TASK: its family, variants and lengths lines, \n
# between them) running m on 2 samples per cell.
suite() { printf '[suite]\nname = %s\n[model.m]\n%s\n[task.t]\n%b\nsamples = 2\nmodels = m\n' "$1" "$2" "$3" > "$work/$1.ini"; }
# ett_rows N: an ETTh1-shaped CSV (TSLib's layout), the header and N rows of 7 channels.
ett_rows() {
  awk -v n="$1" 'BEGIN { print "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT"
    for (i = 0; i < n; i++) printf "2016-07-01 %02d:00:00,%.3f,2.009,1.599,0.462,4.203,1.340,%.3f\n", i % 24, 5 + sin(i), 30 + cos(i) }'
}
# ett_dir NAME: a data folder $work/NAME whose ETT-small/ETTh1.csv is stdin.
ett_dir() { mkdir -p "$work/$1/ETT-small" && cat > "$work/$1/ETT-small/ETTh1.csv"; }
# gue_dir NAME: a data folder $work/NAME whose gue_prom_core/prom/test.csv is stdin.
gue_dir() { mkdir -p "$work/$1/gue_prom_core/prom" && cat > "$work/$1/gue_prom_core/prom/test.csv"; }

