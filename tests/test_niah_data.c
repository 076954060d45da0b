/* datasets/niah.c on the real data (TITANS_DATA = shared/datasets): RULER's word lists and the
 * Paul Graham essays. Skips when the directory is not there.
 *
 * The pinned prompts come from RULER's own code, not from this one: scripts/ruler/
 * niah_reference.py runs niah.py's generate_samples steps (the haystack size searched once on
 * the probe sample, the sample stepped down by 500 words while prompt + 128 > length, tokens =
 * bytes) and generate_input_output with NLTK 3.8's sent_tokenize and its English Punkt model on
 * the same files, given our (seed, unit) draws of key, value and depth (unit 0 is the probe).
 * Earlier pins (4 KB, 1 MB at depth 1) matched the text without Punkt's split: RULER's join adds
 * a space at 218 places per pass of the corpus (e.g. "good. [2]"), so the 1 MB one was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include <cmocka.h>

#include "niah.h"

typedef struct {
    NiahData *d;
    char *adj, *noun; /* the list files, for membership checks */
} Fixture;

static char *slurp(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    if (buf) buf[fread(buf, 1, (1 << 20) - 1, f)] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **st)
{
    Fixture *f = calloc(1, sizeof *f);
    DataError err;
    if (!f) return -1;
    *st = f;
    const char *dir = getenv("TITANS_DATA");
    if (niah_data_load(dir, &f->d, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    f->adj = slurp(dir, NIAH_ADJECTIVES);
    f->noun = slurp(dir, NIAH_NOUNS);
    return f->adj && f->noun ? 0 : -1;
}

static int teardown(void **st)
{
    Fixture *f = *st;
    niah_data_free(f->d);
    free(f->adj);
    free(f->noun);
    free(f);
    return 0;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

static TextSample make(const Fixture *f, NiahTask t, int64_t len, double depth, uint64_t unit)
{
    TextSample s;
    DataError err;
    if (niah_make(f->d, t, len, depth, 1, unit, &s, &err)) fail_msg("%s", err.msg);
    assert_true((int64_t)s.prompt_len <= len);
    return s;
}

static void test_lists_and_corpus_are_rulers(void **st)
{
    Fixture *f = *st;
    assert_int_equal(niah_data_key_count(f->d), 6175260); /* 910 distinct adjectives x 6786 */
    assert_int_equal(niah_data_essay_words(f->d), 111877);
}

typedef struct {
    NiahTask task;
    int64_t len; /* RULER's max_seq_length; target_len = len - NIAH_MAX_NEW */
    double depth; /* < 0: drawn */
    uint64_t unit;
    size_t prompt_len;
    uint64_t fnv;
    const char *before, *after; /* the text either side of the needle */
} Pin;

static const Pin PINS[] = {
    {NIAH_S2, 4096, -1, 0, 3967, 0xfcec3466e63cc810u,
     "we need it for. ", " At the extreme end of the spectrum are crack and meth."},
    {NIAH_S2, 4096, -1, 3, 1046, 0x26c5c5d2682266e5u, /* 500 words fewer than the probe */
     "what we want. ", " When the thing we want is something we want to want"},
    {NIAH_S2, 4096, -1, 7, 1053, 0x5e37aa7c53b4a228u, "the number afterwards.\n ",
     " July 2010What hard liquor"},
    {NIAH_S2, 16384, -1, 0, 16251, 0xe2f2ef57dce37b19u,
     "also slowing the former. ", " And in any case, as Prohibition"},
    {NIAH_S2, 16384, -1, 7, 13287, 0x864f8d12a58045beu, /* Punkt's split of "work.[1]No" */
     "it's the same process at work. ", " [1]No one doubts this process is accelerating"},
    {NIAH_S2, 65536, -1, 5, 62599, 0x47176a6d5eead96eu,
     "not to do that enough. ", " They get involved with people who seem impressive"},
    {NIAH_S2, 131072, -1, 9, 130942, 0x19cacd69b74731eu,
     "then they release it. ", " You have to do that with hardware"},
    {NIAH_S3, 1000000, 1.0, 0, 999870, 0x789a8a3cffd46645u, /* 174298 words: 1.56 passes */
     "to a deleted object, for example, ", " \nWhat is the special magic uuid for marked-meme"},
};

static void test_prompts_are_rulers(void **st)
{
    for (size_t i = 0; i < sizeof PINS / sizeof *PINS; i++) {
        const Pin *p = &PINS[i];
        clock_t t0 = clock();
        TextSample s = make(*st, p->task, p->len - NIAH_MAX_NEW, p->depth, p->unit);
        assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
        const char *needle = strstr(s.prompt, "One of the special magic");
        assert_non_null(needle);
        const char *after = strchr(strstr(needle, " is: "), '.') + 1;
        if (s.prompt_len != p->prompt_len || fnv1a(s.prompt, s.prompt_len) != p->fnv)
            fail_msg("pin %zu: %zu bytes, hash %016llx", i, s.prompt_len,
                     (unsigned long long)fnv1a(s.prompt, s.prompt_len));
        assert_memory_equal(needle - strlen(p->before), p->before, strlen(p->before));
        assert_memory_equal(after, p->after, strlen(p->after));
        text_sample_free(&s);
    }
}

/* Multi-needle essay prompts from scripts/ruler/niah_multi_reference.py (RULER's
 * generate_input_output and generate_samples with NLTK, given our draws of keys, values, queried
 * keys and depths for seed 1; unit 0 is the probe): the words, the bytes, the hash, the answers. */
typedef struct {
    NiahTask task;
    int64_t len; /* RULER's max_seq_length */
    uint64_t unit;
    uint64_t words; /* RULER's haystack size, for the record */
    size_t prompt_len;
    uint64_t fnv;
    const char *answers; /* space-separated, in RULER's order */
} MultiPin;

static const MultiPin MULTI_PINS[] = {
    {NIAH_MK1, 4096, 0, 576, 3967, 0xe0b3fea96dc7bb8au, "4414034"},
    {NIAH_MK1, 4096, 5, 76, 1028, 0xf2835e464a08c54u, "7262922"},
    {NIAH_MK1, 16384, 0, 2695, 16254, 0x15564bdd65783b9au, "4414034"},
    {NIAH_MK1, 16384, 5, 2195, 13284, 0x39df8d25a30e7489u, "7262922"},
    {NIAH_MK1, 131072, 0, 22736, 130944, 0xdbba5400d0787603u, "4414034"},
    {NIAH_MK1, 131072, 5, 22236, 127956, 0x99e4afed67c887dau, "7262922"},
    {NIAH_MV, 4096, 0, 576, 3966, 0xa7283c16035e7a49u, "6341367 9544067 4414034 4731024"},
    {NIAH_MV, 4096, 5, 76, 1043, 0x9a43a47cfa5aa396u, "7753248 7891840 4206940 7262922"},
    {NIAH_MV, 16384, 0, 2695, 16253, 0xec7c8be2a7909c61u, "6341367 9544067 4414034 4731024"},
    {NIAH_MV, 16384, 5, 2195, 13299, 0x7aee2ac5dfa3b071u, "7753248 7891840 4206940 7262922"},
    {NIAH_MV, 131072, 0, 22736, 130943, 0xdb6f04d226a5e532u, "6341367 9544067 4414034 4731024"},
    {NIAH_MV, 131072, 5, 22236, 127971, 0x1f42ca5b8ef367ccu, "7753248 7891840 4206940 7262922"},
    {NIAH_MQ, 4096, 0, 559, 3968, 0xf127bdad10b12485u, "4414034 9544067 6341367 4731024"},
    {NIAH_MQ, 4096, 5, 59, 1057, 0xa19487e7eb0d1c29u, "7262922 7753248 7891840 4206940"},
    {NIAH_MQ, 16384, 0, 2676, 16256, 0x32a632add56bb674u, "4414034 9544067 6341367 4731024"},
    {NIAH_MQ, 16384, 5, 2176, 13284, 0x2510de21e9a333beu, "7262922 7753248 7891840 4206940"},
    {NIAH_MQ, 131072, 0, 22720, 130940, 0x4031e2a3962067b4u, "4414034 9544067 6341367 4731024"},
    {NIAH_MQ, 131072, 5, 22220, 127996, 0x5c1519818f6f6b32u, "7262922 7753248 7891840 4206940"},
};

static void test_multi_needle_prompts_are_rulers(void **st)
{
    for (size_t i = 0; i < sizeof MULTI_PINS / sizeof *MULTI_PINS; i++) {
        const MultiPin *p = &MULTI_PINS[i];
        TextSample s;
        DataError err;
        if (niah_make(((Fixture *)*st)->d, p->task, p->len - NIAH_MAX_NEW, -1, 1, p->unit, &s, &err))
            fail_msg("%s", err.msg);
        if (s.prompt_len != p->prompt_len || fnv1a(s.prompt, s.prompt_len) != p->fnv)
            fail_msg("multi pin %zu: %zu bytes, hash %016llx", i, s.prompt_len,
                     (unsigned long long)fnv1a(s.prompt, s.prompt_len));
        char got[256] = "";
        for (int a = 0; a < s.n_answers; a++) {
            if (a) strcat(got, " ");
            strcat(got, s.answers[a]);
        }
        assert_string_equal(got, p->answers);
        assert_true(s.depth == -1);
        text_sample_free(&s);
    }
}

/* multivalue's needles (one key's values, drawn in answer order) stand in the prompt in the
 * order of random.Random(42).shuffle of four: [2, 1, 3, 0] */
static void test_needles_are_in_rulers_shuffled_order(void **st)
{
    static const int ORDER[4] = {2, 1, 3, 0};
    for (uint64_t u = 0; u < 10; u++) {
        TextSample s = make(*st, NIAH_MV, 20000, -1, u);
        const char *at = s.prompt;
        for (int i = 0; i < 4; i++) {
            char needle[128];
            snprintf(needle, sizeof needle, " is: %s.", s.answers[ORDER[i]]);
            const char *next = strstr(at, needle);
            if (!next) fail_msg("unit %llu: needle %d (%s) out of order", (unsigned long long)u,
                                i, s.answers[ORDER[i]]);
            at = next + 1;
        }
        text_sample_free(&s);
    }
}

/* Is w[0, n) a whole line of the list? */
static int listed(const char *list, const char *w, size_t n)
{
    for (const char *p = list; *p;) {
        size_t line = strcspn(p, "\n"), k = line;
        while (k > 0 && p[k - 1] == ' ') k--; /* the lists' trailing spaces */
        if (k == n && memcmp(p, w, n) == 0) return 1;
        p += line + (p[line] == '\n');
    }
    return 0;
}

static void test_keys_come_from_the_word_lists(void **st)
{
    Fixture *f = *st;
    for (uint64_t u = 0; u < 40; u++) {
        TextSample s = make(f, NIAH_S2, 2048, 0.5, u);
        const char *k = strstr(s.prompt, "\nWhat is the special magic number for ") + 38;
        size_t n = (size_t)(strstr(k, " mentioned") - k), found = 0;
        for (size_t i = 1; i + 1 < n; i++) /* adjectives and nouns may hold '-' themselves */
            found += k[i] == '-' && listed(f->adj, k, i) && listed(f->noun, k + i + 1, n - i - 1);
        if (found != 1) fail_msg("key %.*s is not one adjective-noun pair", (int)n, k);
        text_sample_free(&s);
    }
}

static void test_lengths_and_depths(void **st)
{
    const int64_t lens[] = {1024, 4096, 65536, 1000000};
    for (int i = 0; i < 4; i++)
        for (int t = NIAH_S2; t <= NIAH_S3; t++)
            for (int j = 0; j <= 8; j++) {
                double depth = j / 8.0;
                TextSample s = make(*st, (NiahTask)t, lens[i], depth, (uint64_t)j);
                const char *nl = strchr(s.prompt, '\n'), *end = strrchr(s.prompt, '\n');
                const char *needle = strstr(s.prompt, "One of the special magic");
                double at = (double)(needle - (nl + 1)) / (double)(end - (nl + 1));
                if (lens[i] >= 65536 && (at < depth - 0.05 || at > depth + 0.05))
                    fail_msg("%s %lld: needle at %.3f for depth %.3f", niah_task_name(t),
                             (long long)lens[i], at, depth);
                /* between sentences: after a space that follows a sentence end (’ and ” end
                 * in 0x99, 0x9d), or first; depth 1 follows the last words, cut anywhere */
                assert_true(needle[-1] == ' ');
                assert_true(needle - 1 == nl + 1 || j == 8 ||
                            strchr(".?!\"')]}\x99\x9d", needle[-2]));
                text_sample_free(&s);
            }
}

int main(void)
{
    const char *dir = getenv("TITANS_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "", NIAH_ESSAYS);
    int have = dir && access(path, R_OK) == 0;
    for (int i = 0; have && i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, i ? NIAH_NOUNS : NIAH_ADJECTIVES);
        have = access(path, R_OK) == 0;
    }
    if (!have) {
        printf("1..0 # SKIP no data directory (set TITANS_DATA)\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_and_corpus_are_rulers),
        cmocka_unit_test(test_prompts_are_rulers),
        cmocka_unit_test(test_multi_needle_prompts_are_rulers),
        cmocka_unit_test(test_needles_are_in_rulers_shuffled_order),
        cmocka_unit_test(test_keys_come_from_the_word_lists),
        cmocka_unit_test(test_lengths_and_depths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
