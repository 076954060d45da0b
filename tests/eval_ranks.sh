#!/bin/sh
# titans-eval end to end under MPI (tests/smoke.ini, fixture checkpoints): the same per-unit
# predictions and scores at 1, 2 and 3 ranks; more ranks than units; bad input (a suite with a
# mistake, an unknown option, missing data, broken forecasting and genomics CSVs, unknown families
# and variants, checkpoints that do not fit, missing or corrupt checkpoints, an output folder that
# cannot be made) exits non-zero on every rank with one message naming the file and the line or
# field, without hanging and without writing results; a corrupt results.h5 or a journal with a
# garbage tail left by an earlier run does not stop the next; and a run killed with SIGKILL, or
# stopped with SIGTERM, resumes without redoing finished units and ends with the uninterrupted
# run's results; with no arguments and no data directory, the default suite plans the shipped
# checkpoints and leaves out the tasks that need data. Issue 10's cases are refused at plan time
# with the suite's file, line and key: unbounded work (unit counts and sample sizes past the
# machine's memory, lengths past 64 bits, horizons past an int), a NUL byte, names that would be
# unsafe paths, two mistakes (the first is reported), text lengths no sample fits, and broken
# bAbI, book, word-list and essay files. Needs no data directory. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
SMOKE=$fixtures/../smoke.ini

echo "1..64"
for np in 1 2 3; do
  MPI_NP=$np $LAUNCH $EVAL --suite "$SMOKE" --out "$work/np$np" > "$work/log$np" 2>&1
  echo $? > "$work/rc$np"
done
awk '/^### / { on = /^### sniah/ } on' "$work/np1/tables.md" > "$work/table1"  # the S-NIAH table
[ "$(cat "$work/rc1")" -eq 0 ] && [ -s "$work/np1/units.csv" ] && [ "$(wc -l < "$work/table1")" -gt 4 ] &&
  grep -A 99 '^### sniah' "$work/log1" | head -n "$(wc -l < "$work/table1")" | cmp -s - "$work/table1"
check $? "1 rank runs the smoke suite, writes units.csv and tables.md, and prints the tables" "$work/log1"
if command -v gnuplot > /dev/null; then
  sh "$(dirname "$0")/../scripts/plot.sh" "$work/np1" "$work/plots" > "$work/logplot" 2>&1 &&
    [ "$(ls "$work/plots"/sniah-grid-*.png | wc -l)" -eq 2 ] && [ -s "$work/plots/babilong.png" ] &&
    [ "$(head -c 4 "$work/plots/babilong.png" | od -An -c | tr -d ' ')" = "211PNG" ]
  check $? "scripts/plot.sh draws the S-NIAH grid per model and the BABILong curves as PNG" "$work/logplot"
else
  n=$((n + 1)); echo "ok $n # SKIP scripts/plot.sh: no gnuplot"
fi
# scripts/babilong_summary.sh on a units.csv whose means and floor are known: model x scores 1/2
# at length 0 and 2/2 at 2K; qa1's most common answer is "a" (3 of 4), 2/2 at 0 and 1/2 at 2K
mkdir -p "$work/bl"
{ echo 'unit,task,family,model,variant,length,depth,sample,score,tokens,seconds,rank,prediction,target'
  echo '0,t,babilong,x,qa1,0,-1,0,1,9,0.1,0,"a","a"'; echo '1,t,babilong,x,qa1,0,-1,1,0,9,0.1,0,"b","a"'
  echo '2,t,babilong,x,qa1,2048,-1,0,1,9,0.1,0,"a","a"'; echo '3,t,babilong,x,qa1,2048,-1,1,1,9,0.1,0,"b","b"'
  echo '4,t,sniah,x,s-niah-1,1024,-1,0,1,9,0.1,0,"1","1"'; } > "$work/bl/units.csv"
sh "$(dirname "$0")/../scripts/babilong_summary.sh" "$work/bl" > "$work/bl.md" 2>&1 &&
  grep -qx '| model | 0 | 2K |' "$work/bl.md" && grep -qx '| x | 50 | 100 |' "$work/bl.md" &&
  grep -qx "| each task's most common answer | 100 | 50 |" "$work/bl.md"
