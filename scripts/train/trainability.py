"""Outer gradient norm at initialisation, per variant, length, seed, init and parameter group.

    /usr/bin/python3 scripts/train/trainability.py --data-dir ../shared/datasets \\
        --tool ./titans-data --out results/trainability

One batch of training data (the trainer's own loss, train.text_loss, in float32 as trained):
128 bytes are passkey prompts (passkey.py: S-NIAH needs ~440 bytes), 512 bytes and up the
S-NIAH-1/2 training prompts of titans-data. A batch holds --tokens bytes (the S-NIAH recipe's
8 x 512), so 128 B: 32 rows, 512: 8, 2K: 2, 8K: 1. The model is the shared small size of
recipes.py, initialised by inits.initial_model(cfg, seed, init); the batch is the first one of a
recipe with that seed. An init that changes no tensor of a variant (wh0 without MAC, conv
without memory) is not measured. A norm above ~100 at init was the mark of a model that stayed
at chance (training-notes.md).

Writes OUT/trainability.csv (one row per group and measurement, plus a 'total' row) and
OUT/trainability.md (totals over the seeds; the groups holding most of the squared norm).
"""
import argparse
import csv
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402  (sets one thread per BLAS before torch loads)
import inits  # noqa: E402
import recipes as RC  # noqa: E402

import torch  # noqa: E402

SUBGROUPS = (("attn/wo", "attn wo"), ("attn/", "attn qkv"), ("mem/conv_", "conv"),
             ("mem/m0_", "M_0"), ("mem/w_theta", "gates"), ("mem/w_eta", "gates"),
             ("mem/w_alpha", "gates"), ("mem/b_", "gates"), ("mem/wo", "mem out"),
             ("mem/w_gate", "mem out"), ("mem/", "mem qkv"), ("mac/w_h", "W_h"),
             ("ffn/", "ffn"), ("", "norms"))  # first prefix that matches; the rest are gains
TOP_GROUPS = 3


def group_of(path):
    """The parameter group of a tensor path: embedding, persistent, head or 'L<i> <part>'."""
    if path.startswith("layers/"):
        _, i, rest = path.split("/", 2)
        if rest.startswith("mem/out_norm"):
            return f"L{i} norms"
        return f"L{i} " + next(g for prefix, g in SUBGROUPS if rest.startswith(prefix))
    return {"embed/table": "embedding", "persistent": "persistent"}.get(path, "head")


def changes(init, kinds):
    """Whether init changes any tensor of a model with these layer kinds."""
    return (("wh0" not in init or "mac" in kinds)
            and ("conv" not in init or any(k in ("mac", "mag", "mal", "lmm") for k in kinds)))


def batch_data(length, batch, a):
    """A one-stage recipe's data for this length: passkey below S-NIAH's minimum, else S-NIAH."""
    stage = dict(task="passkey", length=length, steps=4, batch=batch)
    if length >= 512:
        stage.update(task="sniah", variants=("s-niah-1", "s-niah-2"))
    recipe = dict(family="sniah", batch=batch, data=dict(stages=[stage]))
    return recipe, T.text_data(recipe, a)


def measure(variant, init, seed, recipe, data):
    """{group: norm} and 'total' of the gradient of one batch's loss at initialisation."""
    recipe = dict(recipe, layers=RC.VARIANTS[variant], config={}, seed=seed)
    torch.manual_seed(seed)
    model = inits.initial_model(T.make_config(recipe), seed, init)
    T.backward_of(model, recipe, data, 0)
    sq = {}
    for path, p in model.p.items():
        g = group_of(path)
        sq[g] = sq.get(g, 0.0) + float(p.grad.double().pow(2).sum())
    norms = {g: math.sqrt(v) for g, v in sq.items()}
    norms["total"] = math.sqrt(sum(sq.values()))
    return norms


def fmt(x):
    return f"{x:.3g}"


