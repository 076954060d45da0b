/* Decode against prefill across the memory's chunks (memory_chunk.c defers a chunk's end state to
 * its last token, so a call that stops mid-chunk leaves the chunk's start and its pending tokens).
 * Checkpoints tests/fixtures/chunk16/depth{1,2,3}_heads{1,4}.h5: mem_chunk 16, a mac layer
 * (segment 24 and 5 prefix rows, so segment borders fall mid-chunk and mid-call) then an lmm
 * layer, made by
 *   scripts/reference/make_checkpoint.py --out depthD_headsH.h5 --layers mac,lmm --d-model 32 \
 *     --n-heads 2 --ffn-dim 24 --window 8 --segment 24 --n-persistent 5 --mem-heads H \
 *     --mem-depth D --mem-expansion 2 --mem-chunk 16 --seed 10D+H --m0-scale 3 --b-alpha -5
 * (--m0-scale 4 for depth3_heads4: with 8 features a head, LN of a deep memory amplifies rounding
 * by 1/sigma, docs/model.md 6, and at scale 3 the chunked and token-loop paths of the engine
 * before this change already differed by 1e-5 on it).
 * Under every kernel implementation this CPU has (titans_use_kernels), for each checkpoint:
 *  - the tokens fed in pieces of 1, 3, 15, 16 or 17 give the logits of one prefill call within
 *    1e-5 norm-wise (the tolerance of test_memory_paths), on the chunked path;
 *  - the token loop fed one token a call gives the logits of its own single call, and its single
 *    call those of the chunked path's, within 1e-5 (decode's matrix-vector products round unlike
 *    prefill's matrix products everywhere in the model, so nothing here is bit for bit);
 *  - a state saved mid-chunk, restored and continued one token a call gives the uninterrupted
 *    run's logits bit for bit, on both paths, and the fast weights and momentum seen mid-chunk
 *    agree between the paths within the tolerances of test_memory_paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testhelp.h"
#include "titans.h"

#define T 45 /* tokens: with the 5 prefix rows, 3 chunks and a part of one (a deep memory and mac
               * amplify rounding with length, see test_memory_paths.c) */
#define V 256
#define TOL 1e-5
#define TOL_MOMENTUM 1e-4

static const char *const models[] = {"chunk16/depth1_heads1.h5", "chunk16/depth1_heads4.h5",
                                     "chunk16/depth2_heads1.h5", "chunk16/depth2_heads4.h5",
                                     "chunk16/depth3_heads1.h5", "chunk16/depth3_heads4.h5"};

static void tokens(int32_t *tok)
{
    unsigned x = 4242;
    for (int i = 0; i < T; i++) {
        x = x * 1664525u + 1013904223u;
        tok[i] = (int32_t)((x >> 16) % V);
    }
}

/* logits [T, V] of tok fed in calls of `piece` tokens (piece >= T: one call) on a fresh state. */
static void run_pieces(const TitansModel *m, TitansMemoryPath path, const int32_t *tok, int piece, float *logits)
{
    TitansError err;
    TitansState *s = titans_state_new(m, &err);
    assert_non_null(s);
    titans_state_set_memory_path(s, path);
    for (int i = 0; i < T; i += piece) {
        int n = T - i < piece ? T - i : piece;
        assert_int_equal(titans_forward(m, s, tok + i, n, logits + (size_t)i * V, NULL, NULL, &err), 0);
    }
    titans_state_free(s);
}

static int check_pieces(const char *name, const TitansModel *m, const int32_t *tok)
{
    float *one = malloc(sizeof(float) * T * V), *got = malloc(sizeof(float) * T * V);
    char label[400];
    int ok = 1;
    run_pieces(m, TITANS_MEMORY_CHUNKED, tok, T, one);
    const int pieces[] = {1, 3, 15, 16, 17};
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        run_pieces(m, TITANS_MEMORY_CHUNKED, tok, pieces[p], got);
        snprintf(label, sizeof label, "%s pieces of %d vs one call", name, pieces[p]);
        ok &= check_tensor_norm(label, got, one, (size_t)T * V, TOL);
    }
    float *loop_one = malloc(sizeof(float) * T * V);
    run_pieces(m, TITANS_MEMORY_SEQUENTIAL, tok, T, loop_one);
    run_pieces(m, TITANS_MEMORY_SEQUENTIAL, tok, 1, got);
    snprintf(label, sizeof label, "%s token loop, one token a call vs one call", name);
    ok &= check_tensor_norm(label, got, loop_one, (size_t)T * V, TOL);
    snprintf(label, sizeof label, "%s token loop vs chunked, one call", name);
    ok &= check_tensor_norm(label, loop_one, one, (size_t)T * V, TOL);
    free(loop_one);
    free(one);
    free(got);
    return ok;
}

