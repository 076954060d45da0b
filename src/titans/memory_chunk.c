/* The chunked form of the memory update (docs/model.md section 3) on the small-matrix kernels
 * (kernels.h). Inside one chunk every gradient u_j = a_j^T delta_j is taken at the same anchor,
 * the state M_0, S_0 at the chunk's start, so with per-token coefficients from the two scalar
 * recurrences
 *   S_i = P_i S_0 + sum_{j<=i} s_ij u_j          M_i = B_i M_0 + F_i S_0 + sum_{j<=i} m_ij u_j
 * every read and the end state are matrix products. The coefficients come from running the
 * recurrences (no ratios of cumulative products, which underflow).
 *
 * The end state is deferred to the chunk's end: MemState's M and S stay at the chunk's start
 * (they are the anchor) and the pending block (memory_chunk.h) collects the chunk's tokens so far,
 * act_l [j, in_l], delta_l [j, out_l] and their gates. A piece of n tokens at chunk row j0 (a
 * whole chunk in prefill, one token in decode) appends its keys' gradients, reads every token i
 * with the coefficients of the chunk so far (J = j0 + n tokens),
 *   z_i = B_i (a M_0) + F_i (a S_0) + sum_{j<J} m_ij (a . act_j) delta_j     (m_ij = 0 for j > i),
 * and only the piece that completes the chunk writes M and S. So a decode token reads M_0 and S_0
 * (the key forward and the query's first product share one pass) instead of rewriting all of M
 * and S; a whole chunk does what it always did.
 *
 * Per head and piece the products are [n, in] x [in, out] (forward, reads), [J, in] x [in, n]
 * (gram), [n, J] x [J, out] and [in, J] x [J, out] (end state): too small for BLAS's packing to
 * pay, so the kernels work on the operands in place. Everything lives in the Scratch (no
 * allocation here); a piece's working set is its head's matrices, its pending rows and a few
 * [n, wmax] buffers. Notation as memory.c: a_l input of matrix l, z_l = a_l W_l,
 * delta_l = dloss/dz_l; wmax is the row stride of the scratch's [n, *] buffers. */
#include "memory_chunk.h"

#include <cblas.h>
#include <string.h>

#include "kernels.h"
#include "ops.h"

/* ---- the pending block ------------------------------------------------------------------------- */

/* Offset of matrix l's act block (all heads), then its delta block. */
static size_t pend_offset(const TitansConfig *c, int l)
{
    size_t off = 0, bh = (size_t)c->mem_chunk * c->mem_heads;
    for (int i = 0; i < l; i++) {
        int in, out;
        mem_matrix_shape(c, i, &in, &out);
        off += bh * (size_t)(in + out);
    }
    return off;
}

size_t mem_pend_floats(const TitansConfig *c)
{
    return pend_offset(c, c->mem_depth) + 3 * (size_t)c->mem_chunk * c->mem_heads;
}

float *mem_pend_act(float *pend, const TitansConfig *c, int l, int h)
{
    int in, out;
    mem_matrix_shape(c, l, &in, &out);
    return pend + pend_offset(c, l) + (size_t)h * c->mem_chunk * in;
}

float *mem_pend_delta(float *pend, const TitansConfig *c, int l, int h)
{
    int in, out;
    mem_matrix_shape(c, l, &in, &out);
    size_t b = (size_t)c->mem_chunk;
    return pend + pend_offset(c, l) + (size_t)c->mem_heads * b * in + (size_t)h * b * out;
}

float *mem_pend_gate(float *pend, const TitansConfig *c, int g)
{
    return pend + pend_offset(c, c->mem_depth) + (size_t)g * c->mem_chunk * c->mem_heads;
}

/* ---- the chunk step ---------------------------------------------------------------------------- */

/* dst [m, n] (row stride ldd) = src [n, m] (row stride lds) transposed. */
static void transpose(float *dst, int ldd, const float *src, int lds, int n, int m)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
}

/* a = GELU(z) (and g = GELU'(z) with g non-NULL) of n rows of width m; row strides lda for a,
 * w for g and z. Element-wise, so one call over all rows rounds as row-wise calls do. */
static void gelu_rows(const Kernels *kn, float *a, int lda, float *g, const float *z, int w, int n, int m)
{
    if (m == w && lda == w) {
        kn->gelu(a, g, z, (size_t)n * m);
        return;
    }
    for (int i = 0; i < n; i++)
        kn->gelu(a + (size_t)i * lda, g ? g + (size_t)i * w : NULL, z + (size_t)i * w, (size_t)m);
}

