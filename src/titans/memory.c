#include "memory.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "memory_chunk.h"
#include "ops.h"

/* ---- shapes ------------------------------------------------------------------------------
 * H = mem_heads, dm = d / H, L = mem_depth. Per head the memory is an MLP of L matrices
 * W_l [in_l, out_l]; the state arrays hold matrix l of every head at mem_matrix_offset(l), head
 * h at + h * in_l * out_l. Notation per token: a_l = input of matrix l (a_0 = key), z_l = a_l W_l,
 * a_{l+1} = GELU(z_l); M(k) = z_0 (L = 1) or k + LN(z_{L-1}) (L >= 2). delta_l = dloss/dz_l. */

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
        matmul(z[l], wmax, act[l], wmax, mem_head_matrix(W, c, l, h), out, n, in, out, 0.0f);
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
                    mem_head_matrix(A, c, l, h), out, 0.0f, sc->delta[l - 1], w);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < in; j++)
                sc->delta[l - 1][(size_t)i * w + j] *= sc->dgelu[l - 1][(size_t)i * w + j];
    }
}

/* ---- the token loop: docs/model.md section 3, the ground truth ---------------------------- */

/* Token j of the current chunk, head h, by the token rule, from its pending act_l, delta_l and
 * gates: S = eta S - theta act_l^T delta_l ;  M = (1 - alpha) M + S. */
static void token_rule(const TitansConfig *c, MemState *ms, int j, int h, float *M, float *S)
{
    size_t g = (size_t)j * c->mem_heads + h;
    float eta = mem_pend_gate(ms->pend, c, 0)[g], keep = 1.0f - mem_pend_gate(ms->pend, c, 1)[g],
          theta = mem_pend_gate(ms->pend, c, 2)[g];
    for (int l = 0; l < c->mem_depth; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        float *Sl = mem_head_matrix(S, c, l, h), *Ml = mem_head_matrix(M, c, l, h);
        const float *act = mem_pend_act(ms->pend, c, l, h) + (size_t)j * in,
                    *delta = mem_pend_delta(ms->pend, c, l, h) + (size_t)j * out;
        int sz = in * out;
        cblas_sscal(sz, eta, Sl, 1);
        cblas_sger(CblasRowMajor, in, out, -theta, act, 1, delta, 1, Sl, out);
        cblas_sscal(sz, keep, Ml, 1);
        cblas_saxpy(sz, 1.0f, Sl, 1, Ml, 1);
    }
}

void memory_current(const TitansConfig *c, MemState *ms, Scratch *sc, int64_t row,
                    TitansMemoryPath path, float *M, float *S)
{
    int j = (int)(row % c->mem_chunk);
    size_t nstate = mem_state_floats(c);
    if (j > 0 && path == TITANS_MEMORY_CHUNKED) {
        memory_chunk_state(c, ms, sc, j, M, S);
        return;
    }
    memcpy(M, ms->M, sizeof(float) * nstate);
    memcpy(S, ms->S, sizeof(float) * nstate);
    for (int t = 0; t < j; t++) /* the token loop's own arithmetic, so bit for bit its state */
        for (int h = 0; h < c->mem_heads; h++) token_rule(c, ms, t, h, M, S);
}

/* The state after each token lives in the scratch (sc->mcur, scur); MemState keeps the chunk's
 * start and pending block as on the chunked path, so states move between the paths. */