check $? "scripts/babilong_summary.sh: the mean over tasks per model and length, and the fixed-answer floor" "$work/bl.md"
[ "$(cat "$work/rc2")" -eq 0 ] && same "$work/np1/units.csv" "$work/np2/units.csv"
check $? "2 ranks: identical predictions and scores" "$work/log2"
[ "$(cat "$work/rc3")" -eq 0 ] && same "$work/np1/units.csv" "$work/np3/units.csv"
check $? "3 ranks: identical predictions and scores" "$work/log3"

units=$(($(wc -l < "$work/np3/units.csv") - 1))
h5dump -a /world_size "$work/np3/results.h5" 2>&1 | grep -q "(0): 3" &&
  h5dump -H -d /units/score "$work/np3/results.h5" 2>&1 | grep -q "( $units )" &&
  [ ! -e "$work/np3/results.h5.tmp" ]
check $? "results.h5: world size, one score per unit, no temporary left" "$work/log3"

MPI_NP=3 $LAUNCH $EVAL --suite "$SMOKE" --limit 2 --out "$work/few" > "$work/logfew" 2>&1 &&
  [ "$(wc -l < "$work/few/units.csv")" -eq 3 ]
check $? "3 ranks, 2 units: the idle rank is fine" "$work/logfew"

# the README's main command: no arguments, no data directory (plan only: the full run is minutes)
TITANS_DATA= MPI_NP=2 $LAUNCH $EVAL --dry-run --out "$work/default" > "$work/logdefault" 2>&1 &&
  grep -q '^titans-eval: skipping tasks sniah-essay, dna, ETTh1 (no data directory: -d DIR or TITANS_DATA)$' "$work/logdefault" &&
  grep -Eq '^titans-eval: suite quick \(.*/evals/quick\.ini\), [1-9][0-9]* units on 2 ranks' "$work/logdefault"
check $? "no arguments, no data directory: the default suite plans the shipped checkpoints, skips the data tasks" "$work/logdefault"
printf '[suite]\nname = dataonly\n[model.n]\nforecaster = naive-last\n[task.t]\nfamily = forecast\nvariants = ETTh1\nlengths = 96\nmodels = n\nwithout-data = skip\n' > "$work/dataonly.ini"
expect_failure 2 "$work/dataonly" "every task skipped without data: non-zero exit, clear message" \
  'every task of the suite needs a data directory' --suite "$work/dataonly.ini" --data-dir ""

printf '[suite]\nname = bad\n[task.x]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k\nsamples = 1\nmodels = nobody\n' > "$work/bad.ini"
expect_failure 2 "$work/bad" "a suite mistake: non-zero exit, file:line and key named" \
  'bad\.ini:8: \[task\.x\] models: no section \[model\.nobody\]' --suite "$work/bad.ini"
expect_failure 2 "$work/opt" "an unknown option: non-zero exit and a message" 'unknown option' --no-such-option
suite nodata "checkpoint = $fixtures/mixed.h5" 'family = sniah\nvariants = s-niah-2\nlengths = 1k'
expect_failure 2 "$work/nodata" "a task that needs the data directory without one: non-zero exit, clear message" \
  'needs the essay haystack' --suite "$work/nodata.ini" --data-dir ""

# ---- bad input: each case fails with one message naming the file and the line or field, and
# writes no results
suite ett 'forecaster = naive-last' 'family = forecast\nvariants = ETTh1\nlengths = 96'
ett_rows 2999 | head -c -30 | ett_dir ett-cut
expect_failure 2 "$work/ett-cut" "forecast CSV cut mid-row: file and line named" \
  'ett-cut/ETT-small/ETTh1\.csv:3000: truncated last line' --suite "$work/ett.ini" --data-dir "$work/ett-cut"
ett_rows 2999 | sed '41s/,2\.009,/,2.0O9,/' | ett_dir ett-text
expect_failure 2 "$work/ett-text" "forecast CSV with a non-numeric field: file, line and column named" \
  "ETTh1\\.csv:41: non-numeric value '2\\.0O9' in column 3 \\(HULL\\)" --suite "$work/ett.ini" --data-dir "$work/ett-text"
