/* RULER's common words extraction task `cwe` (scripts/data/synthetic/common_words_extraction.py,
 * commit c3f5e3b; scripts/synthetic.yaml: freq_cw 30, freq_ucw 3, num_cw 10; num_fewshot 1),
 * bytes as tokens.
 *
 * Exactly RULER (base model template):
 * - Words: wonderwords' nounlist.txt + adjectivelist.txt + verblist.txt (lines right-stripped),
 *   sorted(set(...)), reordered by random.Random(42).shuffle (niah_data_load makes the list).
 * - An example of n words w: the first 10 are the common ones; the list common * c + rest * u
 *   (whole lists repeated) reordered by random.Random(42).shuffle, written "1. w 2. w ..." with
 *   single spaces. c, u = 30, 3 (the one-shot example: 40 words, 10, 3) when RULER's
 *   max_seq_length >= 4096, else 6, 1 (the one-shot example: 20 words, 3, 1).
 * - Prompt: the template and answer prefix around the one-shot example, " 1. a 2. b ... 10. j"
 *   (its 10 common words in order), "\n", then the template and answer prefix around the
 *   sample's example:
 *     Below is a numbered list of words. In these words, some appear more often than others.
 *     Memorize the ones that appear most often.\n{context}\nQuestion: What are the 10 most
 *     common words in the above list? Answer: The top 10 words that appear most often in the
 *     list are:
 * - Answers: the sample's 10 common words; metric string_match_all (niah_score); 120 bytes
 *   generated.
 * - Size n: the largest that fits the probe sample (unit 0 of the seed; RULER binary-searches
 *   on samples of its own, each with new words), at least 10; then 10 words fewer while this
 *   sample's prompt is too long (RULER's sample loop). The prompt's length does not depend on
 *   the shuffle, only on the words' lengths.
 *
 * Ours: target_len bounds the prompt; RULER's max_seq_length is target_len + 120. Words are
 * Philox draws, random.sample's result uniform over ordered samples: a partial Fisher-Yates
 * shuffle of the list's indices, NIAH_STREAM_KEY for the sample, NIAH_STREAM_HAY for the
 * one-shot example. RULER takes words from english_words.json (`randle_words`) when n exceeds
 * the lists (about 9,000 words, a sample of some 400 KB): we have not that file, so n is at most
 * the lists' size. A data directory without verblist.txt: cwe fails naming the file.
 * With bytes as tokens the 30/3 repeats from max_seq_length 4096 need some 6-10 KB (300 common
 * entries and the 40-word example): RULER's loop never ends between that and 4096, and the
 * short regime's least; there niah_make fails (target too short), and niah_min_length is the
 * least length from which every length works. */
#include "ruler_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrandom.h"

enum { CWE_NEW = 120, CWE_COMMON = 10, CWE_STEP = 10, CWE_MIN_WORDS = 40 };

static const char HEAD[] = "Below is a numbered list of words. In these words, some appear more "
                           "often than others. Memorize the ones that appear most often.\n";
static const char TAIL[] = "\nQuestion: What are the 10 most common words in the above list? "
                           "Answer: The top 10 words that appear most often in the list are:";

typedef struct {
    int few_words, few_c, few_u, c, u; /* RULER's get_example arguments */
} Repeats;

static Repeats repeats_of(int64_t target)
{
    return target + CWE_NEW < 4096 ? (Repeats){20, 3, 1, 6, 1} : (Repeats){40, 10, 3, 30, 3};
}

/* Digits in 1, 2, ..., w written out. */
static uint64_t digits_upto(uint64_t w)
{
    uint64_t sum = 0;
    for (uint64_t lo = 1, d = 1; lo <= w; lo *= 10, d++) sum += d * ((w < lo * 10 - 1 ? w : lo * 10 - 1) - lo + 1);
    return sum;
}

/* Bytes of an example's context: n words with bytes[i] = strlen of the first i words. */
static uint64_t context_bytes(const uint64_t *bytes, uint64_t n, int c, int u)
{
    uint64_t common = n < CWE_COMMON ? n : CWE_COMMON;
    uint64_t w = (uint64_t)c * common + (uint64_t)u * (n - common);
    if (w == 0) return 0;
    return digits_upto(w) + 3 * w - 1 + (uint64_t)c * bytes[common] + (uint64_t)u * (bytes[n] - bytes[common]);
}

