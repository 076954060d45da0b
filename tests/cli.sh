#!/bin/sh
# The command line a researcher uses (issue 12): --help grouped with defaults and examples,
# --version, --list; -s by name; selecting tasks and models by glob, samples per cell, -O
# overrides of suite keys and --checkpoint without a suite edit, each checked on the plan it
# makes (--dry-run) or the tables it writes; mistakes in them refused with one clear message;
# the default output folder under runs/. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
SMOKE=$fixtures/../smoke.ini
echo "1..15"
units() { sed -n 's/^titans-eval: suite .*), \([0-9]*\) units on.*/\1/p' "$1"; }
plan() { out=$1; shift; MPI_NP=2 $LAUNCH $EVAL --suite "$SMOKE" --dry-run --out "$work/$out" "$@" > "$work/$out.log" 2>&1; }

MPI_NP=1 $LAUNCH $EVAL --help > "$work/help" 2>&1 &&
  grep -q '^Selecting what runs:' "$work/help" && grep -q '^Output and resume:' "$work/help" &&
  grep -q -- '--samples N .*(default: the suite.s)' "$work/help" && grep -q '^Examples:' "$work/help"
check $? "--help: grouped, defaults from the option table, examples" "$work/help"
MPI_NP=1 $LAUNCH $EVAL --version > "$work/version" 2>&1 && grep -Eq '^titans-eval [0-9.]+ \(commit ([0-9a-f]{7,}|unknown)' "$work/version"
check $? "--version: version and commit" "$work/version"
MPI_NP=1 $LAUNCH $EVAL --list --suite "$SMOKE" > "$work/list" 2>&1 &&
  grep -Eq '^  babilong +qa1 \.\. qa20' "$work/list" && grep -Eq '^  quick +The default suite' "$work/list" &&
  [ "$(grep -c '^  [a-z0-9-]* ' "$work/list")" -ge 14 ] &&
  grep -Eq '^    mixed +.*fixtures/mixed.h5' "$work/list" && grep -Eq '^    babilong +babilong +qa1,qa2 at 0 2K, 2 samples' "$work/list"
check $? "--list: families, the suites of evals/ with a line each, the suite's models and tasks" "$work/list"
MPI_NP=1 $LAUNCH $EVAL --list -s quick > "$work/list2" 2>&1 && grep -q '^Suite quick (.*evals/quick.ini)' "$work/list2"
check $? "-s NAME finds evals/NAME.ini" "$work/list2"

plan all && [ "$(units "$work/all.log")" -eq 40 ]
check $? "the smoke plan: 40 units (24 S-NIAH, 16 BABILong)" "$work/all.log"
plan tasks --tasks 'bab*' && [ "$(units "$work/tasks.log")" -eq 16 ]
check $? "--tasks by glob: the BABILong task's 16 units" "$work/tasks.log"
plan models --models mag && [ "$(units "$work/models.log")" -eq 20 ]
check $? "--models by name: the mag model's 20 units" "$work/models.log"
plan samples --samples 1 && [ "$(units "$work/samples.log")" -eq 20 ]
check $? "--samples 1: one sample per cell, 20 units" "$work/samples.log"
plan over -O task.sniah.lengths=1k -O task.babilong.variants=qa1 && [ "$(units "$work/over.log")" -eq 20 ]
check $? "-O section.key=value on two keys: 12 S-NIAH + 8 BABILong units" "$work/over.log"
expect_failure 2 "$work/bad-glob" "--tasks matching nothing: refused, the suite's tasks named" \
  "--tasks 'nothing\\*': matches nothing in the suite \\(it has: sniah, babilong\\)" --suite "$SMOKE" --tasks 'nothing*'
expect_failure 2 "$work/bad-O" "-O on a section the suite lacks: refused, the section named" \
  "-O task.nope.samples=1: the suite has no section \\[task.nope\\]" --suite "$SMOKE" -O task.nope.samples=1
expect_failure 2 "$work/bad-weights" "--weights fp16: refused, the choices named" \
  "--weights: 'fp16' is not float32 or bf16" --suite "$SMOKE" --weights fp16

# --checkpoint: the given files instead of the suite's models, columns named from NAME= or the file
MPI_NP=2 $LAUNCH $EVAL --suite "$SMOKE" --checkpoint mine="$fixtures/mal.h5" --checkpoint "$fixtures/swa.h5" \
  --samples 1 --tasks babilong --out "$work/ckpt" > "$work/ckpt.log" 2>&1 &&
  grep -q '^| mine | qa1 ' "$work/ckpt/tables.md" && grep -q '^| swa | qa1 ' "$work/ckpt/tables.md" &&
  ! grep -q '^| mixed ' "$work/ckpt/tables.md" && h5dump -a /options "$work/ckpt/results.h5" | grep -q 'checkpoint = mine='
check $? "--checkpoint NAME=FILE and FILE: their own columns, echoed in the provenance" "$work/ckpt.log"

# the default output folder: runs/<suite> under the current folder, never results/
mkdir -p "$work/cwd"
(cd "$work/cwd" && MPI_NP=2 "$OLDPWD/$LAUNCH" "$OLDPWD/$EVAL" --suite "$SMOKE" --limit 2) > "$work/cwd.log" 2>&1 &&
  [ -s "$work/cwd/runs/smoke/tables.md" ] && [ ! -e "$work/cwd/results" ]
check $? "no --out: the run writes runs/<suite>/" "$work/cwd.log"

# a changed selection into the same folder: the records are not reused under other options
MPI_NP=2 $LAUNCH $EVAL --suite "$SMOKE" --samples 1 --tasks babilong --out "$work/ckpt" \
  --checkpoint mine="$fixtures/mal.h5" > "$work/ckpt2.log" 2>&1 &&
  grep -q "made with other inputs .*option checkpoint: " "$work/ckpt2.log"
check $? "another --checkpoint list into the same folder: the change is named and the units run again" "$work/ckpt2.log"
