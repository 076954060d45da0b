#!/bin/bash
# Benchmarks the C engine against the PyTorch reference on random-initialised checkpoints of
# every layer kind (4 layers of one kind), one rank, one BLAS thread, and prints a Markdown table.
#
#   scripts/bench.sh [--quick|--smoke] [--d-model N] [--ffn N] [--window N] [--kinds LIST]
#                    [--lengths LIST] [--ref-lengths LIST] [--decode N] [--cpu-time] [--weights TYPE]
#                    [--only engine|reference|table] [--out DIR] [--bench PATH] [--python PATH]
#
#   --smoke   d_model 64, 2 layers, 256 tokens, 8 decoded, reference at 256 (about a minute): proves
#             the whole chain works (CI runs it); its speeds mean nothing
#   --quick   lengths 1K and 4K, reference at 1K (about two minutes): the README's main job
#   (full)    lengths 1K .. 1M (attn to 16K, where its cache and quadratic cost stop it), the
#             reference at 1K and 4K
#   The size is d_model 256 (4 heads; 8 from d 512), FFN 1024, window 512, segment 256, N_p 16,
#   4 memory heads of depth 2, expansion 4, chunk 16; --d-model, --ffn and --window change it
#   (issue 13's config: --ffn 768 --window 256, segment = window). --lengths and --ref-lengths
#   (comma-separated) replace a mode's lengths; --kinds (comma-separated) its layer kinds.
#   --cpu-time: the table's rates from the thread's CPU time (the bench's cpu_* columns), which
#   other jobs on a shared machine do not inflate; the sgemm rate and the reference's rate are
#   measured the same way.
#   --weights bf16: the engine's products on weights rounded to bfloat16 (titans-bench --weights;
#   a decode token reads their 16-bit copies); the reference stays float32.
# Checkpoints are made once in DIR (default bench/; bench-smoke/ for --smoke), named by their
# size, by scripts/reference/make_checkpoint.py. Results: DIR/engine.csv, DIR/reference.csv,
# DIR/table.md. --only reruns one part (the table is always rebuilt from the CSV files).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=0; smoke=0; only=all; out=; bench=./titans-bench; python=/usr/bin/python3
dmodel=256; ffn=1024; window=512; kinds="attn swa lmm mac mag mal"; cpu=0
lengths_opt=; ref_opt=; decode_opt=; weights=float32
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --smoke) smoke=1 ;;
    --d-model) dmodel=$2; shift ;;
    --ffn) ffn=$2; shift ;;
    --window) window=$2; shift ;;
    --kinds) kinds=${2//,/ }; shift ;;
    --lengths) lengths_opt=$2; shift ;;
    --ref-lengths) ref_opt=${2//,/ }; shift ;;
    --decode) decode_opt=$2; shift ;;
    --cpu-time) cpu=1 ;;
    --weights) weights=$2; shift ;;
    --out) out=$2; shift ;;
    --only) only=$2; shift ;;
    --bench) bench=$2; shift ;;
    --python) python=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
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

heads=$(( dmodel >= 512 ? 8 : 4 ))
segment=$(( window < 256 ? window : 256 ))
size="--d-model $dmodel --n-heads $heads --ffn-dim $ffn --window $window --segment $segment --n-persistent 16 --mem-heads 4"
tag="d$dmodel-f$ffn-w$window"
layers=4
if [ $smoke = 1 ]; then long=256; attn_long=256; ref_lengths="256"; decode=8; layers=2; tag=smoke
  size="--d-model 64 --n-heads 4 --ffn-dim 128 --window 32 --segment 16 --n-persistent 4 --mem-heads 2"
elif [ $quick = 1 ]; then long=1024,4096; attn_long=1024,4096; ref_lengths="1024"; decode=64
else long=1024,4096,16384,65536,262144,1048576; attn_long=1024,4096,16384; ref_lengths="1024 4096"; decode=256; fi
[ -z "$lengths_opt" ] || { long=$lengths_opt; attn_long=$lengths_opt; }
[ -z "$ref_opt" ] || ref_lengths=$ref_opt
[ -z "$decode_opt" ] || decode=$decode_opt

ckpt() { echo "$out/$1-$tag.h5"; }
for k in $kinds; do
  [ $layers = 4 ] && kk=$k,$k,$k,$k || kk=$k,$k
  # shellcheck disable=SC2086  # $size is a list of options
  [ -f "$(ckpt "$k")" ] || "$python" "$here/reference/make_checkpoint.py" --out "$(ckpt "$k")" \
      --layers "$kk" $size --mem-depth 2 --mem-expansion 4 --mem-chunk 16 --seed 1 >&2
done

# OpenBLAS runs the kernels of the core it detects, or of OPENBLAS_CORETYPE's: 0.3.21 runs its
# Prescott (SSE3) kernels on a core it does not know (Intel family 6 model 207: 28-31 GFLOP/s where
# its SkylakeX kernels reach 144-150), and some workplaces set Haswell's (AVX2). On an AVX-512 CPU
# the table also gives the rate against OpenBLAS's AVX-512 kernels (SkylakeX), measured once by the
# same bench under that core type; decode's percentage is of the better of the two.
avx512_sgemm() {
  grep -q avx512f /proc/cpuinfo 2>/dev/null || return 0
  OPENBLAS_CORETYPE=SkylakeX $pin "$bench" --checkpoint "$(ckpt "${kinds%% *}")" --lengths 16 --decode 0 |
    awk -F, -v p="$([ $cpu = 1 ] && echo cpu_)" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c[p "sgemm_gflops"] }'
}

