/* The whole model: embed -> [persistent prefix] -> layers -> RMSNorm -> head (docs/model.md 1).
 * The prefix is run once at load; every sequence starts from a copy of that state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <xxhash.h>

#include "kernels.h"
#include "layer.h"
#include "ops.h"
#include "state.h"

/* ---- rows through the layers ----------------------------------------------------------------- */

/* x [n, d] rows at the state's next layer positions; n <= scratch rows. Updates s->rows. */
static int run_rows(const TitansModel *m, TitansState *s, float *x, int n, const TitansTrace *tr,
                    int64_t trace_row, TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    for (int l = 0; l < c->n_layers; l++) {
        if (layer_forward(m, l, s, x, n, s->rows, err) != 0) return -1;
        if (tr && tr->layer_out)
            memcpy(tr->layer_out[l] + (size_t)trace_row * c->d_model, x,
                   sizeof(float) * (size_t)n * c->d_model);
    }
    s->rows += n;
    return 0;
}

static int run_prefix(TitansModel *m, TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    TitansState *s = m->prefix;
    int np = c->n_persistent, d = c->d_model;
    memset(s->arena, 0, sizeof(float) * s->arena_floats);
    for (int i = 0; i < c->n_layers; i++) {
        s->layers[i].at.seg_pos = 0;
        s->layers[i].at.len = 0;
        if (layer_has_memory(c->layer_kinds[i])) {
            for (int l = 0; l < c->mem_depth; l++) {
                int in, out;
                mem_matrix_shape(c, l, &in, &out);
                memcpy(s->layers[i].mem.M + mem_matrix_offset(c, l), m->w.layers[i].mem.m0[l],
                       sizeof(float) * (size_t)c->mem_heads * in * out);
            }
        }
    }
    s->rows = 0;
    s->path = m->path;
    if (np == 0) return 0;
    float **outs = calloc((size_t)c->n_layers, sizeof *outs);
    if (!outs) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    for (int l = 0; l < c->n_layers; l++) outs[l] = m->prefix_trace + (size_t)l * np * d;
    TitansTrace tr = {outs};
    float *x = s->sc.x;
    memcpy(x, m->w.persistent, sizeof(float) * (size_t)np * d);
    int rc = run_rows(m, s, x, np, &tr, 0, err);
    free(outs);
    return rc;
}

/* ---- model ----------------------------------------------------------------------------------- */

static int model_load(const char *path, const void *image, size_t len, TitansModel **out, TitansError *err)
{
    *out = NULL;
    TitansModel *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        return -1;
    }
    if (checkpoint_load(path, image, len, &m->cfg, &m->w, &m->fingerprint, err) != 0) {
        free(m);
        return -1;
    }
    const TitansConfig *c = &m->cfg;
    snprintf(m->name, sizeof m->name, "%s", path);
    m->path = TITANS_MEMORY_CHUNKED;
    int half = c->d_head / 2;
    m->inv_freq = malloc(sizeof(double) * (size_t)(half ? half : 1));
    m->prefix_trace = calloc((size_t)c->n_layers * c->n_persistent * c->d_model + 1, sizeof(float));
    if (!m->inv_freq || !m->prefix_trace) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        titans_model_free(m);
        return -1;
    }
    for (int i = 0; i < half; i++) m->inv_freq[i] = pow(c->rope_base, -2.0 * i / c->d_head);
    m->prefix = state_alloc(m, err);
    if (!m->prefix || run_prefix(m, err) != 0) {
        titans_model_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

int titans_model_load(const char *path, TitansModel **out, TitansError *err)
{
    return model_load(path, NULL, 0, out, err);
}

int titans_model_load_image(const void *image, size_t len, const char *name, TitansModel **out,
                            TitansError *err)
{
    return model_load(name, image, len, out, err);
}

void titans_model_free(TitansModel *m)
{
    if (!m) return;
    titans_state_free(m->prefix);
    free(m->inv_freq);
    free(m->prefix_trace);
    weights_free(&m->w);
    free(m);
}

const TitansConfig *titans_model_config(const TitansModel *m) { return &m->cfg; }
TitansMemoryPath titans_model_memory_path(const TitansModel *m) { return m->path; }
const float *titans_model_prefix_trace(const TitansModel *m, int layer)
{
    return m->prefix_trace + (size_t)layer * m->cfg.n_persistent * m->cfg.d_model;
}
size_t titans_model_n_params(const TitansModel *m) { return m->w.n_floats; }

int titans_model_use_bf16(TitansModel *m, TitansError *err)
{
    if (m->w.arena_bf16) return 0;
    if (weights_round_bf16(&m->cfg, &m->w, m->name, err) != 0) return -1;
    /* other weights: a state saved with the float32 ones does not restore into this model */
    m->fingerprint = XXH3_64bits_withSeed(&m->fingerprint, sizeof m->fingerprint, 0xbf16);
    m->prefix->fingerprint = m->fingerprint;
    return run_prefix(m, err);
}

int titans_model_bf16(const TitansModel *m) { return m->w.arena_bf16 != NULL; }

size_t titans_model_decode_weight_bytes(const TitansModel *m)
{
    size_t half = m->w.arena_bf16 && kernels()->gemv_bf16 ? m->w.n_bf16 : 0;
    return sizeof(float) * (m->w.n_floats - half) + sizeof(uint16_t) * half;
}

int titans_model_set_memory_path(TitansModel *m, TitansMemoryPath path, TitansError *err)
{
    m->path = path;
    return run_prefix(m, err);
}

TitansState *titans_state_new(const TitansModel *m, TitansError *err)
{
    TitansState *s = state_alloc(m, err);
    if (s) {
        s->path = m->path;
        titans_state_reset(m, s);
    }
    return s;
}

void titans_state_reset(const TitansModel *m, TitansState *s)
{
    TitansError err;
    TitansMemoryPath path = s->path;
    /* same model, so only the attn caches can need memory; the prefix holds none of them */
    if (titans_state_copy(s, m->prefix, &err) != 0) abort();
    s->path = path;
}

/* ---- token inputs ---------------------------------------------------------------------------- */

static void final_rows(const TitansModel *m, const float *x, float *out, int n)
{
    rmsnorm(out, x, m->w.final_norm, n, m->cfg.d_model);
}

/* Rows fed through the layers by this process; read by another thread for a progress display. */
static _Atomic int64_t rows_processed;

int64_t titans_tokens_processed(void) { return atomic_load_explicit(&rows_processed, memory_order_relaxed); }

/* Weights that are finite but huge (1e30) overflow float32 in the products and leave NaN or Inf
 * logits; an argmax over those would silently answer byte 0. rows logits of width n, the first
 * at sequence position token. */
static int check_logits(const float *logits, int rows, int n, int64_t token, TitansError *err)
{
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < n; i++)
            if (!isfinite(logits[(size_t)r * n + i])) {
                snprintf(err->msg, sizeof err->msg, "model produced non-finite logits at token %lld: "
                         "the checkpoint's weights overflow float32", (long long)(token + r));
                return -1;
            }
    return 0;
}

