#!/usr/bin/python3
"""RULER's essay-haystack prompt (scripts/data/synthetic/niah.py, commit c3f5e3b), for pinning.

Usage: niah_reference.py ENGLISH_PICKLE DATA_DIR TYPE LENGTH PKEY PVALUE PDEPTH KEY VALUE DEPTH

Runs RULER's generate_samples steps for one length in bytes (a byte-level tokenizer): the
haystack size searched once on the probe sample (PKEY, PVALUE, PDEPTH percent), then the sample
(KEY, VALUE, DEPTH) stepped down by 500 words while its prompt + 128 exceeds LENGTH; each
prompt built by generate_input_output with NLTK's sent_tokenize (the English Punkt model from
ENGLISH_PICKLE, see punkt_model.py) on the essays in DATA_DIR. The keys, values and depths are
given instead of drawn (ours are Philox draws). Prints the words, the prompt's byte length, its
FNV-1a 64 hash and the 60 bytes either side of the needle (tests/test_niah_data.c pins them).
TYPE is "number" or "uuid". Debian: apt-get install python3-nltk.
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from punkt_model import tokenizer  # noqa: E402

TEMPLATE = ("Some special magic {type_needle_v} are hidden within the following text. Make sure to "
            "memorize it. I will quiz you about the {type_needle_v} afterwards.\n{context}\nWhat "
            "are all the special magic {type_needle_v} for {query} mentioned in the provided text?")
ANSWER_PREFIX = (" The special magic {type_needle_v} for {query} mentioned in the provided text "
                 "are")


def fnv1a(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h


def make_prompt(sents_of, haystack, typ, key, value, n, depth):
    """generate_input_output for one needle at depth (percent), n words."""
    needle = f"One of the special magic {typ}s for {key} is: {value}."
    repeats = (n + len(haystack) - 1) // len(haystack)
    sents = sents_of(" ".join((haystack * repeats)[:n]).strip())
    pos = [0, int(len(sents) * (depth / 100)), len(sents)]
    context = " ".join([" ".join(sents[pos[0]:pos[1]]), needle, " ".join(sents[pos[1]:pos[2]])])
    template = TEMPLATE + ANSWER_PREFIX  # base model: the template then the answer prefix
    for a, b in (("Some", "A"), ("are all", "is"), ("are", "is"), ("answers", "answer")):
        template = template.replace(a, b)
    return template.format(type_needle_v=typ, context=context, query=key).encode(), needle


def haystack_size(length, fits, incremental=500, tokens_to_generate=128):
    """generate_samples' binary search for the probe sample; tokens are bytes."""
    tokens_per_haystack = len(fits(incremental)) / incremental
    lower, upper = incremental, max(int((length / tokens_per_haystack) * 3), incremental * 2)
    best = None
    while lower <= upper:
        mid = (lower + upper) // 2
        if len(fits(mid)) + tokens_to_generate <= length:
            best, lower = mid, mid + 1
        else:
            upper = mid - 1
    return best if best is not None else incremental


def main():
    pickle_path, data_dir, typ, length = sys.argv[1:5]
    probe, sample = sys.argv[5:8], sys.argv[8:11]  # key value depth, each
    files = sorted(glob.glob(os.path.join(data_dir, "paul-graham-essays/essays/*.txt")))
    essay = "".join(open(f, encoding="utf-8").read() for f in files)
    haystack = re.sub(r"\s+", " ", essay).split(" ")
    sents_of = tokenizer(pickle_path).tokenize
    n = haystack_size(int(length), lambda m: make_prompt(sents_of, haystack, typ, probe[0],
                                                         probe[1], m, int(probe[2]))[0])
    while True:  # the sample loop: 500 words fewer while too long
        prompt, needle = make_prompt(sents_of, haystack, typ, sample[0], sample[1], n,
                                     int(sample[2]))
        if len(prompt) + 128 <= int(length) or n <= 500:
            break
        n -= 500
    at = prompt.index(needle.encode())
    print(n, len(prompt), hex(fnv1a(prompt)))
    print(repr(prompt[at - 60:at]), repr(prompt[at + len(needle):at + len(needle) + 60]))


if __name__ == "__main__":
    main()
