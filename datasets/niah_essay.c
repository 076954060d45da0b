/* The essay haystack as RULER builds it: the first n words of the repeated corpus, split into
 * sentences by Punkt and joined by single spaces (niah.h). Sizes come from the boundaries found
 * once at load (niah.c), so a 1 MB haystack is sized without splitting it. */
#include "niah_impl.h"

#include <string.h>

uint64_t niah_essay_bytes(const NiahData *d, uint64_t n)
{
    return n / d->n_words * (d->essay_len + 1) + d->word_off[n % d->n_words] - 1;
}

/* Boundaries of the repeated corpus that end a sentence before byte x, and the bytes RULER's
 * join adds at them. */
static uint64_t bnd_before(const NiahData *d, uint64_t x, int64_t *grow)
{
    uint64_t period = d->essay_len + 1, q = x / period, r = x % period;
    size_t lo = 0, hi = d->n_bnd;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->bnd[mid].start < r) lo = mid + 1;
        else hi = mid;
    }
    if (grow) *grow = (int64_t)q * d->grow[d->n_bnd] + d->grow[lo];
    return q * d->n_bnd + lo;
}

uint64_t niah_essay_sentences(const NiahData *d, uint64_t n)
{
    return bnd_before(d, niah_essay_bytes(d, n), NULL) + 1;
}

uint64_t niah_joined_bytes(const NiahData *d, uint64_t n)
{
    int64_t grow;
    uint64_t text = niah_essay_bytes(d, n);
    bnd_before(d, text, &grow);
    return (uint64_t)((int64_t)text + grow);
}

void niah_boundary(const NiahData *d, uint64_t k, uint64_t *end, uint64_t *next)
{
    uint64_t cycle = (k - 1) / d->n_bnd, j = (k - 1) % d->n_bnd, base = cycle * (d->essay_len + 1);
    *end = base + d->bnd[j].start;
    *next = base + d->bnd[j].end;
}

/* Copy bytes [from, from + n) of the corpus repeated with a space after each pass. */
static char *copy_corpus(char *dst, const NiahData *d, uint64_t from, uint64_t n)
{
    uint64_t period = d->essay_len + 1;
    while (n > 0) {
        uint64_t at = from % period, k = period - at < n ? period - at : n;
        uint64_t text = at < d->essay_len ? (k < d->essay_len - at ? k : d->essay_len - at) : 0;
        memcpy(dst, d->essay + at, text);
        memset(dst + text, ' ', k - text);
        dst += k;
        from += k;
        n -= k;
    }
    return dst;
}

/* Bytes [from, to) of the repeated corpus as RULER's sentences joined by " ": the gap at each
 * boundary inside becomes one space. */
char *niah_copy_joined(char *dst, const NiahData *d, uint64_t from, uint64_t to)
{
    uint64_t k = bnd_before(d, from, NULL) + 1, end, next;
    for (; d->n_bnd > 0; k++) {
        niah_boundary(d, k, &end, &next);
        if (end >= to) break;
        dst = copy_corpus(dst, d, from, end - from);
        *dst++ = ' ';
        from = next;
    }
    return copy_corpus(dst, d, from, to - from);
}
