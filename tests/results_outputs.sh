#!/bin/sh
# The analyst's outputs of a run (issue 12): results.json parses and its cells agree with
# units.csv (n per cell, value inside its 95% interval, checkpoints with their content hashes);
# every dataset of results.h5 has `description` and `units` attributes; each task says its length unit
# and S-NIAH reserve (results.json, results.h5); the records load into a
# pandas DataFrame in three lines, with predictions whole (the random-weight fixtures generate
# hundreds of escaped bytes); --log-samples keeps each distinct prompt whole up to its limit and
# a longer one as its length, xxh3 and a command that, run, stores it whole with the same hash.
# The JSON checks need a python3, the DataFrame pandas and h5py: without them they skip. TAP.
set -u
. "$(dirname "$0")/lib.sh"
SMOKE=$fixtures/../smoke.ini
echo "1..8"
py=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" > /dev/null && "$p" -c 'import json' 2> /dev/null; then py=$p; break; fi
done
pandas=""
[ -n "$py" ] && "$py" -c 'import pandas, h5py' 2> /dev/null && pandas=$py
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

MPI_NP=2 $LAUNCH $EVAL --suite "$SMOKE" --out "$work/run" --log-samples 1500 > "$work/log" 2>&1
check $? "the smoke suite with --log-samples 1500 runs" "$work/log"

if [ -n "$py" ]; then
  "$py" -m json.tool "$work/run/results.json" > /dev/null 2> "$work/json.err"
  check $? "results.json parses (python3 -m json.tool)" "$work/json.err"
  # every cell: n = the units of its column, variant and length in units.csv, lo <= value <= hi
  "$py" - "$work/run" > "$work/cells.log" 2>&1 <<'PY'
import csv, json, os, sys
run = sys.argv[1]
doc = json.load(open(run + "/results.json"))
units = list(csv.DictReader(open(run + "/units.csv")))
assert doc["format"] == "titans-eval results" and doc["version"] == 2, doc["format"]
# what a length counts, and the S-NIAH reserve the prompt leaves of it (auto: RULER's 128)
assert [(t["length_unit"], t["reserve"]) for t in doc["tasks"]] == [
    ("bytes", {"setting": "auto", "bytes": {"s-niah-1": 128}}), ("bytes", None)], doc["tasks"]
assert doc["suite"]["name"] == "smoke" and doc["ranks"] == 2 and doc["units"] == len(units)
assert doc["data_dir"] == (os.environ.get("TITANS_DATA") or None) and doc["options"]["log-samples"] == "1500"
assert [m["name"] for m in doc["models"]] == ["mixed", "mag"] and all(len(m["xxh3"]) == 16 for m in doc["models"])
cells = 0
for task in doc["tasks"]:
    for c in task["cells"]:
        if c["floor"]:
            continue
        mine = [u for u in units if u["task"] == task["name"] and u["model"] == c["model"]
                and u["variant"] == c["variant"] and int(u["length"]) == c["length"]]
        assert c["n"] == len(mine) > 0, (c, len(mine))
        assert abs(c["value"] - sum(float(u["score"]) for u in mine) / len(mine)) < 1e-9, c
        lo, hi = c["ci95"]
        assert 0 <= lo <= c["value"] <= hi <= 1 and c["metric"] == "accuracy", c
        cells += 1
assert cells == 2 * 2 + 2 * 2 * 2, cells
print("cells ok:", cells)
PY
  check $? "results.json: each cell's n and value from units.csv, inside its interval; provenance" "$work/cells.log"
  mag=$("$py" -c 'import json, sys; print([m["xxh3"] for m in json.load(open(sys.argv[1]))["models"] if m["name"] == "mag"][0])' \
    "$work/run/results.json")
  h5dump -a /checkpoints "$work/run/results.h5" | grep -q "mag .*/mag\.h5 $mag"
  check $? "results.json's checkpoint hash is results.h5's" "$work/log"
else
  skip "results.json: no python3"; skip "results.json cells: no python3"; skip "checkpoint hash: no python3"
fi

# every dataset's attributes: h5dump lists each DATASET with its ATTRIBUTEs
h5dump -A "$work/run/results.h5" | awk '
  /^ *GROUP "/ { if (d) bad += !(desc && unit); d = "" }
  /^ *DATASET "/ { if (d) bad += !(desc && unit); d = $2; desc = unit = 0; sets++ }
  /^ *ATTRIBUTE "description"/ { desc = 1 } /^ *ATTRIBUTE "units"/ { unit = 1 }
  END { if (d) bad += !(desc && unit); print sets " datasets, " bad " without description or units"; exit !(sets >= 27 && bad == 0) }' > "$work/attrs" 2>&1
