"""The trainer's initialisations: titans_ref.random_init plus the variants issue 11 compares.

An initialisation sets starting values only; the model definition (docs/model.md) is the same.
    project   random_init as the committed checkpoints were trained (recipes without `init`)
    wh0       MAC's W_h = 0: the read h of the memory enters attention with zero weight, which
              breaks the attention -> memory -> attention loop between segments at init while
              dL/dW_h stays non-zero (training-notes.md, "MAC: the loop between segments")
    conv      near-identity causal conv of the memory: c_0..c_3 ~ N(0, 0.25^2), plus 1 on c_3
              (the tap of the newest row), instead of U(-0.5, 0.5)
    wh0+conv  both
"""
import torch

import fast_model as FM

R = FM.R
INITS = ("project", "wh0", "conv", "wh0+conv")
CONV_STD = 0.25
CONV_SEED_OFFSET = 7919  # the conv draws its own stream, so the other weights stay random_init's


def apply_init(model, seed, init):
    """Overwrites the tensors init changes, in place; model is random_init(cfg, seed)'s."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r} (one of {', '.join(INITS)})")
    gen = torch.Generator().manual_seed(seed + CONV_SEED_OFFSET)
    with torch.no_grad():
        for path, p in model.p.items():
            if "wh0" in init and path.endswith("/mac/w_h"):
                p.zero_()
            elif "conv" in init and "/mem/conv_" in path:
                c = torch.randn(p.shape, generator=gen, dtype=torch.float64) * CONV_STD
                c[-1] += 1.0  # c_3 multiplies x_t (docs/model.md, decision 6)
                p.copy_(c.to(p.dtype))
    return model


def initial_model(cfg, seed, init="project"):
    """The trainer's model (fast_model.FastTitans) at initialisation."""
    return FM.fast_copy(apply_init(R.random_init(cfg, seed), seed, init))
