#!/usr/bin/python3
"""RULER's vt, fwe and cwe prompts made by RULER's own code (NVIDIA/RULER commit c3f5e3b,
scripts/data/synthetic/variable_tracking.py, freq_words_extraction.py,
common_words_extraction.py), for pinning datasets/ruler_*.c.

Usage: synth_reference.py TASK RULER_GIT_DIR MAX_SEQ_LENGTH DRAWS_JSON [WORDS_DIR]
  TASK vt | fwe | cwe; RULER_GIT_DIR a clone or bare mirror of NVIDIA/RULER (read with
  `git show HEAD:...`); MAX_SEQ_LENGTH is RULER's (target_len + tokens_to_generate);
  WORDS_DIR (cwe) holds nounlist.txt, adjectivelist.txt and verblist.txt.
  Prints the prompt (input + answer_prefix, as call_api.py sends it) then, on a last line,
  the answers joined by " ".

How upstream's code is run: the three scripts are taken from RULER_GIT_DIR unchanged and run
as modules (their argparse given prepare.py's arguments for the task, base template), with:
  - a byte tokenizer (tokenizer.select_tokenizer: text_to_tokens = the UTF-8 bytes) and a no-op
    manifest_utils, since prepare.py's tokenizers are not here;
  - scipy.special.zeta replaced by cephes' table value for zeta(2.0) when scipy is missing
    (1 + 6.44934066848226436472E-1, what scipy returns; == pi**2 / 6 in float64);
  - wonderwords._get_words_from_text_file reading WORDS_DIR (rstrip'ed lines), when missing;
  - the module's random draws (random.choices, random.sample, random.random,
    np.random.randint) answered from DRAWS_JSON, our Philox draws; random.Random(42).shuffle
    and everything else are the real thing. DRAWS_JSON:
      vt:  {"icl_vars": [5 x 3 letters], "icl_fresh": [5], "icl_value": "12345-like",
            "vars": [5 x 5 letters], "value": "...", "positions": [5 ints]}
      fwe: {"words": [the 6-letter words in draw order]}
      cwe: {"few": [the one-shot example's words], "words": [the sample's words]}
  - vt only: the in-context example. Upstream's sys_vartrack_w_noise_random(max_seq_length=500)
    never returns with a byte tokenizer (see datasets/ruler_vt.c), so this harness makes it
    with upstream's generate_input_output(5, 1, 4, is_icl=True) (5 lines: RULER's least) and
    its return format; the main sample is upstream's sys_vartrack_w_noise_random itself.
For cwe and fwe the main sample is upstream's own sys_word_pair_random / sys_kwext(num_samples=1).
The search's probe draws are the sample's own here (their lengths do not depend on the draws
for vt and fwe; for cwe the C code probes with unit 0: give a unit-0 sample to compare).
"""
import importlib
import json
import os
import subprocess
import sys
import tempfile
import types

FILES = ["variable_tracking.py", "freq_words_extraction.py", "common_words_extraction.py",
         "constants.py"]
ARGS = {"vt": ["--type_haystack", "noise", "--num_chains", "1", "--num_hops", "4"],
        "cwe": ["--freq_cw", "30", "--freq_ucw", "3", "--num_cw", "10"],
        "fwe": ["--alpha", "2.0"]}
MODULE = {"vt": ("variable_tracking", 30), "cwe": ("common_words_extraction", 120),
          "fwe": ("freq_words_extraction", 50)}


def git_show(git_dir, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", "HEAD:" + path], check=True,
                          capture_output=True).stdout


def stub_modules(words_dir):
    tok = types.ModuleType("tokenizer")

    class Bytes:
        def text_to_tokens(self, text):
            return list(text.encode())
    tok.select_tokenizer = lambda *a: Bytes()
    sys.modules["tokenizer"] = tok
    man = types.ModuleType("manifest_utils")
    man.write_manifest = lambda *a: None
    sys.modules["manifest_utils"] = man
    try:
        import scipy.special  # noqa: F401
    except ImportError:
        sp, spec = types.ModuleType("scipy"), types.ModuleType("scipy.special")
        spec.zeta = lambda a: 1 + 6.44934066848226436472E-1 if a == 2.0 else float("nan")
        sp.special = spec
        sys.modules["scipy"], sys.modules["scipy.special"] = sp, spec
    try:
        import wonderwords  # noqa: F401
    except ImportError:
        ww, rw = types.ModuleType("wonderwords"), types.ModuleType("wonderwords.random_word")

        def words_of(name):
            with open(os.path.join(words_dir, name), encoding="utf-8") as f:
                return [line.rstrip() for line in f]
        rw._get_words_from_text_file = words_of
        ww.random_word = rw
        sys.modules["wonderwords"], sys.modules["wonderwords.random_word"] = ww, rw


