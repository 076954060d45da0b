/* Every kernel implementation this CPU can run (portable, avx2, avx512) against plain double
 * loops: the small gemm on odd shapes (rows 1, 15, 16, 17, 255; columns 1 .. 257; k 1 .. 256),
 * transposed A, beta 0 (C full of NaN, never read) and 1, the D term; GELU and GELU' against
 * libm's erf over the range where they matter and at the extremes; SiLU against libm's exp;
 * attention's online softmax row against a double loop (tile lengths 1 .. 512, every kind of seen
 * range: whole, inside, one key, none; first tile and a later one that rescales the output);
 * RMSNorm on rows 1 .. 255 of widths 1 .. 257 (in place too) and the SiLU gate (plain and
 * accumulating, aliased as the FFN calls it) against double loops; the scaled transpose on
 * rows and columns 1 .. 257 (exact: one product each); a decode token's row dot products (rows
 * 1 .. 255, lengths 1 .. 257); one row of gemm bitwise equal to the same row of a 3-row product.
 * Implementations the CPU lacks are skipped with a note (the AVX-512 path runs where present). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels.h"

static float uniform(unsigned *x)
{
    *x = *x * 1664525u + 1013904223u;
    return (float)((double)(*x >> 8) / (double)(1u << 24) * 2.0 - 1.0);
}

/* C = beta C + gamma D + A B in double, A[i][p] = a[i * rsa + p * csa] */
static double max_gemm_error(const Kernels *kn, int n, int m, int k, int trans_a, float beta,
                             int with_d, unsigned seed)
{
    int lda = trans_a ? n + 3 : k + 1, ldb = m + 2, ldc = m + 5;
    int rsa = trans_a ? 1 : lda, csa = trans_a ? lda : 1;
    size_t na = (size_t)(trans_a ? k : n) * lda;
    float *a = malloc(sizeof(float) * na), *b = malloc(sizeof(float) * (size_t)k * ldb);
    float *c = malloc(sizeof(float) * (size_t)n * ldc), *d = malloc(sizeof(float) * (size_t)n * ldc);
    float *c0 = malloc(sizeof(float) * (size_t)n * ldc);
    for (size_t i = 0; i < na; i++) a[i] = uniform(&seed);
    for (size_t i = 0; i < (size_t)k * ldb; i++) b[i] = uniform(&seed);
    for (size_t i = 0; i < (size_t)n * ldc; i++) {
        c0[i] = c[i] = beta == 0.0f ? NAN : uniform(&seed);
        d[i] = uniform(&seed);
    }
    kn->gemm(n, m, k, a, rsa, csa, b, ldb, c, ldc, beta, with_d ? d : NULL, ldc, 0.75f);
    double worst = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < ldc; j++) {
            size_t at = (size_t)i * ldc + j;
            if (j >= m) { /* padding is never written */
                assert_memory_equal(&c[at], &c0[at], sizeof(float));
                continue;
            }
            double want = beta == 0.0f ? 0.0 : (double)beta * c0[at];
            if (with_d) want += 0.75 * d[at];
            for (int p = 0; p < k; p++) want += (double)a[(size_t)i * rsa + (size_t)p * csa] * b[(size_t)p * ldb + j];
            double err = fabs(c[at] - want) / (1.0 + sqrt((double)k));
            worst = err > worst ? err : worst;
        }
    free(a);
    free(b);
    free(c);
    free(d);
    free(c0);
    return worst;
}

static void test_gemm(void **st)
{
    const Kernels *kn = *st;
    static const int rows[] = {1, 15, 16, 17, 255}, cols[] = {1, 7, 16, 17, 33, 64, 257};
    static const int ks[] = {1, 16, 17, 64, 256};
    unsigned seed = 1;
    for (size_t ri = 0; ri < sizeof rows / sizeof *rows; ri++)
        for (size_t ci = 0; ci < sizeof cols / sizeof *cols; ci++)
            for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
                int n = rows[ri], m = cols[ci], k = ks[ki], variant = (int)(seed++ % 4);
                double e = max_gemm_error(kn, n, m, k, variant & 1, variant & 2 ? 1.0f : 0.0f,
                                          variant == 3 || variant == 0, seed);
                if (e > 1e-6) printf("# %s gemm n=%d m=%d k=%d variant %d: error %g\n", kn->name, n, m, k, variant, e);
                assert_true(e <= 1e-6);
            }
}

