#include "ops.h"

#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Columns of w per gemm call: k x MATMUL_PANEL_FLOATS / k floats of w stay in L2 (1 MiB on Zen 5)
 * while every row block of x streams past them; one call over a 512 x 1536 matrix ran at 62% of
 * the panelled rate. */
#define MATMUL_PANEL_FLOATS (256 * 1024)

void matmul(float *y, int ldy, const float *x, int ldx, const float *w, int ldw, int n, int k,
            int m, float beta)
{
    if (n <= 0 || m <= 0) return;
    const Kernels *kn = kernels();
    if (n == 1 && kn->fast_gemv) {
        kn->gemm(1, m, k, x, k, 1, w, ldw, y, ldy, beta, NULL, 0, 0.0f);
    } else if (n == 1) {
        cblas_sgemv(CblasRowMajor, CblasTrans, k, m, 1.0f, w, ldw, x, 1, beta, y, 1);
    } else if (kn->fast_gemm) {
        int panel = MATMUL_PANEL_FLOATS / (k > 1 ? k : 1) / 32 * 32;
        panel = panel < 32 ? 32 : panel;
        for (int j = 0; j < m; j += panel)
            kn->gemm(n, m - j < panel ? m - j : panel, k, x, ldx, 1, w + j, ldw, y + j, ldy, beta, NULL,
                     0, 0.0f);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1.0f, x, ldx, w, ldw,
                    beta, y, ldy);
    }
}

void matmul_w(float *y, int ldy, const float *x, int ldx, const Matrix *w, int n, int k, int m,
              float beta)
{
    const Kernels *kn = kernels();
    if (n == 1 && w->bf16 && kn->gemv_bf16)
        kn->gemv_bf16(m, k, x, w->bf16, y, beta);
    else
        matmul(y, ldy, x, ldx, w->f, m, n, k, m, beta);
}

void rmsnorm(float *out, const float *x, const float *g, int n, int d)
{
    kernels()->rmsnorm(out, x, g, n, d, RMSNORM_EPS);
}

float layernorm_row(float *out, const float *x, int d)
{
    float mean = 0.0f, var = 0.0f;
    for (int j = 0; j < d; j++) mean += x[j];
    mean /= (float)d;
    for (int j = 0; j < d; j++) {
        float c = x[j] - mean;
        var += c * c;
    }
    var /= (float)d;
    float sigma = sqrtf(var + LAYERNORM_EPS);
    for (int j = 0; j < d; j++) out[j] = (x[j] - mean) / sigma;
    return sigma;
}

void layernorm_backward_row(float *g_o, const float *g, const float *o_hat, float sigma, int d)
{
    float mg = 0.0f, mgo = 0.0f;
    for (int j = 0; j < d; j++) {
        mg += g[j];
        mgo += g[j] * o_hat[j];
    }
    mg /= (float)d;
    mgo /= (float)d;
    for (int j = 0; j < d; j++) g_o[j] = (g[j] - mg - o_hat[j] * mgo) / sigma;
}

float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }
float silu(float x) { return x / (1.0f + expf(-x)); }
float gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

void silu_inplace(float *x, size_t n) { kernels()->silu(x, n); }

void l2norm_heads(float *x, int n, int ld, int n_heads, int w)
{
    for (int i = 0; i < n; i++)
        for (int h = 0; h < n_heads; h++) {
            float *v = x + (size_t)i * ld + (size_t)h * w;
            float ss = 0.0f;
            for (int j = 0; j < w; j++) ss += v[j] * v[j];
            float norm = sqrtf(ss);
            float r = 1.0f / (norm > L2NORM_EPS ? norm : L2NORM_EPS);
            for (int j = 0; j < w; j++) v[j] *= r;
        }
}

void softmax(float *x, int n)
{
    float mx = x[0];
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    float r = 1.0f / sum;
    for (int i = 0; i < n; i++) x[i] *= r;
}

void rope_row(float *x, int n_heads, int dh, const double *inv_freq, double p)
{
    int half = dh / 2;
    for (int i = 0; i < half; i++) {
        double angle = p * inv_freq[i];
        float c = (float)cos(angle), s = (float)sin(angle);
        for (int h = 0; h < n_heads; h++) {
            float *v = x + (size_t)h * dh;
            float a = v[i], b = v[i + half];
            v[i] = a * c - b * s;
            v[i + half] = b * c + a * s;
        }
    }
}

void rope_table(float *cs, float *sn, int n, int half, const double *inv_freq, double p0)
{
    for (int f = 0; f < half; f++) {
        double c = cos(p0 * inv_freq[f]), s = sin(p0 * inv_freq[f]);
        double dc = cos(inv_freq[f]), ds = sin(inv_freq[f]);
        for (int i = 0; i < n; i++) {
            cs[(size_t)i * half + f] = (float)c;
            sn[(size_t)i * half + f] = (float)s;
            double c1 = c * dc - s * ds; /* the angle one position on */
            s = s * dc + c * ds;
            c = c1;
        }
    }
}

void rope_rows(float *x, int ld, int n, int n_heads, int dh, const float *cs, const float *sn)
{
    int half = dh / 2;
    for (int i = 0; i < n; i++)
        for (int h = 0; h < n_heads; h++) {
            float *v = x + (size_t)i * ld + (size_t)h * dh;
            const float *c = cs + (size_t)i * half, *s = sn + (size_t)i * half;
#pragma omp simd
            for (int f = 0; f < half; f++) { /* rope_row's arithmetic, f and f + half apart */
                float a = v[f], b = v[f + half];
                v[f] = a * c[f] - b * s[f];
                v[f + half] = b * c[f] + a * s[f];
            }
        }
}

void causal_conv4(float *out, const float *x, int n, int d, const float *w, float *history)
{
    /* row t of the padded input: history rows 0..2, then x rows; output row t uses padded rows
     * t..t+3 with weight rows 0..3 (row 3 meets the newest input). */
    for (int t = 0; t < n; t++) {
        float *o = out + (size_t)t * d;
        for (int c = 0; c < d; c++) o[c] = 0.0f;
        for (int j = 0; j < 4; j++) {
            int src = t - 3 + j; /* index into x; negative means history row 3 + src */
            const float *r = src >= 0 ? x + (size_t)src * d : history + (size_t)(3 + src) * d;
            const float *wj = w + (size_t)j * d;
#pragma omp simd /* o does not overlap x, w or the history: GCC would not vectorize it unasked */
            for (int c = 0; c < d; c++) o[c] += wj[c] * r[c];
        }
    }
    /* new history: the last 3 rows of [history | x] */
    if (n >= 3) {
        memcpy(history, x + (size_t)(n - 3) * d, sizeof(float) * 3 * (size_t)d);
    } else {
        memmove(history, history + (size_t)n * d, sizeof(float) * (size_t)(3 - n) * d);
        memcpy(history + (size_t)(3 - n) * d, x, sizeof(float) * (size_t)n * d);
    }
}
