"""Where the engine's time goes: perf samples of titans-bench, folded by engine function.

    /usr/bin/python3 scripts/profile.py CHECKPOINT [--prefill N | --decode N] [--weights bf16]
                                        [--bench ./titans-bench]

Runs `perf record --call-graph dwarf` on one titans-bench run pinned to the last core (prefill: N
tokens, no decode; decode: 64 tokens of prefill, then N decoded one at a time, so decode dominates)
and prints a Markdown table: share of the engine's samples (titans_forward and below; the bench's
own sgemm measurement and the checkpoint load are left out) per part of the model, split into
BLAS (OpenBLAS kernels) and the rest (element-wise work, our own kernels, libm). The part of a
sample is the innermost engine function on its stack that names one (PARTS, innermost first).
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

# (function on the stack, part); the first match walking from the leaf outwards wins
PARTS = [
    ("chunk_coefficients", "memory: momentum/decay scan"),
    ("key_gradients", "memory: backward (inner gradient)"),
    ("chunk_gradients", "memory: key forward + backward (chunked)"),
    ("piece_reads", "memory: read (chunked)"),
    ("chunk_state_head", "memory: update (chunked end state)"),
    ("token_rule", "memory: token loop (update + read)"),
    ("update_token_loop", "memory: token loop (update + read)"),
    ("memory_update_chunked", "memory: chunk step, the rest"),
    ("memory_current", "mac: memory at the segment's start"),
    ("memory_read_rows", "mac: memory read of the segment"),
    ("memory_read_fixed", "mac: memory read of the segment"),
    ("memory_forward", "memory: projections, conv, gates, output"),
    ("attend_rows", "attention: scores, softmax, values"),
    ("project_qkv", "attention: projections"),
    ("attention_forward", "attention: rest"),
    ("mac_attention_forward", "attention: rest"),
    ("ffn_forward", "FFN"),
    ("gated_add", "element-wise: gates, norms, residual"),
    ("layer_forward", "element-wise: gates, norms, residual"),
    ("titans_forward", "embedding, final norm, head"),
]


def record(args, data):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    core = str(os.cpu_count() - 1)
    n = args.prefill or args.decode
    lengths, decode = (str(n), "0") if args.prefill else ("64", str(n))
    cmd = ["perf", "record", "-q", "--call-graph", "dwarf,16384", "-F", str(args.freq), "-o", data,
           "--", "taskset", "-c", core, args.bench, "-c", args.checkpoint, "-l", lengths,
           "-d", decode, "-w", args.weights]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def fold(data):
    """Counts samples by (part, blas) for stacks under titans_forward."""
    out = subprocess.run(["perf", "script", "--inline", "-i", data, "-F", "ip,sym,dso"], check=True,
                         capture_output=True, text=True).stdout
    counts = collections.Counter()
    for block in out.split("\n\n"):
        lines = [ln.split(None, 1)[1] for ln in block.strip().splitlines() if len(ln.split(None, 1)) == 2]
        frames = [ln.rsplit(" (", 1)[0].split("+")[0].replace(" (inlined)", "") for ln in lines]
        if not frames or "titans_forward" not in frames:
            continue
        blas = "openblas" in lines[0]  # OpenBLAS's inner kernels often have no symbol
        part = next((p for f in frames for name, p in PARTS if f == name), "other")
        if "key_gradients" in frames and "mlp_forward" in frames[:frames.index("key_gradients")]:
            part = "memory: key forward (at the anchor)"
        counts[(part, blas)] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--prefill", type=int)
    mode.add_argument("--decode", type=int)
    ap.add_argument("--bench", default="./titans-bench")
    ap.add_argument("--weights", default="float32", choices=["float32", "bf16"], help="titans-bench --weights")
    ap.add_argument("--freq", type=int, default=1000, help="samples per second")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        record(args, data)
        counts = fold(data)
    total = sum(counts.values())
    if not total:
        sys.exit("profile.py: no samples under titans_forward")
    parts = collections.defaultdict(lambda: [0, 0])
    for (part, blas), k in counts.items():
        parts[part][0 if blas else 1] += k
    print(f"| part | % total | % in BLAS | % rest |  ({total} samples)")
    print("|---|---:|---:|---:|")
    for part, (b, r) in sorted(parts.items(), key=lambda kv: -sum(kv[1])):
        print(f"| {part} | {100 * (b + r) / total:.1f} | {100 * b / total:.1f} | {100 * r / total:.1f} |")


if __name__ == "__main__":
    main()
