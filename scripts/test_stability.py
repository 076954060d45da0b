"""scripts/stability.py and titans-logits, run from the build folder:

    $(PYTHON) scripts/test_stability.py [-v]

A trained checkpoint (checkpoints/sniah/fair-lmm.h5) agrees with the float64 reference at 600 bytes,
with a small logit error and a gain below 1; a random-init fixture with fast forgetting
(tests/fixtures/mixed.h5) is flagged chaotic; titans-logits refuses bad input with a message
naming the file. Exits non-zero on failure.
"""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..")
LOGITS, DATA = "./titans-logits", "./titans-data"


def stability(out, *ckpts):
    cmd = [sys.executable, os.path.join(HERE, "stability.py"), "--out", out, "--lengths", "600",
           "--count", "2", "--tool", DATA, "--logits", LOGITS] + list(ckpts)
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(open(os.path.join(out, "stability.csv"))))


class StabilityTest(unittest.TestCase):
    def test_trained_agrees_random_is_chaotic(self):
        with tempfile.TemporaryDirectory() as out:
            lmm, mixed = stability(out, os.path.join(TOP, "checkpoints/sniah/fair-lmm.h5"),
                                   os.path.join(TOP, "tests/fixtures/mixed.h5"))
            self.assertEqual((lmm["n"], lmm["agree"]), ("2", "2"))
            self.assertLess(float(lmm["max_logit_error"]), 1e-2)
            self.assertLess(float(lmm["max_gain"]), 1.0)
            self.assertGreater(float(mixed["max_gain"]), 1.0)
            self.assertIn("| yes |", open(os.path.join(out, "stability.md")).read())

    def test_logits_file(self):
        with tempfile.TemporaryDirectory() as d:
            prompt, out = os.path.join(d, "p"), os.path.join(d, "o")
            open(prompt, "wb").write(b"The pass key is 12345. What is the pass key? The pass key is")
            ckpt = os.path.join(TOP, "tests/fixtures/mag.h5")
            subprocess.run([LOGITS, ckpt, prompt, out, "5"], check=True)
            raw = open(out, "rb").read()
            self.assertEqual(raw[:8], b"TLOGITS1")
            n, vocab = np.frombuffer(raw, dtype=np.int32, count=2, offset=8)
            tokens = np.frombuffer(raw, dtype=np.int32, count=n, offset=16)
            logits = np.frombuffer(raw, dtype=np.float32, offset=16 + 4 * n).reshape(n, vocab)
            self.assertTrue(1 <= n <= 5 and vocab == 256)
            self.assertTrue((logits.argmax(1) == tokens).all())

    def test_bad_input(self):
        with tempfile.TemporaryDirectory() as d:
            empty, good, out = os.path.join(d, "empty"), os.path.join(d, "good"), os.path.join(d, "o")
            open(empty, "wb").close()
            open(good, "wb").write(b"Where is Mary?")
            cases = [(os.path.join(TOP, "tests/fixtures/mag.h5"), empty, "empty"),
                     (os.path.join(TOP, "tests/fixtures/mag.h5"), os.path.join(d, "missing"), "missing"),
                     (os.path.join(TOP, "tests/fixtures/dna_cls.h5"), good, "dna_cls.h5"),
                     (os.path.join(d, "missing.h5"), good, "missing.h5")]
            for ckpt, prompt, named in cases:
                done = subprocess.run([LOGITS, ckpt, prompt, out], capture_output=True, text=True)
                self.assertEqual(done.returncode, 1, done.stderr)
                self.assertIn("titans-logits: ", done.stderr)
                self.assertIn(named, done.stderr)
                self.assertFalse(os.path.exists(out))
            done = subprocess.run([LOGITS, "a", "b"], capture_output=True, text=True)
            self.assertEqual(done.returncode, 2)


if __name__ == "__main__":
    unittest.main()