int titans_forward(const TitansModel *m, TitansState *s, const int32_t *tokens, int64_t n,
                   float *logits_all, float *logits_last, const TitansTrace *trace,
                   TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, V = c->vocab_size;
    if (c->input == TITANS_INPUT_SERIES) {
        snprintf(err->msg, sizeof err->msg, "titans_forward: a series model takes windows (titans_forecast)");
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= V) {
            snprintf(err->msg, sizeof err->msg, "token %lld: value %d is outside 0 .. %d",
                     (long long)i, tokens[i], V - 1);
            return -1;
        }
    float *x = s->sc.x, *h = s->sc.y1;
    int64_t pos0 = titans_state_position(s);
    for (int64_t i0 = 0; i0 < n; i0 += TITANS_BLOCK) {
        int len = n - i0 < TITANS_BLOCK ? (int)(n - i0) : TITANS_BLOCK;
        for (int i = 0; i < len; i++)
            memcpy(x + (size_t)i * d, m->w.embed + (size_t)tokens[i0 + i] * d, sizeof(float) * d);
        if (run_rows(m, s, x, len, trace, i0, err) != 0) return -1;
        atomic_fetch_add_explicit(&rows_processed, len, memory_order_relaxed);
        final_rows(m, x, h, len);
        if (c->head == TITANS_HEAD_CLS)
            for (int i = 0; i < len; i++)
                for (int j = 0; j < d; j++) s->cls_sum[j] += h[(size_t)i * d + j];
        if (c->head != TITANS_HEAD_LM) continue;
        if (logits_all) {
            matmul_w(logits_all + (size_t)i0 * 256, 256, h, d, &m->w.head_w, len, d, 256, 0.0f);
            if (check_logits(logits_all + (size_t)i0 * 256, len, 256, pos0 + i0, err) != 0) return -1;
        }
        if (logits_last && i0 + len == n) {
            matmul_w(logits_last, 256, h + (size_t)(len - 1) * d, d, &m->w.head_w, 1, d, 256, 0.0f);
            if (check_logits(logits_last, 1, 256, pos0 + n - 1, err) != 0) return -1;
        }
    }
    return 0;
}

static int argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

int titans_generate_greedy(const TitansModel *m, TitansState *s, const int32_t *prompt,
                           int64_t n_prompt, int max_new, int stop, int32_t *out, int *n_out,
                           float *step_logits, TitansError *err)
{
    float logits[256];
    *n_out = 0;
    if (m->cfg.head != TITANS_HEAD_LM) {
        snprintf(err->msg, sizeof err->msg, "generation needs an lm head");
        return -1;
    }
    if (n_prompt < 1) {
        snprintf(err->msg, sizeof err->msg, "generation needs a prompt of at least one byte");
        return -1;
    }
    if (titans_forward(m, s, prompt, n_prompt, NULL, logits, NULL, err) != 0) return -1;
    for (int i = 0; i < max_new; i++) {
        int32_t tok = argmax(logits, 256);
        if (step_logits) memcpy(step_logits + (size_t)i * 256, logits, sizeof logits);
        out[(*n_out)++] = tok;
        if (tok == stop || i + 1 == max_new) break;
        if (titans_forward(m, s, &tok, 1, NULL, logits, NULL, err) != 0) return -1;
    }
    return 0;
}

