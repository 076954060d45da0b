/* The chunked form of the memory update (docs/model.md section 3) on the small-matrix kernels
 * (kernels.h). Inside one chunk every gradient u_j = a_j^T delta_j is taken at the same anchor A,
 * so with per-token coefficients from the two scalar recurrences
 *   S_i = P_i S_0 + sum_{j<=i} s_ij u_j          M_i = B_i M_0 + F_i S_0 + sum_{j<=i} m_ij u_j
 * every read and the end state are matrix products. The coefficients come from running the
 * recurrences (no ratios of cumulative products, which underflow).
 *
 * Per head and piece of n <= b tokens (b = mem_chunk, 16 by default) the products are
 * [n, in] x [in, out] (forward, reads), [in, n] x [n, out] (end state) and [n, n] ones (gram):
 * too small for BLAS's packing to pay, so the kernels work on the operands in place. Everything
 * lives in the Scratch (no allocation here); a piece's working set is its head's matrices plus
 * a few [n, wmax] buffers. Notation as memory.c: a_l input of matrix l, z_l = a_l W_l,
 * delta_l = dloss/dz_l; wmax is the row stride of the [n, *] buffers. */
#include "memory_chunk.h"

#include <string.h>

#include "kernels.h"
#include "ops.h"

/* dst [m, n] (row stride ldd) = src [n, m] (row stride lds) transposed. */
static void transpose(float *dst, int ldd, const float *src, int lds, int n, int m)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
}

/* GELU (and GELU' with g non-NULL) of n rows of width m, row stride w. */
static void gelu_rows(const Kernels *kn, float *a, float *g, const float *z, int n, int m, int w)
{
    if (m == w) {
        kn->gelu(a, g, z, (size_t)n * m);
        return;
    }
    for (int i = 0; i < n; i++)
        kn->gelu(a + (size_t)i * w, g ? g + (size_t)i * w : NULL, z + (size_t)i * w, (size_t)m);
}

/* Keys through the anchor W (head h) and back: act[l] (act[0] = the keys in place, row stride
 * ld), delta[l] for the loss mean((M(k) - v)^2) of n keys. */
static void chunk_gradients(const TitansConfig *c, const Kernels *kn, Scratch *sc, float *W, int h,
                            const float *k, const float *v, int ld, int n)
{
    int L = c->mem_depth, dm = c->d_mem, w = sc->wmax;
    const float *a = k;
    int lda = ld;
    for (int l = 0; l < L; l++) { /* z_l [n, out] = a_l [n, in] W_l [in, out] */
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        kn->gemm(n, out, in, a, lda, 1, mem_head_matrix(W, c, l, h), out, sc->zk[l], w, 0.0f, NULL, 0, 0.0f);
        if (l == L - 1) break;
        gelu_rows(kn, sc->act[l + 1], sc->dgelu[l], sc->zk[l], n, out, w);
        a = sc->act[l + 1];
        lda = w;
    }
    /* g = dloss/dM(k) = (2 / dm) (M(k) - v), M(k) = z_0 (L = 1) or k + LN(z_{L-1}) */
    float *g = L == 1 ? sc->delta[0] : sc->aq[0]; /* aq is free until the reads */
    for (int i = 0; i < n; i++) {
        const float *z = sc->zk[L - 1] + (size_t)i * w;
        float *gi = g + (size_t)i * w, *oh = sc->mtmp + (size_t)i * w;
        if (L > 1) sc->sigma_k[i] = layernorm_row(oh, z, dm);
        for (int j = 0; j < dm; j++) {
            float pred = L == 1 ? z[j] : k[(size_t)i * ld + j] + oh[j];
            gi[j] = (2.0f / (float)dm) * (pred - v[(size_t)i * ld + j]);
        }
        if (L > 1) layernorm_backward_row(sc->delta[L - 1] + (size_t)i * w, gi, oh, sc->sigma_k[i], dm);
    }
    for (int l = L - 1; l >= 1; l--) {
        /* delta_{l-1} = (delta_l W_l^T) * GELU'(z_{l-1}), formed transposed as
         * W_l [in, out] x delta_l^T [out, n] so that W_l is read in place */
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        transpose(sc->tr_a, n, sc->delta[l], w, n, out);
        kn->gemm(in, n, out, mem_head_matrix(W, c, l, h), out, 1, sc->tr_a, n, sc->tr_b, n, 0.0f, NULL, 0, 0.0f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < in; j++)
                sc->delta[l - 1][(size_t)i * w + j] = sc->tr_b[(size_t)j * n + i] * sc->dgelu[l - 1][(size_t)i * w + j];
    }
}

