#!/bin/sh
# titans-data end to end: the built-in S-NIAH and BABILong dumps have consistent counts and
# offsets, prompts within --length, targets " " + answer + ".\n" whose S-NIAH value is the one in
# the prompt's needle, sample i made with unit first + i; the same call twice gives the same
# datasets (and bytes); bad input (unknown family, --split for forecast, a missing option, a
# sample that cannot be made) exits non-zero with one message naming the option or file and
# leaves an existing output untouched; a run stopped with SIGTERM leaves neither the output nor
# its temporary. A GenomicBenchmarks folder and an ETTh1-shaped CSV made here check those
# layouts. On real data ($TITANS_DATA, else TAP SKIP lines): the BABILong train split is the
# bAbI en-10k train questions in file order, genomics train is the GUE train.csv, forecast is
# ETTh1 z-scored with the train rows, and S-NIAH-2 needles sit in the essays. Emits TAP.
set -u
TOOL=./titans-data
tool=$(pwd)/titans-data
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/titans-data-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
check() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$3"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

if ! $PY -c 'import h5py, numpy' 2> /dev/null; then
  echo "1..0 # SKIP $PY cannot import h5py and numpy"
  exit 0
fi
echo "1..19"

# ---- built-in S-NIAH and BABILong -------------------------------------------------------------
run() { "$TOOL" "$@" > "$work/log" 2>&1; }
: > "$work/log"

# Python check of a text dump: FILE LENGTH COUNT FIRST [sniah]
cat > "$work/text.py" << 'EOF'
import sys, h5py, numpy as np
path, length, count, first, family = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
f = h5py.File(path, "r")
def strings(name):
    data, off = f[name][:].tobytes(), f[name + "_offset"][:]
    assert off.shape == (count + 1,) and off[0] == 0 and off[-1] == len(data), (name, off[:3], off[-1], len(data))
    assert (np.diff(off) >= 0).all(), name
    return [data[off[i]:off[i + 1]] for i in range(count)]
prompts, answers, targets = strings("prompt"), strings("answer"), strings("target")
assert f["unit"][:].tolist() == list(range(first, first + count))
assert f["depth"].shape == (count,)
for a in ("command_line", "options", "tool_version", "git_commit", "family", "variant", "source"):
    assert isinstance(f.attrs[a], str) and f.attrs[a], a
assert f.attrs["count"] == count and f.attrs["first"] == first and f.attrs["length"] == length
assert f.attrs["family"] == family
for i, (p, a, t) in enumerate(zip(prompts, answers, targets)):
    assert 0 < len(p) and (length == 0 or len(p) <= length), (i, len(p))
    assert t == b" " + a + b".\n", (i, a, t)
    if family == "sniah":
        assert p.endswith(b"mentioned in the provided text is"), (i, p[-60:])
        key = p[p.rindex(b"special magic number for ") + 25:].split(b" ")[0]
        assert (b"One of the special magic numbers for " + key + b" is: " + a + b".") in p, (i, key, a)
        assert a.isdigit() and len(a) == 7, a
    else:
        assert p.rstrip().endswith(b"?") and b"\n</context>\n\nQuestion: " in p, (i, p[-60:])
        assert a in (b"bathroom", b"bedroom", b"garden", b"hallway", b"kitchen", b"office"), a
print("ok")
EOF
# Python: the datasets and attributes of two files are equal.
cat > "$work/same.py" << 'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
for k in a:
    assert a[k].dtype == b[k].dtype and np.array_equal(a[k][()], b[k][()]), k
assert sorted(a.attrs) == sorted(b.attrs)
for k in a.attrs:  # the command line names --out
    assert k in ("command_line", "options") or np.array_equal(np.asarray(a.attrs[k]), np.asarray(b.attrs[k])), k
EOF
# Python: the samples of file 2 are samples SKIP.. of file 1.
cat > "$work/slice.py" << 'EOF'
import sys, h5py
a, b, skip = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), int(sys.argv[3])
for name in ("prompt", "answer", "target"):
    da, oa, db, ob = a[name][:], a[name + "_offset"][:], b[name][:], b[name + "_offset"][:]
    for i in range(len(ob) - 1):
        assert (da[oa[skip + i]:oa[skip + i + 1]] == db[ob[i]:ob[i + 1]]).all(), (name, i)
EOF

