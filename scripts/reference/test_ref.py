"""Self-tests of the PyTorch reference:

    $(PYTHON) scripts/reference/test_ref.py [-v]

Exits non-zero on failure.
"""
import glob
import os
import sys
import tempfile
import unittest

import h5py
import numpy as np
import torch
import torch.nn.functional as F

import titans_ref as R

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_DIR = os.path.join(HERE, "..", "..", "tests", "fixtures")
F64 = torch.float64


def small_config(layers, **overrides):
    """A small bytes/lm config where window, segment and chunk all matter at T ~ 40."""
    base = dict(d_model=16, n_layers=len(layers), layer_kinds=tuple(layers), n_heads=2, ffn_dim=24,
                window=6, segment=5, n_persistent=3, mem_heads=2, mem_depth=2, mem_expansion=2,
                mem_chunk=4)
    base.update(overrides)
    return R.Config(**base)


def lively(cfg, seed=0):
    return R.random_init(cfg, seed, b_alpha=-3.0, gate_bias_std=0.5, gain_std=0.2, bias_std=0.1,
                         m0_scale=2.0)


def tokens(n, seed=0, vocab=256):
    return torch.randint(0, vocab, (n,), generator=torch.Generator().manual_seed(seed))


def run(model, x, dtype=F64, chunked=False):
    with torch.no_grad():
        return model(x, dtype=dtype, chunked=chunked)


def all_tensors(out):
    """Every tensor of an Output by a readable name."""
    named = {f"layer_out/{i}": t for i, t in enumerate(out.layer_out)}
    named["final"] = out.final
    for i, st in out.mem.items():
        for l, (m, s) in enumerate(zip(st.m, st.s), 1):
            named[f"mem/{i}/w_{l}"], named[f"mem/{i}/s_{l}"] = m, s
    return named


def max_relative_error(a, b):
    """max over tensors of max|a - b| / max(max|b|, 1e-6)."""
    ta, tb = all_tensors(a), all_tensors(b)
    assert ta.keys() == tb.keys()
    return max(float((ta[k].double() - tb[k].double()).abs().max()
                     / max(float(tb[k].abs().max()), 1e-6)) for k in ta)


