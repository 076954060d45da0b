/* bf16 weights (titans_model_use_bf16), on the fixtures with every layer kind and every head:
 *  - every Matrix holds its float32 value rounded to the nearest bfloat16, ties to even (checked
 *    here against an exact comparison in double, not the engine's bit trick), and every other
 *    tensor (norms, biases, convolutions, embeddings, M_0, persistent tokens) is unchanged;
 *  - decode one token a call on the 16-bit copies gives, bit for bit, the logits of the same
 *    rounded weights read as float32 (the copies taken away), under every kernel set this CPU
 *    has; so do classification and forecasting;
 *  - the logits move from float32's, and stay within 5% norm-wise of them on these random
 *    fixtures (measured 3.5% on mixed.h5, 1.5% on mac_np3.h5: d_model 16, mac amplifies);
 *  - a weight that bf16 cannot hold fails with the tensor and index named, and changes nothing;
 *  - a state saved with float32 weights does not restore into the bf16 model. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state.h"
#include "tensor_list.h"
#include "testhelp.h"
#include "titans.h"

#define T 40
#define V 256

static TitansModel *load(const char *name, int bf16)
{
    TitansError err;
    TitansModel *m = NULL;
    assert_int_equal(titans_model_load(fixture_path(name), &m, &err), 0);
    if (bf16) assert_int_equal(titans_model_use_bf16(m, &err), 0);
    return m;
}

/* The rounded weights read as float32: the 16-bit copies taken away (freed with the model). */
static void drop_bf16_copies(TitansModel *m)
{
    TensorList tl = {0};
    assert_int_equal(tensor_list_build(&m->cfg, &m->w, &tl), 0);
    for (size_t i = 0; i < tl.n; i++)
        if (tl.v[i].bf16) *tl.v[i].bf16 = NULL;
    tensor_list_free(&tl);
}

/* x rounded to the nearest bfloat16 (ties to even), by comparing the two candidates in double */
static float nearest_bf16(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    uint32_t lo = u & 0xFFFF0000u, hi = lo + 0x10000u; /* toward zero, and one step away */
    float flo, fhi;
    memcpy(&flo, &lo, sizeof flo);
    memcpy(&fhi, &hi, sizeof fhi);
    double dlo = fabs((double)x - flo), dhi = fabs((double)fhi - x);
    if (dlo != dhi) return dlo < dhi ? flo : fhi;
    return (lo >> 16) % 2 == 0 ? flo : fhi;
}

static void check_rounding(const char *name)
{
    TitansModel *f = load(name, 0), *b = load(name, 1);
    TensorList tf = {0}, tb = {0};
    assert_int_equal(tensor_list_build(&f->cfg, &f->w, &tf), 0);
    assert_int_equal(tensor_list_build(&b->cfg, &b->w, &tb), 0);
    size_t moved = 0;
    for (size_t i = 0; i < tf.n; i++) {
        size_t n = tensor_floats(&tf.v[i]);
        const float *x = *tf.v[i].dst, *y = *tb.v[i].dst;
        if (!tb.v[i].bf16) {
            assert_memory_equal(x, y, sizeof(float) * n);
            continue;
        }
        const uint16_t *h = *tb.v[i].bf16; /* a copy from 16 columns on (the gates' have none) */
        assert_true((h != NULL) == (tf.v[i].dims[1] >= MATRIX_BF16_MIN_COLS));
        for (size_t j = 0; j < n; j++) {
            uint32_t u;
            memcpy(&u, &y[j], sizeof u);
            if (y[j] != nearest_bf16(x[j]) || (h && u >> 16 != h[j]) || (u & 0xFFFF))
                fail_msg("%s %s[%zu]: %.9g rounded to %.9g (copy %04x)", name, tf.v[i].path, j,
                         (double)x[j], (double)y[j], h[j]);
            moved += y[j] != x[j];
        }
    }
    assert_true(moved > 0);
    tensor_list_free(&tf);
    tensor_list_free(&tb);
    titans_model_free(f);
    titans_model_free(b);
}

/* logits [T, V] of T tokens fed one a call */
static void decode(const TitansModel *m, float *logits)
{
    TitansError err;
    TitansState *s = titans_state_new(m, &err);
    assert_non_null(s);
    for (int i = 0; i < T; i++) {
        int32_t tok = (int32_t)((i * 37 + 11) % V);
        assert_int_equal(titans_forward(m, s, &tok, 1, logits + (size_t)i * V, NULL, NULL, &err), 0);
    }
    titans_state_free(s);
}

