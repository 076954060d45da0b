#include "tensor_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int vadd(TensorList *tl, const float **dst, const uint16_t **bf16, int rank, uint64_t d0,
                uint64_t d1, uint64_t d2, const char *fmt, va_list ap)
{
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? 2 * tl->cap : 64;
        TensorSpec *v = realloc(tl->v, cap * sizeof *v);
        if (!v) return -1;
        tl->v = v;
        tl->cap = cap;
    }
    TensorSpec *t = &tl->v[tl->n++];
    vsnprintf(t->path, sizeof t->path, fmt, ap);
    t->rank = rank;
    t->dims[0] = d0;
    t->dims[1] = d1;
    t->dims[2] = d2;
    t->dst = dst;
    t->bf16 = bf16;
    return 0;
}

static int add(TensorList *tl, const float **dst, int rank, uint64_t d0, uint64_t d1, uint64_t d2,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(tl, dst, NULL, rank, d0, d1, d2, fmt, ap);
    va_end(ap);
    return rc;
}

/* A matrix of a product [rows, cols]: it may also get a bf16 copy. */
static int add_matrix(TensorList *tl, Matrix *mx, uint64_t rows, uint64_t cols, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(tl, &mx->f, &mx->bf16, 2, rows, cols, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int tensor_list_build(const TitansConfig *c, TitansWeights *w, TensorList *tl)
{
    uint64_t d = (uint64_t)c->d_model, f = (uint64_t)c->ffn_dim, H = (uint64_t)c->mem_heads;
    int rc = 0;
    if (c->input == TITANS_INPUT_SERIES) {
        rc |= add_matrix(tl, &w->patch_w, c->patch_len, d, "/embed/patch_w");
        rc |= add(tl, &w->patch_b, 1, d, 0, 0, "/embed/patch_b");
        rc |= add(tl, &w->pos, 2, c->n_patch, d, 0, "/embed/pos");
    } else {
        rc |= add(tl, &w->embed, 2, c->vocab_size, d, 0, "/embed/table");
    }
    if (c->n_persistent > 0) rc |= add(tl, &w->persistent, 2, c->n_persistent, d, 0, "/persistent");
    rc |= add(tl, &w->final_norm, 1, d, 0, 0, "/final_norm");
    switch (c->head) {
    case TITANS_HEAD_LM: rc |= add_matrix(tl, &w->head_w, d, 256, "/head/w"); break;
    case TITANS_HEAD_CLS:
        rc |= add_matrix(tl, &w->head_w, d, c->n_classes, "/head/w");
        rc |= add(tl, &w->head_b, 1, c->n_classes, 0, 0, "/head/b");
        break;
    case TITANS_HEAD_FORECAST:
        rc |= add_matrix(tl, &w->head_w, (uint64_t)c->n_patch * d, c->horizon, "/head/w");
        rc |= add(tl, &w->head_b, 1, c->horizon, 0, 0, "/head/b");
        break;
    }
    for (int i = 0; i < c->n_layers; i++) {
        LayerWeights *lw = &w->layers[i];
        TitansLayerKind k = c->layer_kinds[i];
        lw->kind = k;
        rc |= add(tl, &lw->norm_mix, 1, d, 0, 0, "/layers/%d/norm/mix", i);
        if (k == TITANS_LAYER_MAL) rc |= add(tl, &lw->norm_attn, 1, d, 0, 0, "/layers/%d/norm/attn", i);
        rc |= add(tl, &lw->norm_ffn, 1, d, 0, 0, "/layers/%d/norm/ffn", i);
        if (layer_has_attention(k)) {
            rc |= add_matrix(tl, &lw->attn.wq, d, d, "/layers/%d/attn/wq", i);
            rc |= add_matrix(tl, &lw->attn.wk, d, d, "/layers/%d/attn/wk", i);
            rc |= add_matrix(tl, &lw->attn.wv, d, d, "/layers/%d/attn/wv", i);
            rc |= add_matrix(tl, &lw->attn.wo, d, d, "/layers/%d/attn/wo", i);
        }
        if (layer_has_memory(k)) {
            MemWeights *m = &lw->mem;
            rc |= add_matrix(tl, &m->wq, d, d, "/layers/%d/mem/wq", i);
            rc |= add_matrix(tl, &m->wk, d, d, "/layers/%d/mem/wk", i);
            rc |= add_matrix(tl, &m->wv, d, d, "/layers/%d/mem/wv", i);
            rc |= add(tl, &m->conv_q, 2, 4, d, 0, "/layers/%d/mem/conv_q", i);
            rc |= add(tl, &m->conv_k, 2, 4, d, 0, "/layers/%d/mem/conv_k", i);
            rc |= add(tl, &m->conv_v, 2, 4, d, 0, "/layers/%d/mem/conv_v", i);
            rc |= add_matrix(tl, &m->w_theta, d, H, "/layers/%d/mem/w_theta", i);
            rc |= add_matrix(tl, &m->w_eta, d, H, "/layers/%d/mem/w_eta", i);
            rc |= add_matrix(tl, &m->w_alpha, d, H, "/layers/%d/mem/w_alpha", i);
            rc |= add(tl, &m->b_theta, 1, H, 0, 0, "/layers/%d/mem/b_theta", i);
            rc |= add(tl, &m->b_eta, 1, H, 0, 0, "/layers/%d/mem/b_eta", i);
            rc |= add(tl, &m->b_alpha, 1, H, 0, 0, "/layers/%d/mem/b_alpha", i);
            rc |= add(tl, &m->out_norm, 1, d, 0, 0, "/layers/%d/mem/out_norm", i);
            rc |= add_matrix(tl, &m->w_gate, d, d, "/layers/%d/mem/w_gate", i);
            rc |= add_matrix(tl, &m->wo, d, d, "/layers/%d/mem/wo", i);
            for (int l = 0; l < c->mem_depth; l++) {
                int in, out;
                mem_matrix_shape(c, l, &in, &out);
                rc |= add(tl, &m->m0[l], 3, H, in, out, "/layers/%d/mem/m0_%d", i, l + 1);
            }
        }
        if (k == TITANS_LAYER_MAG || k == TITANS_LAYER_MAC) {
            rc |= add(tl, &lw->gate_norm_a, 1, d, 0, 0, "/layers/%d/gate/norm_a", i);
            rc |= add(tl, &lw->gate_norm_b, 1, d, 0, 0, "/layers/%d/gate/norm_b", i);
        }
        if (k == TITANS_LAYER_MAC) {
            rc |= add(tl, &lw->mac_norm_h, 1, d, 0, 0, "/layers/%d/mac/norm_h", i);
            rc |= add(tl, &lw->mac_norm_y, 1, d, 0, 0, "/layers/%d/mac/norm_y", i);
            rc |= add_matrix(tl, &lw->mac_w_h, d, d, "/layers/%d/mac/w_h", i);
        }
        rc |= add_matrix(tl, &lw->ffn_w_gate, d, f, "/layers/%d/ffn/w_gate", i);
        rc |= add_matrix(tl, &lw->ffn_w_up, d, f, "/layers/%d/ffn/w_up", i);
        rc |= add_matrix(tl, &lw->ffn_w_down, f, d, "/layers/%d/ffn/w_down", i);
    }
    return rc;
}

size_t tensor_floats(const TensorSpec *t)
{
    size_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] && n > SIZE_MAX / t->dims[i]) return SIZE_MAX;
        n *= (size_t)t->dims[i];
    }
    return n;
}

int tensor_list_floats(const TensorList *tl, size_t *total)
{
    size_t sum = 0, limit = SIZE_MAX / sizeof(float);
    for (size_t i = 0; i < tl->n; i++) {
        size_t n = tensor_floats(&tl->v[i]);
        if (n > limit - sum) return -1;
        sum += n;
    }
    *total = sum;
    return 0;
}

void tensor_list_free(TensorList *tl)
{
    free(tl->v);
    tl->v = NULL;
    tl->n = tl->cap = 0;
}