class MemoryGradient(unittest.TestCase):
    def test_analytic_gradient_matches_autograd(self):
        gen = torch.Generator().manual_seed(1)
        for depth in (1, 2, 3, 4):
            for heads in (1, 2):
                d_m, h, n = 6, 10, 5
                shapes = [(d_m, d_m)] if depth == 1 else \
                    [(d_m, h)] + [(h, h)] * (depth - 2) + [(h, d_m)]
                ws = [torch.randn(heads, i, o, generator=gen, dtype=F64) for i, o in shapes]
                k = F.normalize(torch.randn(heads, n, d_m, generator=gen, dtype=F64), dim=-1)
                v = torch.randn(heads, n, d_m, generator=gen, dtype=F64)
                acts, deltas = R.mem_grad_factors(ws, k, v)
                for t in range(n):
                    leaves = [w.clone().requires_grad_() for w in ws]
                    a = k[:, t]
                    for w in leaves[:-1]:
                        a = F.gelu(torch.einsum("hi,hio->ho", a, w))
                    o = torch.einsum("hi,hio->ho", a, leaves[-1])
                    pred = o if depth == 1 else k[:, t] + F.layer_norm(o, (d_m,), eps=1e-5)
                    loss = ((pred - v[:, t]) ** 2).mean(-1).sum()  # heads are independent
                    grads = torch.autograd.grad(loss, leaves)
                    for l, g in enumerate(grads):
                        analytic = acts[l][:, t, :, None] * deltas[l][:, t, None, :]
                        self.assertLess(float((analytic - g).abs().max()), 1e-12 * (1 + g.abs().max()),
                                        f"depth {depth} heads {heads} token {t} matrix {l + 1}")


    def test_memory_layer_matches_a_from_scratch_definition(self):
        """Section 3 written out per head and token with autograd gradients, against Memory."""
        n, chunk = 11, 3
        for depth in (1, 2, 3):
            cfg = R.Config(d_model=8, n_layers=1, layer_kinds=("lmm",), n_heads=2, ffn_dim=8,
                           n_persistent=0, mem_heads=2, mem_depth=depth, mem_chunk=chunk)
            model = R.random_init(cfg, 1, b_alpha=-2.0, gate_bias_std=0.5, gain_std=0.3)
            w = {k[len("layers/0/"):]: p.detach().double() for k, p in model.p.items()
                 if k.startswith("layers/0/")}
            u = torch.randn(n, 8, generator=torch.Generator().manual_seed(depth), dtype=F64)
            with torch.no_grad():
                out = R.Memory(w, cfg)(u, R.Memory(w, cfg).initial_state())

            def conv(x, c):
                xp = torch.cat([torch.zeros(3, 8, dtype=F64), x])
                return torch.stack([sum(c[j] * xp[t + j] for j in range(4)) for t in range(n)])

            q, k, v = (F.silu(conv(u @ w["mem/w" + p], w["mem/conv_" + p])) for p in "qkv")
            theta, eta, alpha = (torch.sigmoid(u @ w["mem/w_" + g] + w["mem/b_" + g])
                                 for g in ("theta", "eta", "alpha"))

            def memory(ws, z):
                a = z
                for m in ws[:-1]:
                    a = F.gelu(a @ m)
                o = a @ ws[-1]
                return o if depth == 1 else z + F.layer_norm(o, o.shape, eps=1e-5)

            y = torch.zeros(n, 8, dtype=F64)
            for h in range(2):
                cols = slice(4 * h, 4 * h + 4)
                ms = [w[f"mem/m0_{l}"][h] for l in range(1, depth + 1)]
                ss = [torch.zeros_like(m) for m in ms]
                for t in range(n):
                    if t % chunk == 0:
                        anchor = ms
                    leaves = [m.clone().requires_grad_() for m in anchor]
                    key = F.normalize(k[t, cols], dim=0, eps=1e-6)
                    loss = ((memory(leaves, key) - v[t, cols]) ** 2).mean()
                    grads = torch.autograd.grad(loss, leaves)
                    ss = [eta[t, h] * s - theta[t, h] * g for s, g in zip(ss, grads)]
                    ms = [(1 - alpha[t, h]) * m + s for m, s in zip(ms, ss)]
                    with torch.no_grad():
                        y[t, cols] = memory(ms, F.normalize(q[t, cols], dim=0, eps=1e-6))
            y = y / torch.sqrt((y * y).mean(-1, keepdim=True) + 1e-6) * w["mem/out_norm"]
            expected = (y * F.silu(u @ w["mem/w_gate"])) @ w["mem/wo"]
            self.assertLess(float((expected - out).abs().max()), 1e-12, f"depth {depth}")


class ChunkedMatchesLoop(unittest.TestCase):
    def check(self, cfg, n_tokens, seed=0):
        model = lively(cfg, seed)
        x = tokens(n_tokens, seed)
        loop, chunked = run(model, x), run(model, x, chunked=True)
        self.assertLess(max_relative_error(chunked, loop), 1e-10, str(cfg.layer_kinds))

    def test_every_memory_kind(self):
        for depth in (1, 2, 3):
            self.check(small_config(["lmm", "mac", "mag", "mal"], mem_depth=depth), 41)

    def test_chunk_sizes_and_prefixes(self):
        for chunk in (1, 3, 4, 7, 64):
            for n_p in (0, 3):
                self.check(small_config(["mac", "lmm"], mem_chunk=chunk, n_persistent=n_p), 37)

    def test_ablations(self):
        for flags in (dict(mem_momentum=0), dict(mem_decay=0), dict(mem_conv=0)):
            self.check(small_config(["lmm", "mac"], **flags), 30)

    def test_float32_close_to_float64(self):
        """With a well-conditioned deep memory (see make_fixtures.py: LIVELY_DEEP)."""
        model = R.random_init(small_config(["attn", "swa", "lmm", "mac", "mag", "mal"]), 0,
                              b_alpha=-5.0, gate_bias_std=0.5, gain_std=0.2, m0_scale=3.0)
        x = tokens(40)
        ref = run(model, x)
        for chunked in (False, True):
            self.assertLess(max_relative_error(run(model, x, torch.float32, chunked), ref), 1e-4)


