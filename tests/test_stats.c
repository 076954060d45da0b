/* The intervals and precision of the tables (src/eval/stats.c): the Wilson score interval against
 * Newcombe (1998), Table I, method 3 (81/263, 15/148, 0/20, 1/29) and 17/20; the normal interval
 * on a hand-worked sample; the decimals a cell of n units prints with. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "stats.h"

static Sum hits(int k, int n)
{
    Sum s = {0, 0, 0};
    for (int i = 0; i < n; i++) sum_add(&s, i < k ? 1.0 : 0.0);
    return s;
}

static void expect_wilson(int k, int n, double lo, double hi)
{
    Estimate e = estimate_wilson(hits(k, n));
    printf("# %d/%d: %.4f [%.4f, %.4f]\n", k, n, e.value, e.lo, e.hi);
    assert_int_equal(e.n, n);
    assert_true(fabs(e.value - (double)k / n) < 1e-12);
    assert_true(fabs(e.lo - lo) < 5e-5 && fabs(e.hi - hi) < 5e-5);
}

static void test_wilson_known_values(void **st)
{
    (void)st;
    expect_wilson(81, 263, 0.2553, 0.3662);
    expect_wilson(15, 148, 0.0624, 0.1605);
    expect_wilson(0, 20, 0.0, 0.1611);
    expect_wilson(1, 29, 0.0061, 0.1718);
    expect_wilson(17, 20, 0.6396, 0.9476);
    expect_wilson(20, 20, 0.8389, 1.0);
    Estimate none = estimate_wilson(hits(0, 0));
    assert_int_equal(none.n, 0);
    assert_true(isnan(none.value) && isnan(none.lo) && isnan(none.hi));
}

/* 1, 2, 3, 4: mean 2.5, s = sqrt(5/3), half-width 1.96 s / 2 */
static void test_normal_interval(void **st)
{
    (void)st;
    Sum s = {0, 0, 0};
    for (int i = 1; i <= 4; i++) sum_add(&s, i);
    Estimate e = estimate_normal(s);
    double half = STATS_Z95 * sqrt(5.0 / 3.0) / 2.0;
    assert_true(fabs(e.value - 2.5) < 1e-12);
    assert_true(fabs(e.lo - (2.5 - half)) < 1e-12 && fabs(e.hi - (2.5 + half)) < 1e-12);
    Sum one = {0, 0, 0};
    sum_add(&one, 0.7);
    Estimate single = estimate_normal(one);
    assert_true(single.value == 0.7 && isnan(single.lo) && isnan(single.hi)); /* no interval from 1 value */
}

/* n up to 96 prints integers, 97 to 9603 one decimal, more two; errors by their own interval */
static void test_decimals(void **st)
{
    (void)st;
    assert_int_equal(decimals_accuracy(2), 0);
    assert_int_equal(decimals_accuracy(20), 0);
    assert_int_equal(decimals_accuracy(96), 0);
    assert_int_equal(decimals_accuracy(97), 1);
    assert_int_equal(decimals_accuracy(99), 1);
    assert_int_equal(decimals_accuracy(100), 1);
    assert_int_equal(decimals_accuracy(9603), 1);
    assert_int_equal(decimals_accuracy(9604), 2);
    assert_int_equal(decimals_accuracy(7100), 1);
    assert_int_equal(decimals_accuracy(40000), 2);
    assert_int_equal(decimals_error((Estimate){0.38, 0.36, 0.40, 2785}), 3);  /* half-width 0.02 */
    assert_int_equal(decimals_error((Estimate){2.5, 1.23, 3.77, 4}), 1);      /* 1.27 */
    assert_int_equal(decimals_error((Estimate){1.29, 1.15, 1.43, 200}), 2);   /* 0.14 */
    assert_int_equal(decimals_error((Estimate){0.7, NAN, NAN, 1}), 3);        /* no interval: the paper's 3 */
    assert_int_equal(decimals_error((Estimate){10, 10, 10, 4}), 3);           /* no spread */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson_known_values),
        cmocka_unit_test(test_normal_interval),
        cmocka_unit_test(test_decimals),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
