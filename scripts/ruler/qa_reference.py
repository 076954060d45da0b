#!/usr/bin/python3
"""RULER's qa_1 / qa_2 prompts made by RULER's own code (NVIDIA/RULER commit c3f5e3b,
scripts/data/synthetic/qa.py and constants.py), for pinning datasets/ruler_qa.c.

Usage: qa_reference.py RULER_GIT_DIR DATASET JSON_FILE TARGET_LEN SEED PICK UNIT
  RULER_GIT_DIR a clone or bare mirror of NVIDIA/RULER (read with `git show HEAD:...`);
  DATASET squad | hotpotqa; JSON_FILE the SQuAD- or HotpotQA-format file (copied to qa.py's
  json/squad.json or json/hotpotqa.json); TARGET_LEN our prompt bound (RULER's max_seq_length
  is TARGET_LEN + 32, qa's tokens_to_generate); PICK the question (RULER's --pre_samples);
  SEED, UNIT the Philox draws' key (niah_make_at's seed and unit).
  Prints the prompt's byte length and FNV-1a 64 hash, then the answers joined by "|", then
  the prompt (input + answer_prefix, as call_api.py sends it).

How upstream's code is run: qa.py and constants.py are taken from RULER_GIT_DIR unchanged and
imported as a module, argparse given prepare.py's arguments for the task (base template,
template + answer prefix, --num_samples 1, --pre_samples PICK, --random_seed 42), with:
  - a byte tokenizer (tokenizer.select_tokenizer: text_to_tokens = the UTF-8 bytes) and a no-op
    manifest_utils, since prepare.py's tokenizers are not here (synth_reference.stub_modules);
  - the module's random.sample answered with our draws: datasets/common.c's Philox4x32-10
    stream (ported below) keyed by (SEED, stream, unit), a partial Fisher-Yates shuffle of the
    population; stream 1 (NIAH_STREAM_KEY) when the population is the question's
    more_context, stream 5 (NIAH_STREAM_HAY) for the other documents; unit 0 for RULER's
    probe and search (question 0), UNIT for the sample (the switch is made when
    generate_samples enters its sample loop, through the module's tqdm). Each call starts the
    stream afresh, as ruler_qa.c does. random.Random(42).shuffle and everything else are the
    real thing.
Where RULER's own loop would never end (10 documents and still too long) this script hangs
too: pin lengths where it does not (ruler_qa.c's extension below 10 documents is tested on its
own).
"""
import importlib
import os
import shutil
import sys
import tempfile
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synth_reference import git_show, stub_modules  # noqa: E402

MASK = 0xFFFFFFFF
STREAM_KEY, STREAM_HAY = 1, 5


def philox4x32(ctr, key):
    c, k0, k1 = list(ctr), key[0], key[1]
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & MASK, (k1 + 0xBB67AE85) & MASK
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & MASK, (p0 >> 32) ^ c[3] ^ k1, p0 & MASK]
    return c


class Rng:
    """datasets/common.c's Rng: key = seed; counter = (unit, draw, stream)."""

    def __init__(self, seed, stream, unit):
        self.seed, self.stream, self.unit, self.draw, self.buf = seed, stream, unit, 0, []

    def u32(self):
        if not self.buf:
            ctr = [self.unit & MASK, self.unit >> 32, self.draw & MASK,
                   ((self.draw >> 32) & 0xFFFF) | (self.stream << 16)]
            self.buf = philox4x32(ctr, [self.seed & MASK, self.seed >> 32])
            self.draw += 1
        return self.buf.pop(0)

    def below(self, n):
        if n <= 1:
            return 0
        limit = (1 << 64) - 1 - ((1 << 64) - 1) % n
        while True:
            x = self.u32() << 32
            x |= self.u32()
            if x < limit:
                return x % n


def sample(rng, population, k):
    x = list(population)
    for i in range(k):
        j = i + rng.below(len(x) - i)
        x[i], x[j] = x[j], x[i]
    return x[:k]


def fnv1a(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    git_dir, dataset, json_file = sys.argv[1], sys.argv[2], sys.argv[3]
    target, seed, pick, unit = (int(a) for a in sys.argv[4:8])
    tmp = tempfile.mkdtemp()
    os.mkdir(os.path.join(tmp, "json"))
    for f in ["qa.py", "constants.py"]:
        with open(os.path.join(tmp, f), "wb") as out:
            out.write(git_show(git_dir, "scripts/data/synthetic/" + f))
    shutil.copy(json_file, os.path.join(tmp, "json", dataset + ".json"))
    sys.path.insert(0, tmp)
    stub_modules(None)  # the byte tokenizer and a no-op manifest_utils
    if "tqdm" not in sys.modules:
        try:
            import tqdm  # noqa: F401
        except ImportError:
            tq = types.ModuleType("tqdm")
            tq.tqdm = lambda it, **k: it
            sys.modules["tqdm"] = tq
    qa = importlib.import_module("constants").TASKS["qa"]
    sys.argv = ["qa", "--save_dir", tmp, "--save_name", "qa", "--tokenizer_path", "bytes",
                "--max_seq_length", str(target + qa["tokens_to_generate"]),
                "--tokens_to_generate", str(qa["tokens_to_generate"]), "--num_samples", "1",
                "--pre_samples", str(pick), "--random_seed", "42",
                "--template", qa["template"] + qa["answer_prefix"], "--dataset", dataset]
    import random as real
    mod = importlib.import_module("qa")

    class Draws:
        Random = real.Random
        unit = 0  # RULER's probe and search, then the sample

        def sample(self, population, k):
            more = [q.get("more_context") for q in mod.QAS]
            stream = STREAM_KEY if any(population is m for m in more) else STREAM_HAY
            return sample(Rng(seed, stream, self.unit), population, k)
    draws = Draws()
    mod.random = draws

    def to_samples(it, **k):
        draws.unit = unit
        return it
    mod.tqdm = to_samples
    out = mod.generate_samples(num_samples=1, max_seq_length=target + qa["tokens_to_generate"],
                               save_dir=tmp)[0]
    prompt = (out["input"] + out["answer_prefix"]).encode()
    print(len(prompt), "%016x" % fnv1a(prompt))
    print("|".join(out["outputs"]))
    sys.stdout.flush()
    sys.stdout.buffer.write(prompt + b"\n")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