int titans_classify(const TitansModel *m, TitansState *s, const int32_t *seq, int64_t n,
                    float *logits, TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    if (c->head != TITANS_HEAD_CLS) {
        snprintf(err->msg, sizeof err->msg, "classification needs a cls head");
        return -1;
    }
    if (n < 1) {
        snprintf(err->msg, sizeof err->msg, "classification needs a non-empty sequence");
        return -1;
    }
    titans_state_reset(m, s);
    if (titans_forward(m, s, seq, n, NULL, NULL, NULL, err) != 0) return -1;
    float *mean = s->sc.y2;
    for (int j = 0; j < c->d_model; j++) mean[j] = s->cls_sum[j] / (float)n;
    matmul_w(logits, c->n_classes, mean, c->d_model, &m->w.head_w, 1, c->d_model,
           c->n_classes, 0.0f);
    for (int k = 0; k < c->n_classes; k++) logits[k] += m->w.head_b[k];
    return check_logits(logits, 1, c->n_classes, n - 1, err);
}

/* ---- series input ---------------------------------------------------------------------------- */

int titans_forecast(const TitansModel *m, TitansState *s, const float *window, int channels,
                    float *forecast, const TitansTrace *trace, TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    int d = c->d_model, L = c->lookback, P = c->patch_len, S = c->patch_stride, H = c->horizon;
    int np = c->n_patch;
    if (c->head != TITANS_HEAD_FORECAST) {
        snprintf(err->msg, sizeof err->msg, "forecasting needs a forecast head");
        return -1;
    }
    if (channels < 1) {
        snprintf(err->msg, sizeof err->msg, "forecast: %d channels", channels);
        return -1;
    }
    for (int64_t i = 0; i < (int64_t)L * channels; i++)
        if (!isfinite(window[i])) {
            snprintf(err->msg, sizeof err->msg, "forecast: window value %lld (row %lld, channel %lld) is not finite",
                     (long long)i, (long long)(i / channels), (long long)(i % channels));
            return -1;
        }
    float *series = malloc(sizeof(float) * (size_t)(L + S));
    float *y = malloc(sizeof(float) * (size_t)H);
    if (!series || !y) {
        free(series);
        free(y);
        snprintf(err->msg, sizeof err->msg, "forecast: out of memory");
        return -1;
    }
    int rc = 0;
    for (int ch = 0; ch < channels && rc == 0; ch++) {
        /* RevIN without affine: the channel's own window statistics */
        double mean = 0.0, var = 0.0;
        for (int t = 0; t < L; t++) mean += window[(size_t)t * channels + ch];
        mean /= L;
        for (int t = 0; t < L; t++) {
            double dv = window[(size_t)t * channels + ch] - mean;
            var += dv * dv;
        }
        float stdev = (float)sqrt(var / L + 1e-5);
        for (int t = 0; t < L; t++) series[t] = (float)((window[(size_t)t * channels + ch] - mean) / stdev);
        for (int t = L; t < L + S; t++) series[t] = series[L - 1];

        titans_state_reset(m, s);
        const TitansTrace *tr = ch == 0 ? trace : NULL;
        for (int p0 = 0; p0 < np && rc == 0; p0 += TITANS_BLOCK) {
            int len = np - p0 < TITANS_BLOCK ? np - p0 : TITANS_BLOCK;
            float *x = s->sc.x;
            /* x = patches [len, P] W_patch + b_patch + pos */
            for (int i = 0; i < len; i++) {
                float *xi = x + (size_t)i * d;
                memcpy(xi, m->w.patch_b, sizeof(float) * d);
                for (int j = 0; j < d; j++) xi[j] += m->w.pos[(size_t)(p0 + i) * d + j];
            }
            for (int i = 0; i < len; i++)
                matmul_w(x + (size_t)i * d, d, series + (size_t)(p0 + i) * S, P, &m->w.patch_w, 1, P, d, 1.0f);
            rc = run_rows(m, s, x, len, tr, p0, err);
            if (rc == 0) final_rows(m, x, s->series_rows + (size_t)p0 * d, len);
        }
        if (rc != 0) break;
        /* flatten [n_patch, d] -> W_fc [n_patch * d, H] + b, then undo the normalisation */
        matmul_w(y, H, s->series_rows, np * d, &m->w.head_w, 1, np * d, H, 0.0f);
        for (int k = 0; k < H; k++)
            forecast[(size_t)k * channels + ch] = (y[k] + m->w.head_b[k]) * stdev + (float)mean;
        for (int k = 0; rc == 0 && k < H; k++)
            if (!isfinite(forecast[(size_t)k * channels + ch])) {
                snprintf(err->msg, sizeof err->msg, "model produced a non-finite forecast at step %d of "
                         "channel %d: the checkpoint's weights (or the window's values) overflow float32", k, ch);
                rc = -1;
            }
    }
    free(series);
    free(y);
    return rc;
}
