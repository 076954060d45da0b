/* Properties of the engine, checked on every token-input fixture model:
 *  - prefill equals token-by-token decode (one call of T > block size vs T calls of 1 token);
 *  - causality: changing token j never changes any layer's output before j (exactly);
 *  - attention caches are bounded: swa/mag/mal hold at most window + N_p keys, mac at most
 *    N_p + 2C, and the state's size does not grow with the sequence (all kinds but attn);
 *  - save/restore mid-sequence continues bit for bit, and restore rejects foreign or short buffers;
 *  - greedy generation emits the argmax of the model's logits and stops after the stop byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testhelp.h"
#include "titans.h"

static char names[256][128];
static int n_names;

typedef void (*ModelCheck)(const char *name, TitansModel *m);

/* Runs check on every fixture model with token input. */
static void for_each_token_model(ModelCheck check)
{
    int checked = 0;
    for (int i = 0; i < n_names; i++) {
        TitansModel *m = NULL;
        TitansError err;
        assert_int_equal(titans_model_load(fixture_path(names[i]), &m, &err), 0);
        if (titans_model_config(m)->input != TITANS_INPUT_SERIES) {
            check(names[i], m);
            checked++;
        }
        titans_model_free(m);
    }
    assert_true(checked > 0);
}

static int32_t *random_tokens(const TitansConfig *c, int T, unsigned seed)
{
    int32_t *t = malloc(sizeof(int32_t) * (size_t)T);
    for (int i = 0; i < T; i++) {
        seed = seed * 1664525u + 1013904223u;
        t[i] = (int32_t)((seed >> 16) % (unsigned)c->vocab_size);
    }
    return t;
}

/* ---- prefill == decode ------------------------------------------------------------------------ */

static void prefill_vs_decode(const char *name, TitansModel *m)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    /* 300 tokens cross the 256-row block; deep memories and mac amplify float32 rounding (see
     * test_memory_paths.c), so they run 32 */
    const int T = model_is_calm(c) ? 300 : 32;
    int32_t *tok = random_tokens(c, T, 99);
    float **a = alloc_trace(c->n_layers, T, c->d_model), **b = alloc_trace(c->n_layers, T, c->d_model), **one = calloc((size_t)c->n_layers, sizeof(float *));
    TitansState *s = titans_state_new(m, &err);
    TitansTrace ta = {a};
    assert_int_equal(titans_forward(m, s, tok, T, NULL, NULL, &ta, &err), 0);
    titans_state_reset(m, s);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < c->n_layers; i++) one[i] = b[i] + (size_t)t * c->d_model;
        TitansTrace tb = {one};
        assert_int_equal(titans_forward(m, s, tok + t, 1, NULL, NULL, &tb, &err), 0);
    }
    char label[200];
    snprintf(label, sizeof label, "%s prefill vs decode", name);
    int L = c->n_layers - 1;
    int ok = check_tensor_norm(label, b[L], a[L], (size_t)T * c->d_model, 1e-5);
    titans_state_free(s);
    free_trace(a, c->n_layers);
    free_trace(b, c->n_layers);
    free(one);
    free(tok);
    assert_true(ok);
}

static void test_prefill_equals_decode(void **st)
{
    (void)st;
    for_each_token_model(prefill_vs_decode);
}

/* ---- causality ------------------------------------------------------------------------------- */

static void causality(const char *name, TitansModel *m)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    const int T = 70;
    int32_t *tok = random_tokens(c, T, 7);
    float **ref = alloc_trace(c->n_layers, T, c->d_model), **alt = alloc_trace(c->n_layers, T, c->d_model);
    TitansState *s = titans_state_new(m, &err);
    TitansTrace tr = {ref}, ta = {alt};
    assert_int_equal(titans_forward(m, s, tok, T, NULL, NULL, &tr, &err), 0);
    const int js[] = {1, 9, 17, 40, T - 1};
    for (size_t k = 0; k < sizeof js / sizeof js[0]; k++) {
        int j = js[k];
        int32_t *changed = malloc(sizeof(int32_t) * T);
        memcpy(changed, tok, sizeof(int32_t) * T);
        changed[j] = (changed[j] + 1) % c->vocab_size;
        titans_state_reset(m, s);
        assert_int_equal(titans_forward(m, s, changed, T, NULL, NULL, &ta, &err), 0);
        for (int i = 0; i < c->n_layers; i++) {
            size_t before = (size_t)j * c->d_model;
            if (memcmp(ref[i], alt[i], sizeof(float) * before) != 0) {
                printf("# %s: changing token %d changed layer %d output before it\n", name, j, i);
                fail();
            }
            /* and the change is seen at j itself (the test can fail the other way too) */
            if (i == c->n_layers - 1 && !memcmp(ref[i] + before, alt[i] + before, sizeof(float) * c->d_model)) {
                printf("# %s: changing token %d did not change its own output\n", name, j);
                fail();
            }
        }
        free(changed);
    }
    printf("# %s: causal at j in {1, 9, 17, 40, %d}\n", name, T - 1);
    titans_state_free(s);
    free_trace(ref, c->n_layers);
    free_trace(alt, c->n_layers);
    free(tok);
}