class Causality(unittest.TestCase):
    def check(self, cfg, n_tokens=33):
        model = lively(cfg)
        x = tokens(n_tokens)
        n_p = cfg.n_persistent
        for chunked in (False, True):
            base = run(model, x, chunked=chunked)
            for j in (0, 4, 5, 11, 20, n_tokens - 1):
                x2 = x.clone()
                x2[j] = (x2[j] + 1) % 256
                other = run(model, x2, chunked=chunked)
                for i, (a, b) in enumerate(zip(base.layer_out, other.layer_out)):
                    self.assertTrue(torch.equal(a[:n_p + j], b[:n_p + j]),
                                    f"{cfg.layer_kinds}: token {j} changed layer {i} before it")
                    self.assertFalse(torch.equal(a[n_p + j], b[n_p + j]))
                self.assertTrue(torch.equal(base.final[:j], other.final[:j]))

    def test_mac(self):
        for n_p in (0, 3):
            for depth in (1, 2):
                self.check(small_config(["mac", "mac"], n_persistent=n_p, mem_depth=depth))

    def test_all_kinds(self):
        self.check(small_config(["attn", "swa", "lmm", "mac", "mag", "mal"]))

    def test_sliding_window_reach(self):
        """One swa layer (no FFN mixing across rows): token j reaches rows j .. j + W - 1 only."""
        cfg = small_config(["swa"])
        model, x, W, n_p = lively(cfg), tokens(30), cfg.window, cfg.n_persistent
        base = run(model, x).layer_out[0]
        x[10] = (x[10] + 1) % 256
        other = run(model, x).layer_out[0]
        changed = [r - n_p for r in range(base.shape[0]) if not torch.equal(base[r], other[r])]
        self.assertEqual(changed, list(range(10, 10 + W)))

    def test_prefix_rows_do_not_depend_on_the_input(self):
        """Equal up to rounding: matrix products of different sizes may round differently."""
        model = lively(small_config(["attn", "swa", "lmm", "mac", "mag", "mal"]))
        a, b = run(model, tokens(20, 1)), run(model, tokens(9, 2))
        for la, lb in zip(a.layer_out, b.layer_out):
            self.assertLess(float((la[:3] - lb[:3]).abs().max()), 1e-12)


class Ablations(unittest.TestCase):
    def test_switched_off_tensors_are_ignored(self):
        for flag, names in (("mem_momentum", ("mem/w_eta", "mem/b_eta")),
                            ("mem_decay", ("mem/w_alpha", "mem/b_alpha")),
                            ("mem_conv", ("mem/conv_q", "mem/conv_k", "mem/conv_v"))):
            cfg = small_config(["lmm", "mac"], **{flag: 0})
            model, x = lively(cfg), tokens(25)
            base = run(model, x)
            with torch.no_grad():
                for i in range(2):
                    for name in names:
                        model.p[f"layers/{i}/{name}"].add_(1.0)
            self.assertEqual(max_relative_error(run(model, x), base), 0.0, flag)

    def test_switched_on_tensors_matter(self):
        for flag, name in (("mem_momentum", "mem/b_eta"), ("mem_decay", "mem/b_alpha"),
                           ("mem_conv", "mem/conv_k")):
            cfg = small_config(["lmm"])
            model, x = lively(cfg), tokens(25)
            base = run(model, x)
            with torch.no_grad():
                model.p[f"layers/0/{name}"].add_(1.0)
            self.assertGreater(max_relative_error(run(model, x), base), 1e-3, flag)