static void check_decode(const char *name)
{
    TitansModel *f = load(name, 0), *b = load(name, 1), *r = load(name, 1);
    drop_bf16_copies(r);
    float *lf = malloc(sizeof(float) * T * V), *lb = malloc(sizeof(float) * T * V);
    float *lr = malloc(sizeof(float) * T * V);
    decode(f, lf);
    decode(b, lb);
    decode(r, lr);
    if (memcmp(lb, lr, sizeof(float) * T * V)) fail_msg("%s (%s): bf16 decode differs from its float32 reading", name, titans_kernels());
    double e = rel_error_norm(lb, lf, (size_t)T * V);
    printf("# %s (%s): bf16 vs float32 weights, logits rel err %.3g\n", name, titans_kernels(), e);
    assert_true(e > 0 && e < 5e-2);
    free(lf), free(lb), free(lr);
    titans_model_free(f), titans_model_free(b), titans_model_free(r);
}

static void check_classify(const char *name)
{
    TitansModel *b = load(name, 1), *r = load(name, 1);
    drop_bf16_copies(r);
    TitansError err;
    int32_t seq[T];
    for (int i = 0; i < T; i++) seq[i] = i * 7 % 5;
    float lb[64], lr[64];
    TitansState *sb = titans_state_new(b, &err), *sr = titans_state_new(r, &err);
    assert_int_equal(titans_classify(b, sb, seq, T, lb, &err), 0);
    assert_int_equal(titans_classify(r, sr, seq, T, lr, &err), 0);
    assert_memory_equal(lb, lr, sizeof(float) * (size_t)b->cfg.n_classes);
    titans_state_free(sb), titans_state_free(sr);
    titans_model_free(b), titans_model_free(r);
}

static void check_forecast(const char *name)
{
    TitansModel *b = load(name, 1), *r = load(name, 1);
    drop_bf16_copies(r);
    TitansError err;
    const TitansConfig *c = &b->cfg;
    int ch = 3;
    float *win = malloc(sizeof(float) * (size_t)c->lookback * ch);
    float *fb = malloc(sizeof(float) * (size_t)c->horizon * ch), *fr = malloc(sizeof(float) * (size_t)c->horizon * ch);
    for (int i = 0; i < c->lookback * ch; i++) win[i] = sinf(0.1f * (float)i);
    TitansState *sb = titans_state_new(b, &err), *sr = titans_state_new(r, &err);
    assert_int_equal(titans_forecast(b, sb, win, ch, fb, NULL, &err), 0);
    assert_int_equal(titans_forecast(r, sr, win, ch, fr, NULL, &err), 0);
    assert_memory_equal(fb, fr, sizeof(float) * (size_t)c->horizon * ch);
    titans_state_free(sb), titans_state_free(sr);
    free(win), free(fb), free(fr);
    titans_model_free(b), titans_model_free(r);
}

static void test_rounding(void **st)
{
    (void)st;
    check_rounding("mixed.h5");
    check_rounding("dna_cls.h5");
    check_rounding("series_forecast.h5");
}

static void test_same_sums(void **st)
{
    (void)st;
    static const char *const kernels[] = {"portable", "avx2", "avx512"};
    for (int k = 0; k < 3; k++) {
        if (titans_use_kernels(kernels[k]) != 0) {
            printf("# this CPU has no %s kernels\n", kernels[k]);
            continue;
        }
        check_decode("mixed.h5");
        check_decode("mac_np3.h5");
        check_classify("dna_cls.h5");
        check_forecast("series_forecast.h5");
    }
}

static void test_overflow(void **st)
{
    (void)st;
    TitansModel *m = load("mixed.h5", 0);
    float *w = (float *)m->w.head_w.f, keep = w[3];
    float *ffn = (float *)m->w.layers[1].ffn_w_up.f, ffn0 = ffn[0];
    w[3] = 3.4e38f;
    TitansError err;
    assert_int_equal(titans_model_use_bf16(m, &err), -1);
    printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, "/head/w[3]"));
    assert_non_null(strstr(err.msg, "overflows bfloat16"));
    assert_int_equal(titans_model_bf16(m), 0);
    assert_true(ffn[0] == ffn0 && m->w.arena_bf16 == NULL);
    w[3] = keep;
    assert_int_equal(titans_model_use_bf16(m, &err), 0);
    assert_int_equal(titans_model_use_bf16(m, &err), 0); /* a second call changes nothing */
    assert_int_equal(titans_model_bf16(m), 1);
    titans_model_free(m);
}

static void test_state_of_other_weights(void **st)
{
    (void)st;
    TitansModel *f = load("mixed.h5", 0), *b = load("mixed.h5", 1);
    TitansError err;
    TitansState *sf = titans_state_new(f, &err), *sb = titans_state_new(b, &err);
    int32_t tok[5] = {1, 2, 3, 4, 5};
    assert_int_equal(titans_forward(f, sf, tok, 5, NULL, NULL, NULL, &err), 0);
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(titans_state_save(sf, &buf, &len, &err), 0);
    assert_int_equal(titans_state_restore(sb, buf, len, &err), -1);
    printf("# %s\n", err.msg);
    free(buf);
    titans_state_free(sf), titans_state_free(sb);
    titans_model_free(f), titans_model_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_same_sums),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_state_of_other_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