/* Save at token t0 (mid-chunk), restore into a new state, decode the rest one token a call. */
static int check_save_restore(const char *name, const TitansModel *m, const int32_t *tok, TitansMemoryPath path)
{
    const int t0 = 20; /* layer row 25: chunk row 9 */
    TitansError err;
    TitansState *s = titans_state_new(m, &err), *r = titans_state_new(m, &err);
    titans_state_set_memory_path(s, path);
    titans_state_set_memory_path(r, path);
    float *a = malloc(sizeof(float) * T * V), *b = malloc(sizeof(float) * T * V);
    for (int i = 0; i < t0; i++) assert_int_equal(titans_forward(m, s, tok + i, 1, NULL, NULL, NULL, &err), 0);
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(titans_state_save(s, &buf, &len, &err), 0);
    assert_int_equal(titans_state_restore(r, buf, len, &err), 0);
    for (int i = t0; i < T; i++) {
        assert_int_equal(titans_forward(m, s, tok + i, 1, a + (size_t)i * V, NULL, NULL, &err), 0);
        assert_int_equal(titans_forward(m, r, tok + i, 1, b + (size_t)i * V, NULL, NULL, &err), 0);
    }
    int ok = memcmp(a + (size_t)t0 * V, b + (size_t)t0 * V, sizeof(float) * (T - t0) * V) == 0;
    if (!ok) printf("# %s: restored mid-chunk state diverges (%s path)\n", name, path ? "sequential" : "chunked");
    free(buf);
    free(a);
    free(b);
    titans_state_free(s);
    titans_state_free(r);
    return ok;
}

/* M and S mid-chunk (after t tokens, one a call) agree between the paths. */
static int check_state_mid_chunk(const char *name, const TitansModel *m, const int32_t *tok)
{
    const TitansConfig *c = titans_model_config(m);
    const int t = 30; /* layer row 35: chunk row 3 */
    TitansError err;
    TitansState *s[2];
    for (int p = 0; p < 2; p++) {
        s[p] = titans_state_new(m, &err);
        titans_state_set_memory_path(s[p], p ? TITANS_MEMORY_SEQUENTIAL : TITANS_MEMORY_CHUNKED);
        for (int i = 0; i < t; i++) assert_int_equal(titans_forward(m, s[p], tok + i, 1, NULL, NULL, NULL, &err), 0);
    }
    int ok = 1;
    char label[400];
    for (int i = 0; i < c->n_layers; i++)
        for (int l = 1; l <= c->mem_depth; l++) {
            if (!titans_state_memory_weights(s[0], i, l)) continue;
            int in = l == 1 ? c->d_mem : c->mem_hidden, out = l == c->mem_depth ? c->d_mem : c->mem_hidden;
            size_t n = (size_t)c->mem_heads * in * out;
            snprintf(label, sizeof label, "%s layer %d W_%d after %d tokens", name, i, l, t);
            ok &= check_tensor_norm(label, titans_state_memory_weights(s[0], i, l),
                                    titans_state_memory_weights(s[1], i, l), n, TOL);
            snprintf(label, sizeof label, "%s layer %d S_%d after %d tokens", name, i, l, t);
            ok &= check_tensor_norm(label, titans_state_memory_momentum(s[0], i, l),
                                    titans_state_memory_momentum(s[1], i, l), n, TOL_MOMENTUM);
        }
    titans_state_free(s[0]);
    titans_state_free(s[1]);
    return ok;
}

static void test_decode_chunks(void **st)
{
    (void)st;
    const char *kernels[] = {"portable", "avx2", "avx512"};
    int32_t tok[T];
    tokens(tok);
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        if (titans_use_kernels(kernels[k]) != 0) {
            printf("# this CPU has no %s kernels: skipped\n", kernels[k]);
            continue;
        }
        for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
            TitansModel *m = NULL;
            TitansError err;
            assert_int_equal(titans_model_load(fixture_path(models[i]), &m, &err), 0);
            assert_int_equal(titans_model_config(m)->mem_chunk, 16);
            char name[200];
            snprintf(name, sizeof name, "%s %s", kernels[k], models[i]);
            ok &= check_pieces(name, m, tok);
            ok &= check_save_restore(name, m, tok, TITANS_MEMORY_CHUNKED);
            ok &= check_save_restore(name, m, tok, TITANS_MEMORY_SEQUENTIAL);
            ok &= check_state_mid_chunk(name, m, tok);
            titans_model_free(m);
        }
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_decode_chunks)};
    return cmocka_run_group_tests_name("decode_chunks", tests, NULL, NULL);
}