class Checkpoint(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "model.h5")

    def tearDown(self):
        self.dir.cleanup()

    def export(self, cfg, seed=0):
        model = lively(cfg, seed)
        R.export_checkpoint(model, self.path, R.provenance("test_ref.py", seed))
        return model

    def test_round_trip(self):
        configs = [
            small_config(["attn", "swa", "lmm", "mac", "mag", "mal"]),
            small_config(["mac"], input="dna", head="cls", vocab_size=5, n_classes=3,
                         n_persistent=0, mem_depth=1),
            small_config(["mag", "lmm"], input="series", head="forecast", vocab_size=0,
                         lookback=20, patch_len=6, patch_stride=2, horizon=5, mem_depth=3),
        ]
        inputs = [tokens(21), tokens(21, vocab=5),
                  torch.randn(20, 3, generator=torch.Generator().manual_seed(0))]
        for cfg, x in zip(configs, inputs):
            model = self.export(cfg)
            loaded = R.load_checkpoint(self.path)
            self.assertEqual(loaded.cfg, cfg)
            self.assertEqual(loaded.provenance["training"], "random-init")
            for dtype in (torch.float32, F64):
                self.assertEqual(max_relative_error(run(loaded, x, dtype), run(model, x, dtype)),
                                 0.0)

    def test_attribute_types(self):
        self.export(small_config(["mac", "swa"]))
        with h5py.File(self.path, "r") as f:
            for name in R.Config.INT_FIELDS + ("seed",):
                self.assertEqual(f.attrs.get_id(name).dtype, np.int64, name)
                self.assertEqual(f.attrs.get_id(name).shape, (), name)
            for name in R.Config.REAL_FIELDS:
                self.assertEqual(f.attrs.get_id(name).dtype, np.float64, name)
            for name in R.Config.STRING_FIELDS + ("created_by", "created_utc", "training",
                                                  "torch_version"):
                info = h5py.check_string_dtype(f.attrs.get_id(name).dtype)
                self.assertTrue(info and info.encoding == "utf-8" and info.length is None, name)
            kinds = f.attrs.get_id("layer_kinds")
            self.assertEqual(kinds.shape, (2,))
            self.assertIsNone(h5py.check_string_dtype(kinds.dtype).length)
            self.assertEqual(list(f.attrs["layer_kinds"]), ["mac", "swa"])
            for name, shape in R.tensor_shapes(R.load_checkpoint(self.path).cfg).items():
                self.assertEqual(f[name].dtype, np.float32)
                self.assertEqual(f[name].shape, shape)

    def rejects(self, change, field):
        self.export(small_config(["mac", "swa"]))
        with h5py.File(self.path, "a") as f:
            change(f)
        with self.assertRaises(R.CheckpointError) as caught:
            R.load_checkpoint(self.path)
        self.assertIn(field, str(caught.exception))

    def test_loader_rejects_bad_files(self):
        def replace(name, data):
            def change(f):
                del f[name]
                f[name] = data
            return change

        def set_attr(name, value):
            def change(f):
                R.write_attr(f.attrs, name, value)
            return change

        shape = R.tensor_shapes(small_config(["mac", "swa"]))["layers/0/mem/wq"]
        self.rejects(replace("layers/0/mem/wq", np.zeros((3, 3), np.float32)), "layers/0/mem/wq")
        self.rejects(replace("layers/0/mem/wq", np.zeros(shape, np.float64)), "layers/0/mem/wq")
        nan = np.zeros(shape, np.float32)
        nan[1, 2] = np.nan
        self.rejects(replace("layers/0/mem/wq", nan), "layers/0/mem/wq")
        self.rejects(lambda f: f.__delitem__("final_norm"), "final_norm")
        self.rejects(lambda f: f.create_dataset("layers/1/mem/wq", data=np.zeros(shape, np.float32)),
                     "layers/1/mem/wq")
        self.rejects(lambda f: f.attrs.__delitem__("mem_chunk"), "mem_chunk")
        self.rejects(set_attr("format_version", np.int64(2)), "format_version")
        self.rejects(set_attr("mem_chunk", np.float64(4.0)), "mem_chunk")
        self.rejects(set_attr("n_heads", np.int64(3)), "d_model")
        self.rejects(set_attr("layer_kinds", ["mac", "ssm"]), "layer_kinds")
        with open(self.path, "wb") as f:
            f.write(b"not hdf5")
        with self.assertRaises(R.CheckpointError):
            R.load_checkpoint(self.path)