ett_rows 2999 | sed '42s/,[^,]*$//' | ett_dir ett-few
expect_failure 2 "$work/ett-few" "forecast CSV row with too few fields: file and line named" \
  'ETTh1\.csv:42: wrong field count: expected 8, found 7' --suite "$work/ett.ini" --data-dir "$work/ett-few"
ett_rows 2999 | ett_dir ett-short
expect_failure 2 "$work/ett-short" "forecast CSV too short for TSLib's ETTh splits: rows needed and found" \
  'ETTh1\.csv: ETTh1 needs at least 14400 rows, found 2999' --suite "$work/ett.ini" --data-dir "$work/ett-short"

suite gue "checkpoint = $fixtures/dna_cls.h5" 'family = genomics\nvariants = prom'
printf 'sequence,label\nACGTACGT,0\nACGTAUGT,1\n' | gue_dir gue-base
expect_failure 2 "$work/gue-base" "genomics CSV with a bad base: file, line and position named" \
  "prom/test\\.csv:3: invalid base 'U' at position 6" --suite "$work/gue.ini" --data-dir "$work/gue-base"
printf 'sequence,label\nACGTACGT,0\nACGTACGT,\n' | gue_dir gue-label
expect_failure 2 "$work/gue-label" "genomics CSV row without its label: file and line named" \
  'prom/test\.csv:3: missing label' --suite "$work/gue.ini" --data-dir "$work/gue-label"
printf 'sequence,label\nACGTACGT,0\nACG\000ACGT,1\n' | gue_dir gue-nul
expect_failure 2 "$work/gue-nul" "genomics CSV with a NUL byte (a corrupt copy): file and line named" \
  'prom/test\.csv:3: NUL byte' --suite "$work/gue.ini" --data-dir "$work/gue-nul"

suite family 'forecaster = naive-last' 'family = timeseries\nvariants = ETTh1\nlengths = 96'
expect_failure 2 "$work/family" "an unknown task family: suite file, line and key named" \
  "family\\.ini:6: \\[task\\.t\\] family: 'timeseries' is not" --suite "$work/family.ini"
suite etth9 'forecaster = naive-last' 'family = forecast\nvariants = ETTh9\nlengths = 96'
expect_failure 2 "$work/etth9" "an unknown forecasting variant (ETTh9): suite, task and name" \
  "etth9\\.ini:7: \\[task\\.t\\] variants: 'ETTh9' at horizon 96: unknown forecasting dataset 'ETTh9'" --suite "$work/etth9.ini" --data-dir "$work/ett-short"
suite sniah7 "checkpoint = $fixtures/mag.h5" 'family = sniah\nvariants = s-niah-7\nlengths = 1k'
expect_failure 2 "$work/sniah7" "an unknown S-NIAH variant (s-niah-7): suite, task and name" \
  "sniah7\\.ini:7: \\[task\\.t\\] variants: unknown NIAH task 's-niah-7'" --suite "$work/sniah7.ini"
suite qa21 "checkpoint = $fixtures/mag.h5" 'family = babilong\nvariants = qa21\nlengths = 1k'
expect_failure 2 "$work/qa21" "an unknown BABILong variant (qa21): suite, task and name" \
  "qa21\\.ini:7: \\[task\\.t\\] variants: 'qa21' is not qa1 \\.\\. qa20" --suite "$work/qa21.ini"

suite dna-text "checkpoint = $fixtures/dna_cls.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 2 "$work/dna-text" "a DNA classifier listed for S-NIAH: suite, task, model and why" \
  "dna-text\\.ini:10: \\[task\\.t\\] models: model 'm': text tasks need a bytes/lm checkpoint" --suite "$work/dna-text.ini"
suite horizon "checkpoint = $fixtures/series_forecast.h5" 'family = forecast\nvariants = ETTh1\nlengths = 192'
expect_failure 2 "$work/horizon" "a forecaster of another horizon than the task's: model and its horizon named" \
  "horizon\\.ini:10: \\[task\\.t\\] models: model 'm': its head forecasts 12 steps" --suite "$work/horizon.ini"

