/* RULER's frequent words extraction task `fwe` (scripts/data/synthetic/freq_words_extraction.py,
 * commit c3f5e3b; scripts/synthetic.yaml: alpha 2.0; coded_wordlen 6, vocab_size -1), bytes as
 * tokens. It needs no data: the words are random letters.
 *
 * Exactly RULER (base model template):
 * - Prompt: "Read the following coded text and track the frequency of each coded word. Find the
 *   three most frequently appeared coded words. {context}\nQuestion: Do not provide any
 *   explanation. Please ignore the dots '....'. What are the three most frequently appeared
 *   words in the above coded text? Answer: According to the coded text above, the three most
 *   frequently appeared words are:" (the answer prefix follows the template directly).
 * - Vocabulary: V = P // 50 distinct 6-letter lower-case words (P = RULER's max_seq_length - 50),
 *   sorted, reordered by random.Random(42).shuffle, the first replaced by "..." (noise).
 * - Counts: word k (1-based) appears int(n * k**-2.0 / zeta(2.0)) times (numpy float64: pow, then
 *   times n, then divided by scipy's zeta(2.0) = 1 + cephes azetac[2]); the list of words, vocabulary
 *   order, each repeated, is reordered by random.Random(42).shuffle and joined by spaces.
 * - n: from n = P // 6, n += P // 32 while the text is shorter than P, then one step back;
 *   then n -= P // 32 while the text is longer than P (RULER's two calls). Lengths do not
 *   depend on the draws, so this is RULER's n for every sample.
 * - Answers: vocabulary words 1..3 (RULER's vocab[1:4]); metric string_match_all (niah_score);
 *   50 bytes generated.
 *
 * Ours: target_len = P, the prompt bound (RULER's max_seq_length is target_len + 50). The words
 * are Philox draws (NIAH_STREAM_KEY, a repeated word drawn again), not Python's random.choices. A
 * count below zero (n < 0, only at lengths below niah_min_length) is taken as zero, as Python's
 * [w] * negative is empty. */
#include "ruler_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrandom.h"

enum { FWE_NEW = 50, FWE_WORD = 6, FWE_ANSWERS = 3 };

static const char HEAD[] = "Read the following coded text and track the frequency of each coded "
                           "word. Find the three most frequently appeared coded words. ";
static const char TAIL[] = "\nQuestion: Do not provide any explanation. Please ignore the dots "
                           "'....'. What are the three most frequently appeared words in the "
                           "above coded text? Answer: According to the coded text above, the "
                           "three most frequently appeared words are:";
/* scipy.special.zeta(2.0): cephes' table value 1 + 6.44934066848226436472E-1 */
static const double ZETA2 = 1.0 + 6.44934066848226436472E-1;

/* How often word k (0-based) appears among n words. */
static int64_t fwe_count(int64_t n, uint64_t k)
{
    double c = (double)n * pow((double)(k + 1), -2.0) / ZETA2;
    return c > 0 ? (int64_t)c : 0;
}

/* Prompt bytes for n words over a vocabulary of v (word 0 is "..."). */
static int64_t fwe_bytes(int64_t n, uint64_t v)
{
    int64_t words = 0, bytes = 0;
    for (uint64_t k = 0; k < v; k++) {
        int64_t c = fwe_count(n, k);
        words += c;
        bytes += c * (k == 0 ? 3 : FWE_WORD);
    }
    return (int64_t)(sizeof HEAD + sizeof TAIL - 2) + bytes + (words ? words - 1 : 0);
}

/* RULER's n for prompt bound p (its two calls of generate_input_output). */
static int64_t fwe_size(int64_t p, uint64_t v)
{
    int64_t step = p / 32, n = p / 6;
    while (fwe_bytes(n, v) < p) n += step;
    n -= step;
    while (fwe_bytes(n, v) > p) n -= step;
    return n;
}

static int cmp_word(const void *a, const void *b) { return memcmp(a, b, FWE_WORD + 1); }

/* Sorts w[0..n) and drops repeats; returns how many are left. */
static uint64_t sort_unique(char (*w)[FWE_WORD + 1], uint64_t n)
{
    qsort(w, n, sizeof *w, cmp_word);
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        if (m == 0 || memcmp(w[m - 1], w[i], FWE_WORD)) memmove(w[m++], w[i], sizeof *w);
    return m;
}

/* v distinct words (RULER: v draws, then one more while the set is short), sorted, shuffled by
 * random.Random(42), word 0 "...". NULL: memory. */
static char (*fwe_vocab(Rng *r, uint64_t v))[FWE_WORD + 1]
{
    char(*w)[FWE_WORD + 1] = calloc(v, sizeof *w);
    if (!w) return NULL;
    for (uint64_t i = 0; i < v; i++) ruler_letters(r, 'a', FWE_WORD, w[i]);
    for (uint64_t m = sort_unique(w, v); m < v; m = sort_unique(w, m + 1))
        ruler_letters(r, 'a', FWE_WORD, w[m]);
    pyrandom_shuffle(RULER_SEED, w, v, sizeof *w);
    strcpy(w[0], "...");
    return w;
}

/* The context: each word repeated by its count, shuffled by random.Random(42), joined by " ". */
static void fwe_context(Str *b, int64_t n, char (*w)[FWE_WORD + 1], uint64_t v)
{
    uint64_t total = 0, at = 0;
    for (uint64_t k = 0; k < v; k++) total += (uint64_t)fwe_count(n, k);
    uint32_t *list = malloc((total ? total : 1) * sizeof *list);
    if (!list) {
        b->bad = 1;
        return;
    }
    for (uint64_t k = 0; k < v; k++)
        for (int64_t c = fwe_count(n, k); c > 0; c--) list[at++] = (uint32_t)k;
    pyrandom_shuffle(RULER_SEED, list, total, sizeof *list);
    for (uint64_t i = 0; i < total; i++) {
        if (i) str_add(b, " ", 1);
        str_adds(b, w[list[i]]);
    }
    free(list);
}

int ruler_fwe_make(int64_t target_len, uint64_t seed, uint64_t unit, TextSample *out, DataError *err)
{
    if (target_len < ruler_fwe_min_length()) {
        data_error(err, "fwe: target_len %lld is too short: a sample needs %lld", (long long)target_len,
                   (long long)ruler_fwe_min_length());
        return -1;
    }
    uint64_t v = (uint64_t)target_len / 50;
    Rng r;
    rng_init(&r, seed, NIAH_STREAM_KEY, unit);
    char(*w)[FWE_WORD + 1] = fwe_vocab(&r, v);
    Str b = {0};
    if (!w) b.bad = 1;
    int64_t n = fwe_size(target_len, v);
    str_adds(&b, HEAD);
    if (w) fwe_context(&b, n, w, v);
    str_adds(&b, TAIL);
    const char *answers[FWE_ANSWERS] = {w ? w[1] : "", w ? w[2] : "", w ? w[3] : ""};
    int rc = ruler_finish("fwe", &b, answers, FWE_ANSWERS, target_len, FWE_NEW, out, err);
    free(w);
    return rc;
}

/* Four vocabulary words (V = P // 50) and the template with an empty context. */
int64_t ruler_fwe_min_length(void)
{
    int64_t fixed = (int64_t)(sizeof HEAD + sizeof TAIL - 2);
    return fixed > 4 * 50 ? fixed : 4 * 50;
}
