/* exp_fast (src/titans/ops.h) for every kind of float: built with UBSan (Makefile.am), so any
 * undefined behaviour (a NaN converted to int, a negative value shifted) aborts the test; NaN
 * stays NaN (a forward pass with NaN scores must end in NaN logits, which the engine reports),
 * infinities and huge values clamp, and in range the error stays below 2e-7. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ops.h"

static float from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static void test_nan_stays_nan(void **st)
{
    (void)st;
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fffffffu, 0xffffffffu};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) assert_true(isnan(exp_fast(from_bits(nans[i]))));
}

static void test_out_of_range_clamps(void **st)
{
    (void)st;
    const float high[] = {INFINITY, FLT_MAX, 1e30f, 1e10f, 89.0f}, low[] = {-INFINITY, -FLT_MAX, -1e30f, -1e10f, -88.0f};
    float top = exp_fast(88.0f), bottom = exp_fast(-87.0f);
    assert_true(isfinite(top) && top > 1e38f);
    assert_true(bottom > 0 && bottom < 1e-37f);
    for (int i = 0; i < 5; i++) {
        assert_true(exp_fast(high[i]) == top);
        assert_true(exp_fast(low[i]) == bottom);
    }
}

static void test_accuracy_in_range(void **st)
{
    (void)st;
    double worst = 0;
    for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
        double want = exp((double)x), rel = fabs(exp_fast(x) - want) / want;
        worst = rel > worst ? rel : worst;
    }
    const float tiny[] = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, from_bits(1), from_bits(0x80000001u)};
    for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++) assert_true(fabsf(exp_fast(tiny[i]) - 1.0f) < 2e-7f);
    printf("# worst relative error in [-87, 88]: %.3g\n", worst);
    assert_true(worst < 2e-7);
}

/* The softmax loop shape (vectorised in the engine) over scores with NaN and infinities mixed in. */
static void test_vector_loop_with_specials(void **st)
{
    (void)st;
    float s[64], out[64];
    for (int j = 0; j < 64; j++) s[j] = (float)(j - 32) * 0.5f;
    s[3] = NAN, s[17] = INFINITY, s[40] = -INFINITY, s[63] = -NAN;
#pragma omp simd
    for (int j = 0; j < 64; j++) out[j] = exp_fast(s[j] - 2.0f);
    for (int j = 0; j < 64; j++) {
        if (j == 3 || j == 63) assert_true(isnan(out[j]));
        else assert_true(isfinite(out[j]) && out[j] > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nan_stays_nan),
        cmocka_unit_test(test_out_of_range_clamps),
        cmocka_unit_test(test_accuracy_in_range),
        cmocka_unit_test(test_vector_loop_with_specials),
    };
    return cmocka_run_group_tests_name("exp_fast", tests, NULL, NULL);
}
