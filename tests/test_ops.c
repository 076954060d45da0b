/* Unit tests of src/titans/ops.c: derivatives against finite differences, RoPE invariants, the
 * causal conv's history across calls, softmax, norms. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ops.h"

static double lcg_uniform(unsigned *x)
{
    *x = *x * 1664525u + 1013904223u;
    return (double)(*x >> 8) / (double)(1u << 24) * 2.0 - 1.0;
}

static void test_gelu_grad_matches_finite_difference(void **st)
{
    (void)st;
    for (double z = -4.0; z <= 4.0; z += 0.37) {
        double h = 1e-3;
        double fd = (gelu((float)(z + h)) - gelu((float)(z - h))) / (2 * h);
        float g, a = gelu_and_grad((float)z, &g);
        assert_true(fabs(fd - g) < 2e-3);
        assert_true(fabs(a - gelu((float)z)) <= 1e-6 * (1 + fabs(a)));
    }
    assert_true(fabs(gelu(1.0f) - 0.8413447f) < 1e-6); /* exact erf GELU, not tanh */
}

static void test_layernorm_backward_matches_finite_difference(void **st)
{
    (void)st;
    enum { D = 8 };
    unsigned s = 7;
    float x[D], g[D], o[D], go[D];
    for (int i = 0; i < D; i++) {
        x[i] = (float)lcg_uniform(&s) * 2;
        g[i] = (float)lcg_uniform(&s);
    }
    float sigma = layernorm_row(o, x, D);
    layernorm_backward_row(go, g, o, sigma, D);
    for (int j = 0; j < D; j++) { /* d/dx_j of sum_i g_i LN(x)_i */
        double h = 1e-3, up = 0, dn = 0;
        float xp[D], y[D];
        memcpy(xp, x, sizeof x);
        xp[j] += (float)h;
        layernorm_row(y, xp, D);
        for (int i = 0; i < D; i++) up += g[i] * y[i];
        xp[j] -= (float)(2 * h);
        layernorm_row(y, xp, D);
        for (int i = 0; i < D; i++) dn += g[i] * y[i];
        assert_true(fabs((up - dn) / (2 * h) - go[j]) < 5e-3);
    }
}

static void test_rope_keeps_norm_and_depends_on_relative_position(void **st)
{
    (void)st;
    enum { DH = 8, HALF = DH / 2 };
    double inv[HALF];
    for (int i = 0; i < HALF; i++) inv[i] = pow(10000.0, -2.0 * i / DH);
    float q[DH], k[DH];
    unsigned s = 3;
    for (int i = 0; i < DH; i++) {
        q[i] = (float)lcg_uniform(&s);
        k[i] = (float)lcg_uniform(&s);
    }
    double dots[2];
    const double pos[2][2] = {{5, 2}, {1005, 1002}}; /* same offset 3 */
    for (int r = 0; r < 2; r++) {
        float a[DH], b[DH];
        memcpy(a, q, sizeof a);
        memcpy(b, k, sizeof b);
        rope_row(a, 1, DH, inv, pos[r][0]);
        rope_row(b, 1, DH, inv, pos[r][1]);
        double na = 0, nq = 0, d = 0;
        for (int i = 0; i < DH; i++) {
            na += a[i] * a[i];
            nq += q[i] * q[i];
            d += a[i] * b[i];
        }
        assert_true(fabs(na - nq) < 1e-5);
        dots[r] = d;
    }
    assert_true(fabs(dots[0] - dots[1]) < 1e-4);
    /* pairing: dimension i rotates with i + dh/2 */
    float e[DH] = {1, 0, 0, 0, 0, 0, 0, 0};
    rope_row(e, 1, DH, inv, 1.0);
    assert_true(fabs(e[0] - cos(1.0)) < 1e-6 && fabs(e[HALF] - sin(1.0)) < 1e-6);
}