/* Keys of a piece (chunk rows j0 .. j0+n-1, head h, row stride ld) through the chunk's start M
 * and back, for the loss mean((M(k) - v)^2): their act_l and delta_l go to the pending block.
 * With q non-NULL (a one-token piece) the query's first product q M_0 rides along into sc->zq:
 * the same matrix, read once for two rows. */
static void chunk_gradients(const TitansConfig *c, const Kernels *kn, MemState *ms, Scratch *sc, int h,
                            const float *k, const float *v, int ld, int j0, int n, const float *q)
{
    int L = c->mem_depth, dm = c->d_mem, w = sc->wmax;
    float *act0 = mem_pend_act(ms->pend, c, 0, h) + (size_t)j0 * dm;
    for (int i = 0; i < n; i++) memcpy(act0 + (size_t)i * dm, k + (size_t)i * ld, sizeof(float) * dm);
    for (int l = 0; l < L; l++) { /* z_l [n, out] = a_l [n, in] W_l [in, out] */
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        const float *a = mem_pend_act(ms->pend, c, l, h) + (size_t)j0 * in, *W = mem_head_matrix(ms->M, c, l, h);
        if (l == 0 && q) { /* rows [k; q] -> zk[0] rows 0 and 1 */
            memcpy(sc->tr_a, a, sizeof(float) * dm);
            memcpy(sc->tr_a + dm, q, sizeof(float) * dm);
            kn->gemm(2, out, in, sc->tr_a, in, 1, W, out, sc->zk[0], w, 0.0f, NULL, 0, 0.0f);
            memcpy(sc->zq, sc->zk[0] + w, sizeof(float) * out);
        } else {
            kn->gemm(n, out, in, a, in, 1, W, out, sc->zk[l], w, 0.0f, NULL, 0, 0.0f);
        }
        if (l == L - 1) break;
        gelu_rows(kn, mem_pend_act(ms->pend, c, l + 1, h) + (size_t)j0 * out, out, sc->dgelu[l], sc->zk[l], w, n, out);
    }
    /* g = dloss/dM(k) = (2 / dm) (M(k) - v), M(k) = z_0 (L = 1) or k + LN(z_{L-1}) */
    float *dlast = mem_pend_delta(ms->pend, c, L - 1, h) + (size_t)j0 * dm;
    float *g = L == 1 ? dlast : sc->aq[0]; /* aq is free until the reads */
    int ldg = L == 1 ? dm : w;
    for (int i = 0; i < n; i++) {
        const float *z = sc->zk[L - 1] + (size_t)i * w;
        float *gi = g + (size_t)i * ldg, *oh = sc->mtmp + (size_t)i * w;
        if (L > 1) sc->sigma_k[i] = layernorm_row(oh, z, dm);
        for (int j = 0; j < dm; j++) {
            float pred = L == 1 ? z[j] : k[(size_t)i * ld + j] + oh[j];
            gi[j] = (2.0f / (float)dm) * (pred - v[(size_t)i * ld + j]);
        }
        if (L > 1) layernorm_backward_row(dlast + (size_t)i * dm, gi, oh, sc->sigma_k[i], dm);
    }
    for (int l = L - 1; l >= 1; l--) { /* delta_{l-1} [n, in] = (delta_l W_l^T) * GELU'(z_{l-1}) */
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        const float *dl = mem_pend_delta(ms->pend, c, l, h) + (size_t)j0 * out, *W = mem_head_matrix(ms->M, c, l, h);
        float *dp = mem_pend_delta(ms->pend, c, l - 1, h) + (size_t)j0 * in;
        const float *gp = sc->dgelu[l - 1];
        if (n == 1) { /* a matrix-vector product: dot products read W once, in rows */
            kn->dots(in, out, W, out, dl, 1.0f, dp);
            for (int j = 0; j < in; j++) dp[j] *= gp[j];
            continue;
        }
        /* formed transposed as W_l [in, out] x delta_l^T [out, n] so that W_l is read in place */
        transpose(sc->tr_a, n, dl, out, n, out);
        kn->gemm(in, n, out, W, out, 1, sc->tr_a, n, sc->tr_b, n, 0.0f, NULL, 0, 0.0f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < in; j++)
                dp[(size_t)i * in + j] = sc->tr_b[(size_t)j * n + i] * gp[(size_t)i * w + j];
    }
}