/* A decode token's row (gemm with n = 1, streamed over B on the SIMD kernels) must carry the very
 * roundings of the same row inside a larger product, so that decode and prefill agree: bitwise,
 * across GEMV_COLS-wide column chunks and with the beta and D terms. */
static void test_gemm_one_row(void **st)
{
    const Kernels *kn = *st;
    static const int cols[] = {1, 65, 100, 768, 2048, 2049, 4100}, ks[] = {1, 3, 4, 5, 256};
    unsigned seed = 7;
    for (size_t ci = 0; ci < sizeof cols / sizeof *cols; ci++)
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
            for (int variant = 0; variant < 4; variant++) {
                int m = cols[ci], k = ks[ki], n = 3, trans = variant & 1, lda = trans ? n : k;
                float beta = variant & 2 ? 1.0f : 0.0f, *d = variant == 3 ? malloc(sizeof(float) * m) : NULL;
                float *a = malloc(sizeof(float) * (size_t)n * k), *a1 = malloc(sizeof(float) * k);
                float *b = malloc(sizeof(float) * (size_t)k * m), *c = malloc(sizeof(float) * (size_t)n * m);
                float *c1 = malloc(sizeof(float) * m);
                for (int i = 0; i < n * k; i++) a[i] = uniform(&seed);
                for (size_t i = 0; i < (size_t)k * m; i++) b[i] = uniform(&seed);
                for (int j = 0; j < m; j++) {
                    c1[j] = c[j] = uniform(&seed);
                    if (d) d[j] = uniform(&seed);
                }
                for (int p = 0; p < k; p++) a1[p] = a[trans ? (size_t)p * lda : (size_t)p];
                kn->gemm(n, m, k, a, trans ? 1 : lda, trans ? lda : 1, b, m, c, m, beta, d, 0, 0.5f);
                kn->gemm(1, m, k, a1, k, 1, b, m, c1, m, beta, d, 0, 0.5f);
                if (memcmp(c, c1, sizeof(float) * m))
                    printf("# %s gemm one row m=%d k=%d variant %d differs from its block\n", kn->name, m, k, variant);
                assert_memory_equal(c, c1, sizeof(float) * m);
                free(a), free(a1), free(b), free(c), free(c1), free(d);
            }
}

/* gemv_bf16 is gemm's one row on the widened weights, bit for bit, whether gemm streams that row
 * or runs it on a register tile (m <= 4 vectors): bf16 values of B (random top halves of uniform
 * floats, subnormal and signed ones among them) as uint16 and as float32. Portable has none. */
static void test_gemv_bf16(void **st)
{
    const Kernels *kn = *st;
    if (!kn->gemv_bf16) {
        assert_string_equal(kn->name, "portable");
        return;
    }
    static const int cols[] = {1, 16, 33, 64, 65, 100, 768, 2048, 2049, 4100}, ks[] = {1, 3, 4, 5, 256};
    unsigned seed = 11;
    for (size_t ci = 0; ci < sizeof cols / sizeof *cols; ci++)
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
            for (int acc = 0; acc < 2; acc++) {
                int m = cols[ci], k = ks[ki];
                float beta = acc ? 1.0f : 0.0f, *a = malloc(sizeof(float) * k);
                float *b = malloc(sizeof(float) * (size_t)k * m), *c = malloc(sizeof(float) * m);
                float *c1 = malloc(sizeof(float) * m);
                uint16_t *h = malloc(sizeof(uint16_t) * (size_t)k * m);
                for (int p = 0; p < k; p++) a[p] = uniform(&seed);
                for (size_t i = 0; i < (size_t)k * m; i++) {
                    float x = uniform(&seed) * (i % 97 == 0 ? 1e-39f : 1.0f);
                    uint32_t u;
                    memcpy(&u, &x, sizeof u);
                    h[i] = (uint16_t)(u >> 16);
                    u = (uint32_t)h[i] << 16;
                    memcpy(&b[i], &u, sizeof u);
                }
                for (int j = 0; j < m; j++) c1[j] = c[j] = uniform(&seed);
                kn->gemv_bf16(m, k, a, h, c, beta);
                kn->gemm(1, m, k, a, k, 1, b, m, c1, m, beta, NULL, 0, 0.0f);
                if (memcmp(c, c1, sizeof(float) * m))
                    printf("# %s gemv_bf16 m=%d k=%d beta %g differs from gemm\n", kn->name, m, k, beta);
                assert_memory_equal(c, c1, sizeof(float) * m);
                free(a), free(b), free(c), free(c1), free(h);
            }
}