check $? "every dataset of results.h5 has description and units attributes" "$work/attrs"

if [ -n "$pandas" ]; then
  "$pandas" - "$work/run/results.h5" > "$work/pandas.log" 2>&1 <<'PY'
import sys
import h5py, pandas as pd
f = h5py.File(sys.argv[1], "r")
df = pd.DataFrame({k: d.asstr()[()] if d.dtype.kind == "O" else d[()] for k, d in f["units"].items()})
assert len(df) == 40 and (df.id == range(40)).all()
text = df[df.family.isin(["sniah", "babilong"])]
assert text.accuracy.notna().all() and text.mse.isna().all() and (text.metric == "accuracy").all()
assert (text.accuracy == text.score).all() and (df.column == df.model).all()
assert (df.reserve == df.family.map({"sniah": 128, "babilong": 0})).all(), df.reserve
assert f["units/length"].attrs["units"].startswith("bytes = tokens"), f["units/length"].attrs["units"]
longest = df.prediction.str.len().max()
assert longest > 255 and (df.truncated == 0).all(), longest  # kept whole, past schema 1's 255
print("rows", len(df), "longest prediction", longest)
PY
  check $? "the records load into a pandas DataFrame in three lines; predictions whole" "$work/pandas.log"
else
  skip "pandas DataFrame: no python3 with pandas and h5py (apt-get install python3-pandas python3-h5py)"
fi

# --log-samples: the rows, and a prompt over the limit made whole by its command
if [ -n "$pandas" ]; then
  "$pandas" - "$work/run/results.h5" > "$work/prompts.log" 2>&1 <<'PY'
import sys
import h5py
f = h5py.File(sys.argv[1], "r")
p, u = f["prompts"], f["units"]
assert p.attrs["limit"] == 1500
off, size, stored = p["offset"][()], p["bytes"][()], p["stored"][()]
cmd, row = p["command"].asstr()[()], u["prompt"][()]
assert len(size) == 20 and (row >= 0).all()            # 40 units, 2 models: one row a cell
assert ((off[1:] - off[:-1]) == size * stored).all() and (stored == (size <= 1500)).all()
assert all((c == "") == bool(s) for c, s in zip(cmd, stored))
for i in range(40):
    if u["family"].asstr()[i] == "sniah" and stored[row[i]]:
        prompt = bytes(p["text"][off[row[i]]:off[row[i] + 1]]).decode()
        assert prompt.startswith("A special magic number is hidden") and u["target"].asstr()[i] in prompt
        assert len(prompt) <= u["length"][i] - u["reserve"][i] == u["length"][i] - 128, (len(prompt), i)
r = int(next(i for i in range(len(size)) if not stored[i]))
assert cmd[r].endswith(" --log-samples %d" % size[r]), cmd[r]
print(r, size[r], p["xxh3"].asstr()[r], cmd[r].split(" titans-eval ", 1)[1])
PY
  check $? "--log-samples: one row per cell, whole up to the limit, the needle in its prompt; longer: hash and command" "$work/prompts.log"
  row=$(tail -1 "$work/prompts.log" | cut -d' ' -f1) hash=$(tail -1 "$work/prompts.log" | cut -d' ' -f3)
  args=$(tail -1 "$work/prompts.log" | cut -d' ' -f4-)
  # shellcheck disable=SC2086
  MPI_NP=2 $LAUNCH $EVAL $args > "$work/again" 2>&1 && grep -q "resuming attempt 2: 40 of 40 units" "$work/again" &&
    "$pandas" - "$work/run/results.h5" "$row" "$hash" >> "$work/again" 2>&1 <<'PY'
import sys
import h5py
p = h5py.File(sys.argv[1], "r")["prompts"]
r, off = int(sys.argv[2]), p["offset"][()]
assert p["stored"][r] == 1 and p["xxh3"].asstr()[r] == sys.argv[3] and off[r + 1] - off[r] == p["bytes"][r]
PY
  check $? "the stored command resumes every unit from the journal and stores that prompt whole, same xxh3" "$work/again"
else
  skip "--log-samples rows: no pandas and h5py"; skip "--log-samples command: no pandas and h5py"
fi