/* Coefficients of chunk rows r0 .. J-1 (the chunk so far is J tokens), head h, from the pending
 * gates: coef_s, coef_m [J - r0, J] (row stride J; m_ij = s_ij = 0 for j > i), coef_p, coef_b,
 * coef_f [J - r0]. Rows before r0 are run in the first slot (row i needs only row i - 1). */
static void chunk_coefficients(const TitansConfig *c, MemState *ms, Scratch *sc, int J, int r0, int h)
{
    int H = c->mem_heads;
    const float *eta = mem_pend_gate(ms->pend, c, 0), *alpha = mem_pend_gate(ms->pend, c, 1),
                *theta = mem_pend_gate(ms->pend, c, 2);
    float p = 1.0f, b = 1.0f, f = 0.0f;
    for (int i = 0; i < J; i++) {
        int r = i < r0 ? 0 : i - r0;
        float *s = sc->coef_s + (size_t)r * J, *mc = sc->coef_m + (size_t)r * J;
        if (r > 0) {
            memcpy(s, s - J, sizeof(float) * i);
            memcpy(mc, mc - J, sizeof(float) * i);
        }
        size_t g = (size_t)i * H + h;
        float e = eta[g], keep = 1.0f - alpha[g];
        p *= e;
        b *= keep;
        f = keep * f + p;
        for (int j = 0; j < i; j++) {
            s[j] = e * s[j];
            mc[j] = keep * mc[j] + s[j];
        }
        s[i] = -theta[g];
        mc[i] = s[i];
        for (int j = i + 1; j < J; j++) s[j] = mc[j] = 0.0f;
        if (i >= r0) {
            sc->coef_p[r] = p;
            sc->coef_b[r] = b;
            sc->coef_f[r] = f;
        }
    }
}

/* Reads y_i = M_i(q_i) of the n tokens of a piece at chunk row j0 (head h, J = j0 + n): the
 * query activation of matrix l meets M_i of that matrix, layer by layer:
 * z = B (a M_0) + F (a S_0) + (m o (a act^T)) delta over the chunk's J tokens so far.
 * q0_done: sc->zq already holds q M_0 of matrix 0 (chunk_gradients). */
static void piece_reads(const TitansConfig *c, const Kernels *kn, MemState *ms, Scratch *sc,
                        const float *q, float *y, int j0, int n, int h, int q0_done)
{
    int d = c->d_model, dm = c->d_mem, L = c->mem_depth, w = sc->wmax, J = j0 + n;
    const float *a = q;
    int lda = d;
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        const float *act = mem_pend_act(ms->pend, c, l, h), *delta = mem_pend_delta(ms->pend, c, l, h);
        float *M0 = mem_head_matrix(ms->M, c, l, h), *S0 = mem_head_matrix(ms->S, c, l, h);
        if (l > 0 || !q0_done) kn->gemm(n, out, in, a, lda, 1, M0, out, sc->zq, w, 0.0f, NULL, 0, 0.0f);
        kn->gemm(n, out, in, a, lda, 1, S0, out, sc->mtmp, w, 0.0f, NULL, 0, 0.0f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < out; j++)
                sc->zq[(size_t)i * w + j] = sc->coef_b[i] * sc->zq[(size_t)i * w + j] +
                                            sc->coef_f[i] * sc->mtmp[(size_t)i * w + j];
        /* gram^T [J, n] = act [J, in] a^T [in, n] (one row of a is its own transpose), masked by
         * m_ij, then z [n, out] += gram [n, J] delta [J, out] */
        const float *at = a;
        int ldt = 1;
        if (n > 1) {
            transpose(sc->tr_a, n, a, lda, n, in);
            at = sc->tr_a;
            ldt = n;
        }
        kn->gemm(J, n, in, act, in, 1, at, ldt, sc->gram, n, 0.0f, NULL, 0, 0.0f);
        for (int j = 0; j < J; j++)
            for (int i = 0; i < n; i++) sc->gram[(size_t)j * n + i] *= sc->coef_m[(size_t)i * J + j];
        kn->gemm(n, out, J, sc->gram, 1, n, delta, out, sc->zq, w, 1.0f, NULL, 0, 0.0f);
        if (l < L - 1) {
            gelu_rows(kn, sc->aq[l + 1], w, NULL, sc->zq, w, n, out);
            a = sc->aq[l + 1];
            lda = w;
        }
    }
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * d, *z = sc->zq + (size_t)i * w;
        if (L == 1) {
            memcpy(yi, z, sizeof(float) * dm);
        } else {
            layernorm_row(sc->mtmp, z, dm);
            for (int j = 0; j < dm; j++) yi[j] = q[(size_t)i * d + j] + sc->mtmp[j];
        }
    }
}