/* Coefficients of the n tokens of a piece starting at block row i0, head h. */
static void chunk_coefficients(Scratch *sc, int i0, int n, int H, int h)
{
    float *P = sc->coef_p, *B = sc->coef_b, *F = sc->coef_f, *s = sc->coef_s, *mc = sc->coef_m;
    float p = 1.0f, b = 1.0f, f = 0.0f;
    for (int i = 0; i < n; i++) {
        size_t g = (size_t)(i0 + i) * H + h;
        float eta = sc->eta[g], keep = 1.0f - sc->alpha[g];
        p *= eta;
        b *= keep;
        f = keep * f + p;
        P[i] = p;
        B[i] = b;
        F[i] = f;
        for (int j = 0; j < i; j++) {
            s[i * n + j] = eta * s[(i - 1) * n + j];
            mc[i * n + j] = keep * mc[(i - 1) * n + j] + s[i * n + j];
        }
        s[i * n + i] = -sc->theta[g];
        mc[i * n + i] = s[i * n + i];
        for (int j = i + 1; j < n; j++) s[i * n + j] = mc[i * n + j] = 0.0f;
    }
}

/* Reads y_i = M_i(q_i) of the n tokens of a piece, head h: the query activation of matrix l
 * meets M_i of that matrix, layer by layer: z = B (a M_0) + F (a S_0) + (m o (a act^T)) delta. */
static void piece_reads(const TitansConfig *c, const Kernels *kn, MemState *ms, Scratch *sc,
                        const float *k, int ld, size_t col, int n, int h)
{
    int d = c->d_model, dm = c->d_mem, L = c->mem_depth, w = sc->wmax;
    const float *q = sc->mq + col, *a = q;
    int lda = d;
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        const float *act = l ? sc->act[l] : k;
        int ldk = l ? w : ld;
        float *M0 = mem_head_matrix(ms->M, c, l, h), *S0 = mem_head_matrix(ms->S, c, l, h);
        kn->gemm(n, out, in, a, lda, 1, M0, out, sc->zq, w, 0.0f, NULL, 0, 0.0f);
        kn->gemm(n, out, in, a, lda, 1, S0, out, sc->mtmp, w, 0.0f, NULL, 0, 0.0f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < out; j++)
                sc->zq[(size_t)i * w + j] = sc->coef_b[i] * sc->zq[(size_t)i * w + j] +
                                            sc->coef_f[i] * sc->mtmp[(size_t)i * w + j];
        /* gram [n, n] = a [n, in] act^T [in, n], masked by m_ij (j <= i) */
        transpose(sc->tr_a, n, act, ldk, n, in);
        kn->gemm(n, n, in, a, lda, 1, sc->tr_a, n, sc->gram, n, 0.0f, NULL, 0, 0.0f);
        for (int i = 0; i < n * n; i++) sc->gram[i] *= sc->coef_m[i];
        kn->gemm(n, out, n, sc->gram, n, 1, sc->delta[l], w, sc->zq, w, 1.0f, NULL, 0, 0.0f);
        if (l < L - 1) {
            gelu_rows(kn, sc->aq[l + 1], NULL, sc->zq, n, out, w);
            a = sc->aq[l + 1];
            lda = w;
        }
    }
    for (int i = 0; i < n; i++) {
        float *y = sc->my + col + (size_t)i * d, *z = sc->zq + (size_t)i * w;
        if (L == 1) {
            memcpy(y, z, sizeof(float) * dm);
        } else {
            layernorm_row(sc->mtmp, z, dm);
            for (int j = 0; j < dm; j++) y[j] = q[(size_t)i * d + j] + sc->mtmp[j];
        }
    }
}

