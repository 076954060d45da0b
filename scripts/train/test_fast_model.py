"""The trainer's model (fast_model.py) is the reference's function, batched or not:

    $(PYTHON) scripts/train/test_fast_model.py [-v]

In float64 the closed-form chunk coefficients and the blocked windowed attention agree with the
reference's token loop to 1e-10; under vmap, each batch row equals its own forward. Also checks
a few training steps lower the loss of every family's batch (the loss code runs and has a
gradient). Exits non-zero on failure.
"""
import os
import sys
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_model as FM  # noqa: E402
import train as T  # noqa: E402

R = FM.R
F64 = torch.float64


def lively(cfg, seed=0):
    """Gates and gains away from their defaults, so every coefficient matters."""
    return R.random_init(cfg, seed, b_alpha=-3.0, gate_bias_std=0.5, gain_std=0.2, bias_std=0.1,
                         m0_scale=2.0)


def small(layers, **overrides):
    base = dict(d_model=16, layer_kinds=tuple(layers), n_layers=len(layers), n_heads=2, ffn_dim=24,
                window=6, segment=5, n_persistent=3, mem_heads=2, mem_chunk=4)
    base.update(overrides)
    return R.Config(**base)


class FastModelTest(unittest.TestCase):
    def check(self, cfg, n, seed=0):
        ref = lively(cfg, seed)
        fast = FM.fast_copy(ref)
        fast.query_block = 4  # several query blocks, a ragged last one
        x = torch.randint(0, 256, (n,), generator=torch.Generator().manual_seed(seed))
        want = ref(x, dtype=F64).final
        got = fast(x, dtype=F64, chunked=True).final
        err = (want - got).abs().max().item()
        self.assertLess(err, 1e-10, f"{cfg.layer_kinds} n_p {cfg.n_persistent} window "
                                    f"{cfg.window} T {n}: {err}")

    def test_every_kind_and_edge(self):
        for kinds in (("lmm", "mag"), ("mac", "mal"), ("swa", "attn")):
            for n_p in (0, 3):
                for window in (1, 6):
                    for n in (1, 5, 13):
                        self.check(small(kinds, n_persistent=n_p, window=window), n)

    def test_ablations(self):
        for overrides in ({"mem_depth": 1}, {"mem_conv": 0}, {"mem_momentum": 0},
                          {"mem_decay": 0}, {"mem_depth": 3}):
            self.check(small(("lmm", "mag"), **overrides), 11)

    def test_vmap_rows_are_single_forwards(self):
        cfg = small(("mag", "mac"))
        fast = FM.fast_copy(lively(cfg, 1))
        x = torch.randint(0, 256, (3, 9), generator=torch.Generator().manual_seed(2))
        batched = T.vmap(lambda t: fast(t, dtype=F64, chunked=True).final)(x)
        for i in range(3):
            one = fast(x[i], dtype=F64, chunked=True).final
            self.assertLess((batched[i] - one).abs().max().item(), 1e-10)


class LossTest(unittest.TestCase):
    """A few steps on one repeated batch lower each family's loss."""

    def fit(self, recipe, data, steps=6):
        cfg = T.make_config(recipe)
        model = FM.fast_copy(R.random_init(cfg, 0))
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        first = None
        for _ in range(steps):
            loss, _ = T.loss_of(model, recipe, data, 0)
            first = loss.item() if first is None else first
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(T.loss_of(model, recipe, data, 0)[0].item(), first)

    def recipe(self, family, config=None):
        return dict(family=family, layers=("mag", "lmm"), batch=4, seed=0, steps=10,
                    config=dict(d_model=16, n_heads=2, ffn_dim=24, window=6, mem_chunk=4,
                                **(config or {})))

    def test_bytes(self):
        g = torch.Generator().manual_seed(0)
        tokens = torch.randint(0, 256, (8, 20), generator=g)
        weight = torch.full((8, 20), T.PROMPT_LOSS_WEIGHT)
        weight[:, 14:19] = 1.0
        weight[:, 19:] = 0.0
        recipe = self.recipe("sniah")
        recipe["data"] = dict(lengths=(20,))
        self.fit(recipe, {20: dict(tokens=tokens, weight=weight)})

    def test_dna(self):
        g = torch.Generator().manual_seed(0)
        data = dict(tokens=torch.randint(0, 5, (8, 12), generator=g),
                    label=torch.randint(0, 2, (8,), generator=g))
        self.fit(self.recipe("genomics", {"n_classes": 2}), data)

    def test_series(self):
        t = torch.arange(200, dtype=torch.float32)
        series = torch.stack([torch.sin(t / 5), torch.cos(t / 7)], dim=1)
        cfg = {"lookback": 24, "horizon": 8, "patch_len": 8, "patch_stride": 4}
        self.fit(self.recipe("forecast", cfg), dict(series=series))


class ClipTest(unittest.TestCase):
    """train.clip_gradients: torch's clip bit for bit on ordinary gradients; a norm whose float32
    sum of squares overflows is taken in float64 and clipped, not turned into zero gradients."""

    def params(self, scale):
        g = torch.Generator().manual_seed(1)
        model = torch.nn.Linear(64, 64)
        for p in model.parameters():
            p.grad = torch.randn(p.shape, generator=g) * scale
        return model

    def test_ordinary_gradients_as_torch(self):
        mine, theirs = self.params(3.0), self.params(3.0)
        norm = T.clip_gradients(mine, 1.0)
        want = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0).item()
        self.assertEqual(norm, want)
        for a, b in zip(mine.parameters(), theirs.parameters()):
            self.assertTrue(torch.equal(a.grad, b.grad))

    def test_overflowing_norm_still_clips(self):
        model = self.params(1e19)  # squares overflow float32: torch's norm would be inf
        norm = T.clip_gradients(model, 1.0)
        self.assertTrue(1e20 < norm < 1e22)
        total = sum(float(p.grad.double().pow(2).sum()) for p in model.parameters()) ** 0.5
        self.assertAlmostEqual(total, 1.0, places=5)


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