# ---- issue 10: suites that asked for unbounded work, names that became paths, and mistakes in
# the text data, each refused at plan time (before any unit, also under --dry-run) with the
# suite's file, line and key and the limit
printf '[suite]\nname = many\n[model.m]\ncheckpoint = %s\n[task.t]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k, 2k, 4k, 8k\ndepths = 0, 0.25, 0.5, 0.75, 1\nsamples = 40000000\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/many.ini"
expect_failure 2 "$work/many" "samples = 40000000 (800M units): refused at plan time with the memory limit, no MPI_ERR_COUNT" \
  'many\.ini:10: \[task\.t\] samples: the suite comes to 800000000 units with this task, more than the [0-9]+ that fit in 1/4 of this machine.s [0-9.]+ GiB of memory' \
  --suite "$work/many.ini"
sed 's/^samples = .*/samples = 1000000000/' "$work/many.ini" > "$work/many-dry.ini"
expect_failure 2 "$work/many-dry" "samples = 10^9 under --dry-run: refused before the unit list is allocated" \
  'many-dry\.ini:10: \[task\.t\] samples: the suite comes to 20000000000 units' --suite "$work/many-dry.ini" --dry-run
suite tera "checkpoint = $fixtures/mag.h5" 'family = babilong\nvariants = qa1\nlengths = 1000000000000'
expect_failure 2 "$work/tera" "a BABILong length of 10^12 under --dry-run: one sample would not fit in memory" \
  'tera\.ini:8: \[task\.t\] lengths: 1000000000000 bytes: one sample would take .* GiB .*: at most [0-9]+ here' \
  --suite "$work/tera.ini" --dry-run
suite wrap "checkpoint = $fixtures/mag.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 9007199254740992k'
expect_failure 2 "$work/wrap" "lengths = 9007199254740992k: refused, not wrapped to a negative length" \
  "wrap\\.ini:8: \\[task\\.t\\] lengths: '9007199254740992k' is more than 9223372036854775807" --suite "$work/wrap.ini"
suite int-horizon 'forecaster = naive-last' 'family = forecast\nvariants = ETTh1\nlengths = 4294967392'
expect_failure 2 "$work/int-horizon" "forecast horizon 4294967392: refused, not run as horizon 96" \
  'int-horizon\.ini:8: \[task\.t\] lengths: horizon 4294967392 is not in 1 \.\. 2147483647' \
  --suite "$work/int-horizon.ini" --data-dir "$work/ett-short"
printf '[suite]\nname = nul\n[model.m]\ncheckpoint = %s\n[task.t]\nfamily = sniah\0\nvariants = s-niah-1\nlengths = 1k\nsamples = 1\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/nul.ini"
expect_failure 2 "$work/nul" "a NUL byte in a suite: file and line named, not the silent end of the suite" \
  'nul\.ini:6: NUL byte at byte 15 of the line' --suite "$work/nul.ini"
printf '[suite]\nname = two\nsead = 1\n[model.m]\ncheckpoint = %s\n[task.t]\nfamily = needle\n' "$fixtures/mag.h5" > "$work/two.ini"
expect_failure 2 "$work/two" "a suite with two mistakes: the first one's line with its own reason" \
  "two\\.ini:3: \\[suite\\] unknown key 'sead' \\(name, seed\\)\$" --suite "$work/two.ini"
printf '[suite]\nname = names\n[model.m]\ncheckpoint = %s\n[task.%s]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k\nsamples = 1\nmodels = m\n' \
  "$fixtures/mag.h5" units > "$work/units.ini"
expect_failure 2 "$work/units" "a task named units (would overwrite units.csv): refused at parse time" \
  "units\\.ini:5: \\[task\\.units\\]: 'units' is the name of an output of titans-eval" --suite "$work/units.ini"
