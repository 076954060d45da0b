"""Issue 11's trainer pieces: the init variants, the gradient-norm measure, passkey data, the
curriculum's stages, and the recipe identity of the committed checkpoints:

    $(PYTHON) scripts/train/test_trainability.py [-v]

Exits non-zero on failure.
"""
import glob
import json
import os
import sys
import unittest

import h5py
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402
import inits  # noqa: E402
import passkey as PK  # noqa: E402
import recipes as RC  # noqa: E402
import trainability as TR  # noqa: E402

R = T.R
CHECKPOINTS = os.path.join(HERE, "..", "..", "checkpoints")
RUNS = os.path.join(HERE, "..", "..", "training")


def small(kinds):
    return R.Config(d_model=16, layer_kinds=tuple(kinds), n_layers=len(kinds), n_heads=2,
                    ffn_dim=24, window=6, segment=5, n_persistent=2, mem_heads=2, mem_chunk=4)


class InitTest(unittest.TestCase):
    def changed(self, init):
        cfg = small(("mac", "mag"))
        base = R.random_init(cfg, 3)
        model = inits.initial_model(cfg, 3, init)
        return {k for k, p in model.p.items() if not torch.equal(p, base.p[k])}, model

    def test_project_is_random_init(self):
        self.assertEqual(self.changed("project")[0], set())

    def test_wh0_zeroes_only_w_h(self):
        changed, model = self.changed("wh0")
        self.assertEqual(changed, {"layers/0/mac/w_h"})
        self.assertEqual(model.p["layers/0/mac/w_h"].abs().max().item(), 0.0)

    def test_conv_near_identity(self):
        changed, model = self.changed("wh0+conv")
        conv = [k for k in model.p if "/mem/conv_" in k]
        self.assertEqual(changed, set(conv) | {"layers/0/mac/w_h"})
        taps = torch.cat([model.p[k] for k in conv], dim=1)                       # [4, 6 d]
        self.assertLess((taps[-1].mean() - 1).abs().item(), 0.1)
        self.assertLess(taps[:-1].mean().abs().item(), 0.1)
        self.assertLess(abs(taps[:-1].std().item() - inits.CONV_STD), 0.06)

    def test_keep_lowers_only_b_alpha(self):
        changed, model = self.changed("wh0+keep")
        alphas = {k for k in model.p if k.endswith("/mem/b_alpha")}
        self.assertEqual(changed, alphas | {"layers/0/mac/w_h"})
        for k in alphas:
            self.assertTrue((model.p[k] == inits.KEEP_B_ALPHA).all())

    def test_start_continues_a_checkpoint(self):
        path = os.path.join(CHECKPOINTS, "sniah", "fair-lmm.h5")
        saved = R.load_checkpoint(path)
        model = inits.initial_model(saved.cfg, 1, "wh0", path)
        self.assertTrue(all(torch.equal(p, saved.p[k]) for k, p in model.p.items()))
        with self.assertRaises(ValueError):
            inits.initial_model(small(("lmm", "lmm")), 1, "wh0", path)

    def test_unknown_init(self):
        with self.assertRaises(ValueError):
            inits.initial_model(small(("mac",)), 0, "xavier")


class MeasureTest(unittest.TestCase):
    def norms(self, init):
        recipe = dict(family="sniah", batch=2, data=dict(stages=[dict(task="passkey",
                                                                          length=128, steps=1,
                                                                          batch=2)]))
        data = {0: T.pack(PK.samples(2, 128, 5))}
        return TR.measure("mac", init, 0, recipe, data)

    def test_groups_add_up_and_w_h_still_trains(self):
        for init in ("project", "wh0"):
            n = self.norms(init)
            parts = sum(v * v for g, v in n.items() if g != "total")
            self.assertAlmostEqual(parts, n["total"] ** 2, delta=1e-9 * n["total"] ** 2)
            self.assertGreater(n["L0 W_h"], 0.0)  # W_h = 0 still gets a gradient

    def test_every_tensor_has_a_named_group(self):
        cfg = R.Config(layer_kinds=("mac", "mal"), n_layers=2)
        groups = {TR.group_of(p) for p in R.tensor_shapes(cfg)}
        for g in ("embedding", "persistent", "head", "L0 attn wo", "L0 W_h", "L0 conv",
                  "L0 gates", "L1 M_0", "L1 norms", "L1 ffn"):
            self.assertIn(g, groups)

    def test_inits_measured_only_where_they_change_something(self):
        self.assertTrue(TR.changes("wh0", ("mac", "mac")))
        self.assertFalse(TR.changes("wh0", ("mag", "mag")))
        self.assertTrue(TR.changes("conv", ("lmm", "lmm")))
        self.assertFalse(TR.changes("conv", ("swa", "swa")))