static void test_causality(void **st)
{
    (void)st;
    for_each_token_model(causality);
}

/* ---- bounded caches -------------------------------------------------------------------------- */

static void cache_bounds(const char *name, TitansModel *m)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    int has_attn = 0;
    for (int i = 0; i < c->n_layers; i++) has_attn |= c->layer_kinds[i] == TITANS_LAYER_ATTN;
    int T = 3 * (c->window > c->segment ? c->window : c->segment) + 5;
    int32_t *tok = random_tokens(c, T, 3);
    TitansState *s = titans_state_new(m, &err);
    size_t bytes0 = 0;
    for (int t = 0; t < T; t++) {
        assert_int_equal(titans_forward(m, s, tok + t, 1, NULL, NULL, NULL, &err), 0);
        if (t == 0) bytes0 = titans_state_bytes(s);
        if (!has_attn && titans_state_bytes(s) != bytes0) {
            printf("# %s: state grew from %zu to %zu bytes at token %d\n", name, bytes0, titans_state_bytes(s), t);
            fail();
        }
        for (int i = 0; i < c->n_layers; i++) {
            /* keys held after token t: exactly what each cache should hold, never above its bound */
            int64_t keys = titans_state_cached_keys(s, i), np = c->n_persistent, want = 0, bound = 0;
            switch (c->layer_kinds[i]) {
            case TITANS_LAYER_SWA:
            case TITANS_LAYER_MAG:
            case TITANS_LAYER_MAL:
                want = np + (t + 1 < c->window ? t + 1 : c->window);
                bound = np + c->window;
                break;
            case TITANS_LAYER_MAC:
                want = np + 2 * (t % c->segment + 1);
                bound = np + 2 * c->segment;
                break;
            case TITANS_LAYER_ATTN: want = bound = np + t + 1; break;
            default: break;
            }
            if (keys != want || keys > bound) {
                printf("# %s: layer %d holds %lld keys at token %d (expected %lld, bound %lld)\n", name,
                       i, (long long)keys, t, (long long)want, (long long)bound);
                fail();
            }
        }
    }
    printf("# %s: caches bounded over %d tokens, state %zu bytes%s\n", name, T, titans_state_bytes(s),
           has_attn ? " (attn grows)" : " (constant)");
    titans_state_free(s);
    free(tok);
}

static void test_cache_bounds(void **st)
{
    (void)st;
    for_each_token_model(cache_bounds);
}

/* ---- save / restore -------------------------------------------------------------------------- */

static void save_restore(const char *name, TitansModel *m)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    const int T1 = 37, T2 = 50;
    int32_t *tok = random_tokens(c, T1 + T2, 5);
    TitansState *s = titans_state_new(m, &err), *r = titans_state_new(m, &err);
    float **a = alloc_trace(c->n_layers, T2, c->d_model), **b = alloc_trace(c->n_layers, T2, c->d_model);
    TitansTrace ta = {a}, tb = {b};
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(titans_forward(m, s, tok, T1, NULL, NULL, NULL, &err), 0);
    assert_int_equal(titans_state_save(s, &buf, &len, &err), 0);
    assert_int_equal(titans_forward(m, s, tok + T1, T2, NULL, NULL, &ta, &err), 0);
    assert_int_equal(titans_state_restore(r, buf, len, &err), 0);
    assert_int_equal(titans_state_position(r), T1);
    assert_int_equal(titans_forward(m, r, tok + T1, T2, NULL, NULL, &tb, &err), 0);
    for (int i = 0; i < c->n_layers; i++)
        if (memcmp(a[i], b[i], sizeof(float) * (size_t)T2 * c->d_model) != 0) {
            printf("# %s: restored state diverges at layer %d\n", name, i);
            fail();
        }
    /* a short or damaged buffer is refused, and leaves no partial state */
    assert_int_equal(titans_state_restore(r, buf, len - 1, &err), -1);
    assert_non_null(strstr(err.msg, "state restore"));
    ((char *)buf)[0] ^= 0x55;
    assert_int_equal(titans_state_restore(r, buf, len, &err), -1);
    assert_non_null(strstr(err.msg, "bad magic"));
    printf("# %s: save at %d, restore, %d more tokens: identical (%zu bytes)\n", name, T1, T2, len);
    free(buf);
    titans_state_free(s);
    titans_state_free(r);
    free_trace(a, c->n_layers);
    free_trace(b, c->n_layers);
    free(tok);
}