/* End state of head h after the n tokens of a piece:
 * M_n = B_n M_0 + F_n S_0 + act^T (m_n o delta) ;  S_n = P_n S_0 + act^T (s_n o delta). */
static void piece_end_state(const TitansConfig *c, const Kernels *kn, MemState *ms, Scratch *sc,
                            const float *k, int ld, int n, int h)
{
    int L = c->mem_depth, w = sc->wmax;
    const float *mlast = sc->coef_m + (size_t)(n - 1) * n, *slast = sc->coef_s + (size_t)(n - 1) * n;
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        float *M = mem_head_matrix(ms->M, c, l, h), *S = mem_head_matrix(ms->S, c, l, h);
        const float *act = l ? sc->act[l] : k;
        int ldk = l ? w : ld;
        for (int j = 0; j < n; j++)
            for (int o = 0; o < out; o++) {
                sc->mtmp[(size_t)j * w + o] = mlast[j] * sc->delta[l][(size_t)j * w + o];
                sc->zq[(size_t)j * w + o] = slast[j] * sc->delta[l][(size_t)j * w + o];
            }
        /* act^T [in, n]: A[i][p] = act[p][i] */
        kn->gemm(in, out, n, act, 1, ldk, sc->mtmp, w, M, out, sc->coef_b[n - 1], S, out, sc->coef_f[n - 1]);
        kn->gemm(in, out, n, act, 1, ldk, sc->zq, w, S, out, sc->coef_p[n - 1], NULL, 0, 0.0f);
    }
}

void memory_update_chunked(const TitansConfig *c, MemState *ms, Scratch *sc, int n, int64_t row0)
{
    const Kernels *kn = kernels();
    int b = c->mem_chunk, d = c->d_model, H = c->mem_heads;
    for (int i0 = 0; i0 < n;) {
        int in_chunk = (int)((row0 + i0) % b);
        int len = b - in_chunk < n - i0 ? b - in_chunk : n - i0;
        /* A is the state at the chunk's start: a piece that is a whole chunk reads it from M
         * before changing M; only a chunk split across calls or blocks keeps a copy */
        float *anchor = ms->A;
        if (in_chunk == 0 && len == b) anchor = ms->M;
        else if (in_chunk == 0) memcpy(ms->A, ms->M, sizeof(float) * mem_state_floats(c));
        for (int h = 0; h < H; h++) {
            size_t col = (size_t)i0 * d + (size_t)h * c->d_mem;
            const float *k = sc->mk + col;
            chunk_gradients(c, kn, sc, anchor, h, k, sc->mv + col, d, len);
            chunk_coefficients(sc, i0, len, H, h);
            piece_reads(c, kn, ms, sc, k, d, col, len, h);
            piece_end_state(c, kn, ms, sc, k, d, len, h);
        }
        i0 += len;
    }
}

void memory_read_rows(const TitansConfig *c, Scratch *sc, const float *W, int h, const float *x,
                      int ldx, int n, float *y, int ldy)
{
    const Kernels *kn = kernels();
    int L = c->mem_depth, dm = c->d_mem, w = sc->wmax;
    const float *a = x;
    int lda = ldx;
    for (int l = 0; l < L; l++) { /* z [n, out] = a [n, in] W_l [in, out] */
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        matmul(sc->zq, w, a, lda, mem_head_matrix((float *)W, c, l, h), out, n, in, out, 0.0f);
        if (l == L - 1) break;
        gelu_rows(kn, sc->aq[l + 1], NULL, sc->zq, n, out, w);
        a = sc->aq[l + 1];
        lda = w;
    }
    for (int i = 0; i < n; i++) { /* M(x) = z (L = 1) or x + LN(z) */
        float *yi = y + (size_t)i * ldy, *z = sc->zq + (size_t)i * w;
        if (L == 1) {
            memcpy(yi, z, sizeof(float) * dm);
            continue;
        }
        layernorm_row(sc->mtmp, z, dm);
        for (int j = 0; j < dm; j++) yi[j] = x[(size_t)i * ldx + j] + sc->mtmp[j];
    }
}