class Draws:
    """The module's `random` (and np.random.randint) answered from our draws."""

    def __init__(self, real, task, d):
        self.real, self.task, self.d = real, task, d
        self.Random = real.Random
        self.k3 = list(d.get("icl_vars", [])) + list(d.get("icl_fresh", []))
        self.k5, self.n3, self.last_k, self.fwe, self.few_next = 0, 0, None, 0, True

    def choices(self, population, k):
        self.last_k = k
        if self.task == "fwe":
            w = self.d["words"][self.fwe % len(self.d["words"])]
            self.fwe += 1
            return list(w)
        if k == 3:  # the example's variables, then randomize_icl's (cycled if it runs again)
            w = self.k3[self.n3] if self.n3 < len(self.k3) else self.k3[5 + (self.n3 - 5) % 5]
            self.n3 += 1
            return list(w)
        v = self.d["vars"][self.k5 % 5]
        self.k5 += 1
        return list(v)

    def sample(self, population, k):
        if self.task == "cwe":  # each example: the one-shot's words, then the sample's
            src = self.d["few"] if self.few_next else self.d["words"]
            self.few_next = not self.few_next
            return list(src[:k])
        if len(population) == 5:  # the in-context example: all 5 places
            return list(range(5))
        pos = self.d["positions"]
        return list(pos) if len(population) > max(pos) else list(range(k))

    def random(self):
        return self.real.random()

    def randint(self, lo, hi):
        return int(self.d["icl_value"] if self.last_k == 3 else self.d["value"])


def run(task, git_dir, length, draws, words_dir):
    tmp = tempfile.mkdtemp()
    os.mkdir(os.path.join(tmp, "json"))
    for f in FILES + ["json/english_words.json"]:
        text = git_show(git_dir, "scripts/data/synthetic/" + f)
        if text.startswith(b"version https://git-lfs"):  # english_words.json is in LFS: only
            text = b"{}"  # cwe beyond the word lists reads it, and the sampled words are ours
        with open(os.path.join(tmp, f), "wb") as out:
            out.write(text)
    sys.path.insert(0, tmp)
    stub_modules(words_dir)
    consts = importlib.import_module("constants").TASKS
    name, new = MODULE[task]
    key = {"vt": "variable_tracking", "cwe": "common_words_extraction",
           "fwe": "freq_words_extraction"}[task]
    template = consts[key]["template"] + consts[key]["answer_prefix"]
    sys.argv = [name, "--save_dir", tmp, "--save_name", task, "--tokenizer_path", "bytes",
                "--max_seq_length", str(length), "--tokens_to_generate", str(new),
                "--num_samples", "1", "--template", template] + ARGS[task]
    import random
    import numpy as np
    mod = importlib.import_module(name)
    fake = Draws(random, task, draws)
    mod.random = fake
    generate = mod.generate_input_output

    def fresh_vocab(*a, **k):  # fwe draws its vocabulary anew each call: our words each time
        fake.fwe = 0
        return generate(*a, **k)
    mod.generate_input_output = fresh_vocab
    if task == "vt":
        mod.np = types.SimpleNamespace(random=fake, round=np.round, linspace=np.linspace)
        text, answer = mod.generate_input_output(5, 1, 4, is_icl=True)
        icl = {"input": text, "outputs": answer, "length": len(text.encode())}
        out = mod.sys_vartrack_w_noise_random(num_samples=1, max_seq_length=length,
                                              num_chains=1, num_hops=4, icl_example=icl,
                                              final_output=True)[0]
    elif task == "cwe":
        out = mod.sys_word_pair_random(num_samples=1, max_seq_length=length, save_dir=tmp)[0]
    else:
        out = mod.sys_kwext(num_samples=1, max_seq_length=length)[0]
    sys.stdout.buffer.write((out["input"] + out["answer_prefix"]).encode())
    sys.stdout.buffer.write(("\n" + " ".join(out["outputs"]) + "\n").encode())


def main():
    task, git_dir, length, draws = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    words_dir = sys.argv[5] if len(sys.argv) > 5 else None
    run(task, git_dir, length, json.loads(open(draws).read()), words_dir)


if __name__ == "__main__":
    main()
