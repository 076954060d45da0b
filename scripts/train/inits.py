"""The trainer's initialisations: titans_ref.random_init plus the variants issue 11 compares.

An initialisation sets starting values only; the model definition (docs/model.md) is the same.
    project   random_init as the committed checkpoints were trained (recipes without `init`)
    wh0       MAC's W_h = 0: the read h of the memory enters attention with zero weight, which
              breaks the attention -> memory -> attention loop between segments at init while
              dL/dW_h stays non-zero (training-notes.md, "MAC: the loop between segments")
    conv      near-identity causal conv of the memory: c_0..c_3 ~ N(0, 0.25^2), plus 1 on c_3
              (the tap of the newest row), instead of U(-0.5, 0.5)
    wh0+conv  both
    wh0+keep  wh0, and the decay gate's bias b_alpha at -12 instead of -8: alpha = 6e-6 per token
              at init, so a needle keeps (1 - alpha)^T = 0.67 of its weight over 64K tokens
              (0.6% at -8: the forgetting of training-notes.md, at lengths 100x the training's)
"""
import torch

import fast_model as FM

R = FM.R
INITS = ("project", "wh0", "conv", "wh0+conv", "wh0+keep")
KEEP_B_ALPHA = -12.0
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
            elif "keep" in init and path.endswith("/mem/b_alpha"):
                p.fill_(KEEP_B_ALPHA)
    return model


def initial_model(cfg, seed, init="project", start=None):
    """The trainer's model (fast_model.FastTitans) at initialisation; start (a checkpoint path)
    continues a trained model instead, whose config must be cfg."""
    if start is None:
        return FM.fast_copy(apply_init(R.random_init(cfg, seed), seed, init))
    model = R.load_checkpoint(start)
    if model.cfg != cfg:
        raise ValueError(f"{start}: its config is not the recipe's")
    return FM.fast_copy(model)