static void test_save_restore(void **st)
{
    (void)st;
    for_each_token_model(save_restore);
}

/* Restore checks each layer's counters against the saved position (tests/fuzz/fuzz_state.c found
 * states with a mal ring length of -1, or a mac position of 2^62 beside a segment of 11 rows,
 * accepted): states saved at every position around the window and segment borders are accepted
 * and continue exactly; a counter changed by one is refused. */
static void restore_positions(const char *name, TitansModel *m)
{
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    int64_t seg = c->window > c->segment ? c->window : c->segment;
    int32_t *tok = random_tokens(c, 2 * (int)seg + 4, 9);
    for (int64_t t = 0; t <= 2 * seg + 2; t++) {
        TitansState *s = titans_state_new(m, &err), *r = titans_state_new(m, &err);
        if (t) assert_int_equal(titans_forward(m, s, tok, t, NULL, NULL, NULL, &err), 0);
        void *buf = NULL;
        size_t len = 0;
        assert_int_equal(titans_state_save(s, &buf, &len, &err), 0);
        assert_int_equal(titans_state_restore(r, buf, len, &err), 0);
        float a[256], b[256];
        assert_int_equal(titans_forward(m, s, tok + t, 2, NULL, a, NULL, &err), 0);
        assert_int_equal(titans_forward(m, r, tok + t, 2, NULL, b, NULL, &err), 0);
        if (c->head == TITANS_HEAD_LM) assert_memory_equal(a, b, sizeof a);
        /* each layer's (seg_pos, len), after the arena */
        size_t counters = len - (size_t)c->n_layers * 16;
        for (int i = 0; i < c->n_layers; i++) /* attn layers' keys follow the counters */
            if (c->layer_kinds[i] == TITANS_LAYER_ATTN) counters -= 2 * sizeof(float) * (size_t)t * c->d_model;
        for (int f = 0; f < 2 * c->n_layers; f++) {
            char *p = (char *)buf + counters + 8 * (size_t)f;
            int64_t v;
            memcpy(&v, p, 8);
            int64_t w = v + 1;
            memcpy(p, &w, 8);
            assert_int_equal(titans_state_restore(r, buf, len, &err), -1);
            assert_non_null(strstr(err.msg, "state restore"));
            memcpy(p, &v, 8);
        }
        free(buf);
        titans_state_free(s);
        titans_state_free(r);
    }
    printf("# %s: saved and restored at positions 0 .. %lld; a counter off by one is refused\n", name,
           (long long)(2 * seg + 2));
    free(tok);
}

static void test_restore_positions(void **st)
{
    (void)st;
    for_each_token_model(restore_positions);
}

static void test_restore_rejects_other_model(void **st)
{
    (void)st;
    TitansModel *m1 = NULL, *m2 = NULL;
    TitansError err;
    assert_true(n_names >= 2);
    assert_int_equal(titans_model_load(fixture_path(names[0]), &m1, &err), 0);
    assert_int_equal(titans_model_load(fixture_path(names[1]), &m2, &err), 0);
    TitansState *s1 = titans_state_new(m1, &err), *s2 = titans_state_new(m2, &err);
    void *buf;
    size_t len;
    assert_int_equal(titans_state_save(s1, &buf, &len, &err), 0);
    assert_int_equal(titans_state_restore(s2, buf, len, &err), -1);
    assert_non_null(strstr(err.msg, "different model"));
    free(buf);
    titans_state_free(s1);
    titans_state_free(s2);
    titans_model_free(m1);
    titans_model_free(m2);
}

/* ---- greedy generation ------------------------------------------------------------------------ */

