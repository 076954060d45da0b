/* A checkpoint whose weights are finite but huge (layer 0's FFN scaled by 1e30) passes the
 * loader's checks, then overflows float32 in the forward pass. The engine must report that
 * ("model produced non-finite logits at token N: ...") for every head, not answer byte 0 from
 * NaN logits; the unscaled checkpoint runs clean, so the scaling is what fails. */
#include <hdf5.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testhelp.h"
#include "titans.h"

/* A copy of fixture name at out, with layer 0's FFN weights times scale. */
static void scaled_copy(const char *name, const char *out, float scale)
{
    const char *ffn[] = {"/layers/0/ffn/w_gate", "/layers/0/ffn/w_up", "/layers/0/ffn/w_down"};
    assert_int_equal(copy_file(fixture_path(name), out), 0);
    hid_t f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    for (int i = 0; i < 3; i++) {
        hid_t ds = H5Dopen2(f, ffn[i], H5P_DEFAULT);
        hid_t sp = H5Dget_space(ds);
        size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
        float *v = malloc(sizeof(float) * n);
        H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        for (size_t j = 0; j < n; j++) v[j] = v[j] * scale + (v[j] == 0 ? scale : 0); /* no zeros */
        H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        free(v);
        H5Sclose(sp);
        H5Dclose(ds);
    }
    H5Fclose(f);
}

static TitansModel *load_scaled(const char *name, float scale, TitansState **s)
{
    TitansModel *m = NULL;
    TitansError err;
    scaled_copy(name, "overflow.h5", scale);
    int rc = titans_model_load("overflow.h5", &m, &err);
    remove("overflow.h5");
    if (rc != 0) fail_msg("%s", err.msg); /* huge but finite: the loader accepts it */
    assert_non_null(*s = titans_state_new(m, &err));
    return m;
}

static void expect(int rc, const TitansError *err, const char *want)
{
    printf("# -> %s\n", rc ? err->msg : "ok");
    if (!want) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err->msg, want));
    assert_non_null(strstr(err->msg, "the checkpoint's weights"));
}

static void run_lm(float scale, const char *want)
{
    TitansState *s;
    TitansModel *m = load_scaled("swa.h5", scale, &s);
    TitansError err;
    int32_t prompt[20], out[4];
    int n_out;
    for (int i = 0; i < 20; i++) prompt[i] = 'a' + i;
    expect(titans_generate_greedy(m, s, prompt, 20, 4, -1, out, &n_out, NULL, &err), &err, want);
    titans_state_free(s);
    titans_model_free(m);
}

static void run_cls(float scale, const char *want)
{
    TitansState *s;
    TitansModel *m = load_scaled("dna_cls.h5", scale, &s);
    TitansError err;
    int32_t seq[30];
    float logits[64];
    for (int i = 0; i < 30; i++) seq[i] = i % 4;
    assert_true(titans_model_config(m)->n_classes <= 64);
    expect(titans_classify(m, s, seq, 30, logits, &err), &err, want);
    titans_state_free(s);
    titans_model_free(m);
}

static void run_forecast(float scale, const char *want)
{
    TitansState *s;
    TitansModel *m = load_scaled("series_forecast.h5", scale, &s);
    const TitansConfig *c = titans_model_config(m);
    TitansError err;
    float *window = malloc(sizeof(float) * (size_t)c->lookback * 2), *pred = malloc(sizeof(float) * (size_t)c->horizon * 2);
    for (int i = 0; i < c->lookback * 2; i++) window[i] = sinf(0.1f * (float)i);
    expect(titans_forecast(m, s, window, 2, pred, NULL, &err), &err, want);
    free(window);
    free(pred);
    titans_state_free(s);
    titans_model_free(m);
}

static void test_lm_overflow_is_an_error(void **st)
{
    (void)st;
    run_lm(1.0f, NULL);
    run_lm(1e30f, "model produced non-finite logits at token 19: the checkpoint's weights overflow float32");
}

static void test_cls_overflow_is_an_error(void **st)
{
    (void)st;
    run_cls(1.0f, NULL);
    run_cls(1e30f, "model produced non-finite logits at token 29");
}

static void test_forecast_overflow_is_an_error(void **st)
{
    (void)st;
    run_forecast(1.0f, NULL);
    run_forecast(1e30f, "model produced a non-finite forecast at step 0 of channel 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lm_overflow_is_an_error),
        cmocka_unit_test(test_cls_overflow_is_an_error),
        cmocka_unit_test(test_forecast_overflow_is_an_error),
    };
    return cmocka_run_group_tests_name("overflow", tests, NULL, NULL);
}
