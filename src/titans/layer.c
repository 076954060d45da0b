#include "layer.h"

#include <string.h>

#include "attention.h"
#include "kernels.h"
#include "memory.h"
#include "ops.h"

static void add_rows(float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

/* x += (SiLU(u W_gate) * (u W_up)) W_down with u = RMSNorm_ffn(x); the last product adds into x
 * (beta 1: the same single rounding of x + row as a separate sum) */
static void ffn_forward(const TitansConfig *c, const LayerWeights *lw, Scratch *sc, float *x, int n)
{
    int d = c->d_model, f = c->ffn_dim;
    rmsnorm(sc->u, x, lw->norm_ffn, n, d);
    matmul_w(sc->ffn_a, f, sc->u, d, &lw->ffn_w_gate, n, d, f, 0.0f);
    matmul_w(sc->ffn_b, f, sc->u, d, &lw->ffn_w_up, n, d, f, 0.0f);
    kernels()->silu_gate(sc->ffn_a, sc->ffn_b, sc->ffn_a, (size_t)n * f, 0);
    matmul_w(x, d, sc->ffn_a, f, &lw->ffn_w_down, n, f, d, 1.0f);
}

/* x += RMSNorm_a(a) * SiLU(RMSNorm_b(b)); a and b are overwritten. */
static void gated_add(const TitansConfig *c, const LayerWeights *lw, float *x, float *a, float *b, int n)
{
    int d = c->d_model;
    rmsnorm(a, a, lw->gate_norm_a, n, d);
    rmsnorm(b, b, lw->gate_norm_b, n, d);
    kernels()->silu_gate(x, a, b, (size_t)n * d, 1);
}

/* mac: cut the rows at segment boundaries; each piece reads the memory as it was before its
 * segment, attends over [prefix | h | u], writes the memory with RMSNorm_y(y) and is gated. */
static void mac_forward(const TitansModel *m, const LayerWeights *lw, TitansState *s, LayerState *ls,
                        float *x, int n, int64_t row0, int prefix)
{
    const TitansConfig *c = &m->cfg;
    Scratch *sc = &s->sc;
    int d = c->d_model, C = c->segment;
    rmsnorm(sc->u, x, lw->norm_mix, n, d);
    for (int i0 = 0; i0 < n;) {
        int len = prefix ? n : (C - ls->at.seg_pos < n - i0 ? C - ls->at.seg_pos : n - i0);
        if (prefix || ls->at.seg_pos == 0) {
            /* the memory after the previous row (a segment need not start a chunk) */
            memory_current(c, &ls->mem, sc, row0 + i0, s->path, ls->at.mseg, sc->scur);
            ls->at.len = 0; /* the previous segment's h and u rows are no longer seen */
        }
        const float *u = sc->u + (size_t)i0 * d;
        /* h = RMSNorm_h(M_{s-1}(L2(SiLU(u W_Q)))) W_h   [len, d] -> y2 */
        memory_read_fixed(m, &lw->mem, ls->at.mseg, sc, u, sc->y1, len);
        rmsnorm(sc->y1, sc->y1, lw->mac_norm_h, len, d);
        matmul_w(sc->y2, d, sc->y1, d, &lw->mac_w_h, len, d, d, 0.0f);
        /* y = Attn([prefix | h | u]) -> y3 */
        mac_attention_forward(m, &lw->attn, &ls->at, sc, u, sc->y2, sc->y3, len, prefix);
        if (ls->at.seg_pos == C) ls->at.seg_pos = 0; /* the next piece starts a new segment */
        /* z = LMM(RMSNorm_y(y)) -> y2 */
        rmsnorm(sc->y1, sc->y3, lw->mac_norm_y, len, d);
        memory_forward(m, &lw->mem, &ls->mem, sc, sc->y1, sc->y2, len, row0 + i0, s->path);
        gated_add(c, lw, x + (size_t)i0 * d, sc->y3, sc->y2, len);
        i0 += len;
    }
}

int layer_forward(const TitansModel *m, int li, TitansState *s, float *x, int n, int64_t row0,
                  TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    const LayerWeights *lw = &m->w.layers[li];
    LayerState *ls = &s->layers[li];
    Scratch *sc = &s->sc;
    int d = c->d_model;
    size_t nd = (size_t)n * d;
    int prefix = row0 < c->n_persistent;

    switch (lw->kind) {
    case TITANS_LAYER_ATTN:
    case TITANS_LAYER_SWA:
        rmsnorm(sc->u, x, lw->norm_mix, n, d);
        if (attention_forward(m, &lw->attn, &ls->at, sc, sc->u, sc->y1, n, row0,
                              lw->kind == TITANS_LAYER_SWA, err) != 0)
            return -1;
        add_rows(x, sc->y1, nd);
        break;
    case TITANS_LAYER_LMM:
        rmsnorm(sc->u, x, lw->norm_mix, n, d);
        memory_forward(m, &lw->mem, &ls->mem, sc, sc->u, sc->y1, n, row0, s->path);
        add_rows(x, sc->y1, nd);
        break;
    case TITANS_LAYER_MAL:
        rmsnorm(sc->u, x, lw->norm_mix, n, d);
        memory_forward(m, &lw->mem, &ls->mem, sc, sc->u, sc->y1, n, row0, s->path);
        add_rows(x, sc->y1, nd);
        rmsnorm(sc->u, x, lw->norm_attn, n, d);
        if (attention_forward(m, &lw->attn, &ls->at, sc, sc->u, sc->y1, n, row0, 1, err) != 0)
            return -1;
        add_rows(x, sc->y1, nd);
        break;
    case TITANS_LAYER_MAG:
        rmsnorm(sc->u, x, lw->norm_mix, n, d);
        if (attention_forward(m, &lw->attn, &ls->at, sc, sc->u, sc->y1, n, row0, 1, err) != 0)
            return -1;
        memory_forward(m, &lw->mem, &ls->mem, sc, sc->u, sc->y2, n, row0, s->path);
        gated_add(c, lw, x, sc->y1, sc->y2, n);
        break;
    case TITANS_LAYER_MAC:
        mac_forward(m, lw, s, ls, x, n, row0, prefix);
        break;
    }
    ffn_forward(c, lw, sc, x, n);
    return 0;
}
