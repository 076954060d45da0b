"""How much a checkpoint's memory forgets over one long prompt: the decay gate alpha of each
memory layer, summed over the tokens of an S-NIAH-1 prompt (float64 reference). A needle written
at the start keeps about exp(-sum) of its weight by the end.

    /usr/bin/python3 scripts/train/decay.py checkpoints/sniah/fair-lmm.h5 [--length 32768]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import titans_ref as R  # noqa: E402

SEED = 99  # no suite or recipe uses it


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("--length", type=int, default=32768, help="prompt length in bytes")
    p.add_argument("--tool", default="./titans-data", help="the titans-data program")
    a = p.parse_args()
    torch.set_num_threads(1)
    model = R.load_checkpoint(a.checkpoint)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "p.h5")
        subprocess.run([a.tool, "--family", "sniah", "--variant", "s-niah-1", "--length", str(a.length),
                        "--count", "1", "--seed", str(SEED), "--out", out], check=True, capture_output=True)
        with h5py.File(out, "r") as f:
            off = f["prompt_offset"][()]
            prompt = f["prompt"][()][off[0]:off[1]].astype(np.int64)
    alphas = []
    inputs = R.Memory._inputs

    def keep_alpha(self, u, st):  # q, k, v, theta, eta, alpha [H_m, n]
        out = inputs(self, u, st)
        alphas.append((id(self), out[5].detach().numpy()))
        return out

    R.Memory._inputs = keep_alpha
    with torch.no_grad():
        model(torch.as_tensor(prompt), dtype=torch.float64, chunked=True)
    layers = {}
    for key, a_ in alphas:
        layers.setdefault(key, []).append(a_)
    for i, parts in enumerate(layers.values()):
        x = np.concatenate(parts, axis=1)                                              # [H_m, T]
        print(f"memory layer {i}: alpha mean {x.mean():.2e}, summed over {x.shape[1]} tokens "
              f"{x.sum(1).max():.3f} (the most-forgetting head)")


if __name__ == "__main__":
    main()
