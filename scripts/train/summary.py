"""The trained checkpoints as one Markdown table: size, data, steps and wall time of each.

    /usr/bin/python3 scripts/train/summary.py [--out checkpoints] > results/checkpoints.md

Everything comes from the checkpoints themselves (their `training` attribute, written by
train.py, and their weights) and from the last step line of each training log; a recipe of
recipes.py without a checkpoint is listed as not trained.
"""

import argparse
import json
import os
import re
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipes as RC  # noqa: E402


# Config keys a family sets for all its recipes (size, task shape): not per-recipe overrides.
FAMILY_KEYS = set(RC.FORECAST_SIZE) | {"lookback", "horizon", "patch_len", "patch_stride",
                                       "n_classes"}


def n_weights(f):
    """Number of stored weights (every numeric dataset of the file)."""
    total = 0

    def visit(_, obj):
        nonlocal total
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f":
            total += obj.size
    f.visititems(visit)
    return total


def last_answer_ce(log_path):
    """The answer cross-entropy of the last logged step (S-NIAH/BABILong logs), or None."""
    if not os.path.exists(log_path):
        return None
    found = None
    with open(log_path) as log:
        for line in log:
            m = re.search(r"answer_ce ([0-9.]+)", line)
            if m:
                found = float(m.group(1))
    return found


def describe_stage(st):
    """One curriculum stage: task, length, batch and steps."""
    what = "passkey" if st["task"] == "passkey" else "/".join(st.get("variants", (st["task"],)))
    return f"{what} {st['length']} B x {st['batch']} for {st['steps']}"


def describe_data(d):
    if "stages" in d:
        return "; ".join(describe_stage(st) for st in d["stages"])
    what = "/".join(d.get("variants", ()))
    if "lengths" in d:
        what += " at " + "/".join(str(n) for n in d["lengths"]) + " bytes"
    if "horizon" in d:
        what += f", horizon {d['horizon']}"
    if "split" in d:
        what += f" ({d['split']})"
    return what


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="checkpoints", help="checkpoints folder (default checkpoints)")
    a = ap.parse_args()
    print("# Trained checkpoints\n")
    print("Written by `/usr/bin/python3 scripts/train/summary.py > results/checkpoints.md` from the "
          "checkpoints' `training` attributes and logs. Wall time is on one core of the 2-core "
          "AMD EPYC VM, often shared with a second training run. Answer CE is the cross-entropy "
          "on the answer bytes over the last 25 logged steps (chance on S-NIAH's 7 digits: 1.6).\n")
    print("| checkpoint | layers | d | overrides | weights | MB | data | steps x batch | wall min "
          "| final loss | answer CE |")
    print("|---|---|---:|---|---:|---:|---|---:|---:|---:|---:|")
    for r in RC.all_recipes():
        path = os.path.join(a.out, r["family"], r["name"] + ".h5")
        name = f"{r['family']}/{r['name']}"
        if not os.path.exists(path):
            print(f"| {name} | {'+'.join(r['layers'])} | | | | | {describe_data(r['data'])} "
                  f"| {r['steps']} x {r['batch']} | not trained | | |")
            continue
        with h5py.File(path, "r") as f:
            t = json.loads(f.attrs["training"])
            weights, d_model = n_weights(f), int(f.attrs["d_model"])
        ce = last_answer_ce(os.path.join(a.out, r["family"], r["name"] + ".log"))
        over = ", ".join(f"{k} {v}" for k, v in t["config"].items() if k not in FAMILY_KEYS)
        print(f"| {name} | {'+'.join(t['layers'])} | {d_model} | {over} | {weights} "
              f"| {os.path.getsize(path) / 1e6:.2f} | {describe_data(t['data'])} "
              f"| {t['steps']} x {t['batch']} | {t['minutes']:.1f} | {t['final_loss']:.4f} "
              f"| {'' if ce is None else f'{ce:.4f}'} |")


if __name__ == "__main__":
    main()
