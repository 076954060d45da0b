"""Regenerates every golden fixture (docs/checkpoint-format.md, "Golden fixtures").

    $(PYTHON) scripts/reference/make_fixtures.py [--out-dir tests/fixtures]

Each fixture is a random-initialised checkpoint (fixed seed, lively gates and gains) plus a
/fixture group with one input and the reference's outputs, computed by the token loop in float64
from the float32 weights and stored as float32. Also prints, per fixture, how far the
reference's own float32 run lands from the stored values, so that an ill-conditioned fixture
(one a float32 engine could not match to 1e-4) is caught here, and how far the memory writes
moved the fast weights from M_0 (so a fixture whose memory does nothing is noticed).
"""
import argparse
import math
import os
import sys

import h5py
import numpy as np
import torch

import titans_ref as R

SIZE_LIMIT = 2 * 1024 * 1024
FLOAT32_BUDGET = 2e-5  # the reference's own float32 error must stay 5x below the 1e-4 test bound

# Small shapes in which the lengths matter: window 8, segment 8, chunk 4, and sequences longer
# than all three, not a multiple of the chunk, with a shorter last segment.
BASE = dict(input="bytes", head="lm", vocab_size=256, d_model=16, n_heads=2, ffn_dim=24, window=8,
            segment=8, n_persistent=2, mem_heads=2, mem_depth=2, mem_expansion=2, mem_chunk=4,
            theta_max=1.0)
DNA = dict(input="dna", head="cls", vocab_size=5, n_classes=3)
SERIES = dict(input="series", head="forecast", vocab_size=0, lookback=32, patch_len=8,
              patch_stride=4, horizon=12, window=3, segment=3, mem_chunk=2)
# Livelier than training-notes.md so that decay, momentum and every gain matter: gate biases
# spread by N(0, 0.5^2) (and the gate weights add about N(0, 1) per token), gains 1 + N(0, 0.2^2).
# Deep memories get b_alpha -5 and M_0 three times Xavier: with smaller M_0 the spread of o in
# LN(o) is small (sigma ~ 0.05) and float32 drifts from float64 by 1e-4, a fixture no float32
# engine could be held to.
LIVELY = dict(b_alpha=-2.0, gate_bias_std=0.5, gain_std=0.2, bias_std=0.1)
LIVELY_DEEP = dict(LIVELY, b_alpha=-5.0, m0_scale=3.0)

FIXTURES = [
    # name, layers, config overrides, init overrides, T, description
    ("attn", ["attn", "attn"], dict(), LIVELY, 45,
     "full causal attention, 2 layers, N_p 2"),
    ("swa", ["swa", "swa"], dict(n_persistent=3), LIVELY, 45,
     "sliding window 8 with a prefix of 3, T 45 > window"),
    ("lmm_depth1_heads2", ["lmm"], dict(mem_depth=1, n_persistent=3), LIVELY, 45,
     "LMM, linear memory, 2 memory heads, N_p 3 so chunks of 4 straddle the prefix, T 45"),
    ("lmm_depth2_heads1", ["lmm", "lmm"], dict(mem_heads=1, n_persistent=0), LIVELY_DEEP, 64,
     "LMM x2, depth 2, 1 memory head, no prefix, decay on"),
    ("lmm_depth3_heads2", ["lmm"], dict(mem_depth=3), LIVELY_DEEP, 50,
     "LMM, depth 3 (middle [h, h] matrix), 2 memory heads, N_p 2"),
    ("mac_np0", ["mac", "mac"], dict(n_persistent=0, mem_depth=1), LIVELY, 43,
     "MAC x2 without persistent memory, depth 1, segment 8, T 43 (last segment 3 tokens)"),
    ("mac_np3", ["mac"], dict(n_persistent=3), LIVELY_DEEP, 43,
     "MAC with N_p 3 (prefix segment), depth 2, 2 memory heads, T 43 (last segment 3 tokens)"),
    ("mag", ["mag", "mag"], dict(), LIVELY_DEEP, 45,
     "MAG x2, depth 2, window 8, N_p 2"),
    ("mal", ["mal"], dict(mem_depth=1), LIVELY, 45,
     "MAL, depth 1, window 8, N_p 2"),
    ("mixed", ["attn", "swa", "lmm", "mac", "mag", "mal"], dict(n_persistent=3), LIVELY_DEEP, 37,
     "all six layer kinds in one stack, depth 2, N_p 3, T 37"),
    ("lmm_no_momentum", ["lmm"], dict(DNA, mem_momentum=0), LIVELY_DEEP, 45,
     "ablation w/o momentum (eta = 0) on LMM depth 2; dna input, cls head"),
    ("mag_no_decay", ["mag"], dict(DNA, mem_decay=0), LIVELY_DEEP, 45,
     "ablation w/o weight decay (alpha = 0) on MAG depth 2; dna input, cls head"),
    ("lmm_no_conv", ["lmm"], dict(DNA, mem_conv=0, mem_depth=1), LIVELY, 45,
     "ablation w/o convolution on LMM depth 1; dna input, cls head"),
    ("dna_cls", ["mag", "mac"], dict(DNA, mem_depth=1), LIVELY, 60,
     "dna input, cls head with 3 classes, MAG + MAC, depth 1"),
    ("series_forecast", ["mac", "lmm", "swa"], dict(SERIES), LIVELY_DEEP, None,
     "series input, forecast head: L 32, P 8, S 4 (8 patches), H 12, C 2; MAC + LMM + SWA with "
     "segment 3, window 3, chunk 2"),
]