/* rope_table's angle addition against rope_row's direct angles: 130 positions from 0 and from
 * a million (where the angles are largest), heads of 8 and 64 */
static void test_rope_table_matches_rope_row(void **st)
{
    (void)st;
    enum { N = 130, H = 2, DMAX = 64 };
    static float x[N * H * DMAX], y[N * H * DMAX], cs[N * DMAX / 2], sn[N * DMAX / 2];
    double inv[DMAX / 2];
    const int dhs[] = {8, 64};
    const double p0s[] = {0, 1e6};
    unsigned s = 5;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            int dh = dhs[a], d = H * dh;
            for (int i = 0; i < dh / 2; i++) inv[i] = pow(10000.0, -2.0 * i / dh);
            for (int i = 0; i < N * d; i++) x[i] = y[i] = (float)lcg_uniform(&s);
            rope_table(cs, sn, N, dh / 2, inv, p0s[b]);
            rope_rows(y, d, N, H, dh, cs, sn);
            for (int i = 0; i < N; i++) rope_row(x + (size_t)i * d, H, dh, inv, p0s[b] + i);
            for (int i = 0; i < N * d; i++) assert_true(fabs(x[i] - y[i]) <= 4e-7);
        }
}

static void test_conv_history_carries_across_calls(void **st)
{
    (void)st;
    enum { D = 3, N = 7 };
    float x[N * D], w[4 * D], one[N * D], split[N * D], h1[3 * D] = {0}, h2[3 * D] = {0};
    unsigned s = 11;
    for (int i = 0; i < N * D; i++) x[i] = (float)lcg_uniform(&s);
    for (int i = 0; i < 4 * D; i++) w[i] = (float)lcg_uniform(&s);
    causal_conv4(one, x, N, D, w, h1);
    causal_conv4(split, x, 1, D, w, h2);        /* 1 row, then 2, then 4 */
    causal_conv4(split + D, x + D, 2, D, w, h2);
    causal_conv4(split + 3 * D, x + 3 * D, 4, D, w, h2);
    for (int i = 0; i < N * D; i++) assert_true(fabs(one[i] - split[i]) < 1e-6);
    /* the newest input meets weight row 3; the first row sees zeros before it */
    for (int c = 0; c < D; c++) assert_true(fabs(one[c] - w[3 * D + c] * x[c]) < 1e-6);
    assert_memory_equal(h1, h2, sizeof h1);
    assert_memory_equal(h1, x + (N - 3) * D, sizeof h1);
}

static void test_softmax_and_norms(void **st)
{
    (void)st;
    float x[5] = {1000, 1001, 999, -5, 0}; /* large values: max-subtracted, no overflow */
    softmax(x, 5);
    float sum = 0;
    for (int i = 0; i < 5; i++) sum += x[i];
    assert_true(fabs(sum - 1) < 1e-6 && x[1] > x[0] && x[0] > x[2]);
    float v[4] = {3, 4, 0, 0}, g[4] = {1, 1, 1, 1}, r[4];
    l2norm_heads(v, 1, 4, 2, 2); /* two heads of width 2: (3,4) -> (0.6,0.8); (0,0) stays 0 */
    assert_true(fabs(v[0] - 0.6f) < 1e-6 && fabs(v[1] - 0.8f) < 1e-6 && v[2] == 0 && v[3] == 0);
    float y[4] = {1, -1, 1, -1};
    rmsnorm(r, y, g, 1, 4);
    assert_true(fabs(r[0] - 1.0f / sqrtf(1 + RMSNORM_EPS)) < 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gelu_grad_matches_finite_difference),
        cmocka_unit_test(test_layernorm_backward_matches_finite_difference),
        cmocka_unit_test(test_rope_keeps_norm_and_depends_on_relative_position),
        cmocka_unit_test(test_rope_table_matches_rope_row),
        cmocka_unit_test(test_conv_history_carries_across_calls),
        cmocka_unit_test(test_softmax_and_norms),
    };
    return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
