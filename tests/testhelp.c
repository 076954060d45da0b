#include "testhelp.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

double rel_error(const float *got, const float *ref, size_t n)
{
    double maxref = 0.0, maxdiff = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = fabs((double)ref[i]), d = fabs((double)got[i] - (double)ref[i]);
        if (r > maxref) maxref = r;
        if (d > maxdiff || isnan(d)) maxdiff = isnan(d) ? INFINITY : d;
    }
    return maxdiff / (maxref > 1e-6 ? maxref : 1e-6);
}

int check_tensor(const char *label, const float *got, const float *ref, size_t n, double tol)
{
    double e = rel_error(got, ref, n);
    int ok = e <= tol;
    printf("# %-48s rel err %.3e (tol %.0e) %s\n", label, e, tol, ok ? "OK" : "NOT OK");
    if (!ok)
        for (size_t i = 0; i < n && i < 5; i++) printf("#   [%zu] got %.7g ref %.7g\n", i, got[i], ref[i]);
    return ok;
}

double rel_error_norm(const float *got, const float *ref, size_t n)
{
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)got[i] - (double)ref[i];
        diff += d * d;
        norm += (double)ref[i] * (double)ref[i];
    }
    if (isnan(diff)) return INFINITY;
    return sqrt(diff) / (norm > 1e-30 ? sqrt(norm) : 1e-15);
}

int check_tensor_norm(const char *label, const float *got, const float *ref, size_t n, double tol)
{
    double e = rel_error_norm(got, ref, n);
    int ok = e <= tol;
    printf("# %-48s norm rel err %.3e (tol %.0e) %s\n", label, e, tol, ok ? "OK" : "NOT OK");
    return ok;
}

const char *fixture_path(const char *name)
{
    static char buf[1024];
    const char *dir = getenv("TITANS_FIXTURES");
    snprintf(buf, sizeof buf, "%s/%s", dir && *dir ? dir : "tests/fixtures", name);
    return buf;
}

static int cmp_names(const void *a, const void *b) { return strcmp(a, b); }

int list_fixtures(char names[][128], int max)
{
    const char *dir = getenv("TITANS_FIXTURES");
    DIR *d = opendir(dir && *dir ? dir : "tests/fixtures");
    int n = 0;
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d)) && n < max;) {
        size_t len = strlen(e->d_name);
        if (len > 3 && len < 128 && !strcmp(e->d_name + len - 3, ".h5")) snprintf(names[n++], 128, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 128, cmp_names);
    return n;
}

static void *read_any(const char *file, const char *dataset, hid_t type, size_t elem, size_t *n)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return NULL;
    void *buf = NULL;
    hid_t ds = H5Lexists(f, dataset, H5P_DEFAULT) > 0 ? H5Dopen2(f, dataset, H5P_DEFAULT) : -1;
    if (ds >= 0) {
        hid_t sp = H5Dget_space(ds);
        hssize_t cnt = H5Sget_simple_extent_npoints(sp);
        buf = malloc(elem * (size_t)(cnt > 0 ? cnt : 1));
        if (buf && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            free(buf);
            buf = NULL;
        }
        *n = (size_t)cnt;
        H5Sclose(sp);
        H5Dclose(ds);
    }
    H5Fclose(f);
    return buf;
}

float *h5_read_f32(const char *file, const char *dataset, size_t *n)
{
    return read_any(file, dataset, H5T_NATIVE_FLOAT, sizeof(float), n);
}

int32_t *h5_read_i32(const char *file, const char *dataset, size_t *n)
{
    return read_any(file, dataset, H5T_NATIVE_INT32, sizeof(int32_t), n);
}

long h5_attr_int(const char *file, const char *obj, const char *name)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return -1;
    long v = -1;
    if (H5Aexists_by_name(f, obj, name, H5P_DEFAULT) > 0) {
        hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
        int64_t x;
        if (H5Aread(a, H5T_NATIVE_INT64, &x) >= 0) v = (long)x;
        H5Aclose(a);
    }
    H5Fclose(f);
    return v;
}

int model_is_calm(const TitansConfig *c)
{
    for (int i = 0; i < c->n_layers; i++)
        if (c->layer_kinds[i] == TITANS_LAYER_MAC) return 0;
    return c->mem_depth == 1;
}

float **alloc_trace(int n_layers, int rows, int d)
{
    float **tr = calloc((size_t)n_layers, sizeof *tr);
    for (int i = 0; tr && i < n_layers; i++) tr[i] = calloc((size_t)rows * d, sizeof(float));
    return tr;
}

void free_trace(float **trace, int n_layers)
{
    for (int i = 0; trace && i < n_layers; i++) free(trace[i]);
    free(trace);
}

int run_fixture_group(const char *group, void (*test)(void **state))
{
    static char names[256][128];
    int n = list_fixtures(names, 256);
    if (n == 0) {
        fprintf(stderr, "no fixtures found in %s\n", fixture_path(""));
        return 1;
    }
    struct CMUnitTest *tests = calloc((size_t)n, sizeof *tests);
    for (int i = 0; i < n; i++) {
        tests[i].name = names[i];
        tests[i].test_func = test;
        tests[i].initial_state = names[i];
    }
    int rc = _cmocka_run_group_tests(group, tests, (size_t)n, NULL, NULL);
    free(tests);
    return rc;
}

int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    char buf[65536];
    size_t k;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (k = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, k, out) != k) rc = -1;
    if (in) fclose(in);
    if (out && fclose(out) != 0) rc = -1;
    return rc;
}

uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

int make_data_dir(char *dir, const char *prefix, const char *const *subdirs, int n)
{
    char path[512];
    snprintf(dir, 64, "/tmp/%s.XXXXXX", prefix);
    if (!mkdtemp(dir)) return -1;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, subdirs[i]);
        if (mkdir(path, 0700) != 0) return -1;
    }
    return 0;
}

void write_data_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

void rename_in(const char *dir, const char *from, const char *to)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/%s", dir, from);
    snprintf(b, sizeof b, "%s/%s", dir, to);
    assert_int_equal(rename(a, b), 0);
}