/* Generated bytes are the argmax of the model's logits: re-running prompt + generated through a
 * fresh state must give, at every position, the next generated byte as the argmax. */
static void greedy(const char *name, TitansModel *m)
{
    const TitansConfig *c = titans_model_config(m);
    if (c->head != TITANS_HEAD_LM) return;
    TitansError err;
    const int P = 20, G = 12;
    int32_t *tok = random_tokens(c, P + G, 11), out[12];
    int n_out = 0;
    TitansState *s = titans_state_new(m, &err);
    assert_int_equal(titans_generate_greedy(m, s, tok, P, G, -1, out, &n_out, NULL, &err), 0);
    assert_int_equal(n_out, G);
    memcpy(tok + P, out, sizeof out);
    float *logits = malloc(sizeof(float) * 256 * (P + G));
    titans_state_reset(m, s);
    assert_int_equal(titans_forward(m, s, tok, P + G, logits, NULL, NULL, &err), 0);
    for (int i = 0; i < G; i++) {
        const float *row = logits + (size_t)(P - 1 + i) * 256;
        int best = 0;
        for (int k = 1; k < 256; k++) best = row[k] > row[best] ? k : best;
        if (best != out[i]) {
            printf("# %s: generated byte %d is %d, argmax is %d\n", name, i, out[i], best);
            fail();
        }
    }
    /* a stop byte ends generation right after it */
    titans_state_reset(m, s);
    assert_int_equal(titans_generate_greedy(m, s, tok, P, G, out[2], out, &n_out, NULL, &err), 0);
    assert_true(n_out <= 3 && out[n_out - 1] == tok[P + 2]);
    printf("# %s: %d greedy bytes match the argmax of a full re-run\n", name, G);
    free(logits);
    free(tok);
    titans_state_free(s);
}

static void test_greedy_generation(void **st)
{
    (void)st;
    for_each_token_model(greedy);
}

/* A prompt fed in pieces that are multiples of the engine's block (TITANS_BLOCK, 256 rows) gives
 * exactly the state of one call (titans-eval cuts long prompts so, to save a unit's state between pieces): the saved
 * states are the same bytes. dna/cls models included (they consume tokens the same way). */
static void pieces(const char *name, TitansModel *m)
{
    enum { B = 256, N = 3 * B + 45 };
    TitansError err;
    TitansState *a = titans_state_new(m, &err), *b = titans_state_new(m, &err);
    assert_non_null(a);
    assert_non_null(b);
    int32_t tok[N];
    int vocab = titans_model_config(m)->vocab_size;
    for (int i = 0; i < N; i++) tok[i] = (i * 37 + 11) % vocab;
    assert_int_equal(titans_forward(m, a, tok, N, NULL, NULL, NULL, &err), 0);
    assert_int_equal(titans_forward(m, b, tok, B, NULL, NULL, NULL, &err), 0);
    assert_int_equal(titans_forward(m, b, tok + B, 2 * B, NULL, NULL, NULL, &err), 0);
    assert_int_equal(titans_forward(m, b, tok + 3 * B, N - 3 * B, NULL, NULL, NULL, &err), 0);
    void *ba, *bb;
    size_t la, lb;
    assert_int_equal(titans_state_save(a, &ba, &la, &err), 0);
    assert_int_equal(titans_state_save(b, &bb, &lb, &err), 0);
    assert_int_equal(la, lb);
    assert_int_equal(memcmp(ba, bb, la), 0);
    printf("# %s: %d tokens in pieces of %d, %d and %d: the state of one call, byte for byte\n", name, N, B, 2 * B, N - 3 * B);
    free(ba);
    free(bb);
    titans_state_free(a);
    titans_state_free(b);
}

static void test_pieces_of_blocks_equal_one_call(void **st)
{
    (void)st;
    for_each_token_model(pieces);
}

int main(void)
{
    n_names = list_fixtures(names, 256);
    if (n_names == 0) {
        fprintf(stderr, "no fixtures in %s\n", fixture_path(""));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefill_equals_decode), cmocka_unit_test(test_causality),
        cmocka_unit_test(test_cache_bounds),          cmocka_unit_test(test_save_restore),
        cmocka_unit_test(test_restore_positions),
        cmocka_unit_test(test_restore_rejects_other_model), cmocka_unit_test(test_greedy_generation),
        cmocka_unit_test(test_pieces_of_blocks_equal_one_call),
    };
    return cmocka_run_group_tests_name("properties", tests, NULL, NULL);
}
