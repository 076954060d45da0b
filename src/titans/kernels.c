/* Kernel choice (CPU features, TITANS_KERNELS) and the portable C implementations. */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

static void gemm_portable(int n, int m, int k, const float *a, int rsa, int csa, const float *b,
                          int ldb, float *c, int ldc, float beta, const float *d, int ldd, float gamma)
{
    for (int i = 0; i < n; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int j = 0; j < m; j++) ci[j] = beta == 0.0f ? 0.0f : beta * ci[j];
        if (d)
            for (int j = 0; j < m; j++) ci[j] += gamma * d[(size_t)i * ldd + j];
        for (int p = 0; p < k; p++) {
            float aip = a[(size_t)i * rsa + (size_t)p * csa];
            const float *bp = b + (size_t)p * ldb;
            for (int j = 0; j < m; j++) ci[j] += aip * bp[j];
        }
    }
}

static void dots_portable(int n, int k, const float *a, int lda, const float *x, float alpha,
                          float *y)
{
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, a, lda, x, 1, 0.0f, y, 1);
}

static void gelu_portable(float *a, float *g, const float *z, size_t n)
{
    if (g)
        for (size_t i = 0; i < n; i++) a[i] = gelu_and_grad(z[i], &g[i]);
    else
        for (size_t i = 0; i < n; i++) a[i] = gelu(z[i]);
}

static void silu_portable(float *x, size_t n)
{
    /* glibc's expf (FMA code path) beats a scalar exp_fast here: 3.0 vs 5.6 ns per element */
    for (size_t i = 0; i < n; i++) x[i] = silu(x[i]);
}

/* The scalar loops attention had before the kernels (kernels.h); their sums run in key order. */
static void softmax_tile_portable(float *s, int kt, int lo, int hi, float *mx, float *sum, float *o,
                                  int dh)
{
    if (hi < lo) {
        memset(s, 0, sizeof(float) * (size_t)kt);
        return;
    }
    float m = *mx;
    for (int j = lo; j <= hi; j++) m = s[j] > m ? s[j] : m;
    float corr = *mx == -INFINITY ? 0.0f : exp_fast(*mx - m), rs = 0.0f;
    for (int j = 0; j < lo; j++) s[j] = 0.0f;
#pragma omp simd
    for (int j = lo; j <= hi; j++) s[j] = exp_fast(s[j] - m);
    for (int j = lo; j <= hi; j++) rs += s[j];
    for (int j = hi + 1; j < kt; j++) s[j] = 0.0f;
    *sum = *sum * corr + rs;
    *mx = m;
    if (corr != 1.0f)
        for (int k = 0; k < dh; k++) o[k] *= corr;
}

static void rmsnorm_portable(float *out, const float *x, const float *g, int n, int d, float eps)
{
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * d;
        float *oi = out + (size_t)i * d;
        float ss = 0.0f;
        for (int j = 0; j < d; j++) ss += xi[j] * xi[j];
        float r = 1.0f / sqrtf(ss / (float)d + eps);
        for (int j = 0; j < d; j++) oi[j] = xi[j] * r * g[j];
    }
}

static void silu_gate_portable(float *y, const float *a, const float *b, size_t n, int acc)
{
    for (size_t i = 0; i < n; i++) {
        float v = a[i] * silu(b[i]);
        y[i] = acc ? y[i] + v : v;
    }
}

/* 16 source rows (16 cache lines) at a time, so the strided reads stay in L1 */
static void transpose_portable(float *dst, int ldd, const float *src, int lds, int rows, int cols,
                               float scale)
{
    for (int r0 = 0; r0 < rows; r0 += 16) {
        int nr = rows - r0 < 16 ? rows - r0 : 16;
        for (int c = 0; c < cols; c++)
            for (int r = 0; r < nr; r++)
                dst[(size_t)c * ldd + r0 + r] = src[(size_t)(r0 + r) * lds + c] * scale;
    }
}

const Kernels kernels_portable = {"portable", 0, 0, gemm_portable, NULL, dots_portable, gelu_portable, silu_portable,
                                  softmax_tile_portable, rmsnorm_portable, silu_gate_portable,
                                  transpose_portable};

static int cpu_has(const char *name)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!strcmp(name, "avx512")) return __builtin_cpu_supports("avx512f");
    if (!strcmp(name, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return !strcmp(name, "portable");
}

const Kernels *kernels_named(const char *name)
{
    if (!cpu_has(name)) return NULL;
#if defined(__x86_64__) && defined(__GNUC__)
    if (!strcmp(name, "avx512")) return &kernels_avx512;
    if (!strcmp(name, "avx2")) return &kernels_avx2;
#endif
    return &kernels_portable;
}

static const Kernels *choose(void)
{
    static const char *order[] = {"avx512", "avx2", "portable"};
    const char *want = getenv("TITANS_KERNELS");
    int start = 0;
    if (want && *want) {
        while (start < 3 && strcmp(order[start], want)) start++;
        if (start == 3) {
            fprintf(stderr, "titans: TITANS_KERNELS='%s' is not portable, avx2 or avx512; "
                            "choosing by CPU\n", want);
            start = 0;
        }
    }
    for (int i = start; i < 3; i++)
        if (kernels_named(order[i])) return kernels_named(order[i]);
    return &kernels_portable;
}

static _Atomic(const Kernels *) chosen; /* every thread would choose the same */

const Kernels *kernels(void)
{
    const Kernels *k = atomic_load_explicit(&chosen, memory_order_acquire);
    if (!k) {
        k = choose();
        atomic_store_explicit(&chosen, k, memory_order_release);
    }
    return k;
}

const char *titans_kernels(void) { return kernels()->name; }

int titans_use_kernels(const char *name)
{
    const Kernels *k = kernels_named(name);
    if (!k) return -1;
    atomic_store_explicit(&chosen, k, memory_order_release);
    return 0;
}