def make_input(cfg, n_tokens, gen):
    """Tokens [T] (bytes, dna) or a window [L, 2] (series) as float32 numbers."""
    if cfg.input == "series":
        t = torch.arange(cfg.lookback, dtype=torch.float64)
        noise = torch.randn(cfg.lookback, 2, generator=gen, dtype=torch.float64)
        channels = [torch.sin(0.4 * t) + 0.3 * t / cfg.lookback + 0.1 * noise[:, 0],
                    5.0 + 3.0 * torch.cos(0.9 * t + 1.0) + 0.5 * noise[:, 1]]
        return torch.stack(channels, dim=1).to(torch.float32)                      # [L, C]
    return torch.randint(0, cfg.vocab_size, (n_tokens,), generator=gen)           # [T]


def fixture_tensors(out, cfg):
    """{path under /fixture: float32 array} of one Output."""
    tensors = {f"layer_out/{i}": x for i, x in enumerate(out.layer_out)}
    tensors["final"] = out.final
    for i, st in out.mem.items():
        for l in range(cfg.mem_depth):
            tensors[f"mem/{i}/w_{l + 1}"] = st.m[l]
            tensors[f"mem/{i}/s_{l + 1}"] = st.s[l]
    return {k: v.detach().numpy().astype(np.float32) for k, v in tensors.items()}


def relative_error(a, ref):
    """max|a - ref| / max(max|ref|, 1e-6), the bound of tests/test_golden.c."""
    return float(np.abs(a - ref).max() / max(float(np.abs(ref).max()), 1e-6))


def write_fixture(path, name, description, layers, overrides, init, n_tokens, seed):
    cfg = R.Config(**dict(BASE, n_layers=len(layers), layer_kinds=tuple(layers), **overrides))
    model = R.random_init(cfg, seed, **init)
    gen = torch.Generator().manual_seed(seed + 1000)
    inputs = make_input(cfg, n_tokens, gen)
    with torch.no_grad():
        out = model(inputs, dtype=torch.float64)
        ref = fixture_tensors(out, cfg)
        # how far the writes took the fast weights from M_0: min over matrices of
        # max|M_T - M_0| / max|M_T| (0 without a memory layer)
        moved = min([float((m - model.p[f"layers/{i}/mem/m0_{l}"]).abs().max()
                           / m.abs().max())
                     for i, st in out.mem.items() for l, m in enumerate(st.m, 1)] or [0.0])
        worst32 = max(
            max(relative_error(v, ref[k]) for k, v in
                fixture_tensors(model(inputs, dtype=torch.float32, chunked=chunked), cfg).items())
            for chunked in (False, True))

    R.export_checkpoint(model, path, R.provenance(R.command_line(), seed))
    with h5py.File(path, "a", libver=R.HDF5_LIBVER) as f:
        group = f.create_group("fixture")
        R.write_attr(group.attrs, "name", name)
        R.write_attr(group.attrs, "description", description)
        if cfg.input == "series":
            R.write_attr(group.attrs, "n_tokens", cfg.n_patch)
            R.write_attr(group.attrs, "n_channels", int(inputs.shape[1]))
            group.create_dataset("window", data=inputs.numpy())
        else:
            R.write_attr(group.attrs, "n_tokens", len(inputs))
            group.create_dataset("tokens", data=inputs.numpy().astype(np.int32))
        for key, value in ref.items():
            group.create_dataset(key, data=value)
    return worst32, moved


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out-dir", default=os.path.join(here, "..", "..", "tests", "fixtures"))
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(1)

    total, bad = 0, []
    for seed, (name, layers, overrides, init, n_tokens, description) in enumerate(FIXTURES, 1):
        path = os.path.join(args.out_dir, name + ".h5")
        worst32, moved = write_fixture(path, name, description, layers, overrides, init,
                                       n_tokens, seed)
        size = os.path.getsize(path)
        total += size
        print(f"{name + '.h5':24s} {size:7d} bytes   float32 error {worst32:.1e}   "
              f"fast weights moved >= {moved:.2f}")
        if not math.isfinite(worst32) or worst32 > FLOAT32_BUDGET:
            bad.append(name)
    print(f"total {total} bytes ({total / 1024 / 1024:.2f} MiB) in {len(FIXTURES)} fixtures")
    if total > SIZE_LIMIT:
        sys.exit(f"fixtures exceed {SIZE_LIMIT} bytes")
    if bad:
        sys.exit(f"ill-conditioned fixtures (float32 error > {FLOAT32_BUDGET}): {', '.join(bad)}")


if __name__ == "__main__":
    main()