sed 's|^\[task\.units\]|[task.../escaped]|' "$work/units.ini" > "$work/escaped.ini"
mkdir -p "$work/esc"
expect_failure 2 "$work/esc/out" "a task named ../escaped: refused at parse time" \
  'escaped\.ini:5: \[task\.\.\./escaped\]: task name must start with a letter or a digit' --suite "$work/escaped.ini"
[ ! -e "$work/esc/escaped.csv" ] && [ ! -e "$work/esc/out" ]
check $? "a task named ../escaped: nothing written outside --out (nor inside)" "$work/fail.err"
sed 's|^\[task\.units\]|[task.a/b]|' "$work/units.ini" > "$work/slash.ini"
expect_failure 2 "$work/slash" "a task name with a slash: refused at parse time, not with an empty message at the end" \
  "slash\\.ini:5: \\[task\\.a/b\\]: task name '/' is not allowed" --suite "$work/slash.ini"

suite sniah-short "checkpoint = $fixtures/mag.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 100'
expect_failure 2 "$work/sniah-short" "an S-NIAH length no sample fits: refused at plan time with what a sample needs" \
  'sniah-short\.ini:8: \[task\.t\] lengths: 100 bytes is too short for s-niah-1: a sample needs up to [0-9]+' \
  --suite "$work/sniah-short.ini" --dry-run
suite qa3-short "checkpoint = $fixtures/mag.h5" 'family = babilong\nvariants = qa1, qa3\nlengths = 0, 1k'
expect_failure 2 "$work/qa3-short" "a BABILong length no qa3 question fits: refused at plan time" \
  'qa3-short\.ini:8: \[task\.t\] lengths: 1024 bytes is too short for qa3: its questions need [0-9]+ or more without background' \
  --suite "$work/qa3-short.ini" --dry-run
# broken text data: the plan reads it, so the run stops before its first unit
qa() { mkdir -p "$work/$1/babi-tasks-v1.2/en-10k" && printf "$3" > "$work/$1/babi-tasks-v1.2/en-10k/$2_test.txt"; }
for t in qa1_single-supporting-fact qa2_two-supporting-facts qa3_three-supporting-facts qa4_two-arg-relations qa5_three-arg-relations; do
  qa bl-book $t '1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1\n'
done
qa bl-babi qa1_single-supporting-fact '1 Mary moved to the bathroom.\n2 Where is Mary?\tbathroom\n'
mkdir -p "$work/bl-book/gutenberg-books" && echo "no markers in this book" > "$work/bl-book/gutenberg-books/pg1.txt"
suite bl "checkpoint = $fixtures/mag.h5" 'family = babilong\nvariants = qa1\nlengths = 0'
expect_failure 2 "$work/bl-babi" "a malformed bAbI file: its file and line, at plan time" \
  "bl\\.ini:7: \\[task\\.t\\] variants: 'qa1': .*/qa1_single-supporting-fact_test\\.txt:2: a question line needs exactly 2 tabs" \
  --suite "$work/bl.ini" --data-dir "$work/bl-babi"
expect_failure 2 "$work/bl-book" "a book without its Project Gutenberg markers: the file, at plan time" \
  "bl\\.ini:7: \\[task\\.t\\] variants: 'qa1': .*/gutenberg-books/pg1\\.txt: no \"\\*\\*\\* START OF\" line" \
  --suite "$work/bl.ini" --data-dir "$work/bl-book"
words() { mkdir -p "$work/$1/ruler-niah/wonderwords-v2.2.0" "$work/$1/paul-graham-essays/essays" &&
  printf "$2" > "$work/$1/ruler-niah/wonderwords-v2.2.0/adjectivelist.txt" && printf 'fox\n' > "$work/$1/ruler-niah/wonderwords-v2.2.0/nounlist.txt" &&
  printf "$3" > "$work/$1/paul-graham-essays/essays/a.txt"; }
words niah-words 'quick\n\nlazy\n' 'An essay.\n'
words niah-essay 'quick\n' 'An essay.\nIn Latin-1: caf\351.\n'
suite niah "checkpoint = $fixtures/mag.h5" 'family = sniah\nvariants = s-niah-2\nlengths = 1k'
expect_failure 2 "$work/niah-words" "a word list with an empty line: its file and line, at plan time" \
  "niah\\.ini:7: \\[task\\.t\\] variants: 's-niah-2': .*/adjectivelist\\.txt:2: empty line" \
  --suite "$work/niah.ini" --data-dir "$work/niah-words"
