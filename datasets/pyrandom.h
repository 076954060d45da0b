/* Python's random.Random(seed).shuffle, for RULER's fixed-seed shuffles.
 *
 * RULER reorders lists with random.Random(args.random_seed).shuffle(x) (random_seed = 42): the
 * needles of a multi-needle NIAH sample, CWE's word list, FWE's vocabulary and words. That
 * permutation depends only on the seed and the list's length, so it is part of RULER's layout,
 * not a draw: we reproduce it exactly (MT19937 seeded by init_by_array with the seed's 32-bit
 * words, getrandbits, _randbelow_with_getrandbits and shuffle of CPython 3). */
#ifndef TITANS_DATASETS_PYRANDOM_H
#define TITANS_DATASETS_PYRANDOM_H

#include <stddef.h>
#include <stdint.h>

/* RULER's default random_seed (prepare.py --random_seed) */
#define RULER_SEED 42

typedef struct {
    uint32_t mt[624];
    int i;
} PyRandom;

/* random.Random(seed) for a seed in [0, 2^32). */
void pyrandom_seed(PyRandom *r, uint32_t seed);
/* random.getrandbits(k) for 1 <= k <= 32. */
uint32_t pyrandom_bits(PyRandom *r, int k);
/* random._randbelow(n) for 1 <= n < 2^32. */
uint32_t pyrandom_below(PyRandom *r, uint32_t n);
/* random.Random(seed).shuffle(x) on n items of the given size (n < 2^32). */
void pyrandom_shuffle(uint32_t seed, void *items, size_t n, size_t size);

#endif