class ConfigValidation(unittest.TestCase):
    def test_rejects_bad_configs(self):
        bad = [
            ("d_model", dict(d_model=18, n_heads=4)),
            ("n_heads", dict(d_model=18, n_heads=2)),
            ("d_model", dict(mem_heads=3)),
            ("layer_kinds", dict(layer_kinds=("mac", "rnn"))),
            ("layer_kinds", dict(n_layers=3)),
            ("head", dict(head="cls")),
            ("window", dict(window=0)),
            ("segment", dict(layer_kinds=("mac", "mac"), segment=0)),
            ("mem_depth", dict(mem_depth=17)),
            ("mem_chunk", dict(mem_chunk=0)),
            ("theta_max", dict(theta_max=0.0)),
            ("theta_max", dict(theta_max=float("inf"))),
            ("rope_base", dict(rope_base=1.0)),
            ("mem_decay", dict(mem_decay=2)),
            ("vocab_size", dict(vocab_size=255)),
            ("n_classes", dict(input="dna", head="cls", vocab_size=5, n_classes=1)),
            ("patch_stride", dict(input="series", head="forecast", vocab_size=0, lookback=20,
                                  patch_len=6, patch_stride=4, horizon=3)),
            ("lookback", dict(lookback=8)),
            ("format_version", dict(format_version=2)),
            ("format", dict(format="titans")),
            ("d_model", dict(d_model=16.0)),
        ]
        for field, change in bad:
            args = dict(layer_kinds=("mag", "mag"))
            args.update(change)
            with self.assertRaises(R.ConfigError, msg=str(change)) as caught:
                R.Config(**args)
            self.assertTrue(str(caught.exception).startswith(field + ":"), str(caught.exception))

    def test_accepts_good_configs(self):
        R.Config()
        R.Config(layer_kinds=("attn", "lmm"), window=0, segment=0)
        R.Config(input="series", head="forecast", vocab_size=0, lookback=96, patch_len=16,
                 patch_stride=8, horizon=96)


class Fixtures(unittest.TestCase):
    """The committed fixtures are what this code computes (float64), and the reference's own
    float32 chunked path meets the C test's bound on them."""

    def test_fixtures_reproduce(self):
        paths = sorted(glob.glob(os.path.join(FIXTURE_DIR, "*.h5")))
        self.assertTrue(paths, f"no fixtures in {FIXTURE_DIR}")
        for path in paths:
            model = R.load_checkpoint(path)
            with h5py.File(path, "r") as f:
                fx = f["fixture"]
                x = torch.from_numpy(fx["window"][()] if "window" in fx else fx["tokens"][()])
                stored = {}
                fx.visititems(lambda n, o: stored.__setitem__(n, o[()])
                              if isinstance(o, h5py.Dataset) and n not in ("tokens", "window")
                              else None)
            for dtype, chunked, bound in ((F64, False, 1e-6), (torch.float32, True, 1e-4)):
                computed = {k: v.numpy() for k, v in all_tensors(run(model, x, dtype, chunked)).items()}
                self.assertEqual(computed.keys(), stored.keys(), path)
                for k, ref in stored.items():
                    err = np.abs(computed[k] - ref).max() / max(np.abs(ref).max(), 1e-6)
                    self.assertLess(err, bound, f"{os.path.basename(path)}: {k}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