expect_failure 2 "$work/niah-essay" "an essay that is not UTF-8: its file and line, at plan time" \
  "niah\\.ini:7: \\[task\\.t\\] variants: 's-niah-2': .*/essays/a\\.txt:2: invalid UTF-8" \
  --suite "$work/niah.ini" --data-dir "$work/niah-essay"

# without-data = skip with a data directory that lacks a file only one task needs (cwe's verb
# list, qa_1's SQuAD): those tasks are left out, said on stdout and in tables.md; the rest runs
words ruler-skip 'quick\nlazy\n' 'An essay. It has sentences.\n'
printf '[suite]\nname = skip\n[model.m]\ncheckpoint = %s\n[task.a]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k\nsamples = 1\nmodels = m\n[task.b]\nfamily = sniah\nvariants = cwe\nlengths = 8k\nsamples = 1\nmodels = m\nwithout-data = skip\n[task.c]\nfamily = sniah\nvariants = qa_1\nlengths = 2k\nsamples = 1\nmodels = m\nwithout-data = skip\n' \
  "$fixtures/mag.h5" > "$work/skip.ini"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/skip.ini" --data-dir "$work/ruler-skip" --out "$work/skip" > "$work/logskip" 2>&1 &&
  grep -q "^titans-eval: skipping task b (it needs $work/ruler-skip/ruler-niah/wonderwords-v2.2.0/verblist.txt); task c (it needs $work/ruler-skip/ruler-qa/squad.json)\$" "$work/logskip" &&
  grep -q '^- Skipped (without-data = skip): task b (it needs .*/verblist.txt); task c' "$work/skip/tables.md" &&
  [ "$(wc -l < "$work/skip/units.csv")" -eq 2 ]
check $? "without-data = skip: tasks whose file the data directory lacks are left out, said in tables.md" "$work/logskip"
for i in $(seq 1 40); do echo "verb$i"; done > "$work/ruler-skip/ruler-niah/wonderwords-v2.2.0/verblist.txt"
MPI_NP=1 $LAUNCH $EVAL --suite "$work/skip.ini" --data-dir "$work/ruler-skip" --dry-run --out "$work/skip2" > "$work/logskip2" 2>&1 &&
  grep -q "^titans-eval: skipping task c (it needs .*/ruler-qa/squad.json)\$" "$work/logskip2" &&
  ! grep -q "task b" "$work/logskip2"
check $? "without-data = skip: once the verb list is there, the cwe task runs" "$work/logskip2"
rm "$work/ruler-skip/ruler-niah/wonderwords-v2.2.0/verblist.txt"
sed 's/^without-data = skip$//' "$work/skip.ini" > "$work/noskip.ini"
expect_failure 2 "$work/noskip" "without-data = error (the default): a missing verb list is a plan error naming it" \
  "noskip\\.ini:.*'cwe'.*verblist\\.txt" --suite "$work/noskip.ini" --data-dir "$work/ruler-skip"

suite ckpt-missing "checkpoint = $work/missing.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 2 "$work/ckpt-missing" "a missing checkpoint: model and file named" \
  "model 'm': .*/missing\\.h5: cannot open: No such file" --suite "$work/ckpt-missing.ini"
echo "not a checkpoint" > "$work/text.h5"
suite ckpt-text "checkpoint = $work/text.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 2 "$work/ckpt-text" "a text file named .h5 as checkpoint: model and file named" \
  "model 'm': .*/text\\.h5: not an HDF5 file" --suite "$work/ckpt-text.ini"
cp "$fixtures/mag.h5" "$work/cut.h5"
suite ckpt-cut "checkpoint = $work/cut.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
MPI_NP=2 $LAUNCH $EVAL --suite "$work/ckpt-cut.ini" --out "$work/ckpt-cut" > "$work/logcut" 2>&1 &&
  [ -s "$work/ckpt-cut/results.h5" ] && [ -s "$work/ckpt-cut/tables.md" ]
