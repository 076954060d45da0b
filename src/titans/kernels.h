/* Small-matrix and element-wise kernels for the shapes where BLAS is weak: the memory's chunk step
 * (16-row products per head) and its GELU, attention's online softmax, the norms and gates. Three implementations: AVX-512, AVX2+FMA and portable
 * C, chosen once at run time from the CPU's features (TITANS_KERNELS=portable|avx2|avx512
 * overrides; asking for more than the CPU has falls back to the best it has). The choice changes
 * float32 rounding, so it is part of the engine's numerics identity (titans_kernels()). */
#ifndef TITANS_KERNELS_H
#define TITANS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;
    /* 1 where gemm outruns OpenBLAS on the engine's larger products too (matmul's projections and
     * FFN, attention's score and value tiles): the AVX-512 kernels, 1.6-2.2x OpenBLAS 0.3.21 (which
     * runs its Haswell kernels on Zen 5) on [128..256, 256..1536] x [256..1536] and [32, 64] x [64, 512].
     * AVX2's is on par with OpenBLAS there: 0. Set, the products run on one thread whatever
     * OPENBLAS_NUM_THREADS says (the engine runs a rank per core), so that the numerics stay those
     * of the kernels' name. */
    int fast_gemm;
    /* 1 where gemm of one row outruns OpenBLAS's sgemv on a decode token's weights (matmul with
     * n = 1): both SIMD kernels. On a 2-core Intel Xeon (Emerald Rapids, family 6 model 207)
     * OpenBLAS 0.3.21 does not know the core and runs its Prescott (SSE3) kernels: 8-12 GB/s over
     * 2-21 MB of weights against 29-46 GB/s here (26-46 for AVX2's), and 15 against 22 GB/s when
     * told OPENBLAS_CORETYPE=SkylakeX (47 MB). On Zen 5 (OpenBLAS's Haswell kernels) the row
     * streamed over B reads 65-79 GB/s of L3-resident weights against sgemv's 56-67. It also keeps
     * decode's roundings those of the kernels' name (the same as the row's in a larger product),
     * not of whichever core OpenBLAS detected. */
    int fast_gemv;
    /* C [n, m] = beta C + gamma D + A B, with A[i][p] = a[i * rsa + p * csa] (so A may be a
     * transpose), B [k, m] row-major (ldb), C and D row-major (ldc, ldd). beta = 0 never reads C;
     * d = NULL leaves out the D term. Built for n or k <= 16 and m of 16 .. 256 (the chunk step);
     * where fast_gemm is set it also runs matmul's and attention's 32- to 256-row products. One
     * row wider than 4 vectors (a decode token's) streams over B (fast_gemv), same roundings. */
    void (*gemm)(int n, int m, int k, const float *a, int rsa, int csa, const float *b, int ldb,
                 float *c, int ldc, float beta, const float *d, int ldd, float gamma);
    /* c [m] = beta c + a B for one row a [k] and B [k, m] (row-major, ldb m) of bfloat16, widened
     * to float32 in registers and streamed as gemm's one row: bitwise gemm's result on B's
     * float32 values (each column's products in p order from zero, beta last, in both). NULL
     * (portable): decode reads the float32 copy. */
    void (*gemv_bf16)(int m, int k, const float *a, const uint16_t *b, float *c, float beta);
    /* y[i] = alpha sum_p a[i * lda + p] x[p] for i < n, p < k: the row dot products of a decode
     * token (attention's scores against the window's keys, the memory's backward through W).
     * The SIMD kernels' own loop; portable: OpenBLAS's sgemv. */
    void (*dots)(int n, int k, const float *a, int lda, const float *x, float alpha, float *y);
    /* a[i] = GELU(z[i]) and, with g non-NULL, g[i] = GELU'(z[i]) (the exact erf form, to about
     * 2e-7 absolute in the CDF). */
    void (*gelu)(float *a, float *g, const float *z, size_t n);
    /* x[i] = SiLU(x[i]) = x[i] / (1 + e^-x[i]) (exp to about 2e-7 relative) */
    void (*silu)(float *x, size_t n);
    /* One query row of attention's online softmax, on a tile of kt scores s whose keys lo .. hi
     * (inclusive) the query sees. With m' = max(*mx, s[lo .. hi]) and c = e^(*mx - m') (0 while
     * *mx is -inf): s[j] = e^(s[j] - m') on [lo, hi] and 0 elsewhere, *sum = c *sum + the new
     * s[lo .. hi], o[0 .. dh) *= c, *mx = m'. hi < lo zeroes s and changes nothing else. */
    void (*softmax_tile)(float *s, int kt, int lo, int hi, float *mx, float *sum, float *o, int dh);
    /* out[i] = x[i] / sqrt(mean(x[i]^2) + eps) * g for n rows of width d (ops.h's rmsnorm); out
     * may equal x. */
    void (*rmsnorm)(float *out, const float *x, const float *g, int n, int d, float eps);
    /* y[i] = a[i] * SiLU(b[i]), plus y[i] when acc: the FFN's gate and the hybrids' gated sum;
     * y may equal a or b. */
    void (*silu_gate)(float *y, const float *a, const float *b, size_t n, int acc);
    /* dst [cols, rows] (row stride ldd) = scale src^T, src [rows, cols] (row stride lds): the key
     * tile of attention's score product on gemm, keys along its vector lanes. */
    void (*transpose)(float *dst, int ldd, const float *src, int lds, int rows, int cols, float scale);
} Kernels;

/* The kernels in force (chosen on the first call; thread-safe after that). */
const Kernels *kernels(void);
/* A specific implementation by name (portable, avx2, avx512), or NULL when this CPU lacks it:
 * for tests. */
const Kernels *kernels_named(const char *name);

/* The implementations (kernels_avx512.c, kernels_avx2.c, kernels.c). */
extern const Kernels kernels_avx512, kernels_avx2, kernels_portable;

#endif