/* The first k of a random.sample of the words, as indices (partial Fisher-Yates), with the
 * running byte counts bytes[0..k]. -1: memory. */
static int draw_words(const NiahData *d, Rng *r, uint64_t k, uint32_t **idx, uint64_t **bytes)
{
    uint32_t *x = malloc(d->n_cwe * sizeof *x);
    uint64_t *b = malloc((k + 1) * sizeof *b);
    if (!x || !b) {
        free(x);
        free(b);
        return -1;
    }
    for (size_t i = 0; i < d->n_cwe; i++) x[i] = (uint32_t)i;
    b[0] = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t j = i + rng_below(r, d->n_cwe - i);
        uint32_t t = x[i];
        x[i] = x[j];
        x[j] = t;
        b[i + 1] = b[i] + strlen(d->cwe[x[i]]);
    }
    *idx = x;
    *bytes = b;
    return 0;
}

/* An example's context: the list common * c + rest * u, shuffled as RULER does, numbered. */
static void context_text(Str *s, const NiahData *d, const uint32_t *idx, uint64_t n, int c, int u)
{
    uint64_t common = n < CWE_COMMON ? n : CWE_COMMON, w = 0;
    uint32_t *list = malloc(((uint64_t)c * common + (uint64_t)u * (n - common) + 1) * sizeof *list);
    if (!list) {
        s->bad = 1;
        return;
    }
    for (int k = 0; k < c; k++)
        for (uint64_t i = 0; i < common; i++) list[w++] = idx[i];
    for (int k = 0; k < u; k++)
        for (uint64_t i = common; i < n; i++) list[w++] = idx[i];
    pyrandom_shuffle(RULER_SEED, list, w, sizeof *list);
    for (uint64_t i = 0; i < w; i++) str_addf(s, "%s%llu. %s", i ? " " : "", (unsigned long long)i + 1, d->cwe[list[i]]);
    free(list);
}

/* The one-shot example: template, context, answer prefix and its answer. */
static void fewshot_text(Str *s, const NiahData *d, const uint32_t *idx, Repeats rp)
{
    str_adds(s, HEAD);
    context_text(s, d, idx, (uint64_t)rp.few_words, rp.few_c, rp.few_u);
    str_adds(s, TAIL);
    for (int i = 0; i < CWE_COMMON; i++) str_addf(s, " %d. %s", i + 1, d->cwe[idx[i]]);
    str_add(s, "\n", 1);
}

typedef struct {
    Str few;        /* the one-shot example and its "\n" */
    uint32_t *idx;  /* the sample's words */
    uint64_t *bytes, k;
} Draw;

static void draw_free(Draw *w)
{
    free(w->few.s);
    free(w->idx);
    free(w->bytes);
}

/* The draws of a unit: the one-shot example and up to k words. -1: memory. */
static int cwe_draw(const NiahData *d, Repeats rp, uint64_t seed, uint64_t unit, uint64_t k, Draw *w)
{
    Rng rf, rw;
    rng_init(&rf, seed, NIAH_STREAM_HAY, unit);
    rng_init(&rw, seed, NIAH_STREAM_KEY, unit);
    uint32_t *fi;
    uint64_t *fb;
    memset(w, 0, sizeof *w);
    if (draw_words(d, &rf, (uint64_t)rp.few_words, &fi, &fb)) return -1;
    fewshot_text(&w->few, d, fi, rp);
    free(fi);
    free(fb);
    w->k = k;
    return w->few.bad || draw_words(d, &rw, k, &w->idx, &w->bytes) ? -1 : 0;
}

static uint64_t prompt_bytes(const Draw *w, Repeats rp, uint64_t n)
{
    return w->few.len + sizeof HEAD - 1 + context_bytes(w->bytes, n, rp.c, rp.u) + sizeof TAIL - 1;
}

