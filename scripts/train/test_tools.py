"""The trainer's tools for watching a run: snapshot.py (an unfinished run's state as a
checkpoint) and vs_rule.py (BABILong answers against the last-mentioned rule):

    $(PYTHON) scripts/train/test_tools.py [-v]

Exits non-zero on failure.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402
import inits  # noqa: E402
import recipes as RC  # noqa: E402

R = T.R
FIELDS = ["unit", "task", "family", "model", "variant", "length", "depth", "sample", "score", "mae",
          "tokens", "seconds", "rank", "prediction", "target"]


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(HERE, script)] + list(args),
                          capture_output=True, text=True)


class SnapshotTest(unittest.TestCase):
    def test_state_becomes_the_checkpoint_of_its_model(self):
        small = dict(d_model=16, n_heads=2, ffn_dim=24, window=6, segment=5, n_persistent=2,
                     mem_heads=2, mem_chunk=4)
        recipe = RC.curriculum("t", ("mag", "lmm"), [RC.passkey_stage(64, 10, 2)], config=small)
        model = inits.initial_model(T.make_config(recipe), 5, "wh0")
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.01)  # not an init: the snapshot must carry these very weights
        with tempfile.TemporaryDirectory() as d:
            state, out = os.path.join(d, "t.state.pt"), os.path.join(d, "t.h5")
            torch.save({"model": model.state_dict(), "opt": {}, "step": 7, "seconds": 60.0,
                        "recipe": json.dumps(recipe, sort_keys=True, default=list)}, state)
            done = run("snapshot.py", state, out)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("at step 7 of 10", done.stdout)
            saved = R.load_checkpoint(out)
            self.assertEqual(set(saved.p), set(model.p))
            for k, p in model.p.items():
                self.assertTrue(torch.equal(saved.p[k], p.detach()), k)

    def test_not_a_state(self):
        with tempfile.TemporaryDirectory() as d:
            bad, out = os.path.join(d, "bad.pt"), os.path.join(d, "o.h5")
            with open(bad, "wb") as f:
                f.write(b"not a state")
            done = run("snapshot.py", bad, out)
            self.assertEqual(done.returncode, 1)
            self.assertIn("bad.pt: not a train.py state", done.stderr)
            self.assertFalse(os.path.exists(out))

    def test_unwritable_output(self):
        recipe = RC.curriculum("t", ("lmm",), [RC.passkey_stage(64, 10, 2)],
                               config=dict(d_model=16, n_heads=2, ffn_dim=24, mem_heads=2))
        model = inits.initial_model(T.make_config(recipe), 5, "wh0")
        with tempfile.TemporaryDirectory() as d:
            state, out = os.path.join(d, "t.state.pt"), os.path.join(d, "absent", "t.h5")
            torch.save({"model": model.state_dict(), "opt": {}, "step": 1, "seconds": 1.0,
                        "recipe": json.dumps(recipe, sort_keys=True, default=list)}, state)
            done = run("snapshot.py", state, out)
            self.assertEqual(done.returncode, 1, done.stderr)
            self.assertIn("absent/t.h5: cannot write", done.stderr)


class VsRuleTest(unittest.TestCase):
    def units(self, d, rows):
        path = os.path.join(d, "units.csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, FIELDS)
            w.writeheader()
            for i, (model, sample, score, prediction) in enumerate(rows):
                w.writerow(dict(unit=i, task="bl", family="babilong", model=model, variant="qa1",
                                length=0, depth=-1, sample=sample, score=score, mae=0, tokens=9,
                                seconds=0, rank=0, prediction=prediction, target="x"))
        return path

    def test_counts(self):
        rule = [("last-mentioned", s, sc, p) for s, sc, p in
                [(0, 1, "kitchen"), (1, 0, "garden"), (2, 0, "office"), (3, 1, "hallway")]]
        model = [("m", 0, 1, " kitchen.\\x0a"), ("m", 1, 1, " bedroom.\\x0a"),
                 ("m", 2, 0, " office.\\x0a"), ("m", 3, 0, " garden.\\x0a")]
        with tempfile.TemporaryDirectory() as d:
            done = run("vs_rule.py", self.units(d, rule + model))
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("| m | qa1 | 0 | 2 of 4 | 2 of 4 | 1 of 2 |", done.stdout)

    def test_no_rule_rows(self):
        with tempfile.TemporaryDirectory() as d:
            done = run("vs_rule.py", self.units(d, [("m", 0, 1, "kitchen")]))
            self.assertEqual(done.returncode, 1)
            self.assertIn("no 'last-mentioned' rows", done.stderr)
            done = run("vs_rule.py", os.path.join(d, "absent.csv"))
            self.assertEqual(done.returncode, 1)
            self.assertIn("absent.csv: cannot read", done.stderr)

    def test_malformed_units(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.units(d, [("last-mentioned", 0, 1, "kitchen"), ("m", 0, 1, "kitchen")])
            with open(path) as f:
                head, rule, model = f.read().splitlines()
            cases = {"truncated": model[:20], "score": model.replace(",1,0,9,", ",yes,0,9,")}
            for what, row in cases.items():
                with open(path, "w") as f:
                    f.write("\n".join([head, rule, row]) + "\n")
                done = run("vs_rule.py", path)
                self.assertEqual(done.returncode, 1, what)
                self.assertIn("units.csv: ", done.stderr, what)
                self.assertIn("a row is not a titans-eval unit", done.stderr, what)
            with open(path, "w") as f:
                f.write("a,b\n1,2\n")
            done = run("vs_rule.py", path)
            self.assertEqual(done.returncode, 1)
            self.assertIn("not a titans-eval units.csv (missing family", done.stderr)


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
