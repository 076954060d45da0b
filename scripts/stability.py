"""Stability of each checkpoint: the float32 engine against the float64 reference (issue 11).

    /usr/bin/python3 scripts/stability.py --data-dir ../shared/datasets --out results/stability \\
        checkpoints/sniah/*.h5

For every checkpoint and length (2K, 8K, 32K bytes by default), on prompts from titans-data
(S-NIAH-1 by default; --family babilong: qa1, the test split with a data folder) with a seed no
suite or recipe uses (STABILITY_SEED):
  1. titans-logits runs the engine (float32, its default kernels and memory path): the greedy
     answer and the logits each answer byte was chosen from;
  2. the reference (scripts/reference/titans_ref.py) runs in float64 on prompt + answer once. Its
     greedy answer equals the engine's exactly when its argmax at every answer position is the
     engine's byte (greedy decoding is a chain of argmaxes of the same prefixes), so one forward
     pass decides agreement; max |logit error| is over those positions and all 256 bytes;
  3. chaos: the same float64 pass with 1e-10 added to one coordinate of the first input
     embedding; the gain is max |change of the answer logits| / 1e-10. A model that damps
     perturbations has a gain far below 1; a gain >= 1 means float32 rounding (1e-7 relative)
     can grow to the size of the logits' own differences, and the engine's answers at that length
     are those of one rounding, not of the model.
Full-attention checkpoints are measured up to 16K (ATTN_MAX_LENGTH), as the suites run them.
Writes OUT/stability.csv (one row per checkpoint and length) and OUT/stability.md.
"""
import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import titans_ref as R  # noqa: E402

STABILITY_SEED = 2468  # no suite in evals/ (1234) nor the trainer (777) uses it
PERTURBATION = 1e-10
MAX_NEW = 32
ATTN_MAX_LENGTH = 16384  # full-attention checkpoints are measured up to here


def ragged(f, name):
    data, off = f[name][()], f[name + "_offset"][()]
    return [data[off[i]:off[i + 1]].tobytes() for i in range(len(off) - 1)]


def prompts(a, length, scratch):
    """[(prompt, target)] of titans-data for one length."""
    out = os.path.join(scratch, f"prompts-{length}.h5")
    if not os.path.exists(out):
        cmd = [a.tool, "--family", a.family, "--variant", a.variant, "--length", str(length),
               "--count", str(a.count), "--seed", str(STABILITY_SEED), "--out", out]
        if a.family == "babilong":
            cmd += ["--split", "test" if a.data_dir else "train"]
        if a.data_dir:
            cmd += ["--data-dir", a.data_dir]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"stability.py: {' '.join(cmd)}: {done.stderr.strip()}")
    with h5py.File(out, "r") as f:
        return list(zip(ragged(f, "prompt"), ragged(f, "target")))


