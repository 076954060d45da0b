#include "memory.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "ops.h"

/* ---- shapes ------------------------------------------------------------------------------
 * H = mem_heads, dm = d / H, L = mem_depth. Per head the memory is an MLP of L matrices
 * W_l [in_l, out_l]; the state arrays hold matrix l of every head at mem_matrix_offset(l), head
 * h at + h * in_l * out_l. Notation per token: a_l = input of matrix l (a_0 = key), z_l = a_l W_l,
 * a_{l+1} = GELU(z_l); M(k) = z_0 (L = 1) or k + LN(z_{L-1}) (L >= 2). delta_l = dloss/dz_l. */

static float *head_matrix(float *base, const TitansConfig *c, int l, int h)
{
    int in, out;
    mem_matrix_shape(c, l, &in, &out);
    return base + mem_matrix_offset(c, l) + (size_t)h * in * out;
}

/* Forward of n rows x [n, dm] (row stride ldx) through one head's weights W: fills act[l], z[l]
 * (compact, row stride wmax) and y [n, dm] (row stride ldy); for L >= 2 also o_hat (in ohat) and
 * sigma. act[0] receives a compact copy of x. With dgelu non-NULL, also GELU'(z[l]) for the
 * backward pass (sharing the erf with GELU). */
static void mlp_forward(const TitansConfig *c, float *W, int h, const float *x, int ldx, int n,
                        float **act, float **z, float **dgelu, float *ohat, float *sigma, float *y,
                        int ldy, int wmax)
{
    int L = c->mem_depth, dm = c->d_mem;
    for (int i = 0; i < n; i++) memcpy(act[0] + (size_t)i * wmax, x + (size_t)i * ldx, sizeof(float) * dm);
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        matmul(z[l], wmax, act[l], wmax, head_matrix(W, c, l, h), out, n, in, out, 0.0f);
        if (l == L - 1) break;
        for (int i = 0; i < n; i++) {
            const float *zi = z[l] + (size_t)i * wmax;
            float *ai = act[l + 1] + (size_t)i * wmax;
            if (!dgelu) {
                for (int j = 0; j < out; j++) ai[j] = gelu(zi[j]);
                continue;
            }
            float *gi = dgelu[l] + (size_t)i * wmax;
            for (int j = 0; j < out; j++) ai[j] = gelu_and_grad(zi[j], &gi[j]);
        }
    }
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * ldy;
        const float *zi = z[L - 1] + (size_t)i * wmax;
        if (L == 1) {
            memcpy(yi, zi, sizeof(float) * dm);
        } else {
            float *oh = ohat + (size_t)i * wmax;
            sigma[i] = layernorm_row(oh, zi, dm);
            for (int j = 0; j < dm; j++) yi[j] = x[(size_t)i * ldx + j] + oh[j];
        }
    }
}

/* Key forward at the anchor and backward of the loss mean((M(k) - v)^2): fills act, zk and
 * delta[l] = dloss/dz_l for n keys of head h. (The zk buffers are free again afterwards.) */
static void key_gradients(const TitansConfig *c, Scratch *sc, float *A, int h, const float *k,
                          const float *v, int ld, int n)
{
    int L = c->mem_depth, dm = c->d_mem, w = sc->wmax;
    float *pred = sc->zq; /* [n, dm], free until the reads */
    mlp_forward(c, A, h, k, ld, n, sc->act, sc->zk, sc->dgelu, sc->mtmp, sc->sigma_k, pred, w, w);
    float *g = L == 1 ? sc->delta[0] : sc->aq[0]; /* aq is free until the reads */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < dm; j++)
            g[(size_t)i * w + j] =
                (2.0f / (float)dm) * (pred[(size_t)i * w + j] - v[(size_t)i * ld + j]);
    if (L == 1) return;
    for (int i = 0; i < n; i++)
        layernorm_backward_row(sc->delta[L - 1] + (size_t)i * w, g + (size_t)i * w,
                               sc->mtmp + (size_t)i * w, sc->sigma_k[i], dm);
    for (int l = L - 1; l >= 1; l--) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        /* delta_{l-1} = (delta_l W_l^T) * GELU'(z_{l-1}) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, in, out, 1.0f, sc->delta[l], w,
                    head_matrix(A, c, l, h), out, 0.0f, sc->delta[l - 1], w);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < in; j++)
                sc->delta[l - 1][(size_t)i * w + j] *= sc->dgelu[l - 1][(size_t)i * w + j];
    }
}

/* ---- the token loop: docs/model.md section 3, the ground truth ---------------------------- */

