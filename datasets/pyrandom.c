/* CPython's Mersenne Twister and shuffle (Modules/_randommodule.c, Lib/random.py). */
#include "pyrandom.h"

enum { N = 624, M = 397 };

static void init_genrand(PyRandom *r, uint32_t s)
{
    r->mt[0] = s;
    for (int i = 1; i < N; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->i = N;
}

/* init_by_array with the one-word key [seed] (CPython's seed for a small int) */
void pyrandom_seed(PyRandom *r, uint32_t seed)
{
    init_genrand(r, 19650218u);
    int i = 1;
    for (int k = N; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525u)) + seed;
        if (++i >= N) {
            r->mt[0] = r->mt[N - 1];
            i = 1;
        }
    }
    for (int k = N - 1; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        if (++i >= N) {
            r->mt[0] = r->mt[N - 1];
            i = 1;
        }
    }
    r->mt[0] = 0x80000000u;
}

static uint32_t genrand(PyRandom *r)
{
    static const uint32_t mag[2] = {0, 0x9908b0dfu};
    if (r->i >= N) {
        int k;
        uint32_t y;
        for (k = 0; k < N - M; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
            r->mt[k] = r->mt[k + M] ^ (y >> 1) ^ mag[y & 1];
        }
        for (; k < N - 1; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
            r->mt[k] = r->mt[k + M - N] ^ (y >> 1) ^ mag[y & 1];
        }
        y = (r->mt[N - 1] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
        r->mt[N - 1] = r->mt[M - 1] ^ (y >> 1) ^ mag[y & 1];
        r->i = 0;
    }
    uint32_t y = r->mt[r->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

uint32_t pyrandom_bits(PyRandom *r, int k) { return genrand(r) >> (32 - k); }

uint32_t pyrandom_below(PyRandom *r, uint32_t n)
{
    int k = 0;
    while (k < 32 && (n >> k)) k++; /* n.bit_length() */
    uint32_t x = pyrandom_bits(r, k);
    while (x >= n) x = pyrandom_bits(r, k);
    return x;
}

void pyrandom_shuffle(uint32_t seed, void *items, size_t n, size_t size)
{
    PyRandom r;
    unsigned char *a = items;
    if (n < 2) return;
    pyrandom_seed(&r, seed);
    for (size_t i = n - 1; i > 0; i--) {
        unsigned char *x = a + i * size, *y = a + pyrandom_below(&r, (uint32_t)(i + 1)) * size;
        for (size_t b = 0; b < size; b++) {
            unsigned char t = x[b];
            x[b] = y[b];
            y[b] = t;
        }
    }
}