SNIAH="--family sniah --variant s-niah-1 --length 512 --count 200 --seed 777"
run $SNIAH --out "$work/sniah.h5" && [ -s "$work/sniah.h5" ] && ! ls "$work"/sniah.h5.tmp* > /dev/null 2>&1
check $? "built-in S-NIAH-1 dump is written, no temporary left" "$work/log"
$PY "$work/text.py" "$work/sniah.h5" 512 200 0 sniah > "$work/log" 2>&1
check $? "S-NIAH: offsets match counts, prompts <= 512 bytes, target ' VALUE.' + newline, VALUE the needle's" "$work/log"

BABILONG="--family babilong --variant qa1 --length 2048 --count 100 --seed 777 --split train"
run $BABILONG --out "$work/babilong.h5" && run --family babilong --variant qa2 --length 0 --count 50 --seed 778 --out "$work/bl0.h5"
check $? "built-in BABILong qa1 (2048 bytes) and qa2 (0k) dumps are written" "$work/log"
{ $PY "$work/text.py" "$work/babilong.h5" 2048 100 0 babilong && $PY "$work/text.py" "$work/bl0.h5" 0 50 0 babilong; } > "$work/log" 2>&1
check $? "BABILong: offsets match counts, prompts <= length, target ' LABEL.' + newline" "$work/log"

# the same call twice, from two folders (same relative --out, so the same command line too)
mkdir "$work/a" "$work/b"
for d in a b; do
  (cd "$work/$d" && "$tool" $SNIAH --out s.h5 && "$tool" $BABILONG --out b.h5) >> "$work/log" 2>&1 || echo "$d failed" >> "$work/log"
done
$PY "$work/same.py" "$work/a/s.h5" "$work/b/s.h5" >> "$work/log" 2>&1 &&
  $PY "$work/same.py" "$work/a/b.h5" "$work/b/b.h5" >> "$work/log" 2>&1 &&
  $PY "$work/same.py" "$work/a/s.h5" "$work/sniah.h5" >> "$work/log" 2>&1 &&
  cmp "$work/a/s.h5" "$work/b/s.h5" >> "$work/log" 2>&1 && cmp "$work/a/b.h5" "$work/b/b.h5" >> "$work/log" 2>&1
check $? "the same call twice gives identical datasets (and identical bytes)" "$work/log"

run --family sniah --variant s-niah-1 --length 512 --count 5 --first 150 --seed 777 --out "$work/first.h5" &&
  $PY "$work/text.py" "$work/first.h5" 512 5 150 sniah >> "$work/log" 2>&1 &&
  $PY "$work/slice.py" "$work/sniah.h5" "$work/first.h5" 150 >> "$work/log" 2>&1
check $? "--first 150 --count 5 gives samples 150..154 of the --count 200 dump" "$work/log"

# --reserve: 0 (the default, the trainer's samples) is the dump above; auto keeps RULER's 128 of 640
run $SNIAH --reserve 0 --out "$work/r0.h5" && $PY "$work/same.py" "$work/r0.h5" "$work/sniah.h5" >> "$work/log" 2>&1 &&
  run --family sniah --variant s-niah-1 --length 640 --count 20 --seed 777 --reserve auto --out "$work/auto.h5" &&
  $PY - "$work/auto.h5" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
off = f["prompt_offset"][:]
assert f.attrs["reserve"] == 128 and f.attrs["length"] == 640 and f.attrs["max_new"] == 128
assert (np.diff(off) <= 640 - 128).all() and (np.diff(off) > 400).all(), np.diff(off)
EOF
check $? "--reserve 0 is the default's samples; --reserve auto: prompts <= length - 128, attribute reserve 128" "$work/log"