/* Head h's state after the chunk's first J tokens, from coefficient row r (chunk row J - 1):
 * M = B M_0 + F S_0 + act^T (m o delta) ;  S = P S_0 + act^T (s o delta). M and S hold M_0 and
 * S_0 on entry and are overwritten (M first: it reads S_0, which S0 points to). */
static void chunk_state_head(const TitansConfig *c, const Kernels *kn, MemState *ms, Scratch *sc, int J,
                             int r, int h, float *M, float *S, const float *S0)
{
    int L = c->mem_depth, w = sc->wmax;
    const float *mrow = sc->coef_m + (size_t)r * J, *srow = sc->coef_s + (size_t)r * J;
    for (int l = 0; l < L; l++) {
        int in, out;
        mem_matrix_shape(c, l, &in, &out);
        float *Ml = mem_head_matrix(M, c, l, h), *Sl = mem_head_matrix(S, c, l, h);
        const float *act = mem_pend_act(ms->pend, c, l, h), *delta = mem_pend_delta(ms->pend, c, l, h);
        for (int j = 0; j < J; j++)
            for (int o = 0; o < out; o++) {
                sc->mtmp[(size_t)j * w + o] = mrow[j] * delta[(size_t)j * out + o];
                sc->zq[(size_t)j * w + o] = srow[j] * delta[(size_t)j * out + o];
            }
        /* act^T [in, J]: A[i][p] = act[p][i] */
        kn->gemm(in, out, J, act, 1, in, sc->mtmp, w, Ml, out, sc->coef_b[r],
                 mem_head_matrix((float *)S0, c, l, h), out, sc->coef_f[r]);
        kn->gemm(in, out, J, act, 1, in, sc->zq, w, Sl, out, sc->coef_p[r], NULL, 0, 0.0f);
    }
}

void memory_update_chunked(const TitansConfig *c, MemState *ms, Scratch *sc, int n, int64_t row0)
{
    const Kernels *kn = kernels();
    int b = c->mem_chunk, d = c->d_model, H = c->mem_heads;
    const float *gates[3] = {sc->eta, sc->alpha, sc->theta};
    for (int i0 = 0; i0 < n;) {
        int j0 = (int)((row0 + i0) % b);
        int len = b - j0 < n - i0 ? b - j0 : n - i0, J = j0 + len;
        for (int g = 0; g < 3; g++)
            memcpy(mem_pend_gate(ms->pend, c, g) + (size_t)j0 * H, gates[g] + (size_t)i0 * H,
                   sizeof(float) * (size_t)len * H);
        for (int h = 0; h < H; h++) {
            size_t col = (size_t)i0 * d + (size_t)h * c->d_mem;
            const float *q = sc->mq + col;
            int fuse = len == 1; /* decode: the key and the query share matrix 0's pass */
            chunk_gradients(c, kn, ms, sc, h, sc->mk + col, sc->mv + col, d, j0, len, fuse ? q : NULL);
            chunk_coefficients(c, ms, sc, J, j0, h);
            piece_reads(c, kn, ms, sc, q, sc->my + col, j0, len, h, fuse);
            /* the chunk is complete: its end state is the next chunk's start */
            if (J == b) chunk_state_head(c, kn, ms, sc, J, len - 1, h, ms->M, ms->S, ms->S);
        }
        i0 += len;
    }
}

void memory_chunk_state(const TitansConfig *c, MemState *ms, Scratch *sc, int j, float *M, float *S)
{
    const Kernels *kn = kernels();
    size_t nstate = mem_state_floats(c);
    memcpy(M, ms->M, sizeof(float) * nstate);
    memcpy(S, ms->S, sizeof(float) * nstate);
    for (int h = 0; h < c->mem_heads; h++) {
        chunk_coefficients(c, ms, sc, j, j - 1, h);
        chunk_state_head(c, kn, ms, sc, j, 0, h, M, S, ms->S);
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
        gelu_rows(kn, sc->aq[l + 1], w, NULL, sc->zq, w, n, out);
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
