/* RULER's multi-needle NIAH variants with the built-in data (datasets/niah_sample.c) and the
 * Python shuffle they use (datasets/pyrandom.c). The essay variants are pinned against RULER's
 * code in tests/test_niah_data.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "niah.h"
#include "pyrandom.h"

/* random.Random(seed).shuffle(list(range(n))), values printed by CPython 3.11 */
static void test_shuffle_is_pythons(void **st)
{
    (void)st;
    uint32_t four[4] = {0, 1, 2, 3}, ten[10];
    pyrandom_shuffle(42, four, 4, sizeof *four);
    assert_true(four[0] == 2 && four[1] == 1 && four[2] == 3 && four[3] == 0);
    static const uint32_t ten_want[10] = {7, 3, 2, 8, 5, 6, 9, 4, 0, 1};
    for (uint32_t i = 0; i < 10; i++) ten[i] = i;
    pyrandom_shuffle(42, ten, 10, sizeof *ten);
    assert_memory_equal(ten, ten_want, sizeof ten);
    static const struct { uint32_t seed, n, first[4]; uint64_t moment; } BIG[] = {
        {42, 1000, {776, 507, 895, 922}, 250181598u},
        {7, 70000, {60551, 17747, 50551, 30791}, 85653392048524u},
    };
    for (int b = 0; b < 2; b++) {
        uint32_t n = BIG[b].n, *x = malloc(n * sizeof *x);
        assert_non_null(x);
        for (uint32_t i = 0; i < n; i++) x[i] = i;
        pyrandom_shuffle(BIG[b].seed, x, n, sizeof *x);
        uint64_t moment = 0; /* sum of i * x[i] */
        for (uint32_t i = 0; i < n; i++) moment += (uint64_t)i * x[i];
        assert_memory_equal(x, BIG[b].first, sizeof BIG[b].first);
        assert_int_equal(moment, BIG[b].moment);
        free(x);
    }
}

static TextSample make(const NiahData *d, NiahTask t, int64_t len, double depth, uint64_t unit)
{
    TextSample s;
    DataError err;
    if (niah_make(d, t, len, depth, 1, unit, &s, &err)) fail_msg("%s", err.msg);
    assert_int_equal(strlen(s.prompt), s.prompt_len);
    assert_true((int64_t)s.prompt_len <= len);
    return s;
}

/* multikey_2: lines that are needles of random keys, the needle before a drawn line, "\n"
 * between them (RULER's 'needle' haystack); our draws for (seed 1, unit 0). */
static void test_needle_haystack_is_rulers(void **st)
{
    TextSample s = make(*st, NIAH_MK2, 480, -1, 0);
    assert_string_equal(
        s.prompt,
        "A special magic number is hidden within the following text. Make sure to memorize it. "
        "I will quiz you about the number afterwards.\n"
        "One of the special magic numbers for dry-cake is: 3845073.\n"
        "One of the special magic numbers for full-barn is: 6341367.\n"
        "One of the special magic numbers for nice-onion is: 3651266.\n"
        "What is the special magic number for full-barn mentioned in the provided text? The "
        "special magic number for full-barn mentioned in the provided text is");
    assert_int_equal(s.n_answers, 1);
    assert_string_equal(s.answers[0], "6341367");
    assert_true(s.depth == 0.5); /* before line 1 of 2 */
    text_sample_free(&s);
}

/* multikey_3: UUID keys and values; the size steps and the depth as for noise */
static void test_uuid_keys(void **st)
{
    for (uint64_t u = 0; u < 20; u++) {
        TextSample s = make(*st, NIAH_MK3, 8192, u % 2 ? -1 : 0.25, u);
        const char *q = strstr(s.prompt, "What is the special magic uuid for ");
        assert_non_null(q);
        const char *key = q + 35;
        assert_int_equal(strcspn(key, " "), 36);
        char needle[160];
        snprintf(needle, sizeof needle, "for %.36s is: %s.\n", key, s.answers[0]);
        assert_non_null(strstr(s.prompt, needle));
        assert_true(8192 - (int64_t)s.prompt_len < 25 * 130); /* within a step of 25 lines */
        text_sample_free(&s);
    }
}

static void test_min_length(void **st)
{
    DataError err;
    for (int t = NIAH_MK2; t <= NIAH_MK3; t++) {
        int64_t min = niah_min_length(*st, (NiahTask)t, &err);
        assert_true(min > 0);
        for (uint64_t u = 0; u < 100; u++) {
            TextSample s = make(*st, (NiahTask)t, min, -1, u);
            text_sample_free(&s);
        }
        TextSample s;
        /* UUIDs are all as long as the longest: one below fails for every sample */
        if (t == NIAH_MK3) assert_int_equal(niah_make(*st, NIAH_MK3, min - 1, -1, 1, 0, &s, &err), -1);
    }
}

static void expect_error(NiahTask t, double depth, const char *part)
{
    NiahData *d;
    TextSample s;
    DataError err;
    assert_int_equal(niah_data_builtin(&d), 0);
    assert_int_equal(niah_make(d, t, 4096, depth, 1, 0, &s, &err), -1);
    if (!strstr(err.msg, part)) fail_msg("error '%s' lacks '%s'", err.msg, part);
    niah_data_free(d);
}

static void test_names_and_errors(void **st)
{
    (void)st;
    NiahTask t;
    DataError err;
    const char *names[] = {"niah_multikey_1", "niah_multikey_2", "niah_multikey_3",
                           "niah_multivalue", "niah_multiquery"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(niah_task_parse(names[i], &t, &err), 0);
        assert_int_equal(t, NIAH_MK1 + i);
        assert_string_equal(niah_task_name(t), names[i]);
    }
    expect_error(NIAH_MK1, -1, "niah_multikey_1 needs the essay haystack");
    expect_error(NIAH_MQ, -1, "essay");
    expect_error(NIAH_MK2, 1.5, "depth");
    expect_error(NIAH_MK1, 0.5, "a set depth needs one needle");
    expect_error(NIAH_MV, 0, "a set depth needs one needle");
}

int main(void)
{
    NiahData *d;
    if (niah_data_builtin(&d)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shuffle_is_pythons),
        cmocka_unit_test_prestate(test_needle_haystack_is_rulers, d),
        cmocka_unit_test_prestate(test_uuid_keys, d),
        cmocka_unit_test_prestate(test_min_length, d),
        cmocka_unit_test(test_names_and_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    niah_data_free(d);
    return rc;
}