static void update_token_loop(const TitansModel *m, MemState *ms, Scratch *sc, int n, int64_t row0)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, dm = c->d_mem, H = c->mem_heads, L = c->mem_depth;
    size_t nstate = mem_state_floats(c);
    for (int i = 0; i < n; i++) {
        if ((row0 + i) % c->mem_chunk == 0) memcpy(ms->A, ms->M, sizeof(float) * nstate);
        for (int h = 0; h < H; h++) {
            size_t col = (size_t)i * d + (size_t)h * dm;
            key_gradients(c, sc, ms->A, h, sc->mk + col, sc->mv + col, d, 1);
            float theta = sc->theta[i * H + h], eta = sc->eta[i * H + h];
            float keep = 1.0f - sc->alpha[i * H + h];
            for (int l = 0; l < L; l++) {
                int in, out;
                mem_matrix_shape(c, l, &in, &out);
                float *S = head_matrix(ms->S, c, l, h), *M = head_matrix(ms->M, c, l, h);
                int sz = in * out;
                /* S = eta S - theta a_l^T delta_l ;  M = (1 - alpha) M + S */
                cblas_sscal(sz, eta, S, 1);
                cblas_sger(CblasRowMajor, in, out, -theta, sc->act[l], 1, sc->delta[l], 1, S, out);
                cblas_sscal(sz, keep, M, 1);
                cblas_saxpy(sz, 1.0f, S, 1, M, 1);
            }
            /* read with the state after this token's update */
            mlp_forward(c, ms->M, h, sc->mq + col, d, 1, sc->aq, sc->zk, NULL, sc->mtmp,
                        sc->sigma_q, sc->my + col, d, sc->wmax);
        }
    }
}

/* ---- the chunked form ---------------------------------------------------------------------
 * Inside one chunk every gradient u_j = a_j^T delta_j is taken at the same anchor A, so with
 * per-token coefficients from the two scalar recurrences
 *   S_i = P_i S_0 + sum_{j<=i} s_ij u_j          M_i = B_i M_0 + F_i S_0 + sum_{j<=i} m_ij u_j
 * every read and the end state are matrix products. The coefficients come from running the
 * recurrences (no ratios of cumulative products, which underflow). */

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

/* n tokens (offset i0 in the block) that lie in one chunk, head h. */
static void update_chunk_piece(const TitansModel *m, MemState *ms, Scratch *sc, int i0, int n, int h)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, dm = c->d_mem, H = c->mem_heads, L = c->mem_depth, w = sc->wmax;
    size_t col = (size_t)i0 * d + (size_t)h * dm;
    key_gradients(c, sc, ms->A, h, sc->mk + col, sc->mv + col, d, n);
    chunk_coefficients(sc, i0, n, H, h);

    /* reads: the query activation of matrix l meets M_i of that matrix, layer by layer */
    const float *q = sc->mq + col;
    for (int i = 0; i < n; i++) memcpy(sc->aq[0] + (size_t)i * w, q + (size_t)i * d, sizeof(float) * dm);
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        float *M0 = head_matrix(ms->M, c, l, h), *S0 = head_matrix(ms->S, c, l, h);
        matmul(sc->zq, w, sc->aq[l], w, M0, out, n, in, out, 0.0f);
        matmul(sc->mtmp, w, sc->aq[l], w, S0, out, n, in, out, 0.0f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < out; j++)
                sc->zq[(size_t)i * w + j] = sc->coef_b[i] * sc->zq[(size_t)i * w + j] +
                                            sc->coef_f[i] * sc->mtmp[(size_t)i * w + j];
        /* gram_ij = m_ij (a^q_i . a_j), j <= i */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, in, 1.0f, sc->aq[l], w,
                    sc->act[l], w, 0.0f, sc->gram, n);
        for (int i = 0; i < n * n; i++) sc->gram[i] *= sc->coef_m[i];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, out, n, 1.0f, sc->gram, n,
                    sc->delta[l], w, 1.0f, sc->zq, w);
        if (l < L - 1) {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < out; j++)
                    sc->aq[l + 1][(size_t)i * w + j] = gelu(sc->zq[(size_t)i * w + j]);
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

    /* end state: M_n = B_n M_0 + F_n S_0 + A^T diag(m_n) Delta ; S_n = P_n S_0 + A^T diag(s_n) Delta */
    const float *mlast = sc->coef_m + (size_t)(n - 1) * n, *slast = sc->coef_s + (size_t)(n - 1) * n;
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        float *M = head_matrix(ms->M, c, l, h), *S = head_matrix(ms->S, c, l, h);
        int sz = in * out;
        for (int j = 0; j < n; j++)
            for (int o = 0; o < out; o++)
                sc->mtmp[(size_t)j * w + o] = mlast[j] * sc->delta[l][(size_t)j * w + o];
        cblas_sscal(sz, sc->coef_b[n - 1], M, 1);
        cblas_saxpy(sz, sc->coef_f[n - 1], S, 1, M, 1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, n, 1.0f, sc->act[l], w,
                    sc->mtmp, w, 1.0f, M, out);
        for (int j = 0; j < n; j++)
            for (int o = 0; o < out; o++)
                sc->mtmp[(size_t)j * w + o] = slast[j] * sc->delta[l][(size_t)j * w + o];
        cblas_sscal(sz, sc->coef_p[n - 1], S, 1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, n, 1.0f, sc->act[l], w,
                    sc->mtmp, w, 1.0f, S, out);
    }
}

