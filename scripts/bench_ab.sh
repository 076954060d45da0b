#!/bin/bash
# Two titans-bench binaries, interleaved: an A/B of decode (and prefill) speed that a drifting
# machine does not bias. Each round runs OLD then NEW on the same checkpoint, kind and weights,
# back to back on one core; the table gives the median of each, and the median and range of the
# per-round ratios NEW / OLD (CPU-time rates, titans-bench's cpu_* columns).
#
#   bash scripts/bench_ab.sh --old BIN --new BIN [--kinds lmm,mac,...] [--weights float32,bf16]
#        [--rounds 5] [--length 1024] [--decode 512] [--dir bench-issue13] [--out DIR]
#
# Checkpoints: DIR/KIND-d256-f768-w256.h5 (issue 13's config, as scripts/bench.sh --ffn 768
# --window 256 names them), made by scripts/reference/make_checkpoint.py where missing.
# Results: OUT/runs.csv (every run) and OUT/table.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
old=; new=; kinds="lmm mac mag mal swa attn"; weights="float32 bf16"; rounds=5; length=1024
decode=512; dir=bench-issue13; out=bench-ab; python=/usr/bin/python3
while [ $# -gt 0 ]; do
  case "$1" in
    --old) old=$2; shift ;;
    --new) new=$2; shift ;;
    --kinds) kinds=${2//,/ }; shift ;;
    --weights) weights=${2//,/ }; shift ;;
    --rounds) rounds=$2; shift ;;
    --length) length=$2; shift ;;
    --decode) decode=$2; shift ;;
    --dir) dir=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench_ab.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for b in "$old" "$new"; do
  if [ -z "$b" ] || [ ! -x "$b" ]; then
    echo "bench_ab.sh: --old and --new must name titans-bench binaries" >&2; exit 2
  fi
done
case "$rounds" in ''|*[!0-9]*|0) echo "bench_ab.sh: --rounds must be a positive integer" >&2; exit 2 ;; esac
mkdir -p "$dir" "$out"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
core=$(( $(getconf _NPROCESSORS_ONLN) - 1 ))
pin="taskset -c $core"; command -v taskset >/dev/null || pin=""

for k in $kinds; do
  f="$dir/$k-d256-f768-w256.h5"
  [ -f "$f" ] || "$python" "$here/reference/make_checkpoint.py" --out "$f" --layers "$k,$k,$k,$k" \
      --d-model 256 --n-heads 4 --ffn-dim 768 --window 256 --segment 256 --n-persistent 16 \
      --mem-heads 4 --mem-depth 2 --mem-expansion 4 --mem-chunk 16 --seed 1 >&2
done

echo "round,kind,weights,binary,cpu_prefill_tok_s,cpu_decode_tok_s" > "$out/runs.csv"
for r in $(seq "$rounds"); do
  for k in $kinds; do
    for w in $weights; do
      for side in old new; do
        bin=$old; [ $side = new ] && bin=$new
        $pin "$bin" --checkpoint "$dir/$k-d256-f768-w256.h5" --lengths "$length" --decode "$decode" \
            --weights "$w" | awk -F, -v pre="$r,$k,$w,$side" \
            'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print pre "," $c["cpu_prefill_tok_s"] "," $c["cpu_decode_tok_s"] }' \
            >> "$out/runs.csv"
      done
    done
  done
  echo "bench_ab.sh: round $r of $rounds done" >&2
done

"$python" - "$out/runs.csv" "$length" "$decode" "$rounds" > "$out/table.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cells = {}
for r in rows:
    cells.setdefault((r["kind"], r["weights"]), {}).setdefault(r["round"], {})[r["binary"]] = r
print("| kind | weights | prefill tok/s, old | new | ratio | decode tok/s, old | new | ratio (median) | ratio range |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for (kind, w), rounds in cells.items():
    pairs = [v for v in rounds.values() if "old" in v and "new" in v]
    def med(side, col):
        return statistics.median(float(p[side][col]) for p in pairs)
    dr = [float(p["new"]["cpu_decode_tok_s"]) / float(p["old"]["cpu_decode_tok_s"]) for p in pairs]
    pr = [float(p["new"]["cpu_prefill_tok_s"]) / float(p["old"]["cpu_prefill_tok_s"]) for p in pairs]
    print(f"| {kind} | {w} | {med('old', 'cpu_prefill_tok_s'):.0f} | {med('new', 'cpu_prefill_tok_s'):.0f} | "
          f"{statistics.median(pr):.2f}x | {med('old', 'cpu_decode_tok_s'):.0f} | {med('new', 'cpu_decode_tok_s'):.0f} | "
          f"{statistics.median(dr):.2f}x | {min(dr):.2f}-{max(dr):.2f}x |")
print(f"\n{sys.argv[2]} tokens of prefill, then {sys.argv[3]} decoded; {sys.argv[4]} rounds of old then new; "
      "rates from CPU time; ratios are new / old of the same round")
PY
{ cat "$out/table.md"
  echo "old: $old; new: $new"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(getconf _NPROCESSORS_ONLN) cores; pinned to core $core, one thread; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/table.tmp"
mv "$out/table.tmp" "$out/table.md"
