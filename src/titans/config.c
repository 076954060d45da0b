#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fail.h"
#include "weights.h"

static const char *const KIND_NAMES[] = {"attn", "swa", "lmm", "mac", "mag", "mal"};

const char *titans_layer_kind_name(TitansLayerKind k) { return KIND_NAMES[k]; }

int parse_layer_kind(const char *s, TitansLayerKind *k)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(s, KIND_NAMES[i]) == 0) {
            *k = (TitansLayerKind)i;
            return 0;
        }
    return -1;
}

int layer_has_attention(TitansLayerKind k) { return k != TITANS_LAYER_LMM; }
int layer_has_memory(TitansLayerKind k)
{
    return k == TITANS_LAYER_LMM || k == TITANS_LAYER_MAC || k == TITANS_LAYER_MAG ||
           k == TITANS_LAYER_MAL;
}
int layer_is_windowed(TitansLayerKind k)
{
    return k == TITANS_LAYER_SWA || k == TITANS_LAYER_MAG || k == TITANS_LAYER_MAL;
}

void mem_matrix_shape(const TitansConfig *c, int l, int *in, int *out)
{
    int L = c->mem_depth, dm = c->d_mem, h = c->mem_hidden;
    if (L == 1) {
        *in = *out = dm;
        return;
    }
    *in = l == 0 ? dm : h;
    *out = l == L - 1 ? dm : h;
}

size_t mem_matrix_offset(const TitansConfig *c, int l)
{
    size_t off = 0;
    for (int i = 0; i < l; i++) {
        int in, out;
        mem_matrix_shape(c, i, &in, &out);
        off += (size_t)c->mem_heads * in * out;
    }
    return off;
}

size_t mem_state_floats(const TitansConfig *c) { return mem_matrix_offset(c, c->mem_depth); }

#define FAIL(...) return titans_fail(err, path, __VA_ARGS__)

