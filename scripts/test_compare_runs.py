"""compare_runs.py (what a numerics option costs, unit by unit):

    $(PYTHON) scripts/test_compare_runs.py [-v]

Exits non-zero on failure.
"""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["unit", "task", "family", "model", "variant", "length", "depth", "sample", "score", "mae",
          "tokens", "seconds", "rank", "prediction", "target"]


def write_units(path, rows):
    """rows: (model, length, sample, score, mae, prediction)"""
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        for i, (model, length, sample, score, mae, pred) in enumerate(rows):
            w.writerow(dict(unit=i, task="sniah", family="sniah", model=model, variant="s-niah-1",
                            length=length, depth=-1, sample=sample, score=score, mae=mae, tokens=10,
                            seconds=0.1, rank=0, prediction=pred, target="1"))
    return path


def compare(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "compare_runs.py")] + list(args),
                          capture_output=True, text=True)


class CompareRuns(unittest.TestCase):
    def test_counts_per_cell(self):
        with tempfile.TemporaryDirectory() as d:
            a = write_units(os.path.join(d, "a.csv"), [("m", 512, 0, 1, 0, "1"), ("m", 512, 1, 0, 0, "x"),
                                                       ("m", 1024, 0, 1, 0, "1"), ("n", 512, 0, 0, 0.5, "")])
            # b: another order, one answer changed (and its score), an MAE moved, a unit b lacks
            b = write_units(os.path.join(d, "b.csv"), [("n", 512, 0, 0, 0.25, ""), ("m", 512, 1, 1, 0, "1"),
                                                       ("m", 512, 0, 1, 0, "1")])
            done = compare(a, b, "--labels", "f32,bf16")
            self.assertEqual(done.returncode, 0, done.stderr)
            lines = done.stdout.splitlines()
            self.assertIn("| model | task | length | units | same answer | same score | mean score f32 | mean score bf16 |", lines[0])
            self.assertIn("| m | sniah | 512 | 2 | 1 (50.0%) | 1 (50.0%) | 0.5000 | 1.0000 | 0 |", lines)
            self.assertIn("| n | sniah | 512 | 1 | 1 (100.0%) | 1 (100.0%) | 0.0000 | 0.0000 | 0.25 |", lines)
            self.assertIn("| all | | | 3 | 2 (66.7%) | 2 (66.7%) | 0.3333 | 0.6667 | |", lines)
            self.assertIn("1 units only in", done.stdout)
            by_model = compare(a, b, "--by", "model").stdout.splitlines()
            self.assertIn("| m | 2 | 1 (50.0%) | 1 (50.0%) | 0.5000 | 1.0000 | 0 |", by_model)

    def test_bad_inputs(self):
        with tempfile.TemporaryDirectory() as d:
            a = write_units(os.path.join(d, "a.csv"), [("m", 512, 0, 1, 0, "1")])
            other = os.path.join(d, "other.csv")
            with open(other, "w") as f:
                f.write("x,y\n1,2\n")
            done = compare(a, other)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("not a titans-eval units.csv", done.stderr)
            self.assertNotEqual(compare(a, a, "--by", "colour").returncode, 0)
            empty = write_units(os.path.join(d, "empty.csv"), [("z", 1, 0, 1, 0, "1")])
            self.assertEqual(compare(a, empty).returncode, 1)  # nothing in common: nothing compared


if __name__ == "__main__":
    unittest.main()
