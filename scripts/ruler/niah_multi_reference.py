#!/usr/bin/python3
"""RULER's multi-needle essay prompts (niah_multikey_1, niah_multivalue, niah_multiquery), for
pinning: scripts/data/synthetic/niah.py (commit c3f5e3b) generate_input_output and
generate_samples, tokens = bytes, NLTK's sent_tokenize (see niah_reference.py).

Usage: niah_multi_reference.py ENGLISH_PICKLE DATA_DIR SPEC_JSON
SPEC_JSON: {"length": L, "nk": 4, "nv": 1, "nq": 1,
            "probe": {"keys": [...], "values": [...], "queries": [...], "depths": [...]},
            "sample": {...}}
keys in draw order, values key-major in draw order, queries = random.sample(range(nk), nq)
and depths = random.sample(DEPTHS, needles) as drawn (ours are Philox draws; the rest is
RULER's: the needles' random.Random(42).shuffle, the sorted insertion, the joins, the template).
Prints the words, the prompt's byte length, its FNV-1a 64 hash and the answers.
"""
import glob
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from niah_reference import fnv1a, haystack_size, TEMPLATE, ANSWER_PREFIX  # noqa: E402
from punkt_model import tokenizer  # noqa: E402

NEEDLE = "One of the special magic {type_needle_v} for {key} is: {value}."


def make_prompt(sents_of, haystack, spec, draw, n):
    nk, nv, nq = spec["nk"], spec["nv"], spec["nq"]
    keys, values = draw["keys"], draw["values"]
    needles = [NEEDLE.format(type_needle_v="numbers", key=keys[i // nv], value=values[i])
               for i in range(nk * nv)]
    random.Random(42).shuffle(needles)
    repeats = (n + len(haystack) - 1) // len(haystack)
    sents = sents_of(" ".join((haystack * repeats)[:n]).strip())
    pos = [0] + sorted(int(len(sents) * (d / 100)) for d in draw["depths"]) + [len(sents)]
    parts = []
    for i in range(1, len(pos)):
        parts.append(" ".join(sents[pos[i - 1]:pos[i]]))
        if i - 1 < len(needles):
            parts.append(needles[i - 1])
    context = " ".join(parts)
    queries = [keys[i] for i in draw["queries"]]
    answers = [values[i * nv + j] for i in draw["queries"] for j in range(nv)]
    query = ", ".join(queries[:-1]) + ", and " + queries[-1] if len(queries) > 1 else queries[0]
    template, typ = TEMPLATE + ANSWER_PREFIX, "numbers"
    if nq * nv == 1:
        for a, b in (("Some", "A"), ("are all", "is"), ("are", "is"), ("answers", "answer")):
            template = template.replace(a, b)
        typ = typ[:-1]
    return template.format(type_needle_v=typ, context=context, query=query).encode(), answers


def main():
    pickle_path, data_dir, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    files = sorted(glob.glob(os.path.join(data_dir, "paul-graham-essays/essays/*.txt")))
    essay = "".join(open(f, encoding="utf-8").read() for f in files)
    haystack = re.sub(r"\s+", " ", essay).split(" ")
    sents_of = tokenizer(pickle_path).tokenize
    length = spec["length"]
    n = haystack_size(length, lambda m: make_prompt(sents_of, haystack, spec, spec["probe"], m)[0])
    while True:  # the sample loop: 500 words fewer while too long
        prompt, answers = make_prompt(sents_of, haystack, spec, spec["sample"], n)
        if len(prompt) + 128 <= length or n <= 500:
            break
        n -= 500
    print(n, len(prompt), hex(fnv1a(prompt)), " ".join(answers))


main()