def table(keys, lengths, cell, align):
    """Markdown rows: one per (variant, init), one column per length, cell(variant, init, n)."""
    out = ["| variant | init | " + " | ".join(f"{n} B" for n in lengths) + " |",
           "|---|---|" + align * len(lengths)]
    for v, i in keys:
        out.append(f"| {v} | {i} | " + " | ".join(cell(v, i, n) for n in lengths) + " |")
    return out


def markdown(rows, a, command):
    """Totals (every seed) per variant x init x length; the largest groups at each length."""
    lengths = sorted({r["length"] for r in rows})
    keys = list(dict.fromkeys((r["variant"], r["init"]) for r in rows))
    by = {}
    for r in rows:
        by.setdefault((r["variant"], r["init"], r["length"]), []).append(r)

    def totals(v, i, n):
        got = sorted(by.get((v, i, n), []), key=lambda r: r["seed"])
        return " / ".join(fmt(r["norm"]) for r in got if r["group"] == "total")

    def largest(v, i, n):
        sq = {}
        for r in by.get((v, i, n), []):
            sq[r["group"]] = sq.get(r["group"], 0.0) + r["norm"] ** 2
        total = sq.pop("total", 0.0) or 1.0
        top = sorted(sq.items(), key=lambda kv: -kv[1])[:TOP_GROUPS]
        return ", ".join(f"{g} {100 * x / total:.0f}%" for g, x in top)

    head = ["# Outer gradient norm at initialisation\n", f"`{command}`\n",
            "One batch (the trainer's loss, float32) of about "
            f"{a.tokens} bytes: 128 B passkey x 32, 512 B S-NIAH-1/2 x 8, 2K x 2, 8K x 1. Cells: "
            f"the total norm at seeds {' / '.join(map(str, a.seeds))}. Inits (scripts/train/inits.py): "
            "project = the committed checkpoints'; wh0 = MAC's W_h zero; conv = near-identity "
            "memory conv (N(0, 0.25^2) + 1 on the newest tap). An init that changes no tensor of "
            "a variant is not listed.\n"]
    mid = ["", f"Where the squared norm sits (the {TOP_GROUPS} largest groups, share of the "
           "squared total summed over the seeds):\n"]
    return "\n".join(head + table(keys, lengths, totals, "---:|") + mid
                     + table(keys, lengths, largest, "---|")) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--variants", nargs="+", default=list(RC.VARIANTS), choices=list(RC.VARIANTS))
    p.add_argument("--lengths", nargs="+", type=int, default=[128, 512, 2048, 8192])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--init", nargs="+", default=list(inits.INITS), choices=inits.INITS)
    p.add_argument("--tokens", type=int, default=4096, help="bytes per batch (rows = this / length)")
    p.add_argument("--out", default=os.path.join("results", "trainability"))
    p.add_argument("--data-dir", default=os.environ.get("TITANS_DATA"))
    p.add_argument("--tool", default="titans-data")
    p.add_argument("--cache", default=os.path.join("build-train", "data"))
    a = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.cache, exist_ok=True)
    command = "/usr/bin/python3 scripts/train/trainability.py " + " ".join(sys.argv[1:])
    rows = []
    for n in a.lengths:
        recipe, data = batch_data(n, max(1, a.tokens // n), a)
        for v in a.variants:
            for i in (i for i in a.init if changes(i, RC.VARIANTS[v])):
                for seed in a.seeds:
                    t0 = time.time()
                    norms = measure(v, i, seed, recipe, data)
                    sec = time.time() - t0
                    print(f"{v} {i} {n} B seed {seed}: {norms['total']:.4g} ({sec:.1f} s)",
                          file=sys.stderr, flush=True)
                    rows += [dict(variant=v, init=i, length=n, batch=max(1, a.tokens // n),
                                  seed=seed, group=g, norm=x, seconds=round(sec, 1))
                             for g, x in norms.items()]
    with open(os.path.join(a.out, "trainability.csv"), "w", newline="") as f:
        f.write(f"# {command}\n")
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(dict(r, norm=f"{r['norm']:.6g}") for r in rows)
    with open(os.path.join(a.out, "trainability.md"), "w") as f:
        f.write(markdown(rows, a, command))


if __name__ == "__main__":
    main()