static void test_gelu(void **st)
{
    const Kernels *kn = *st;
    enum { N = 2003 }; /* not a multiple of any vector width: the masked tail runs */
    float z[N], a[N], g[N], a2[N];
    for (int i = 0; i < N; i++) z[i] = -12.0f + 24.0f * (float)i / (N - 1);
    z[0] = -1e30f;
    z[N - 1] = 1e30f;
    kn->gelu(a, g, z, N);
    kn->gelu(a2, NULL, z, N);
    for (int i = 0; i < N; i++) {
        double x = z[i], cdf = 0.5 * erfc(-x / sqrt(2.0));
        double want = x * cdf, want_g = cdf + x * exp(-0.5 * x * x) * 0.39894228040143268;
        /* 3e-7 absolute in the CDF (float32 rounding of 1 + erf), scaled by |x| */
        assert_true(fabs(a[i] - want) <= 3e-7 * (1.0 + fabs(x)));
        assert_true(fabs(g[i] - want_g) <= 3e-7 * (1.0 + fabs(x)));
        assert_memory_equal(&a[i], &a2[i], sizeof(float));
    }
}

static void test_silu(void **st)
{
    const Kernels *kn = *st;
    enum { N = 1001 };
    float x[N], x0[N];
    for (int i = 0; i < N; i++) x0[i] = x[i] = -90.0f + 180.0f * (float)i / (N - 1);
    kn->silu(x, N);
    for (int i = 0; i < N; i++) {
        double z = x0[i], want = z / (1.0 + exp(-z));
        assert_true(fabs(x[i] - want) <= 4e-7 * fabs(want) + 1e-30);
    }
}

/* One softmax_tile call against double arithmetic; returns the worst relative error. */
static double softmax_error(const Kernels *kn, int kt, int lo, int hi, int first, int dh, unsigned seed)
{
    float s[512], s0[512], o[80], o0[80];
    for (int j = 0; j < kt; j++) s0[j] = s[j] = 8.0f * uniform(&seed);
    for (int k = 0; k < dh; k++) o0[k] = o[k] = uniform(&seed);
    o[dh] = o0[dh] = 7.0f; /* past the row: never written */
    float mx = first ? -INFINITY : 4.0f * uniform(&seed), sum = first ? 0.0f : 3.0f;
    float mx0 = mx, sum0 = sum;
    kn->softmax_tile(s, kt, lo, hi, &mx, &sum, o, dh);
    assert_memory_equal(&o[dh], &o0[dh], sizeof(float));
    if (hi < lo) { /* nothing seen: zeros, state untouched */
        for (int j = 0; j < kt; j++) assert_true(s[j] == 0.0f);
        assert_memory_equal(&mx, &mx0, sizeof mx);
        assert_memory_equal(&sum, &sum0, sizeof sum);
        assert_memory_equal(o, o0, sizeof(float) * (size_t)dh);
        return 0;
    }
    double m = mx0;
    for (int j = lo; j <= hi; j++) m = s0[j] > m ? s0[j] : m;
    assert_true(mx == (float)m);
    double c = first ? 0.0 : exp((double)mx0 - m), want_sum = sum0 * c, worst = 0;
    for (int j = 0; j < kt; j++) {
        double want = j < lo || j > hi ? 0.0 : exp((double)s0[j] - m);
        if (want == 0.0) assert_true(s[j] == 0.0f);
        double e = fabs(s[j] - want) / (want + 1e-30);
        worst = e > worst ? e : worst;
        want_sum += want;
    }
    double e = fabs(sum - want_sum) / want_sum;
    worst = e > worst ? e : worst;
    for (int k = 0; k < dh; k++) {
        double want = first ? 0.0 : o0[k] * c;
        if (first) /* c = 0: the kernel may leave or zero o; the caller starts from zeros */
            continue;
        e = fabs(o[k] - want) / (fabs(want) + 1e-30);
        worst = e > worst ? e : worst;
    }
    return worst;
}