#define RANGE(field, lo, hi)                                                         \
    do {                                                                             \
        if (c->field < (lo) || c->field > (hi))                                      \
            FAIL("attribute '" #field "': %d is outside %d .. %d", c->field, (lo), (hi)); \
    } while (0)

int config_validate(TitansConfig *c, const char *path, TitansError *err)
{
    const int BIG = 1 << 24;
    int any_window = 0, any_mac = 0, any_mem = 0;
    RANGE(d_model, 1, 65536);
    RANGE(n_layers, 1, TITANS_MAX_LAYERS);
    RANGE(n_heads, 1, 65536);
    RANGE(ffn_dim, 1, BIG);
    RANGE(n_persistent, 0, BIG);
    RANGE(mem_heads, 1, 65536);
    RANGE(mem_depth, 1, TITANS_MAX_MEM_DEPTH);
    RANGE(mem_expansion, 1, 1024);
    RANGE(mem_chunk, 1, BIG);
    RANGE(mem_momentum, 0, 1);
    RANGE(mem_decay, 0, 1);
    RANGE(mem_conv, 0, 1);
    RANGE(window, 0, BIG);
    RANGE(segment, 0, BIG);
    if (c->input < TITANS_INPUT_BYTES || c->input > TITANS_INPUT_SERIES)
        FAIL("attribute 'input': %d is not a known input", (int)c->input);
    if (c->head < TITANS_HEAD_LM || c->head > TITANS_HEAD_FORECAST)
        FAIL("attribute 'head': %d is not a known head", (int)c->head);
    for (int i = 0; i < c->n_layers; i++)
        if (c->layer_kinds[i] < TITANS_LAYER_ATTN || c->layer_kinds[i] > TITANS_LAYER_MAL)
            FAIL("attribute 'layer_kinds': layer %d has kind %d, not a known kind", i, (int)c->layer_kinds[i]);
    if (c->d_model % c->n_heads != 0)
        FAIL("attribute 'n_heads': d_model %d is not divisible by n_heads %d", c->d_model, c->n_heads);
    if ((c->d_model / c->n_heads) % 2 != 0)
        FAIL("attribute 'n_heads': head width %d is odd (RoPE needs pairs)", c->d_model / c->n_heads);
    if (c->d_model % c->mem_heads != 0)
        FAIL("attribute 'mem_heads': d_model %d is not divisible by mem_heads %d", c->d_model,
             c->mem_heads);
    if (!(isfinite(c->theta_max) && c->theta_max > 0))
        FAIL("attribute 'theta_max': %g is not a finite positive number", c->theta_max);
    if (!(isfinite(c->rope_base) && c->rope_base > 1))
        FAIL("attribute 'rope_base': %g is not a finite number > 1", c->rope_base);
    for (int i = 0; i < c->n_layers; i++) {
        any_window |= layer_is_windowed(c->layer_kinds[i]);
        any_mac |= c->layer_kinds[i] == TITANS_LAYER_MAC;
        any_mem |= layer_has_memory(c->layer_kinds[i]);
    }
    (void)any_mem;
    if (any_window && c->window < 1)
        FAIL("attribute 'window': must be >= 1 for swa, mag or mal layers (got %d)", c->window);
    if (any_mac && c->segment < 1)
        FAIL("attribute 'segment': must be >= 1 for mac layers (got %d)", c->segment);

    switch (c->input) {
    case TITANS_INPUT_BYTES:
        if (c->head != TITANS_HEAD_LM) FAIL("attribute 'head': input 'bytes' needs head 'lm'");
        if (c->vocab_size != 256) FAIL("attribute 'vocab_size': %d, expected 256 for input 'bytes'", c->vocab_size);
        break;
    case TITANS_INPUT_DNA:
        if (c->head != TITANS_HEAD_CLS) FAIL("attribute 'head': input 'dna' needs head 'cls'");
        if (c->vocab_size != 5) FAIL("attribute 'vocab_size': %d, expected 5 for input 'dna'", c->vocab_size);
        if (c->n_classes < 2 || c->n_classes > BIG)
            FAIL("attribute 'n_classes': %d, expected >= 2 for head 'cls'", c->n_classes);
        break;
    case TITANS_INPUT_SERIES:
        if (c->head != TITANS_HEAD_FORECAST)
            FAIL("attribute 'head': input 'series' needs head 'forecast'");
        if (c->vocab_size != 0) FAIL("attribute 'vocab_size': %d, expected 0 for input 'series'", c->vocab_size);
        RANGE(patch_len, 1, BIG);
        RANGE(patch_stride, 1, BIG);
        RANGE(horizon, 1, BIG);
        RANGE(lookback, c->patch_len, BIG);
        if ((c->lookback - c->patch_len) % c->patch_stride != 0)
            FAIL("attribute 'patch_stride': %d does not divide lookback - patch_len = %d",
                 c->patch_stride, c->lookback - c->patch_len);
        break;
    }
    if (c->head != TITANS_HEAD_CLS && c->n_classes != 0)
        FAIL("attribute 'n_classes': %d, expected 0 for this head", c->n_classes);
    if (c->input != TITANS_INPUT_SERIES &&
        (c->lookback || c->horizon || c->patch_len || c->patch_stride))
        FAIL("attributes 'lookback/horizon/patch_len/patch_stride': must be 0 unless input is 'series'");

    c->d_head = c->d_model / c->n_heads;
    c->d_mem = c->d_model / c->mem_heads;
    c->mem_hidden = c->mem_expansion * c->d_mem;
    if (c->mem_depth >= 2 && (int64_t)c->mem_expansion * c->d_mem > BIG)
        FAIL("attribute 'mem_expansion': hidden width %lld is too large",
             (long long)c->mem_expansion * c->d_mem);
    c->n_patch = c->input == TITANS_INPUT_SERIES
                     ? (c->lookback - c->patch_len) / c->patch_stride + 2
                     : 0;
    return 0;
}
