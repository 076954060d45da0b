#!/bin/sh
# Output folders that cannot be written (issue 10): `journal` a file, results.h5, results.json
# or units.csv a folder, an immutable output folder, a full disk. Each run fails within seconds
# on every rank with one message that names the path and the reason, first on stderr, with no
# MPI_Abort; and nothing outside the output folder is written. The immutable folder and the full
# disk need root (chattr, a small tmpfs): without it those cases skip and say why. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
echo "1..9"
suite good "checkpoint = $fixtures/mag.h5" 'family = sniah\nvariants = s-niah-1\nlengths = 1k'

mkdir -p "$work/jfile" && echo "not a folder" > "$work/jfile/journal"
expect_failure 2 "$work/jfile" "'journal' is a file: the path named, not 'out of memory'" \
  "jfile/journal: exists and is not a folder" --suite "$work/good.ini"

mkdir -p "$work/h5dir/results.h5/x"
expect_failure 2 "$work/h5dir" "results.h5 is a folder: the path and the reason named" \
  "h5dir/results.h5: exists and is not a file" --suite "$work/good.ini"

mkdir -p "$work/jsondir/results.json/x"
expect_failure 2 "$work/jsondir" "results.json is a folder: the path and the reason named, before any unit" \
  "jsondir/results.json: exists and is not a file" --suite "$work/good.ini"
[ ! -e "$work/jsondir/journal" ]
check $? "results.json is a folder: nothing written (checked before the journal)" "$work/fail.err"

mkdir -p "$work/csvdir/units.csv/x"
expect_failure 2 "$work/csvdir" "units.csv is a folder: the path and the reason named" \
  "csvdir/units.csv: exists and is not a file" --suite "$work/good.ini"

# a complete run, then a rerun with a message that also names what to do
MPI_NP=2 $LAUNCH $EVAL --suite "$work/good.ini" --out "$work/twice" > "$work/log" 2>&1
expect_failure 2 "$work/twice" "a complete folder rerun with another suite: refused, its results intact" \
  "holds the results of suite 'good', not 'smoke'" --suite "$fixtures/../smoke.ini"

mkdir -p "$work/imm"
if chattr +i "$work/imm" 2> /dev/null; then
  expect_failure 2 "$work/imm" "an immutable output folder: the path and the reason named" \
    "imm/journal: cannot create the journal folder: Operation not permitted" --suite "$work/good.ini"
  chattr -i "$work/imm"
else
  n=$((n + 1)); echo "ok $n # SKIP an immutable output folder: chattr +i is not permitted here"
fi

# a full disk: a 64 KiB tmpfs holds the journal of a few units, not of 2000
printf '[suite]\nname = many\n[model.a]\nforecaster = naive-last\n[task.f]\nfamily = forecast\nvariants = ETTh1\nlengths = 96\nmodels = *\n' > "$work/many.ini"
ett_rows 14400 | ett_dir data
mkdir -p "$work/full"
if mount -t tmpfs -o size=64k tmpfs "$work/full" 2> /dev/null; then
  expect_failure 2 "$work/full/out" "a full disk while journaling: the journal file named, 'disk or quota is full'" \
    "full/out/journal/attempt-1-rank-[01]\\.bin: journal write failed: No space left on device \\(the disk or quota is full\\)" \
    --suite "$work/many.ini" --data-dir "$work/data"
  umount "$work/full"
else
  n=$((n + 1)); echo "ok $n # SKIP a full disk: mounting a small tmpfs is not permitted here"
fi

# nothing was written next to the output folders (the scratch folder holds only what we made)
[ -z "$(ls "$work" | grep -v -x -e good.ini -e jfile -e h5dir -e jsondir -e csvdir -e twice -e log -e imm -e many.ini \
  -e data -e full -e fail.out -e fail.err -e fail.msg)" ]
check $? "nothing written outside the output folders" /dev/null