static void test_softmax(void **st)
{
    const Kernels *kn = *st;
    static const int kts[] = {1, 15, 16, 17, 33, 255, 256, 384, 512}, dhs[] = {1, 15, 16, 17, 64, 79};
    unsigned seed = 7;
    for (size_t ti = 0; ti < sizeof kts / sizeof *kts; ti++)
        for (int range = 0; range < 5; range++)
            for (int first = 0; first < 2; first++) {
                int kt = kts[ti], lo = 0, hi = kt - 1;
                if (range == 1) { /* inside: a causal and windowed row */
                    lo = kt / 3;
                    hi = kt - 1 - kt / 5;
                } else if (range == 2) { /* one key */
                    lo = hi = kt / 2;
                } else if (range == 3) { /* none (above the diagonal) */
                    lo = 0;
                    hi = -1;
                } else if (range == 4) { /* none (out of the window) */
                    lo = kt;
                    hi = kt - 1;
                }
                int dh = dhs[(ti + (size_t)range) % 6];
                double e = softmax_error(kn, kt, lo, hi, first, dh, seed++);
                if (e > 1e-6) printf("# %s softmax kt=%d lo=%d hi=%d first=%d: error %g\n", kn->name, kt, lo, hi, first, e);
                assert_true(e <= 1e-6);
            }
}

static void test_rmsnorm(void **st)
{
    const Kernels *kn = *st;
    static const int rows[] = {1, 15, 16, 17, 255}, widths[] = {1, 7, 16, 17, 33, 256, 257};
    unsigned seed = 3;
    for (size_t ri = 0; ri < sizeof rows / sizeof *rows; ri++)
        for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
            int n = rows[ri], d = widths[wi];
            size_t nd = (size_t)n * d;
            float *x = malloc(sizeof(float) * nd), *out = malloc(sizeof(float) * (nd + 1)), *g = malloc(sizeof(float) * (size_t)d);
            for (size_t i = 0; i < nd; i++) x[i] = 3.0f * uniform(&seed);
            for (int j = 0; j < d; j++) g[j] = 1.0f + uniform(&seed);
            out[nd] = 7.0f;
            kn->rmsnorm(out, x, g, n, d, 1e-6f);
            assert_true(out[nd] == 7.0f); /* past the rows: never written */
            for (int i = 0; i < n; i++) {
                const float *xi = x + (size_t)i * d;
                double ss = 0;
                for (int j = 0; j < d; j++) ss += (double)xi[j] * xi[j];
                double r = 1.0 / sqrt(ss / d + 1e-6);
                for (int j = 0; j < d; j++) {
                    double want = xi[j] * r * g[j];
                    assert_true(fabs(out[(size_t)i * d + j] - want) <= 1e-6 * (1.0 + fabs(want)));
                }
            }
            kn->rmsnorm(x, x, g, n, d, 1e-6f); /* in place: the same floats */
            assert_memory_equal(x, out, sizeof(float) * nd);
            free(x);
            free(out);
            free(g);
        }
}