# ---- bad input ----------------------------------------------------------------------------------
# expect_failure RC DESCRIPTION REGEX ARGS...: exits RC with one "titans-data:" line on stderr
# matching REGEX, and $work/keep.h5 (passed as --out by the caller when wanted) is unchanged.
cp "$work/sniah.h5" "$work/keep.h5"
expect_failure() {
  want=$1 desc=$2 re=$3
  shift 3
  before=$(cksum < "$work/keep.h5")
  "$TOOL" "$@" > "$work/fail.out" 2> "$work/fail.err"
  rc=$?
  [ $rc -eq "$want" ] && [ "$(grep -c '^titans-data: ' "$work/fail.err")" -eq 1 ] && grep -Eq "$re" "$work/fail.err" &&
    [ "$(cksum < "$work/keep.h5")" = "$before" ] && ! ls "$work"/*.tmp.* > /dev/null 2>&1
  check $? "$desc" "$work/fail.err"
}
expect_failure 2 "unknown family: usage error naming --family" "titans-data: --family: unknown family 'genes'" \
  --family genes --variant x --data-dir "$work" --out "$work/keep.h5"
expect_failure 2 "--split for forecast: usage error (the file holds every split)" \
  "titans-data: --split does not apply to --family forecast" \
  --family forecast --variant ETTh1 --split train --data-dir "$work" --out "$work/keep.h5"
expect_failure 2 "missing --seed for sniah: usage error naming it" "titans-data: --seed is required for --family sniah" \
  --family sniah --variant s-niah-1 --length 512 --count 2 --out "$work/keep.h5"
expect_failure 1 "a sample that cannot be made fails and leaves the existing output as it was" \
  "titans-data: sniah s-niah-1, unit 0: .*target_len 100 is too short" \
  --family sniah --variant s-niah-1 --length 100 --count 2 --seed 1 --out "$work/keep.h5"

expect_failure 2 "a reserve that leaves no prompt: usage error naming --reserve" \
  "titans-data: --reserve: 512 bytes of --length 512 leave no prompt" \
  --family sniah --variant s-niah-1 --length 512 --count 2 --seed 1 --reserve 512 --out "$work/keep.h5"

# a run stopped with SIGTERM: neither the output nor its temporary remains
# (in a subshell, whose stderr takes the shell's "Terminated")
rc=$( (
  "$TOOL" --family sniah --variant s-niah-1 --length 8192 --count 1000000 --seed 1 --out "$work/killed.h5" &
  pid=$!
  sleep 1
  kill -TERM $pid
  wait $pid
  echo $?
) 2> "$work/log")
[ "$rc" -ne 0 ] && [ ! -e "$work/killed.h5" ] && ! ls "$work"/killed.h5.tmp* > /dev/null 2>&1
check $? "SIGTERM mid-run leaves no output and no temporary (exit $rc)" "$work/log"

# ---- made-up data folders: GenomicBenchmarks layout, ETTh1-shaped CSV ---------------------------
g="$work/gdata/genomic_benchmarks/toy"
mkdir -p "$g/train/negative" "$g/train/positive" "$g/test/negative" "$g/test/positive"
printf 'ACGTN' > "$g/train/positive/b.txt"
printf 'acg\n' > "$g/train/positive/a.txt"
printf 'TTTT' > "$g/train/negative/z.txt"
printf 'G' > "$g/test/negative/x.txt"
run --family genomics --variant toy --split train --data-dir "$work/gdata" --out "$work/g.h5" &&
  $PY - "$work/g.h5" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
# classes sorted by name (negative 0, positive 1), files by name inside a class
assert f["tokens"][:].tolist() == [3, 3, 3, 3, 0, 1, 2, 0, 1, 2, 3, 4], f["tokens"][:]
assert f["offset"][:].tolist() == [0, 4, 7, 12] and f["label"][:].tolist() == [0, 1, 1]
assert list(f.attrs["class_names"]) == ["negative", "positive"] and f.attrs["n_classes"] == 2
assert f.attrs["split"] == "train" and f.attrs["alphabet"] == "ACGTN"
EOF
check $? "genomics, GenomicBenchmarks folder: tokens, offsets, labels by sorted class and file" "$work/log"

mkdir -p "$work/fdata/ETT-small"
awk 'BEGIN { print "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT"
  for (i = 0; i < 14500; i++) printf "d%d,%.3f,2.009,1.599,0.462,%.3f,1.340,%.3f\n", i, 5 + sin(i), i % 7, 30 + cos(i) }' \
  > "$work/fdata/ETT-small/ETTh1.csv"
run --family forecast --variant etth1 --data-dir "$work/fdata" --out "$work/f.h5" &&
  $PY - "$work/f.h5" "$work/fdata/ETT-small/ETTh1.csv" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
x = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, usecols=range(1, 8))
train = x[:8640]
std = train.std(0)
std[train.min(0) == train.max(0)] = 1.0
z = ((x - train.mean(0)) / std).astype(np.float32)
assert f["data"].dtype == np.float32 and f["data"].shape == (14500, 7)
assert np.abs(f["data"][:] - z).max() < 1e-5, np.abs(f["data"][:] - z).max()
assert f.attrs["split_train_rows"].tolist() == [0, 8640]
assert f.attrs["split_val_rows"].tolist() == [8640 - 96, 11520]
assert f.attrs["split_test_rows"].tolist() == [11520 - 96, 14400]
assert f.attrs["channels"] == 7 and f.attrs["lookback"] == 96 and f.attrs["name"] == "ETTh1"
assert list(f.attrs["column_names"]) == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
EOF
check $? "forecast, ETTh1-shaped CSV: train-only z-scores, TSLib row ranges for lookback 96" "$work/log"

# ---- real data ------------------------------------------------------------------------------------
D=${TITANS_DATA:-}
if [ -z "$D" ] || [ ! -d "$D" ]; then
  skip "BABILong train split (set TITANS_DATA)"
  skip "genomics train split (set TITANS_DATA)"
  skip "forecast ETTh1 (set TITANS_DATA)"
  skip "S-NIAH-2 on the essays (set TITANS_DATA)"
  exit 0
fi

run --family babilong --variant qa1 --length 0 --count 300 --seed 5 --split train --data-dir "$D" --out "$work/blt.h5" &&
  $PY "$work/text.py" "$work/blt.h5" 0 300 0 babilong >> "$work/log" 2>&1 &&
  $PY - "$work/blt.h5" "$D/babi-tasks-v1.2/en-10k/qa1_single-supporting-fact_train.txt" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
qa = [l.split(" ", 1)[1].split("\t") for l in open(sys.argv[2]) if "\t" in l]
p, po, a, ao = f["prompt"][:].tobytes(), f["prompt_offset"][:], f["answer"][:].tobytes(), f["answer_offset"][:]
for i in range(300):  # at length 0 every question fits: sample i is the i-th train question
    assert p[po[i]:po[i + 1]].decode().endswith("Question: " + qa[i][0].strip()), i
    assert a[ao[i]:ao[i + 1]].decode() == qa[i][1], i
assert f.attrs["split"] == "train"
EOF
check $? "BABILong --split train: sample i is the i-th question of en-10k qa1 train" "$work/log"

run --family genomics --variant prom_core_all --split train --data-dir "$D" --out "$work/gt.h5" &&
  $PY - "$work/gt.h5" "$D/gue_prom_core/prom_core_all/train.csv" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
rows = [l.rstrip("\r\n").split(",") for l in open(sys.argv[2])][1:]
tokens, off, label = f["tokens"][:], f["offset"][:], f["label"][:]
assert len(off) == len(rows) + 1 and len(label) == len(rows) and off[-1] == len(tokens)
assert label.tolist() == [int(r[1]) for r in rows]
code = np.full(256, 255, np.uint8)
for i, c in enumerate(b"ACGTN"):
    code[c] = code[c + 32] = i
assert (code[np.frombuffer("".join(r[0] for r in rows).encode(), np.uint8)] == tokens).all()
assert f.attrs["n_classes"] == 2 and f.attrs["split"] == "train"
EOF
check $? "genomics --split train: prom_core_all train.csv sequences, labels and offsets" "$work/log"

run --family forecast --variant ETTh1 --data-dir "$D" --out "$work/ft.h5" &&
  $PY - "$work/ft.h5" "$D/ETT-small/ETTh1.csv" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
x = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, usecols=range(1, 8))
z = ((x - x[:8640].mean(0)) / x[:8640].std(0)).astype(np.float32)
assert np.abs(f["data"][:] - z).max() < 1e-5
assert [f.attrs[k].tolist() for k in ("split_train_rows", "split_val_rows", "split_test_rows")] == \
    [[0, 8640], [8544, 11520], [11424, 14400]]
EOF
check $? "forecast ETTh1: train-only z-scores and TSLib's row ranges" "$work/log"

run --family sniah --variant s-niah-2 --length 4096 --count 20 --seed 9 --data-dir "$D" --out "$work/s2.h5" &&
  $PY - "$work/s2.h5" >> "$work/log" 2>&1 << 'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
p, po, t, to = f["prompt"][:].tobytes(), f["prompt_offset"][:], f["target"][:].tobytes(), f["target_offset"][:]
for i in range(20):
    prompt, target = p[po[i]:po[i + 1]], t[to[i]:to[i + 1]]
    assert len(prompt) <= 4096 and target.startswith(b" ") and target.endswith(b".\n")
    assert (b" is: " + target[1:-1]) in prompt, i
EOF
check $? "S-NIAH-2 with the essays: prompts <= 4096 bytes, the target's value is in the needle" "$work/log"