check $? "a run whose checkpoint is truncated afterwards: its results, to be kept" "$work/logcut"
head -c 100000 "$fixtures/mag.h5" > "$work/cut.h5"
expect_failure 2 "$work/ckpt-cut" "a checkpoint truncated after a good run: file named, that run's results intact" \
  "model 'm': .*/cut\\.h5: .*truncated or corrupt" --suite "$work/ckpt-cut.ini"
# weights that read as NaN pass the config check on rank 0 and fail where the ranks build models
cp "$fixtures/mag.h5" "$work/nan.h5"
offset=$(h5dump -p -H -d /embed/table "$work/nan.h5" | awk '$1 == "OFFSET" { print $2 }')
printf '\377\377\377\377' | dd of="$work/nan.h5" bs=1 seek="$offset" conv=notrunc 2> /dev/null
suite ckpt-nan "checkpoint = $work/nan.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 3 "$work/ckpt-nan" "3 ranks, a checkpoint holding NaN weights: file and tensor named" \
  "nan\\.h5: tensor '/embed/table': element 0 is NaN" --suite "$work/ckpt-nan.ini"

# global heaps damaged so that libhdf5 1.10 crashes (a 4 GiB copy) or loops forever on them
# (tests/fixtures/damaged/README.md), and a link out of the file: one message, every rank ends
for bad in gcol_crash gcol_hang; do
  suite "$bad" "checkpoint = $fixtures/damaged/$bad.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
  expect_failure 2 "$work/$bad" "a checkpoint whose global heap makes libhdf5 $(echo $bad | cut -c6-): file and heap named, no rank hangs" \
    "model 'm': .*/$bad\\.h5: global heap collection at byte 2048: .*the file is damaged" --suite "$work/$bad.ini"
done
suite elink "checkpoint = $fixtures/damaged/elink.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 2 "$work/elink" "a checkpoint with an external link: file and link named, not followed" \
  "model 'm': .*/elink\\.h5: link '/final_norm' is an external link" --suite "$work/elink.ini"
# layer 0's FFN weights all 1e30 (float32 bytes ca f2 49 71): finite, so loaded; the products
# overflow to NaN logits, which must be an error, not a run of \x00 answers
cp "$fixtures/mag.h5" "$work/huge.h5"
for t in w_gate w_up w_down; do
  set -- $(h5dump -p -H -d /layers/0/ffn/$t "$work/huge.h5" | awk '$1 == "SIZE" || $1 == "OFFSET" { print $2 }')
  awk -v n=$(($1 / 4)) 'BEGIN { for (i = 0; i < n; i++) printf "\312\362\111\161" }' |
    LC_ALL=C dd of="$work/huge.h5" bs=1 seek="$2" conv=notrunc 2> /dev/null
done
suite huge "checkpoint = $work/huge.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 2 "$work/huge" "a checkpoint with huge finite weights: the unit's model and the overflow named" \
  "unit [0-9]+ \\[task\\.t\\]: model 'm': model produced non-finite logits at token [0-9]+: the checkpoint's weights overflow float32" \
  --suite "$work/huge.ini"

# a FIFO (which would block its reader forever) where a checkpoint, the suite or a data file
# belongs: refused at once by name
mkfifo "$work/ckpt.fifo" "$work/suite.fifo"
suite ckpt-fifo "checkpoint = $work/ckpt.fifo" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
expect_failure 2 "$work/ckpt-fifo" "a FIFO as checkpoint: not a regular file, no hang" \
  "model 'm': .*/ckpt\\.fifo: not a regular file \\(a FIFO\\)" --suite "$work/ckpt-fifo.ini"
expect_failure 2 "$work/suite-fifo" "a FIFO as suite file: not a regular file, no hang" \
  "/suite\\.fifo: not a regular file \\(a FIFO\\)" --suite "$work/suite.fifo"
