#!/bin/bash
# Benchmarks the C engine against the PyTorch reference on random-initialised checkpoints of
# every layer kind (d_model 256, 4 layers), one rank, one BLAS thread, and prints a Markdown table.
#
#   scripts/bench.sh [--quick|--smoke] [--only engine|reference|table] [--out DIR] [--bench PATH] [--python PATH]
#
#   --smoke   d_model 64, 2 layers, 256 tokens, 8 decoded, reference at 256 (about a minute): proves
#             the whole chain works (CI runs it); its speeds mean nothing
#   --quick   lengths 1K and 4K, reference at 1K (about two minutes): the README's main job
#   (full)    lengths 1K .. 1M (attn to 16K, where its cache and quadratic cost stop it), the
#             reference at 1K and 4K
# Checkpoints are made once in DIR (default bench/) by scripts/reference/make_checkpoint.py.
# Results: DIR/engine.csv, DIR/reference.csv, DIR/table.md. --only reruns one part (the table is
# always rebuilt from the CSV files).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0; smoke=0; only=all; out=; bench=./titans-bench; python=/usr/bin/python3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;
    --only) only=$2; shift ;;
    --bench) bench=$2; shift ;;
    --python) python=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# the smoke run's small checkpoints must never be taken for the real ones: a folder of its own
[ -n "$out" ] || { [ $smoke = 1 ] && out=bench-smoke || out=bench; }
[ -x "$bench" ] || { echo "bench.sh: $bench not found: build first (make)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# engine and reference run on the same core (the last one), one thread each
core=$(( $(getconf _NPROCESSORS_ONLN) - 1 ))
pin="taskset -c $core"; command -v taskset >/dev/null || pin=""

kinds="attn swa lmm mac mag mal"
size="--d-model 256 --n-heads 4 --ffn-dim 1024 --window 512 --segment 256 --n-persistent 16 --mem-heads 4"
layers=4
if [ $smoke = 1 ]; then long=256; attn_long=256; ref_lengths="256"; decode=8; layers=2
  size="--d-model 64 --n-heads 4 --ffn-dim 128 --window 32 --segment 16 --n-persistent 4 --mem-heads 2"
elif [ $quick = 1 ]; then long=1024,4096; attn_long=1024,4096; ref_lengths="1024"; decode=64
else long=1024,4096,16384,65536,262144,1048576; attn_long=1024,4096,16384; ref_lengths="1024 4096"; decode=256; fi

for k in $kinds; do
  ckpt="$out/$k.h5"
  [ $layers = 4 ] && kk=$k,$k,$k,$k || kk=$k,$k
  # shellcheck disable=SC2086  # $size is a list of options
  [ -f "$ckpt" ] || "$python" "$here/reference/make_checkpoint.py" --out "$ckpt" --layers "$kk" \
      $size --mem-depth 2 --mem-expansion 4 --mem-chunk 16 --seed 1 >&2
done

run_engine() { [ "$only" = all ] || [ "$only" = engine ]; }
run_reference() { [ "$only" = all ] || [ "$only" = reference ]; }
run_engine && echo "kind,d_model,n_layers,length,prefill_tok_s,prefill_gflops,decode_tok_s,peak_rss_mib,state_mib,sgemm_gflops" > "$out/engine.csv"
run_reference && echo "kind,length,tokens_per_s,seconds" > "$out/reference.csv"
for k in $kinds; do
  lengths=$long; [ $k = attn ] && lengths=$attn_long
  if run_engine; then
    for n in ${lengths//,/ }; do  # one process per length: peak RSS is that length's alone
      echo "engine $k: $n tokens" >&2
      $pin "$bench" --checkpoint "$out/$k.h5" --lengths "$n" --decode $decode | tail -n +2 >> "$out/engine.csv"
    done
  fi
  if run_reference; then
    echo "reference $k: $ref_lengths" >&2
    $pin "$python" "$here/reference/bench_ref.py" "$out/$k.h5" $ref_lengths | tail -n +2 >> "$out/reference.csv"
  fi
done

# table: engine rows, with the reference's tokens/s and the ratio where it was measured
awk -F, -v layers=$layers 'NR == FNR { if (FNR > 1) ref[$1 "," $2] = $3; next }
  FNR == 1 { print "| kinds (x" layers ") | tokens | prefill tok/s | GFLOP/s | % of sgemm | decode tok/s | peak RSS MiB | state MiB | reference tok/s | speed-up |";
             print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"; next }
  { split($1, parts, "+"); key = $1 "," $4; r = (key in ref) ? ref[key] : "";
    printf "| %s | %d | %.0f | %.1f | %.0f%% | %.0f | %.0f | %.1f | %s | %s |\n", parts[1], $4, $5, $6,
           100 * $6 / $10, $7, $8, $9, r == "" ? "" : sprintf("%.0f", r), r == "" ? "" : sprintf("%.1fx", $5 / r) }' \
  "$out/reference.csv" "$out/engine.csv" > "$out/table.md"
cat "$out/table.md"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(getconf _NPROCESSORS_ONLN) cores, $(free -g | awk '/^Mem:/{print $2}') GiB; one rank pinned to core $core, one BLAS/torch thread" | tee -a "$out/table.md"
