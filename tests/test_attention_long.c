/* Attention's tiling on contexts longer than the golden fixtures reach (they hold 32-64 tokens
 * with window and segment 8): the checkpoints in tests/fixtures/long (weights only, made by
 * scripts/reference/make_checkpoint.py; d_head 32, window 100, segment 160, 5 persistent rows)
 * run 1300 tokens as one prefill (256-row blocks, 32-row sub-blocks, 512-key tiles), in pieces
 * of 77 tokens (sub-blocks cut at other rows) and token by token (one query row, sgemv, no
 * tiling), under every kernel set this CPU has: every layer's outputs agree to float32 rounding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testhelp.h"
#include "titans.h"

enum { T = 1300 };

/* the trace of T tokens fed in pieces of `piece` tokens */
static void run_pieces(TitansModel *m, const int32_t *tok, int piece, float **trace)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    TitansState *s = titans_state_new(m, &err);
    assert_non_null(s);
    float **at = calloc((size_t)c->n_layers, sizeof(float *));
    for (int t0 = 0; t0 < T; t0 += piece) {
        int n = T - t0 < piece ? T - t0 : piece;
        for (int i = 0; i < c->n_layers; i++) at[i] = trace[i] + (size_t)t0 * c->d_model;
        TitansTrace tr = {at};
        assert_int_equal(titans_forward(m, s, tok + t0, n, NULL, NULL, &tr, &err), 0);
    }
    free(at);
    titans_state_free(s);
}

static void agree(const char *file, const char *kernels, double tol)
{
    if (titans_use_kernels(kernels) != 0) {
        printf("# this CPU has no %s: skipped\n", kernels);
        return;
    }
    TitansModel *m = NULL;
    TitansError err;
    assert_int_equal(titans_model_load(fixture_path(file), &m, &err), 0);
    const TitansConfig *c = titans_model_config(m);
    int32_t tok[T];
    unsigned seed = 5;
    for (int i = 0; i < T; i++) {
        seed = seed * 1664525u + 1013904223u;
        tok[i] = (int32_t)((seed >> 16) % (unsigned)c->vocab_size);
    }
    static const int pieces[] = {T, 77, 1};
    float **trace[3];
    for (int p = 0; p < 3; p++) {
        trace[p] = alloc_trace(c->n_layers, T, c->d_model);
        run_pieces(m, tok, pieces[p], trace[p]);
    }
    int ok = 1;
    char label[160];
    for (int p = 1; p < 3; p++)
        for (int i = 0; i < c->n_layers; i++) {
            snprintf(label, sizeof label, "%s %s layer %d: prefill vs pieces of %d", file, kernels, i, pieces[p]);
            ok &= check_tensor_norm(label, trace[p][i], trace[0][i], (size_t)T * c->d_model, tol);
        }
    for (int p = 0; p < 3; p++) free_trace(trace[p], c->n_layers);
    titans_model_free(m);
    assert_true(ok);
}

static void attn_swa(void **st) { agree("long/attn_swa.h5", *st, 1e-5); }
/* mac's attention-memory loop amplifies rounding (test_memory_paths.c): a bound twice as loose */
static void mac(void **st) { agree("long/mac.h5", *st, 2e-5); }

int main(void)
{
    static const char *names[] = {"portable", "avx2", "avx512"};
    const struct CMUnitTest tests[] = {
        {"attn+swa portable", attn_swa, NULL, NULL, (void *)names[0]},
        {"attn+swa avx2", attn_swa, NULL, NULL, (void *)names[1]},
        {"attn+swa avx512", attn_swa, NULL, NULL, (void *)names[2]},
        {"mac portable", mac, NULL, NULL, (void *)names[0]},
        {"mac avx2", mac, NULL, NULL, (void *)names[1]},
        {"mac avx512", mac, NULL, NULL, (void *)names[2]},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
