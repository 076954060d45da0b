/* datasets/niah.c on the real data (TITANS_DATA = shared/datasets): RULER's word lists and the
 * Paul Graham essays. Skips when the directory is not there.
 *
 * The pinned counts and hashes come from RULER's own Python steps run on the same files, not
 * from this code: essays = sorted(glob("*.txt")) read and concatenated; haystack =
 * re.sub(r'\s+', " ", essays).split(" "); text = " ".join((haystack * repeats)[:N]); needle at
 * insertion index len(sentences) (depth 100, which needs no sentence split), pieces joined by " ";
 * the niah template + answer prefix with the single-needle replacements; N the largest whose
 * UTF-8 prompt fits the target. The key and value are our (seed 1, unit 0) draws. */
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

#define HEAD(T)                                                                                   \
    "A special magic " T " is hidden within the following text. Make sure to memorize it. I "    \
    "will quiz you about the " T " afterwards.\n"
#define TAIL(T, K)                                                                                \
    "\nWhat is the special magic " T " for " K " mentioned in the provided text? The special "  \
    "magic " T " for " K " mentioned in the provided text is"
#define LONGEST_WORD 27 /* bytes, "consequences.DisciplineWith" */

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
    assert_true(len - (int64_t)s.prompt_len < LONGEST_WORD + 2);
    return s;
}

static void test_lists_and_corpus_are_rulers(void **st)
{
    Fixture *f = *st;
    assert_int_equal(niah_data_key_count(f->d), 6175260); /* 910 distinct adjectives x 6786 */
    assert_int_equal(niah_data_essay_words(f->d), 111877);
}

static void test_prompt_matches_ruler_at_4k(void **st)
{
    TextSample s = make(*st, NIAH_S2, 4096, 1.0, 0);
    const char *start = HEAD("number") "July 2010What hard liquor, cigarettes, heroin, and crack "
                                       "have in common is that they're all more concentrated "
                                       "forms of less addictive predecessors. Most if not all the";
    const char *end = " customs hadn't already One of the special magic numbers for marked-meme "
                      "is: 6341367. " TAIL("number", "marked-meme");
    assert_int_equal(s.prompt_len, 4090); /* 629 words */
    assert_memory_equal(s.prompt, start, strlen(start));
    assert_string_equal(s.prompt + s.prompt_len - strlen(end), end);
    assert_true(fnv1a(s.prompt, s.prompt_len) == 0x39b38ddfd9065c71u);
    text_sample_free(&s);
}

static void test_prompt_matches_ruler_at_1m_with_the_corpus_repeated(void **st)
{
    clock_t t0 = clock();
    TextSample s = make(*st, NIAH_S3, 1000000, 1.0, 0);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    assert_int_equal(s.prompt_len, 1000000); /* 174391 words */
    assert_string_equal(s.answers[0], "7f04fcae-f481-4777-8a90-678f518c9ec3");
    const char *seam = strstr(s.prompt, "drafts of this. July 2010What hard liquor");
    assert_non_null(seam);
    assert_int_equal(seam - s.prompt, 640005);
    assert_true(fnv1a(s.prompt, s.prompt_len) == 0xafac8f3ab8c82ae2u);
    text_sample_free(&s);
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
        cmocka_unit_test(test_prompt_matches_ruler_at_4k),
        cmocka_unit_test(test_prompt_matches_ruler_at_1m_with_the_corpus_repeated),
        cmocka_unit_test(test_keys_come_from_the_word_lists),
        cmocka_unit_test(test_lengths_and_depths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
