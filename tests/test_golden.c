/* C engine vs the PyTorch reference on every golden fixture in tests/fixtures (made by
 * scripts/reference/make_fixtures.py in float64 from float32 weights). Each fixture is checked
 * with both memory paths: per-layer outputs (prefix rows included), the head's output and the
 * memory state (fast weights and momentum) after the last token.
 * Tolerance: max|c - ref| / max|ref| <= 1e-4 per tensor (float32 engine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testhelp.h"
#include "titans.h"

#define TOL 1e-4

static int compare_memory(const char *file, const TitansModel *m, const TitansState *s, const char *tag)
{
    const TitansConfig *c = titans_model_config(m);
    int ok = 1;
    char ds[128], label[160];
    for (int i = 0; i < c->n_layers; i++)
        for (int l = 1; l <= c->mem_depth; l++) {
            const float *got[2] = {titans_state_memory_weights(s, i, l), titans_state_memory_momentum(s, i, l)};
            const char *what[2] = {"w", "s"};
            for (int k = 0; k < 2; k++) {
                if (!got[k]) continue;
                snprintf(ds, sizeof ds, "/fixture/mem/%d/%s_%d", i, what[k], l);
                size_t n = 0;
                float *ref = h5_read_f32(file, ds, &n);
                snprintf(label, sizeof label, "%s %s", tag, ds);
                if (!ref) {
                    printf("# %s: missing in fixture\n", ds);
                    ok = 0;
                    continue;
                }
                ok &= check_tensor(label, got[k], ref, n, TOL);
                free(ref);
            }
        }
    return ok;
}

/* layer_out/<i> holds [N_p + T, d]: prefix rows (from the model) then the traced rows. */
static int compare_layers(const char *file, const TitansModel *m, float **trace, int T, const char *tag)
{
    const TitansConfig *c = titans_model_config(m);
    int ok = 1, np = c->n_persistent, d = c->d_model;
    char ds[64], label[160];
    float *all = malloc(sizeof(float) * (size_t)(np + T) * d);
    for (int i = 0; i < c->n_layers; i++) {
        snprintf(ds, sizeof ds, "/fixture/layer_out/%d", i);
        size_t n = 0;
        float *ref = h5_read_f32(file, ds, &n);
        if (!ref || n != (size_t)(np + T) * d) {
            printf("# %s: missing or wrong size in fixture\n", ds);
            free(ref);
            ok = 0;
            continue;
        }
        memcpy(all, titans_model_prefix_trace(m, i), sizeof(float) * (size_t)np * d);
        memcpy(all + (size_t)np * d, trace[i], sizeof(float) * (size_t)T * d);
        snprintf(label, sizeof label, "%s %s", tag, ds);
        ok &= check_tensor(label, all, ref, n, TOL);
        free(ref);
    }
    free(all);
    return ok;
}

static int run_tokens(const char *file, TitansModel *m, const char *tag)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    size_t T = 0, nref = 0;
    int32_t *tokens = h5_read_i32(file, "/fixture/tokens", &T);
    float *ref = h5_read_f32(file, "/fixture/final", &nref);
    if (!tokens || !ref) return 0;
    float **trace = alloc_trace(c->n_layers, (int)T, c->d_model);
    TitansTrace tr = {trace};
    float *logits = c->head == TITANS_HEAD_LM ? malloc(sizeof(float) * T * 256) : NULL;
    TitansState *s = titans_state_new(m, &err);
    int ok = s && titans_forward(m, s, tokens, (int64_t)T, logits, NULL, &tr, &err) == 0;
    if (!ok) printf("# forward failed: %s\n", err.msg);
    char label[160];
    if (ok) ok &= compare_layers(file, m, trace, (int)T, tag);
    if (ok) ok &= compare_memory(file, m, s, tag);
    snprintf(label, sizeof label, "%s /fixture/final", tag);
    if (ok && c->head == TITANS_HEAD_LM) ok &= check_tensor(label, logits, ref, nref, TOL);
    if (ok && c->head == TITANS_HEAD_CLS) {
        float *cls = malloc(sizeof(float) * (size_t)c->n_classes);
        ok &= titans_classify(m, s, tokens, (int64_t)T, cls, &err) == 0 &&
              check_tensor(label, cls, ref, nref, TOL);
        free(cls);
    }
    titans_state_free(s);
    free_trace(trace, c->n_layers);
    free(logits);
    free(tokens);
    free(ref);
    return ok;
}

static int run_series(const char *file, TitansModel *m, const char *tag)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    size_t nw = 0, nref = 0;
    float *window = h5_read_f32(file, "/fixture/window", &nw);
    float *ref = h5_read_f32(file, "/fixture/final", &nref);
    long C = h5_attr_int(file, "/fixture", "n_channels");
    if (!window || !ref || C < 1 || nw != (size_t)c->lookback * (size_t)C) return 0;
    int T = c->n_patch;
    float **trace = alloc_trace(c->n_layers, T, c->d_model);
    TitansTrace tr = {trace};
    float *col0 = malloc(sizeof(float) * (size_t)c->lookback);
    for (int t = 0; t < c->lookback; t++) col0[t] = window[(size_t)t * C];
    float *f0 = malloc(sizeof(float) * (size_t)c->horizon), *fc = malloc(sizeof(float) * nref);
    TitansState *s = titans_state_new(m, &err);
    /* channel 0 alone: its trace and memory state (channels are independent) */
    int ok = s && titans_forecast(m, s, col0, 1, f0, &tr, &err) == 0;
    if (ok) ok &= compare_layers(file, m, trace, T, tag);
    if (ok) ok &= compare_memory(file, m, s, tag);
    char label[160];
    snprintf(label, sizeof label, "%s /fixture/final", tag);
    if (ok) ok &= titans_forecast(m, s, window, (int)C, fc, NULL, &err) == 0 &&
                  check_tensor(label, fc, ref, nref, TOL);
    titans_state_free(s);
    free_trace(trace, c->n_layers);
    free(col0);
    free(f0);
    free(fc);
    free(window);
    free(ref);
    return ok;
}

static void test_fixture(void **state)
{
    const char *name = *state;
    char file[1024];
    snprintf(file, sizeof file, "%s", fixture_path(name));
    TitansModel *m = NULL;
    TitansError err;
    if (titans_model_load(file, &m, &err) != 0) fail_msg("%s", err.msg);
    int ok = 1;
    const TitansMemoryPath paths[2] = {TITANS_MEMORY_CHUNKED, TITANS_MEMORY_SEQUENTIAL};
    for (int p = 0; p < 2; p++) {
        assert_int_equal(titans_model_set_memory_path(m, paths[p], &err), 0);
        const char *tag = p == 0 ? "chunked" : "sequential";
        ok &= titans_model_config(m)->input == TITANS_INPUT_SERIES ? run_series(file, m, tag)
                                                                  : run_tokens(file, m, tag);
    }
    titans_model_free(m);
    assert_true(ok);
}

int main(void) { return run_fixture_group("golden", test_fixture); }
