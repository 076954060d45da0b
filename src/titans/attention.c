#include "attention.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "kernels.h"
#include "ops.h"

/* A run of keys/values [n, d] whose key j has time t0 + j. A query at time tq sees key time tau
 * when tau <= tq (and tau > tq - window for a windowed run), or always for a prefix run.
 * rotated: the query meets these keys rotated (RoPE) or raw (prefix keys). */
typedef struct {
    const float *k, *v;
    int64_t n, t0;
    int rotated, always;
} KeyRun;

#define KEY_TILE TITANS_KEY_TILE
/* Query rows a block is cut into against its key tiles: each sub-block computes scores only for
 * the keys some row of it sees, so a causal block does little more than its triangle and a
 * windowed one few scores no query uses (W = 256 keys a query: 287 for a sub-block of 32, 511
 * for a block of 256). 32 rows beat 64 and 128 by 5-10% on swa; attn and mac run the same. */
#define SUB_ROWS 32

/* Scratch of attend_rows: the transposed, scaled key tile the gemm kernel reads [dh, KT_LD]
 * (a stride off the powers of two keeps its rows out of each other's cache sets). */
#define KT_LD (KEY_TILE + 16)

/* The keys [lo, hi] of a run (key indexes, inclusive; hi < lo when none) that a query at time
 * tq_first .. tq_last sees. */
static void seen_keys(const KeyRun *run, int64_t tq_first, int64_t tq_last, int64_t window,
                      int64_t *lo, int64_t *hi)
{
    *lo = 0;
    *hi = run->n - 1;
    if (run->always) return;
    if (tq_last - run->t0 < *hi) *hi = tq_last - run->t0;
    if (window && tq_first - window + 1 - run->t0 > *lo) *lo = tq_first - window + 1 - run->t0;
}

/* One head: the nb query rows q [nb, dh] (row stride d) at times tq .. tq+nb-1 against the key
 * tile keys [w, dh] starting at time tau0: scores S [nb, w], the online softmax, o [nb, dh] +=
 * S V. kt_t, when not NULL, holds the tile's keys transposed and scaled (the gemm kernel's
 * operand, at the tile's first key); else OpenBLAS runs both products. */
static void attend_tile(const Kernels *kn, float *S, const float *q, const float *K, const float *kt_t,
                        const float *V, int nb, int w, int dh, int d, float scale, int64_t tq,
                        int64_t tau0, const KeyRun *run, int64_t window, float *mx, float *sum, float *o)
{
    if (nb == 1) /* decode: one query row, the keys' dot products */
        kn->dots(w, dh, K, d, q, scale, S);
    else if (kt_t)
        kn->gemm(nb, w, dh, q, d, 1, kt_t, KT_LD, S, w, 0.0f, NULL, 0, 0.0f);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, w, dh, scale, q, d, K, d, 0.0f, S, w);
    KeyRun tile = {NULL, NULL, w, tau0, run->rotated, run->always};
    for (int i = 0; i < nb; i++) {
        int64_t lo, hi;
        seen_keys(&tile, tq + i, tq + i, window, &lo, &hi);
        kn->softmax_tile(S + (size_t)i * w, w, (int)lo, (int)hi, &mx[i], &sum[i], o + (size_t)i * d, dh);
    }
    if (nb == 1 && kn->fast_gemv)
        kn->gemm(1, dh, w, S, w, 1, V, d, o, d, 1.0f, NULL, 0, 0.0f);
    else if (nb == 1)
        cblas_sgemv(CblasRowMajor, CblasTrans, w, dh, 1.0f, V, d, S, 1, 1.0f, o, 1);
    else if (kt_t)
        kn->gemm(nb, dh, w, S, w, 1, V, d, o, d, 1.0f, NULL, 0, 0.0f);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, dh, w, 1.0f, S, w, V, d, 1.0f, o, d);
}

/* Softmax attention of n query rows (times tq0 .. tq0+n-1) over runs of keys, every head, in
 * tiles of KEY_TILE keys with an online softmax, and memory O(n * KEY_TILE) at any context
 * length. Each tile meets the block in sub-blocks of SUB_ROWS rows, each over just the keys it
 * sees. The products run on the gemm kernel where it outruns OpenBLAS (kernels.h), the tile's keys
 * transposed once for all sub-blocks. q_rot/q_raw [n, d]; out [n, d]. window 0 means none. */