mkdir -p "$work/ett-fifo/ETT-small" && mkfifo "$work/ett-fifo/ETT-small/ETTh1.csv"
expect_failure 2 "$work/ett-fifo" "a FIFO as forecasting CSV: not a regular file, no hang" \
  "ett-fifo/ETT-small/ETTh1\\.csv: not a regular file \\(a FIFO\\)" --suite "$work/ett.ini" --data-dir "$work/ett-fifo"
mkdir -p "$work/gue-fifo/gue_prom_core/prom" && mkfifo "$work/gue-fifo/gue_prom_core/prom/test.csv"
expect_failure 2 "$work/gue-fifo" "a FIFO as genomics CSV: not a regular file, no hang" \
  "prom/test\\.csv: not a regular file \\(a FIFO\\)" --suite "$work/gue.ini" --data-dir "$work/gue-fifo"

suite good "checkpoint = $fixtures/mag.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'
echo "a file" > "$work/plain"
expect_failure 3 "$work/plain/out" "3 ranks, --out under a regular file: the file named, before any unit" \
  '/plain exists and is not a folder' --suite "$work/good.ini"

# ---- damaged output of an earlier run: the next run still succeeds
mkdir -p "$work/garbage-h5"
yes garbage | head -c 5000 > "$work/garbage-h5/results.h5"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/good.ini" --out "$work/garbage-h5" > "$work/loggarbage" 2>&1 &&
  h5dump -a /world_size "$work/garbage-h5/results.h5" 2>&1 | grep -q "(0): 2"
check $? "a garbage results.h5 in --out from an earlier run: the run succeeds and replaces it" "$work/loggarbage"

MPI_NP=2 $LAUNCH $EVAL --suite "$work/good.ini" --out "$work/tail" > "$work/logtail" 2>&1
cp "$work/tail/units.csv" "$work/tail-units.csv"
rm -f "$work/tail/units.csv" "$work/tail/journal/attempt-1-rank-1.bin"
yes garbage | head -c 1000 >> "$work/tail/journal/attempt-1-rank-0.bin"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/good.ini" --out "$work/tail" >> "$work/logtail" 2>&1 &&
  grep -q "resuming attempt 2: 1 of 2 units" "$work/logtail" && same "$work/tail-units.csv" "$work/tail/units.csv"
check $? "a journal with a garbage tail: the run resumes from its good entries and succeeds" "$work/logtail"

# ---- kill and resume: 8 units of about a second each (S-NIAH-1 at 256K bytes on the MAG fixture)
printf '[suite]\nname = long\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 256k\nsamples = 8\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/long.ini"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/ref" > "$work/logref" 2>&1
# waits until the run has journaled at least one unit, then sends the signal; 0 if it could
interrupt() { # out signal
  MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/$1" > "$work/log$1" 2>&1 &
  pid=$!
  for i in $(seq 1 200); do
    [ -n "$(find "$work/$1/journal" -name '*.bin' -size +0 2>/dev/null)" ] && break
    sleep 0.1
  done
  if [ "$2" = KILL ]; then pkill -KILL -f "titans-eval --suite $work/long.ini --out $work/$1"; else kill -TERM $pid; fi
  wait $pid
  echo $? > "$work/rc$1"
}
interrupt killed KILL
MPI_NP=3 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/killed" > "$work/logresume" 2>&1 &&
  grep -Eq "resuming attempt 2: [1-7] of 8 units" "$work/logresume" &&
  same "$work/ref/units.csv" "$work/killed/units.csv"
check $? "SIGKILL mid-run, then the same command on 3 ranks: resumes, redoes nothing, same results" "$work/logresume"

interrupt stopped TERM
[ "$(cat "$work/rcstopped")" -ne 0 ] && [ ! -e "$work/stopped/units.csv" ]
check $? "SIGTERM to mpirun ends the run, non-zero, before its tables" "$work/logstopped"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/stopped" > "$work/logresume2" 2>&1 &&
  grep -q "resuming attempt 2" "$work/logresume2" &&
  same "$work/ref/units.csv" "$work/stopped/units.csv"
check $? "after SIGTERM the same command finishes with the uninterrupted results" "$work/logresume2"