static void update_token_loop(const TitansModel *m, MemState *ms, Scratch *sc, int n, int64_t row0)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, dm = c->d_mem, H = c->mem_heads, L = c->mem_depth, b = c->mem_chunk;
    size_t nstate = mem_state_floats(c);
    float *M = sc->mcur, *S = sc->scur;
    const float *gates[3] = {sc->eta, sc->alpha, sc->theta};
    memory_current(c, ms, sc, row0, TITANS_MEMORY_SEQUENTIAL, M, S);
    for (int i = 0; i < n; i++) {
        int j = (int)((row0 + i) % b);
        for (int g = 0; g < 3; g++)
            memcpy(mem_pend_gate(ms->pend, c, g) + (size_t)j * H, gates[g] + (size_t)i * H, sizeof(float) * H);
        for (int h = 0; h < H; h++) {
            size_t col = (size_t)i * d + (size_t)h * dm;
            /* the gradient at the chunk's start, kept in the pending block */
            key_gradients(c, sc, ms->M, h, sc->mk + col, sc->mv + col, d, 1);
            for (int l = 0; l < L; l++) {
                int in, out;
                mem_matrix_shape(c, l, &in, &out);
                memcpy(mem_pend_act(ms->pend, c, l, h) + (size_t)j * in, sc->act[l], sizeof(float) * in);
                memcpy(mem_pend_delta(ms->pend, c, l, h) + (size_t)j * out, sc->delta[l], sizeof(float) * out);
            }
            token_rule(c, ms, j, h, M, S);
            /* read with the state after this token's update */
            mlp_forward(c, M, h, sc->mq + col, d, 1, sc->aq, sc->zk, NULL, sc->mtmp,
                        sc->sigma_q, sc->my + col, d, sc->wmax);
        }
        if (j == b - 1) { /* the chunk is complete: its end state is the next chunk's start */
            memcpy(ms->M, M, sizeof(float) * nstate);
            memcpy(ms->S, S, sizeof(float) * nstate);
        }
    }
}

/* ---- the sublayer ------------------------------------------------------------------------ */

static void gate(float *g, const float *u, const Matrix *w, const float *b, int n, int d, int H,
                 float scale, int on)
{
    if (!on) {
        memset(g, 0, sizeof(float) * (size_t)n * H);
        return;
    }
    matmul_w(g, H, u, d, w, n, d, H, 0.0f);
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
    const Matrix *wp[3] = {&mw->wq, &mw->wk, &mw->wv};
    const float *cw[3] = {mw->conv_q, mw->conv_k, mw->conv_v};
    float *dst[3] = {sc->mq, sc->mk, sc->mv};
    for (int p = 0; p < 3; p++) {
        matmul_w(sc->mraw, d, u, d, wp[p], n, d, d, 0.0f);
        causal_conv4(dst[p], sc->mraw, n, d, cw[p], ms->conv + (size_t)p * 3 * d);
        if (!c->mem_conv) memcpy(dst[p], sc->mraw, sizeof(float) * nd);
        silu_inplace(dst[p], nd);
    }
    l2norm_heads(sc->mq, n, d, H, c->d_mem);
    l2norm_heads(sc->mk, n, d, H, c->d_mem);
    /* gates [n, H] */
    gate(sc->theta, u, &mw->w_theta, mw->b_theta, n, d, H, (float)c->theta_max, 1);
    gate(sc->eta, u, &mw->w_eta, mw->b_eta, n, d, H, 1.0f, c->mem_momentum);
    gate(sc->alpha, u, &mw->w_alpha, mw->b_alpha, n, d, H, 1.0f, c->mem_decay);

    if (path == TITANS_MEMORY_SEQUENTIAL)
        update_token_loop(m, ms, sc, n, row0);
    else
        memory_update_chunked(c, ms, sc, n, row0);

    /* RMSNorm(concat_heads(y)) * SiLU(u W_g), then W_O */
    rmsnorm(sc->my, sc->my, mw->out_norm, n, d);
    matmul_w(sc->mg, d, u, d, &mw->w_gate, n, d, d, 0.0f);
    for (size_t i = 0; i < nd; i++) sc->my[i] *= silu(sc->mg[i]);
    matmul_w(out, d, sc->my, d, &mw->wo, n, d, d, 0.0f);
}

void memory_read_fixed(const TitansModel *m, const MemWeights *mw, const float *W, Scratch *sc,
                       const float *u, float *r, int n)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model;
    matmul_w(sc->mraw, d, u, d, &mw->wq, n, d, d, 0.0f);
    silu_inplace(sc->mraw, (size_t)n * d);
    l2norm_heads(sc->mraw, n, d, c->mem_heads, c->d_mem);
    for (int h = 0; h < c->mem_heads; h++) {
        size_t col = (size_t)h * c->d_mem;
        memory_read_rows(c, sc, W, h, sc->mraw + col, d, n, r + col, d);
    }
}