run_engine() { [ "$only" = all ] || [ "$only" = engine ]; }
run_reference() { [ "$only" = all ] || [ "$only" = reference ]; }
if run_engine; then
  : > "$out/engine.csv"
fi
run_reference && echo "kind,length,tokens_per_s,seconds" > "$out/reference.csv"
for k in $kinds; do
  lengths=$long; [ $k = attn ] && lengths=$attn_long
  if run_engine; then
    for n in ${lengths//,/ }; do  # one process per length: peak RSS is that length's alone
      echo "engine $k: $n tokens" >&2
      $pin "$bench" --checkpoint "$(ckpt "$k")" --lengths "$n" --decode "$decode" --weights "$weights" > "$out/one.csv"
      [ -s "$out/engine.csv" ] || head -1 "$out/one.csv" > "$out/engine.csv"
      tail -n +2 "$out/one.csv" >> "$out/engine.csv"
    done
    rm -f "$out/one.csv"
  fi
  if run_reference; then
    echo "reference $k: $ref_lengths" >&2
    # shellcheck disable=SC2086  # a list of lengths
    $pin "$python" "$here/reference/bench_ref.py" "$(ckpt "$k")" $ref_lengths $([ $cpu = 1 ] && echo --cpu-time) \
      | tail -n +2 >> "$out/reference.csv"
  fi
done

run_engine && avx512_sgemm > "$out/sgemm-avx512.txt"
# --only engine on a fresh folder: a table without the reference's columns
[ -f "$out/reference.csv" ] || echo "kind,length,tokens_per_s,seconds" > "$out/reference.csv"
sg512=$(cat "$out/sgemm-avx512.txt" 2>/dev/null || true)

# table: engine rows (columns by name from titans-bench's header), with the reference's tokens/s
# and the ratio where it was measured
awk -F, -v layers=$layers -v cpu=$cpu -v sg512="$sg512" 'NR == FNR { if (FNR > 1) ref[$1 "," $2] = $3; next }
  FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
             p = cpu ? "cpu_" : ""
             x = sg512 != "" ? " % of AVX-512 sgemm |" : ""
             print "| kinds (x" layers ") | tokens | prefill tok/s | GFLOP/s | % of sgemm |" x " decode tok/s | decode % of sgemm | decode % of best sgemm | decode % of read rate | peak RSS MiB | state MiB | reference tok/s | speed-up |";
             print "|---|---:|---:|---:|---:|" (x != "" ? "---:|" : "") "---:|---:|---:|---:|---:|---:|---:|---:|"; next }
  { split($1, parts, "+"); key = $1 "," $4; r = (key in ref) ? ref[key] : ""
    tok = $col[p "prefill_tok_s"]; gf = $col[p "prefill_gflops"]; sg = $col[p "sgemm_gflops"]
    best = sg512 != "" && sg512 + 0 > sg + 0 ? sg512 : sg
    dtok = $col[p "decode_tok_s"]; dgf = $col[p "decode_gflops"]; rd = $col[p "read_gbs"]
    dread = rd > 0 ? sprintf("%.0f%%", 100 * dtok * $col["decode_read_mib"] * 1048576 / (rd * 1e9)) : ""
    printf "| %s | %d | %.0f | %.1f | %.0f%% |%s %.0f | %.0f%% | %.0f%% | %s | %.0f | %.1f | %s | %s |\n", parts[1], $4, tok, gf,
           100 * gf / sg, sg512 != "" ? sprintf(" %.0f%% |", 100 * gf / sg512) : "", dtok, 100 * dgf / sg, 100 * dgf / best, dread,
           $col["peak_rss_mib"], $col["state_mib"],
           r == "" ? "" : sprintf("%.0f", r), r == "" ? "" : sprintf("%.1fx", tok / r) }' \
  "$out/reference.csv" "$out/engine.csv" > "$out/table.md"
cat "$out/table.md"
{ echo "size: $tag ($size), $layers layers of one kind, $weights weights; rates from $([ $cpu = 1 ] && echo "CPU time" || echo "wall-clock time")"
  echo "sgemm: OpenBLAS in the same process (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}: its $(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c["openblas_core"] }' "$out/engine.csv") kernels), $(awk -F, -v p="$([ $cpu = 1 ] && echo cpu_)" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c[p "sgemm_gflops"] }' "$out/engine.csv") GFLOP/s in the first row$([ -n "$sg512" ] && echo "; AVX-512 sgemm: OpenBLAS with OPENBLAS_CORETYPE=SkylakeX, $sg512 GFLOP/s")"
  echo "decode % of read rate: decode tok/s x the bytes a decode token reads at most (every weight once, and the state: memory M and S, attention keys and values) / this core's rate of reading a buffer of that size (titans-bench's decode_read_mib, read_gbs); above 100%: a token read less than that bound"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(getconf _NPROCESSORS_ONLN) cores, $(free -g | awk '/^Mem:/{print $2}') GiB; one rank pinned to core $core, one BLAS/torch thread; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out/table.md"