def engine(a, ckpt, prompt, scratch):
    """(answer tokens [n], logits [n, 256]) of the float32 engine."""
    p_path, o_path = os.path.join(scratch, "prompt.bin"), os.path.join(scratch, "logits.bin")
    with open(p_path, "wb") as f:
        f.write(prompt)
    done = subprocess.run([a.logits, ckpt, p_path, o_path, str(MAX_NEW)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"stability.py: {a.logits}: {done.stderr.strip()}")
    raw = open(o_path, "rb").read()
    if raw[:8] != b"TLOGITS1":
        raise SystemExit(f"stability.py: {o_path}: not a titans-logits file")
    n, vocab = np.frombuffer(raw, dtype=np.int32, count=2, offset=8)
    tokens = np.frombuffer(raw, dtype=np.int32, count=n, offset=16)
    logits = np.frombuffer(raw, dtype=np.float32, count=n * vocab, offset=16 + 4 * n)
    return tokens, logits.reshape(n, vocab)


def reference_logits(model, tokens, rows, perturb=0.0):
    """float64 logits of the last `rows` positions of tokens; perturb is added to the first
    coordinate of the first input's embedding."""
    w = {path: t.to(torch.float64) for path, t in model.p.items()}
    e = w["embed/table"][torch.as_tensor(tokens, dtype=torch.long)].clone()        # [T, d]
    e[0, 0] += perturb
    with torch.no_grad():
        x, _, _ = model._sequence(w, e, True)                                        # [T, d]
        return (x[-rows:] @ w["head/w"]).numpy()                                     # [rows, 256]


def measure(a, ckpt, model, length, samples, scratch):
    agree = right = 0
    errors, gains = [], []
    for prompt, target in samples:
        tokens, logits32 = engine(a, ckpt, prompt, scratch)
        seq = np.frombuffer(prompt, dtype=np.uint8).astype(np.int64)
        seq = np.concatenate([seq, tokens[:-1].astype(np.int64)])
        ref = reference_logits(model, seq, len(tokens))
        moved = reference_logits(model, seq, len(tokens), PERTURBATION)
        agree += bool((ref.argmax(1) == tokens).all())
        right += target.strip(b" .\n") in bytes(tokens.astype(np.uint8))
        errors.append(float(np.abs(ref - logits32).max()))
        gains.append(float(np.abs(moved - ref).max()) / PERTURBATION)
    n = len(samples)
    return dict(checkpoint=ckpt, length=length, n=n, agree=agree, engine_correct=right,
                max_logit_error=max(errors), median_logit_error=float(np.median(errors)),
                max_gain=max(gains), median_gain=float(np.median(gains)))


def write_md(path, rows, a, seconds):
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open(path, "w") as f:
        f.write("# Stability: float32 engine against float64 reference\n\n")
        f.write(f"Command: `/usr/bin/python3 scripts/stability.py {' '.join(a.argv)}`  \n")
        f.write(f"Machine: {cpu}, {seconds:.0f} s. Prompts: {a.family} {a.variant}, titans-data seed "
                f"{STABILITY_SEED}, {a.count} per length (lengths in bytes = tokens).\n\n")
        f.write("- agree: the float64 reference's greedy answer equals the engine's (of n)\n")
        f.write("- correct: the engine's answer contains the target (the needle's value, the bAbI "
                "answer) (of n)\n")
        f.write("- logit error: max |float32 engine - float64 reference| over the answer's "
                "logits (max over samples; median)\n")
        f.write(f"- gain: max |change of the answer logits| / {PERTURBATION:g} after "
                f"{PERTURBATION:g} is added to the first input embedding, float64 (max; median). "
                "Gain >= 1: chaotic at that length (float32 rounding grows to the size of the "
                "logits' differences)\n")
        f.write(f"- full-attention checkpoints are measured up to {ATTN_MAX_LENGTH} bytes, as the "
                "suites run them (the float64 reference is quadratic)\n\n")
        f.write("| checkpoint | length | n | agree | correct | logit error max | median | "
                "gain max | median | chaotic |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
        for r in rows:
            f.write(f"| {r['checkpoint']} | {r['length']} | {r['n']} | {r['agree']} | "
                    f"{r['engine_correct']} | {r['max_logit_error']:.2e} | "
                    f"{r['median_logit_error']:.2e} | {r['max_gain']:.2e} | "
                    f"{r['median_gain']:.2e} | {'yes' if r['max_gain'] >= 1 else 'no'} |\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoints", nargs="+", help="byte-level checkpoints (HDF5)")
    p.add_argument("--data-dir", help="the datasets folder (S-NIAH-2's essays; S-NIAH-1 needs none)")
    p.add_argument("--out", required=True, help="folder for stability.csv and stability.md")
    p.add_argument("--lengths", default="2048,8192,32768", help="prompt lengths in bytes")
    p.add_argument("--count", type=int, default=6, help="prompts per length")
    p.add_argument("--family", default="sniah", choices=("sniah", "babilong"),
                   help="the prompts' family (titans-data)")
    p.add_argument("--variant", help="the prompts' variant (default s-niah-1; babilong qa1)")
    p.add_argument("--tool", default="./titans-data", help="the titans-data program")
    p.add_argument("--logits", default="./titans-logits", help="the titans-logits program")
    a = p.parse_args()
    a.argv = sys.argv[1:]
    a.variant = a.variant or {"sniah": "s-niah-1", "babilong": "qa1"}[a.family]
    torch.set_num_threads(1)
    lengths = [int(x) for x in a.lengths.split(",")]
    os.makedirs(a.out, exist_ok=True)
    rows, t0 = [], time.time()
    with tempfile.TemporaryDirectory(prefix="titans-stability-") as scratch:
        data = {n: prompts(a, n, scratch) for n in lengths}
        for ckpt in a.checkpoints:
            try:
                model = R.load_checkpoint(ckpt)
            except R.CheckpointError as e:
                raise SystemExit(f"stability.py: {e}")
            if model.cfg.head != "lm":
                raise SystemExit(f"stability.py: {ckpt}: not a byte-level lm checkpoint")
            for n in lengths:
                if "attn" in model.cfg.layer_kinds and n > ATTN_MAX_LENGTH:
                    continue  # quadratic in the float64 reference; the suites stop it at 16K too
                rows.append(measure(a, ckpt, model, n, data[n], scratch))
                r = rows[-1]
                print(f"{ckpt} {n}: agree {r['agree']}/{r['n']} correct {r['engine_correct']} "
                      f"logit error {r['max_logit_error']:.2e} gain {r['max_gain']:.2e}",
                      flush=True)
    # each file written whole beside its name, then renamed: a killed run leaves the old one
    csv_path, md_path = os.path.join(a.out, "stability.csv"), os.path.join(a.out, "stability.md")
    with open(csv_path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    write_md(md_path + ".tmp", rows, a, time.time() - t0)
    os.replace(csv_path + ".tmp", csv_path)
    os.replace(md_path + ".tmp", md_path)


if __name__ == "__main__":
    main()
