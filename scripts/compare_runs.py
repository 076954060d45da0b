"""What a numerics option costs: two titans-eval runs of the same plan (say float32 and
`--weights bf16`) compared unit by unit,

    /usr/bin/python3 scripts/compare_runs.py RUN_A/units.csv RUN_B/units.csv [--labels A,B]
                                             [--by model,task,length]

prints a Markdown table, a row per model, task and length (--by: any of units.csv's plan
columns): units, how many greedy answers (the `prediction` column, whole) are the same, how
many units have the same score (right in both or wrong in both, for a 0/1 score), the mean
score of each run, and for forecasting the largest MAE change; then a row for all.
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


def compare(a, b, by):
    """{cell: Counter of n, same, same_score, score_a, score_b} and the largest MAE change, a cell being the
    values of the columns `by`"""
    cells = collections.defaultdict(collections.Counter)
    mae = collections.defaultdict(float)
    for key in sorted(set(a) & set(b)):
        ra, rb = a[key], b[key]
        cell = tuple(int(ra[k]) if ra[k].lstrip("-").isdigit() else ra[k] for k in by)
        c = cells[cell]
        c["n"] += 1
        c["same"] += ra["prediction"] == rb["prediction"]
        c["same_score"] += ra["score"] == rb["score"]
        c["score_a"] += float(ra["score"])
        c["score_b"] += float(rb["score"])
        mae[cell] = max(mae[cell], abs(float(ra["mae"]) - float(rb["mae"])))
    return cells, mae


def share(k, n):
    return f"{k} ({100 * k / n:.1f}%)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--labels", default="A,B", help="names of the two runs in the table (A,B)")
    ap.add_argument("--by", default="model,task,length", help="the columns a row groups by")
    args = ap.parse_args()
    by = args.by.split(",")
    if any(k not in KEY for k in by):
        sys.exit(f"--by: columns are among {', '.join(KEY)}")
    la, lb = (args.labels.split(",") + ["B"])[:2]
    a, b = read(args.a), read(args.b)
    cells, mae = compare(a, b, by)
    print("| " + " | ".join(by) + f" | units | same answer | same score | mean score {la} | mean score {lb} | max MAE change |")
    print("|" + "---|" * len(by) + "---:|---:|---:|---:|---:|---:|")
    tot = collections.Counter()
    for cell, c in sorted(cells.items()):
        n = c["n"]
        tot.update(c)
        print("| " + " | ".join(str(v) for v in cell) + f" | {n} | {share(c['same'], n)} | "
              f"{share(c['same_score'], n)} | {c['score_a'] / n:.4f} | {c['score_b'] / n:.4f} | {mae[cell]:.3g} |")
    n = tot["n"]
    if n:
        print("| all" + " |" * len(by) + f" {n} | {share(tot['same'], n)} | {share(tot['same_score'], n)} | "
              f"{tot['score_a'] / n:.4f} | {tot['score_b'] / n:.4f} | |")
    only_a, only_b = len(set(a) - set(b)), len(set(b) - set(a))
    if only_a or only_b:
        print(f"\n{only_a} units only in {args.a}, {only_b} only in {args.b} (not compared)")
    return 0 if tot["n"] else 1


if __name__ == "__main__":
    sys.exit(main())