/* The largest n in [lo, w->k] that fits target; lo when none does. */
static uint64_t largest_fit(const Draw *w, Repeats rp, int64_t target, uint64_t lo)
{
    uint64_t hi = w->k;
    if (lo >= hi || (int64_t)prompt_bytes(w, rp, lo) > target) return lo;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if ((int64_t)prompt_bytes(w, rp, mid) <= target) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

static int64_t longest_prompt(const NiahData *d, Repeats rp);

static int cwe_check(const NiahData *d, int64_t target, DataError *err)
{
    if (!d->cwe) {
        data_error(err, "cwe: %s", d->cwe_err.msg[0] ? d->cwe_err.msg : "needs a data directory with " NIAH_VERBS);
        return -1;
    }
    int64_t need = longest_prompt(d, repeats_of(target)); /* this length's regime */
    if (target < need) {
        data_error(err, "cwe: target_len %lld is too short: a sample needs %lld", (long long)target, (long long)need);
        return -1;
    }
    return 0;
}

int ruler_cwe_make(const NiahData *d, int64_t target_len, uint64_t seed, uint64_t unit,
                   TextSample *out, DataError *err)
{
    if (cwe_check(d, target_len, err)) return -1;
    Repeats rp = repeats_of(target_len);
    uint64_t k = CWE_COMMON + (uint64_t)target_len / 5; /* an uncommon word takes 5 bytes or more */
    if (k > d->n_cwe) k = d->n_cwe;
    Draw p = {0}, w = {0};
    int rc = -1;
    if (cwe_draw(d, rp, seed, 0, k, &p) == 0 && cwe_draw(d, rp, seed, unit, k, &w) == 0) {
        uint64_t n = largest_fit(&p, rp, target_len, CWE_STEP);
        while ((int64_t)prompt_bytes(&w, rp, n) > target_len && n > CWE_STEP) n -= CWE_STEP;
        Str b = w.few;
        w.few = (Str){0};
        str_adds(&b, HEAD);
        context_text(&b, d, w.idx, n, rp.c, rp.u);
        str_adds(&b, TAIL);
        const char *answers[CWE_COMMON];
        int m = n < CWE_COMMON ? (int)n : CWE_COMMON;
        for (int i = 0; i < m; i++) answers[i] = d->cwe[w.idx[i]];
        rc = ruler_finish("cwe", &b, answers, m, target_len, CWE_NEW, out, err);
        draw_free(&w);
    } else {
        data_error(err, "cwe: out of memory");
        draw_free(&w);
    }
    draw_free(&p);
    return rc;
}

/* The prompt with every word as long as the longest: the one-shot example and 10 words. */
static int64_t longest_prompt(const NiahData *d, Repeats rp)
{
    uint64_t longest = 0, bytes[CWE_MIN_WORDS + 1];
    for (size_t i = 0; i < d->n_cwe; i++) longest = strlen(d->cwe[i]) > longest ? strlen(d->cwe[i]) : longest;
    for (uint64_t i = 0; i <= CWE_MIN_WORDS; i++) bytes[i] = i * longest;
    uint64_t few = sizeof HEAD - 1 + context_bytes(bytes, (uint64_t)rp.few_words, rp.few_c, rp.few_u) +
                   sizeof TAIL - 1 + digits_upto(CWE_COMMON) + 3 * CWE_COMMON + bytes[CWE_COMMON] + 1;
    return (int64_t)(few + sizeof HEAD - 1 + context_bytes(bytes, CWE_STEP, rp.c, rp.u) + sizeof TAIL - 1);
}

int64_t ruler_cwe_min_length(const NiahData *d, DataError *err)
{
    if (!d->cwe) {
        data_error(err, "%s", d->cwe_err.msg[0] ? d->cwe_err.msg : "needs a data directory with " NIAH_VERBS);
        return -1;
    }
    /* RULER's 30/3 repeats from max_seq_length 4096 need more than its 6/1 below: the lengths
     * from the short regime's least to 3975 work too, but every length from this one on does */
    int64_t lng = longest_prompt(d, repeats_of(4096));
    return lng > 4096 - CWE_NEW ? lng : 4096 - CWE_NEW;
}
