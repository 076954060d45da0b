/* The loader rejects every kind of bad checkpoint with a message naming the file and the field,
 * and never crashes. Each case damages a fresh copy of a real fixture with the HDF5 API. */
#include <hdf5.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "testhelp.h"
#include "titans.h"

static char base[1024]; /* a valid fixture with a mac layer and deep memory */
static int base_d = 0, base_layers = 0;

typedef void (*Damage)(hid_t f);

/* Copies the base fixture, applies damage, loads it and checks the error mentions want. */
static void expect_error(const char *tag, Damage damage, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "bad_%s.h5", tag);
    assert_int_equal(copy_file(base, path), 0);
    if (damage) {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        assert_true(f >= 0);
        damage(f);
        H5Fclose(f);
    }
    TitansModel *m = NULL;
    TitansError err = {{0}};
    int rc = titans_model_load(path, &m, &err);
    printf("# %s -> %s\n", tag, err.msg);
    assert_int_equal(rc, -1);
    assert_null(m);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, want));
    remove(path);
}

static void replace_f32(hid_t f, const char *name, hid_t type, hsize_t n, const double *vals)
{
    H5Ldelete(f, name, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals);
    H5Dclose(ds);
    H5Sclose(sp);
}

static void set_int_attr(hid_t f, const char *name, long long v)
{
    H5Adelete(f, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a);
    H5Sclose(sp);
}

static double *ones(int n)
{
    double *v = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) v[i] = 1.0;
    return v;
}

static void d_missing_tensor(hid_t f) { H5Ldelete(f, "/layers/0/ffn/w_up", H5P_DEFAULT); }
static void d_wrong_shape(hid_t f)
{
    double *v = ones(base_d + 1);
    replace_f32(f, "/final_norm", H5T_IEEE_F32LE, (hsize_t)base_d + 1, v);
    free(v);
}
static void d_wrong_dtype(hid_t f)
{
    double *v = ones(base_d);
    replace_f32(f, "/final_norm", H5T_IEEE_F64LE, (hsize_t)base_d, v);
    free(v);
}
static void d_nan(hid_t f)
{
    double *v = ones(base_d);
    v[base_d - 1] = NAN;
    replace_f32(f, "/final_norm", H5T_IEEE_F32LE, (hsize_t)base_d, v);
    free(v);
}
static void d_inf(hid_t f)
{
    double *v = ones(base_d);
    v[0] = -INFINITY;
    replace_f32(f, "/final_norm", H5T_IEEE_F32LE, (hsize_t)base_d, v);
    free(v);
}
static void d_extra_tensor(hid_t f)
{
    double *v = ones(base_d);
    replace_f32(f, "/layers/0/ffn/bias", H5T_IEEE_F32LE, (hsize_t)base_d, v);
    free(v);
}
static void d_format_version(hid_t f) { set_int_attr(f, "format_version", 2); }
static void d_heads(hid_t f) { set_int_attr(f, "n_heads", base_d + 1); }
static void d_missing_attr(hid_t f) { H5Adelete(f, "mem_chunk"); }
static void d_attr_type(hid_t f)
{
    H5Adelete(f, "d_model");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 4);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "d_model", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, "big");
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}
static void d_layer_kind(hid_t f)
{
    H5Adelete(f, "layer_kinds");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hsize_t n = (hsize_t)base_layers;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    const char **kinds = malloc(sizeof(char *) * n);
    for (hsize_t i = 0; i < n; i++) kinds[i] = i == n - 1 ? "transformer" : "lmm";
    hid_t a = H5Acreate2(f, "layer_kinds", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, kinds);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    free(kinds);
}

static void test_missing_tensor(void **s) { (void)s; expect_error("missing_tensor", d_missing_tensor, "'/layers/0/ffn/w_up': missing"); }
static void test_wrong_shape(void **s) { (void)s; expect_error("wrong_shape", d_wrong_shape, "'/final_norm': shape"); }
static void test_wrong_dtype(void **s) { (void)s; expect_error("wrong_dtype", d_wrong_dtype, "'/final_norm': dtype is float of 8 bytes"); }
static void test_nan(void **s) { (void)s; expect_error("nan", d_nan, "'/final_norm': element"); }
static void test_inf(void **s) { (void)s; expect_error("inf", d_inf, "is Inf"); }
static void test_extra_tensor(void **s) { (void)s; expect_error("extra_tensor", d_extra_tensor, "'/layers/0/ffn/bias': not part of format v1"); }
static void test_format_version(void **s) { (void)s; expect_error("format_version", d_format_version, "'format_version': 2 is not supported"); }
static void test_inconsistent_heads(void **s) { (void)s; expect_error("heads", d_heads, "not divisible by n_heads"); }
static void test_missing_attribute(void **s) { (void)s; expect_error("missing_attr", d_missing_attr, "'mem_chunk': missing"); }
static void test_attribute_type(void **s) { (void)s; expect_error("attr_type", d_attr_type, "'d_model': expected an integer"); }
static void test_unknown_layer_kind(void **s) { (void)s; expect_error("layer_kind", d_layer_kind, "unknown kind 'transformer'"); }