static void update_chunked(const TitansModel *m, MemState *ms, Scratch *sc, int n, int64_t row0)
{
    const TitansConfig *c = &m->cfg;
    int b = c->mem_chunk;
    for (int i0 = 0; i0 < n;) {
        int64_t row = row0 + i0;
        int in_chunk = (int)(row % b);
        int len = b - in_chunk < n - i0 ? b - in_chunk : n - i0;
        if (in_chunk == 0) memcpy(ms->A, ms->M, sizeof(float) * mem_state_floats(c));
        for (int h = 0; h < c->mem_heads; h++) update_chunk_piece(m, ms, sc, i0, len, h);
        i0 += len;
    }
}

/* ---- the sublayer ------------------------------------------------------------------------ */

static void gate(float *g, const float *u, const float *w, const float *b, int n, int d, int H,
                 float scale, int on)
{
    if (!on) {
        memset(g, 0, sizeof(float) * (size_t)n * H);
        return;
    }
    matmul(g, H, u, d, w, H, n, d, H, 0.0f);
    for (int i = 0; i < n; i++)
        for (int h = 0; h < H; h++) g[i * H + h] = scale * sigmoidf_(g[i * H + h] + b[h]);
}

void memory_forward(const TitansModel *m, const MemWeights *mw, MemState *ms, Scratch *sc,
                    const float *u, float *out, int n, int64_t row0, TitansMemoryPath path)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, H = c->mem_heads;
    size_t nd = (size_t)n * d;
    /* q, k, v [n, d]: Linear -> causal depthwise conv (kernel 4) -> SiLU -> L2 per head (q, k) */
    const float *wp[3] = {mw->wq, mw->wk, mw->wv}, *cw[3] = {mw->conv_q, mw->conv_k, mw->conv_v};
    float *dst[3] = {sc->mq, sc->mk, sc->mv};
    for (int p = 0; p < 3; p++) {
        matmul(sc->mraw, d, u, d, wp[p], d, n, d, d, 0.0f);
        causal_conv4(dst[p], sc->mraw, n, d, cw[p], ms->conv + (size_t)p * 3 * d);
        if (!c->mem_conv) memcpy(dst[p], sc->mraw, sizeof(float) * nd);
        silu_inplace(dst[p], nd);
    }
    l2norm_heads(sc->mq, n, d, H, c->d_mem);
    l2norm_heads(sc->mk, n, d, H, c->d_mem);
    /* gates [n, H] */
    gate(sc->theta, u, mw->w_theta, mw->b_theta, n, d, H, (float)c->theta_max, 1);
    gate(sc->eta, u, mw->w_eta, mw->b_eta, n, d, H, 1.0f, c->mem_momentum);
    gate(sc->alpha, u, mw->w_alpha, mw->b_alpha, n, d, H, 1.0f, c->mem_decay);

    if (path == TITANS_MEMORY_SEQUENTIAL)
        update_token_loop(m, ms, sc, n, row0);
    else
        update_chunked(m, ms, sc, n, row0);

    /* RMSNorm(concat_heads(y)) * SiLU(u W_g), then W_O */
    rmsnorm(sc->my, sc->my, mw->out_norm, n, d);
    matmul(sc->mg, d, u, d, mw->w_gate, d, n, d, d, 0.0f);
    for (size_t i = 0; i < nd; i++) sc->my[i] *= silu(sc->mg[i]);
    matmul(out, d, sc->my, d, mw->wo, d, n, d, d, 0.0f);
}

void memory_read_fixed(const TitansModel *m, const MemWeights *mw, const float *W, Scratch *sc,
                       const float *u, float *r, int n)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model;
    matmul(sc->mraw, d, u, d, mw->wq, d, n, d, d, 0.0f);
    silu_inplace(sc->mraw, (size_t)n * d);
    l2norm_heads(sc->mraw, n, d, c->mem_heads, c->d_mem);
    for (int h = 0; h < c->mem_heads; h++) {
        size_t col = (size_t)h * c->d_mem;
        mlp_forward(c, (float *)W, h, sc->mraw + col, d, n, sc->aq, sc->zk, NULL, sc->mtmp,
                    sc->sigma_q, r + col, d, sc->wmax);
    }
}
