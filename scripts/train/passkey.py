"""Passkey prompts for training (training-notes.md's task), at lengths S-NIAH cannot reach.

S-NIAH's template alone takes ~440 bytes; the MAC curriculum of issue 11 starts where MAC was seen
to learn: 128-byte prompts, 8 segments of 16. A sample is
    filler + "The pass key is NNNNNNN. Remember it. " + filler
        + "What is the pass key? The pass key is"            (prompt)
    " NNNNNNN.\\n"                                            (target, S-NIAH-1's answer form)
with filler RULER's noise sentences cut to fit and the key sentence at a uniformly random byte of
the filler. Training data only: no suite evaluates it.
"""
import random

NOISE = b"The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. "
QUESTION = b"What is the pass key? The pass key is"


def filler(n):
    return (NOISE * (n // len(NOISE) + 1))[:n]


def sample(rng, length, digits):
    """(prompt, target) of exactly length bytes in all."""
    key = "".join(rng.choice("0123456789") for _ in range(digits)).encode()
    needle = b"The pass key is " + key + b". Remember it. "
    target = b" " + key + b".\n"
    room = length - len(needle) - len(QUESTION) - len(target)
    if room < 0:
        raise ValueError(f"passkey: length {length} is too short: a sample needs "
                         f"{length - room} bytes")
    cut = rng.randint(0, room)
    hay = filler(room)
    return hay[:cut] + needle + hay[cut:] + QUESTION, target


def samples(count, length, seed, digits=7):
    """count (prompt, target) pairs; the same seed gives the same samples."""
    rng = random.Random(seed)
    return [sample(rng, length, digits) for _ in range(count)]