static void test_truncated_file(void **st)
{
    (void)st;
    DataError derr;
    size_t size;
    char *bytes = data_read_file(base, &size, &derr);
    assert_non_null(bytes);
    for (int frac = 1; frac <= 3; frac++) { /* cut at 1/4, 2/4, 3/4 of the file */
        FILE *out = fopen("bad_truncated.h5", "wb");
        fwrite(bytes, 1, size * (size_t)frac / 4, out);
        fclose(out);
        TitansModel *m = NULL;
        TitansError err = {{0}};
        assert_int_equal(titans_model_load("bad_truncated.h5", &m, &err), -1);
        printf("# truncated at %d/4 -> %s\n", frac, err.msg);
        assert_non_null(strstr(err.msg, "bad_truncated.h5"));
    }
    free(bytes);
    remove("bad_truncated.h5");
}

static void test_not_hdf5_and_missing(void **st)
{
    (void)st;
    FILE *f = fopen("bad_text.h5", "w");
    fputs("d_model = 64\n", f);
    fclose(f);
    TitansModel *m = NULL;
    TitansError err = {{0}};
    assert_int_equal(titans_model_load("bad_text.h5", &m, &err), -1);
    assert_non_null(strstr(err.msg, "bad_text.h5: not an HDF5 file"));
    remove("bad_text.h5");
    assert_int_equal(titans_model_load("no/such/file.h5", &m, &err), -1);
    assert_non_null(strstr(err.msg, "no/such/file.h5: cannot open: No such file"));
}

/* A checkpoint's bytes in memory (as a rank receives them by broadcast) load to the same model as
 * the file, and a truncated image is refused by name. */
static void test_image_load(void **st)
{
    (void)st;
    DataError derr;
    size_t size;
    char *bytes = data_read_file(base, &size, &derr);
    assert_non_null(bytes);
    TitansModel *a = NULL, *b = NULL;
    TitansError err = {{0}};
    assert_int_equal(titans_model_load(base, &a, &err), 0);
    /* named by its real path, as titans-eval does: the image must still be what is read */
    assert_int_equal(titans_model_load_image(bytes, size, base, &b, &err), 0);
    int32_t tok[40];
    for (int i = 0; i < 40; i++) tok[i] = (i * 7 + 3) % 256;
    float la[256], lb[256];
    TitansState *sa = titans_state_new(a, &err), *sb = titans_state_new(b, &err);
    assert_int_equal(titans_forward(a, sa, tok, 40, NULL, la, NULL, &err), 0);
    assert_int_equal(titans_forward(b, sb, tok, 40, NULL, lb, NULL, &err), 0);
    assert_memory_equal(la, lb, sizeof la);
    titans_state_free(sa);
    titans_state_free(sb);
    titans_model_free(a);
    titans_model_free(b);
    assert_int_equal(titans_model_load_image(bytes, size / 2, "half.h5", &b, &err), -1);
    printf("# half an image -> %s\n", err.msg);
    assert_non_null(strstr(err.msg, "half.h5"));
    free(bytes);
}

static void test_base_loads(void **st)
{
    (void)st;
    TitansModel *m = NULL;
    TitansError err;
    assert_int_equal(titans_model_load(base, &m, &err), 0); /* the damage is what fails */
    titans_model_free(m);
}

/* Picks the fixture with the most layers that has both a mac layer and deep memory. */
static int pick_base(void)
{
    static char names[256][128];
    int n = list_fixtures(names, 256), best = -1;
    for (int i = 0; i < n; i++) {
        TitansModel *m = NULL;
        TitansError err;
        if (titans_model_load(fixture_path(names[i]), &m, &err) != 0) continue;
        const TitansConfig *c = titans_model_config(m);
        int mac = 0;
        for (int l = 0; l < c->n_layers; l++) mac |= c->layer_kinds[l] == TITANS_LAYER_MAC;
        if (mac && c->mem_depth >= 2 && c->input == TITANS_INPUT_BYTES && c->n_layers > base_layers) {
            best = i;
            base_layers = c->n_layers;
            base_d = c->d_model;
        }
        titans_model_free(m);
    }
    if (best < 0) return -1;
    snprintf(base, sizeof base, "%s", fixture_path(names[best]));
    return 0;
}

int main(void)
{
    if (pick_base() != 0) {
        fprintf(stderr, "no bytes fixture with a mac layer and deep memory in %s\n", fixture_path(""));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_loads),          cmocka_unit_test(test_missing_tensor),
        cmocka_unit_test(test_wrong_shape),         cmocka_unit_test(test_wrong_dtype),
        cmocka_unit_test(test_nan),                 cmocka_unit_test(test_inf),
        cmocka_unit_test(test_extra_tensor),        cmocka_unit_test(test_format_version),
        cmocka_unit_test(test_inconsistent_heads),  cmocka_unit_test(test_missing_attribute),
        cmocka_unit_test(test_attribute_type),      cmocka_unit_test(test_unknown_layer_kind),
        cmocka_unit_test(test_truncated_file),      cmocka_unit_test(test_not_hdf5_and_missing),
        cmocka_unit_test(test_image_load),
    };
    return cmocka_run_group_tests_name("checkpoint_errors", tests, NULL, NULL);
}