static void test_silu_gate(void **st)
{
    const Kernels *kn = *st;
    enum { N = 1001 };
    float a[N], b[N], y[N], y0[N], ab[N];
    unsigned seed = 9;
    for (int i = 0; i < N; i++) {
        a[i] = 2.0f * uniform(&seed);
        b[i] = -90.0f + 180.0f * (float)i / (N - 1);
        y0[i] = uniform(&seed);
    }
    for (size_t n = 1; n <= N; n += n < 40 ? 1 : 320) { /* every tail length, then long rows */
        memcpy(y, y0, sizeof y);
        kn->silu_gate(y, a, b, n, 1);
        memcpy(ab, b, sizeof ab);
        kn->silu_gate(ab, a, ab, n, 0); /* y aliasing b, as the FFN calls it */
        for (size_t i = 0; i < N; i++) {
            if (i >= n) { /* past n: never written */
                assert_memory_equal(&y[i], &y0[i], sizeof(float));
                assert_memory_equal(&ab[i], &b[i], sizeof(float));
                continue;
            }
            double g = (double)a[i] * b[i] / (1.0 + exp(-(double)b[i]));
            assert_true(fabs(ab[i] - g) <= 4e-7 * fabs(g) + 1e-30);
            assert_true(fabs(y[i] - (y0[i] + g)) <= 4e-7 * (fabs(g) + fabs(y0[i])) + 1e-30);
        }
    }
}

/* The row dot products of a decode token against a double loop: rows 1 .. 255 (the 4-row blocks
 * and the rest), lengths 1 .. 257 (the masked tail), a padded row stride; y's neighbours untouched. */
static void test_dots(void **st)
{
    const Kernels *kn = *st;
    static const int rows[] = {1, 3, 4, 5, 15, 16, 17, 255}, lens[] = {1, 7, 15, 16, 17, 64, 257};
    unsigned seed = 5;
    for (size_t ri = 0; ri < sizeof rows / sizeof *rows; ri++)
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            int n = rows[ri], k = lens[li], lda = k + 3;
            float *a = malloc(sizeof(float) * (size_t)n * lda), *x = malloc(sizeof(float) * (size_t)k);
            float *y = malloc(sizeof(float) * (size_t)(n + 2));
            for (size_t i = 0; i < (size_t)n * lda; i++) a[i] = uniform(&seed);
            for (int p = 0; p < k; p++) x[p] = uniform(&seed);
            for (int i = 0; i < n + 2; i++) y[i] = NAN;
            kn->dots(n, k, a, lda, x, 0.375f, y + 1);
            assert_true(isnan(y[0]) && isnan(y[n + 1]));
            for (int i = 0; i < n; i++) {
                double want = 0;
                for (int p = 0; p < k; p++) want += (double)a[(size_t)i * lda + p] * x[p];
                want *= 0.375;
                if (!(fabs(y[i + 1] - want) <= 1e-6 * (1.0 + sqrt((double)k))))
                    fail_msg("%s dots n=%d k=%d row %d: %g, want %g", kn->name, n, k, i, y[i + 1], want);
            }
            free(a);
            free(x);
            free(y);
        }
}

static void test_transpose(void **st)
{
    const Kernels *kn = *st;
    static const int sizes[] = {1, 7, 8, 15, 16, 17, 33, 64, 257};
    unsigned seed = 4;
    for (size_t ri = 0; ri < sizeof sizes / sizeof *sizes; ri++)
        for (size_t ci = 0; ci < sizeof sizes / sizeof *sizes; ci++) {
            int rows = sizes[ri], cols = sizes[ci], lds = cols + 3, ldd = rows + 5;
            float *src = malloc(sizeof(float) * (size_t)rows * lds), *dst = malloc(sizeof(float) * (size_t)cols * ldd);
            for (size_t i = 0; i < (size_t)rows * lds; i++) src[i] = uniform(&seed);
            for (size_t i = 0; i < (size_t)cols * ldd; i++) dst[i] = 7.0f;
            kn->transpose(dst, ldd, src, lds, rows, cols, 0.125f);
            for (int c = 0; c < cols; c++)
                for (int r = 0; r < ldd; r++) /* the padding of each row is never written */
                    assert_true(dst[(size_t)c * ldd + r] == (r < rows ? src[(size_t)r * lds + c] * 0.125f : 7.0f));
            free(src);
            free(dst);
        }
}

