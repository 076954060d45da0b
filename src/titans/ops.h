/* Elementwise and row-wise numerics shared by the layers. Rows are [n, d] row-major float32.
 * Nothing here allocates. */
#ifndef TITANS_OPS_H
#define TITANS_OPS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weights.h"

#define RMSNORM_EPS 1e-6f
#define LAYERNORM_EPS 1e-5f
#define L2NORM_EPS 1e-6f

/* y = x W: x [n, k] (row stride ldx), W [k, m] (row stride ldw), y [n, m] (row stride ldy).
 * beta = 0 overwrites y, 1 accumulates. One row: the gemm kernel (kernels.h, fast_gemv), OpenBLAS's
 * sgemv on portable kernels; more: the gemm kernel where it outruns OpenBLAS (fast_gemm), else
 * OpenBLAS's sgemm. */
void matmul(float *y, int ldy, const float *x, int ldx, const float *w, int ldw, int n, int k,
            int m, float beta);
/* The same with a weight matrix W [k, m] (weights.h): one row reads its bf16 copy where it has one
 * and the kernels stream it (kernels.h gemv_bf16); the sums are those of its float32 values. */
void matmul_w(float *y, int ldy, const float *x, int ldx, const Matrix *w, int n, int k, int m,
              float beta);

/* out[i] = x[i] / sqrt(mean(x[i]^2) + 1e-6) * g, for n rows of width d. out may equal x. */
void rmsnorm(float *out, const float *x, const float *g, int n, int d);
/* LayerNorm without affine, population variance, eps 1e-5, one row of width d; returns sigma. */
float layernorm_row(float *out, const float *x, int d);
/* LayerNorm backward for one row: given o_hat and sigma, g_o = (g - mean(g) - o_hat mean(g o_hat)) / sigma. */
void layernorm_backward_row(float *g_o, const float *g, const float *o_hat, float sigma, int d);

/* exp(x) without branches or calls, so loops over it vectorize: Cody-Waite reduction and the
 * Cephes expf polynomial; relative error below 2e-7 for x in [-87, 88] (clamped outside, so
 * exp_fast(-inf) is about 1e-38, not 0, and exp_fast(inf) about 1.7e38); NaN gives NaN. Defined
 * for every input: 2^n is built from the bits of the rounding sum in unsigned arithmetic, never
 * by converting a float (NaN for a NaN input) to int. Used for attention's softmax, where scalar
 * expf cost as much as the matmuls (attn prefill 43% -> 50% of sgemm); elsewhere glibc's expf
 * is faster. */
static inline float exp_fast(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x; /* NaN fails both compares: stays NaN */
    float t = x * 1.44269504088896341f + 12582912.0f; /* 1.5 * 2^23 + round(x / ln 2) */
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* t's bits are those of 1.5 * 2^23 (0x4b400000) plus n: n + 127 is the exponent of 2^n */
    uint32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits - 0x4b400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

float silu(float x);
float sigmoidf_(float x);
float gelu(float x); /* exact erf form */
/* GELU(x) and, in *grad, GELU'(x) = Phi(x) + x phi(x), sharing one erf (the memory's backward). */
static inline float gelu_and_grad(float x, float *grad)
{
    float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
    *grad = cdf + x * 0.39894228040143268f * expf(-0.5f * x * x);
    return x * cdf;
}

void silu_inplace(float *x, size_t n);
/* L2-normalise each of the n_heads slices of width w in each of n rows (row stride ld). */
void l2norm_heads(float *x, int n, int ld, int n_heads, int w);
/* In-place softmax of n scores (float32, max-subtracted). */
void softmax(float *x, int n);

/* RoPE, rotate-half pairing inside each head: dimension i with i + dh/2. inv_freq [dh/2] holds
 * base^(-2i/dh) in double; the angle p * inv_freq[i] is formed in double. */
void rope_row(float *x, int n_heads, int dh, const double *inv_freq, double p);
/* The cos and sin of positions p0 .. p0+n-1 for rope_rows: cs, sn [n, dh/2]. One cos and sin per
 * frequency, the next positions by angle addition in double (within about n 1e-16 of rope_row's
 * direct values: the same floats but in rare ties), where rope_row's libm calls were 7% of swa. */
void rope_table(float *cs, float *sn, int n, int half, const double *inv_freq, double p0);
/* rope_row on n rows of x (row stride ld), row i at the angles of table row i. */
void rope_rows(float *x, int ld, int n, int n_heads, int dh, const float *cs, const float *sn);

/* Causal depthwise conv of kernel 4 on n rows of width d, with a 3-row history [3, d] (oldest
 * first) that is updated to the last 3 input rows. out may not alias x. */
void causal_conv4(float *out, const float *x, int n, int d, const float *w, float *history);

#endif