class DataTest(unittest.TestCase):
    def test_passkey(self):
        got = PK.samples(20, 128, 9)
        self.assertEqual(got, PK.samples(20, 128, 9))
        for prompt, target in got:
            self.assertEqual(len(prompt) + len(target), 128)
            key = target.strip()[:-1]
            self.assertEqual(len(key), 7)
            self.assertIn(b"The pass key is " + key + b". Remember it.", prompt)
        with self.assertRaises(ValueError):
            PK.samples(1, 60, 0)

    def test_stages_in_order(self):
        stages = [dict(steps=3, batch=2), dict(steps=2, batch=1)]
        self.assertEqual([T.stage_at(stages, s) for s in (0, 2, 3, 4, 9)],
                         [(0, 0), (0, 2), (1, 0), (1, 1), (1, 6)])
        recipe = dict(seed=1, data=dict(stages=stages))
        data = {i: T.pack(PK.samples(4, 100 + 10 * i, i)) for i in range(2)}
        tok, _ = T.text_batch(recipe, data, 3)
        self.assertEqual(tuple(tok.shape), (1, 110))

    def test_trim_keeps_the_loss(self):
        """A batch packed to a longer stage loses its unused padding columns and nothing else:
        the width is its longest row and the loss (causal models) that of the padded batch."""
        seqs = PK.samples(4, 100, 1) + PK.samples(1, 180, 3)
        packed = T.pack(seqs)                                  # width 180, the last row's
        tok, w = packed["tokens"][:4], packed["weight"][:4]    # rows of 100 bytes only
        short_tok, short_w = T.trim(tok, w)
        self.assertEqual(tuple(short_tok.shape), (4, 100))
        self.assertTrue(torch.equal(short_w, w[:, :100]))
        self.assertEqual(w[:, 100:].abs().sum().item(), 0.0)
        for kinds in (("mac", "mag"), ("lmm", "swa")):
            model = inits.initial_model(small(kinds), 4, "wh0")
            full, _ = T.text_loss(model, tok, w)
            cut, _ = T.text_loss(model, short_tok, short_w)
            self.assertAlmostEqual(full.item(), cut.item(), delta=1e-5 * abs(full.item()))
        same_tok, _ = T.trim(packed["tokens"], packed["weight"])
        self.assertEqual(same_tok.shape[1], 180)

    def test_length_groups(self):
        """Rows of similar width share a group; long rows go apart; no group is over the cap."""
        mixed = [300, 120, 5800, 400, 5100] + [200] * 11
        groups = T.length_groups(mixed)
        self.assertEqual(sorted(i for g in groups for i in g), list(range(16)))
        self.assertEqual(len(groups), 2)
        self.assertEqual(groups[-1], [4, 2])
        for g in T.length_groups([5800] * 16):
            self.assertLessEqual(len(g) * 5800, T.GROUP_POSITIONS)
        self.assertEqual(len(T.length_groups([512] * 8)), 1)
        self.assertEqual(len(T.length_groups([2050] * 8)), 1)
        self.assertEqual(T.length_groups([9000]), [[0]])

    def test_length_groups_quadratic(self):
        """With full attention a group also keeps rows x width^2 within GROUP_SCORES, a row
        wider than that alone; without, the same widths share one group."""
        widths = [930, 990, 1048, 1184] * 4
        groups = T.length_groups(widths, quadratic=True)
        self.assertEqual(sorted(i for g in groups for i in g), list(range(16)))
        for g in groups:
            self.assertLessEqual(len(g) * max(widths[i] for i in g) ** 2, T.GROUP_SCORES)
        self.assertGreater(len(groups), 1)
        self.assertEqual(len(T.length_groups(widths)), 1)
        self.assertEqual(T.length_groups([5800, 5800], quadratic=True), [[0], [1]])

    def test_groups_keep_the_loss_and_gradient(self):
        """text_backward (the batch by groups of rows, each backpropagated alone) gives the loss,
        the extras and the gradient of text_loss on the whole batch."""
        packed = T.pack(PK.samples(3, 100, 1) + PK.samples(2, 260, 2) + PK.samples(1, 180, 3))
        tok, w = packed["tokens"], packed["weight"]
        saved = T.GROUP_ROWS
        T.GROUP_ROWS = 0  # every width its own group
        try:
            self.assertEqual(len(T.length_groups(T.row_widths(w))), 3)
            for kinds in (("mac", "mag"), ("lmm", "swa"), ("attn", "attn")):
                model = inits.initial_model(small(kinds), 4, "wh0")
                whole, extra = T.text_loss(model, tok, w)
                whole.backward()
                want = {k: p.grad.clone() for k, p in model.p.items()}
                for p in model.p.values():
                    p.grad = None
                parts, extra_g = T.text_backward(model, tok, w)
                self.assertAlmostEqual(whole.item(), parts.item(), delta=1e-5 * abs(whole.item()))
                for k in extra:
                    self.assertAlmostEqual(extra[k], extra_g[k], delta=1e-5)
                for k, p in model.p.items():
                    err = (p.grad - want[k]).abs().max().item()
                    self.assertLessEqual(err, 1e-5 * (1 + want[k].abs().max().item()), k)
        finally:
            T.GROUP_ROWS = saved