static void attend_rows(const TitansConfig *c, Scratch *sc, const float *q_rot, const float *q_raw,
                        int n, int64_t tq0, const KeyRun *runs, int nr, int64_t window, float *out)
{
    int d = c->d_model, dh = c->d_head;
    float scale = 1.0f / sqrtf((float)dh);
    float *mx = sc->att_max, *sum = sc->att_sum;
    const Kernels *kn = kernels();
    int own = n > 1 && kn->fast_gemm;
    for (int h = 0; h < c->n_heads; h++) {
        float *o = out + (size_t)h * dh; /* [n, dh], row stride d */
        for (int i = 0; i < n; i++) {
            mx[i] = -INFINITY;
            sum[i] = 0.0f;
            memset(o + (size_t)i * d, 0, sizeof(float) * (size_t)dh);
        }
        for (int r = 0; r < nr; r++) {
            const KeyRun *run = &runs[r];
            const float *q = (run->rotated ? q_rot : q_raw) + (size_t)h * dh;
            int64_t lo, hi;
            seen_keys(run, tq0, tq0 + n - 1, window, &lo, &hi);
            for (int64_t j0 = lo; j0 <= hi; j0 += KEY_TILE) {
                int kt = hi + 1 - j0 < KEY_TILE ? (int)(hi + 1 - j0) : KEY_TILE;
                const float *K = run->k + (size_t)j0 * d + (size_t)h * dh;
                const float *V = run->v + (size_t)j0 * d + (size_t)h * dh;
                if (own) /* keys_t [dh, kt] = scale K^T */
                    kn->transpose(sc->keys_t, KT_LD, K, d, kt, dh, scale);
                KeyRun tile = {NULL, NULL, kt, run->t0 + j0, run->rotated, run->always};
                for (int i0 = 0; i0 < n; i0 += SUB_ROWS) {
                    int nb = n - i0 < SUB_ROWS ? n - i0 : SUB_ROWS;
                    int64_t a, b; /* the tile's keys this sub-block sees */
                    seen_keys(&tile, tq0 + i0, tq0 + i0 + nb - 1, window, &a, &b);
                    if (b < a) continue;
                    attend_tile(kn, sc->scores, q + (size_t)i0 * d, K + (size_t)a * d,
                                own ? sc->keys_t + a : NULL, V + (size_t)a * d, nb, (int)(b - a + 1),
                                dh, d, scale, tq0 + i0, tile.t0 + a, run, window, mx + i0, sum + i0,
                                o + (size_t)i0 * d);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            float r = 1.0f / sum[i]; /* every query sees at least itself */
            for (int k = 0; k < dh; k++) o[(size_t)i * d + k] *= r;
        }
    }
}

static void project_qkv(const AttnWeights *aw, Scratch *sc, const float *u, int n, int d)
{
    matmul_w(sc->q, d, u, d, &aw->wq, n, d, d, 0.0f);
    matmul_w(sc->k, d, u, d, &aw->wk, n, d, d, 0.0f);
    matmul_w(sc->v, d, u, d, &aw->wv, n, d, d, 0.0f);
    memcpy(sc->q_raw, sc->q, sizeof(float) * (size_t)n * d);
}

/* Prefix rows attend causally among themselves, nothing rotated; their keys/values are kept. */
static void prefix_attention(const TitansConfig *c, AttnState *as, Scratch *sc, int n)
{
    int d = c->d_model;
    memcpy(as->pk, sc->k, sizeof(float) * (size_t)n * d);
    memcpy(as->pv, sc->v, sizeof(float) * (size_t)n * d);
    KeyRun run = {as->pk, as->pv, n, 0, 0, 0};
    attend_rows(c, sc, sc->q, sc->q, n, 0, &run, 1, 0, sc->ao);
}

int attention_forward(const TitansModel *m, const AttnWeights *aw, AttnState *as, Scratch *sc,
                      const float *u, float *out, int n, int64_t row0, int windowed,
                      TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, np = c->n_persistent;
    project_qkv(aw, sc, u, n, d);
    if (row0 < np) {
        prefix_attention(c, as, sc, n);
        matmul_w(out, d, sc->ao, d, &aw->wo, n, d, d, 0.0f);
        return 0;
    }
    int64_t t0 = row0 - np; /* RoPE position (time) of the first row */
    rope_table(sc->rope_c, sc->rope_s, n, c->d_head / 2, m->inv_freq, (double)t0);
    rope_rows(sc->q, d, n, c->n_heads, c->d_head, sc->rope_c, sc->rope_s);
    rope_rows(sc->k, d, n, c->n_heads, c->d_head, sc->rope_c, sc->rope_s);
    KeyRun runs[4] = {{as->pk, as->pv, np, 0, 0, 1}};
    int nr = 1;
    if (!windowed) {
        if (attn_cache_reserve(as, t0 + n, d) != 0) {
            snprintf(err->msg, sizeof err->msg, "out of memory: attention cache of %lld keys x %d floats",
                     (long long)(t0 + n), 2 * d);
            return -1;
        }
        memcpy(as->k + (size_t)t0 * d, sc->k, sizeof(float) * (size_t)n * d);
        memcpy(as->v + (size_t)t0 * d, sc->v, sizeof(float) * (size_t)n * d);
        as->len = t0 + n;
        runs[nr++] = (KeyRun){as->k, as->v, as->len, 0, 1, 0};
        attend_rows(c, sc, sc->q, sc->q_raw, n, t0, runs, nr, 0, sc->ao);
    } else {
        /* the ring holds times t0-count .. t0-1 at slots tau % W: at most two runs in time order,
         * then the block's own keys; the block is written to the ring after attending */
        int64_t W = c->window, count = t0 < W ? t0 : W, first = t0 - count, s0 = first % W;
        int64_t len1 = W - s0 < count ? W - s0 : count;
        runs[nr++] = (KeyRun){as->k + (size_t)s0 * d, as->v + (size_t)s0 * d, len1, first, 1, 0};
        if (count > len1) runs[nr++] = (KeyRun){as->k, as->v, count - len1, first + len1, 1, 0};
        runs[nr++] = (KeyRun){sc->k, sc->v, n, t0, 1, 0};
        attend_rows(c, sc, sc->q, sc->q_raw, n, t0, runs, nr, W, sc->ao);
        for (int64_t i = n > W ? n - W : 0; i < n; i++) {
            int64_t slot = (t0 + i) % W;
            memcpy(as->k + (size_t)slot * d, sc->k + (size_t)i * d, sizeof(float) * (size_t)d);
            memcpy(as->v + (size_t)slot * d, sc->v + (size_t)i * d, sizeof(float) * (size_t)d);
            if (as->len < W) as->len++; /* a full ring overwrites its oldest entry */
        }
    }
    matmul_w(out, d, sc->ao, d, &aw->wo, n, d, d, 0.0f);
    return 0;
}

void mac_attention_forward(const TitansModel *m, const AttnWeights *aw, AttnState *as, Scratch *sc,
                           const float *u, const float *h, float *out, int n, int prefix)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, np = c->n_persistent, C = c->segment;
    int j0 = prefix ? 0 : as->seg_pos; /* row of the piece inside its segment */
    project_qkv(aw, sc, u, n, d);
    matmul_w(sc->hk, d, h, d, &aw->wk, n, d, d, 0.0f);
    matmul_w(sc->hv, d, h, d, &aw->wv, n, d, d, 0.0f);
    if (!prefix) { /* h_j at j, u_j at C + j, segment-relative */
        rope_table(sc->rope_c, sc->rope_s, n, c->d_head / 2, m->inv_freq, (double)(C + j0));
        rope_rows(sc->k, d, n, c->n_heads, c->d_head, sc->rope_c, sc->rope_s);
        rope_rows(sc->q, d, n, c->n_heads, c->d_head, sc->rope_c, sc->rope_s);
        rope_table(sc->rope_c, sc->rope_s, n, c->d_head / 2, m->inv_freq, (double)j0);
        rope_rows(sc->hk, d, n, c->n_heads, c->d_head, sc->rope_c, sc->rope_s);
    }
    /* prefix u rows become the prefix cache; ordinary u rows the segment cache */
    float *uk = prefix ? as->pk : as->k, *uv = prefix ? as->pv : as->v;
    size_t row = (size_t)j0 * d, bytes = sizeof(float) * (size_t)n * d;
    memcpy(uk + row, sc->k, bytes);
    memcpy(uv + row, sc->v, bytes);
    memcpy(as->hk + row, sc->hk, bytes);
    memcpy(as->hv + row, sc->hv, bytes);
    KeyRun runs[3] = {{as->pk, as->pv, prefix ? 0 : np, 0, 0, 1},
                      {as->hk, as->hv, j0 + n, 0, !prefix, 0},
                      {uk, uv, j0 + n, 0, !prefix, 0}};
    attend_rows(c, sc, sc->q, sc->q_raw, n, j0, runs, 3, 0, sc->ao);
    if (!prefix) {
        as->seg_pos += n;
        as->len = as->seg_pos;
    }
    matmul_w(out, d, sc->ao, d, &aw->wo, n, d, d, 0.0f);
}
