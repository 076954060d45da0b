"""What a numerics option costs: two titans-eval runs of the same plan (say float32 and
`--weights bf16`) compared unit by unit,

    /usr/bin/python3 scripts/compare_runs.py RUN_A/units.csv RUN_B/units.csv [--labels A,B]

prints a Markdown table per model and task: units, how many greedy answers (the `prediction`
column) are the same, the mean score of each run, and for forecasting the largest MAE change.
Units are matched by the plan's fields (task, model, variant, length, depth, sample); a unit in
one run only is counted and named at the end, so a partial run compares what it has.
"""
import argparse
import collections
import csv
import sys

KEY = ("task", "model", "variant", "length", "depth", "sample")


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [k for k in KEY + ("score", "mae", "prediction") if rows and k not in rows[0]]
    if missing:
        sys.exit(f"{path}: not a titans-eval units.csv (no column {', '.join(missing)})")
    return {tuple(r[k] for k in KEY): r for r in rows}


def compare(a, b):
    """{(model, task): Counter of n, same, score_a, score_b} and the largest MAE change"""
    cells = collections.defaultdict(collections.Counter)
    mae = collections.defaultdict(float)
    for key in sorted(set(a) & set(b)):
        ra, rb = a[key], b[key]
        cell = (ra["model"], ra["task"])
        c = cells[cell]
        c["n"] += 1
        c["same"] += ra["prediction"] == rb["prediction"]
        c["score_a"] += float(ra["score"])
        c["score_b"] += float(rb["score"])
        mae[cell] = max(mae[cell], abs(float(ra["mae"]) - float(rb["mae"])))
    return cells, mae


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--labels", default="A,B", help="names of the two runs in the table (A,B)")
    args = ap.parse_args()
    la, lb = (args.labels.split(",") + ["B"])[:2]
    a, b = read(args.a), read(args.b)
    cells, mae = compare(a, b)
    print(f"| model | task | units | same answer | mean score {la} | mean score {lb} | max MAE change |")
    print("|---|---|---:|---:|---:|---:|---:|")
    tot = collections.Counter()
    for (model, task), c in sorted(cells.items()):
        n = c["n"]
        tot.update(c)
        print(f"| {model} | {task} | {n} | {c['same']} ({100 * c['same'] / n:.1f}%) | "
              f"{c['score_a'] / n:.4f} | {c['score_b'] / n:.4f} | {mae[(model, task)]:.3g} |")
    if tot["n"]:
        print(f"| all | | {tot['n']} | {tot['same']} ({100 * tot['same'] / tot['n']:.1f}%) | "
              f"{tot['score_a'] / tot['n']:.4f} | {tot['score_b'] / tot['n']:.4f} | |")
    only_a, only_b = len(set(a) - set(b)), len(set(b) - set(a))
    if only_a or only_b:
        print(f"\n{only_a} units only in {args.a}, {only_b} only in {args.b} (not compared)")
    return 0 if tot["n"] else 1


if __name__ == "__main__":
    sys.exit(main())