class RecipeIdentityTest(unittest.TestCase):
    def test_committed_checkpoints_keep_their_recipe(self):
        """A checkpoint's training attribute is its recipe as trained: the recipe of that name
        must still serialise to it, or a saved state would no longer resume under it."""
        paths = glob.glob(os.path.join(CHECKPOINTS, "*", "*.h5"))
        self.assertGreater(len(paths), 50)
        for path in paths:
            with h5py.File(path, "r") as f:
                trained = json.loads(f.attrs["training"])
            for extra in ("train_seed", "minutes", "final_loss"):
                trained.pop(extra)
            recipe = RC.find(f"{trained['family']}/{trained['name']}")
            self.assertEqual(json.loads(json.dumps(recipe, default=list)), trained, path)

    def test_committed_run_states_still_resume(self):
        """training/.../<family>/<name>.state.pt resumes only under the recipe it was saved with
        (train.run_recipe): editing a started campaign recipe would silently restart it."""
        for path in glob.glob(os.path.join(RUNS, "**", "*.state.pt"), recursive=True):
            family, name = path.split(os.sep)[-2], os.path.basename(path)[:-len(".state.pt")]
            saved = torch.load(path)["recipe"]
            want = json.dumps(RC.find(f"{family}/{name}"), sort_keys=True, default=list)
            self.assertEqual(saved, want, path)

    def test_new_recipes_name_their_init(self):
        """Issue 11's recipes (the campaign's, and the checkpoints it made: MAC's curriculum,
        SWA's long curriculum, the 32K continuations) name their init; the earlier ones have none ("project")."""
        for r in RC.campaign_recipes():
            self.assertIn(r["init"], inits.INITS)
        named = [r["name"] for r in RC.all_recipes() if "init" in r]
        fair = [r["name"] for r in RC.fair_recipes()]
        self.assertEqual(named, fair + ["mac-curriculum", "swa-long", "lmm-long-wh0-keep",
                                        "lmm-long-keep-32k", "swa-long-32k"])
        for r in RC.all_recipes():
            self.assertIn(r.get("init", "project"), inits.INITS)


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