static int setup(void **st, const char *name)
{
    *st = (void *)kernels_named(name);
    if (!*st) printf("# this CPU has no %s: its kernels are skipped\n", name);
    return 0;
}
static int portable(void **st) { return setup(st, "portable"); }
static int avx2(void **st) { return setup(st, "avx2"); }
static int avx512(void **st) { return setup(st, "avx512"); }

static void run_or_skip(void **st, void (*f)(void **))
{
    if (!*st) skip();
    f(st);
}
static void gemm_case(void **st) { run_or_skip(st, test_gemm); }
static void gemm_one_row_case(void **st) { run_or_skip(st, test_gemm_one_row); }
static void gemv_bf16_case(void **st) { run_or_skip(st, test_gemv_bf16); }
static void gelu_case(void **st) { run_or_skip(st, test_gelu); }
static void silu_case(void **st) { run_or_skip(st, test_silu); }
static void softmax_case(void **st) { run_or_skip(st, test_softmax); }
static void rmsnorm_case(void **st) { run_or_skip(st, test_rmsnorm); }
static void silu_gate_case(void **st) { run_or_skip(st, test_silu_gate); }
static void transpose_case(void **st) { run_or_skip(st, test_transpose); }
static void dots_case(void **st) { run_or_skip(st, test_dots); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        {"gemm portable", gemm_case, portable, NULL, NULL},
        {"gemm one row portable", gemm_one_row_case, portable, NULL, NULL},
        {"gemv bf16 portable", gemv_bf16_case, portable, NULL, NULL},
        {"gelu portable", gelu_case, portable, NULL, NULL},
        {"silu portable", silu_case, portable, NULL, NULL},
        {"softmax portable", softmax_case, portable, NULL, NULL},
        {"rmsnorm portable", rmsnorm_case, portable, NULL, NULL},
        {"silu_gate portable", silu_gate_case, portable, NULL, NULL},
        {"transpose portable", transpose_case, portable, NULL, NULL},
        {"dots portable", dots_case, portable, NULL, NULL},
        {"gemm avx2", gemm_case, avx2, NULL, NULL},
        {"gemm one row avx2", gemm_one_row_case, avx2, NULL, NULL},
        {"gemv bf16 avx2", gemv_bf16_case, avx2, NULL, NULL},
        {"gelu avx2", gelu_case, avx2, NULL, NULL},
        {"silu avx2", silu_case, avx2, NULL, NULL},
        {"softmax avx2", softmax_case, avx2, NULL, NULL},
        {"rmsnorm avx2", rmsnorm_case, avx2, NULL, NULL},
        {"silu_gate avx2", silu_gate_case, avx2, NULL, NULL},
        {"transpose avx2", transpose_case, avx2, NULL, NULL},
        {"dots avx2", dots_case, avx2, NULL, NULL},
        {"gemm avx512", gemm_case, avx512, NULL, NULL},
        {"gemm one row avx512", gemm_one_row_case, avx512, NULL, NULL},
        {"gemv bf16 avx512", gemv_bf16_case, avx512, NULL, NULL},
        {"gelu avx512", gelu_case, avx512, NULL, NULL},
        {"silu avx512", silu_case, avx512, NULL, NULL},
        {"softmax avx512", softmax_case, avx512, NULL, NULL},
        {"rmsnorm avx512", rmsnorm_case, avx512, NULL, NULL},
        {"silu_gate avx512", silu_gate_case, avx512, NULL, NULL},
        {"transpose avx512", transpose_case, avx512, NULL, NULL},
        {"dots avx512", dots_case, avx512, NULL, NULL},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
