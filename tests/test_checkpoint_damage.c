/* Checkpoints libhdf5 must not be trusted with: the damaged global heaps of tests/fixtures/damaged
 * (README.md there: one crashes libhdf5 1.10, one hangs it), links and storage that leave the
 * file, and paths that are no regular file (a FIFO would block a reader forever). Each is refused
 * by every entry point (titans_config_load and titans_model_load, from the path and from the
 * bytes), with a message naming the file and what is wrong, within seconds; the caller lives. */
#include <hdf5.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"
#include "sandbox.h"
#include "testhelp.h"
#include "titans.h"

#define BASE "lmm_no_conv.h5" /* the fixture the damaged files were made from */

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const char *damaged(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "damaged/%s", name);
    return fixture_path(path);
}

static void expect_message(int rc, const TitansError *err, const char *file, const char *want, double t0)
{
    printf("# %s\n", err->msg);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err->msg, file));
    assert_non_null(strstr(err->msg, want));
    assert_true(seconds() - t0 < 10);
}

/* The model loaders, from the path and from the bytes, refuse path with a message holding want;
 * with config_too, so do the config loaders (damage the config reader meets). */
static void expect_refused(const char *path, int config_too, const char *want)
{
    DataError derr;
    size_t len;
    char *bytes = data_read_file(path, &len, &derr);
    assert_non_null(bytes);
    TitansError err;
    TitansConfig cfg;
    TitansModel *m = NULL;
    double t0 = seconds();
    expect_message(titans_model_load(path, &m, &err), &err, path, want, t0);
    t0 = seconds();
    expect_message(titans_model_load_image(bytes, len, "image.h5", &m, &err), &err, "image.h5", want, t0);
    assert_null(m);
    if (config_too) {
        t0 = seconds();
        expect_message(titans_config_load(path, &cfg, &err), &err, path, want, t0);
        t0 = seconds();
        expect_message(titans_config_load_image(bytes, len, "image.h5", &cfg, &err), &err, "image.h5", want, t0);
    }
    free(bytes);
}

/* ---- damaged global heaps ------------------------------------------------------------------ */

/* In a sandboxed child: what the loader used to do, unguarded (open the file, read 'format'). */
static int plain_read_format(void *ctx, int fd)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(ctx, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t a = H5Aopen(f, "format", H5P_DEFAULT), t = H5Aget_type(a);
    char *s = NULL;
    int rc = H5Aread(a, t, &s) < 0 ? -1 : 0;
    return rc == 0 && write(fd, "!", 1) == 1 ? 0 : -1;
}

/* What plain libhdf5 does with a damaged file: "" when it reads it, else the sandbox's message. */
static void plain_libhdf5(const char *path, char *out, size_t cap)
{
    Sandbox sb;
    TitansError err = {{0}};
    char done;
    H5open();
    assert_int_equal(sandbox_start(&sb, plain_read_format, (void *)path, (size_t)1 << 30, 2, 20, path, &err), 0);
    int rc = sandbox_read(&sb, &done, 1);
    rc = sandbox_finish(&sb, rc, path, &err);
    snprintf(out, cap, "%s", rc ? err.msg : "");
}

static int libhdf5_is_1_10(void)
{
    unsigned major, minor, rel;
    H5get_libversion(&major, &minor, &rel);
    return major == 1 && minor == 10;
}

static void test_damaged_heaps_still_break_plain_libhdf5(void **st)
{
    (void)st;
    if (!libhdf5_is_1_10()) skip(); /* the damage was chosen for 1.10's bugs */
    if (getenv("ASAN_OPTIONS")) { /* ASan turns libhdf5's crash into its own report */
        print_message("# not run under ASan: it changes how plain libhdf5 crashes\n");
        return;
    }
    char what[1024];
    plain_libhdf5(damaged("gcol_crash.h5"), what, sizeof what);
    printf("# plain libhdf5, gcol_crash.h5: %s\n", what);
    assert_non_null(strstr(what, "libhdf5 crashed reading it"));
    plain_libhdf5(damaged("gcol_hang.h5"), what, sizeof what);
    printf("# plain libhdf5, gcol_hang.h5: %s\n", what);
    assert_non_null(strstr(what, "libhdf5 timed out reading it"));
}

static void test_heap_object_of_4_gib_refused(void **st)
{
    (void)st;
    expect_refused(damaged("gcol_crash.h5"), 1,
                   "global heap collection at byte 2048: object 4 at byte 2136 has size 4294967307");
}

static void test_heap_walk_that_never_ends_refused(void **st)
{
    (void)st;
    expect_refused(damaged("gcol_hang.h5"), 1, "global heap collection at byte 2048: free space");
}

/* ---- links and storage out of the file -------------------------------------------------------- */

typedef void (*Damage)(hid_t f);

/* A fresh copy of the base fixture, damaged. */
static const char *damaged_copy(const char *tag, Damage damage)
{
    static char path[256];
    snprintf(path, sizeof path, "bad_%s.h5", tag);
    assert_int_equal(copy_file(fixture_path(BASE), path), 0);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    damage(f);
    H5Fclose(f);
    return path;
}

/* A float32 [16] dataset of ones at name, made with dcpl. */
static void write_ones(hid_t loc, const char *name, hid_t dcpl)
{
    float ones[16];
    for (int i = 0; i < 16; i++) ones[i] = 1.0f;
    hsize_t n = 16;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(loc, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(ds >= 0);
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ones);
    H5Dclose(ds);
    H5Sclose(sp);
}

static char elsewhere[1100]; /* a real file the external link reaches: following it would work */

static void d_external_link(hid_t f)
{
    H5Ldelete(f, "/final_norm", H5P_DEFAULT);
    H5Lcreate_external(elsewhere, "/final_norm", f, "/final_norm", H5P_DEFAULT, H5P_DEFAULT);
}
static void d_soft_link(hid_t f) { H5Lcreate_soft("/final_norm", f, "/alias", H5P_DEFAULT, H5P_DEFAULT); }
static void d_external_storage(hid_t f)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_external(dcpl, "bad_raw.bin", 0, 64);
    H5Ldelete(f, "/final_norm", H5P_DEFAULT);
    write_ones(f, "/final_norm", dcpl);
    H5Pclose(dcpl);
}
static void d_compressed(hid_t f)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk = 16;
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_deflate(dcpl, 9);
    H5Ldelete(f, "/final_norm", H5P_DEFAULT);
    write_ones(f, "/final_norm", dcpl);
    H5Pclose(dcpl);
}

static void test_external_link_refused(void **st)
{
    (void)st;
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(elsewhere, sizeof elsewhere, "%s/bad_elsewhere.h5", cwd);
    hid_t g = H5Fcreate(elsewhere, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    write_ones(g, "/final_norm", H5P_DEFAULT);
    H5Fclose(g);
    const char *path = damaged_copy("elink", d_external_link);
    expect_refused(path, 1, "link '/final_norm' is an external link (to '/final_norm' in ");
    remove(path);
    remove(elsewhere);
}

static void test_soft_link_refused(void **st)
{
    (void)st;
    const char *path = damaged_copy("softlink", d_soft_link);
    expect_refused(path, 1, "link '/alias' is a soft link (to '/final_norm')");
    remove(path);
}

static void test_external_storage_refused(void **st)
{
    (void)st;
    const char *path = damaged_copy("external", d_external_storage);
    expect_refused(path, 0, "tensor '/final_norm': its values are in an external file");
    remove(path);
    remove("bad_raw.bin");
}

static void test_compressed_tensor_refused(void **st)
{
    (void)st;
    const char *path = damaged_copy("deflate", d_compressed);
    expect_refused(path, 0, "tensor '/final_norm': ");
    TitansModel *m = NULL;
    TitansError err;
    assert_int_equal(titans_model_load(path, &m, &err), -1);
    assert_non_null(strstr(err.msg, "bytes stored, its float32 values need 64 (compressed"));
    remove(path);
}

/* ---- not a regular file ----------------------------------------------------------------------- */

static void expect_not_regular(const char *path, const char *kind)
{
    TitansError err;
    TitansConfig cfg;
    TitansModel *m = NULL;
    char want[128];
    snprintf(want, sizeof want, "not a regular file (%s)", kind);
    double t0 = seconds();
    expect_message(titans_config_load(path, &cfg, &err), &err, path, want, t0);
    expect_message(titans_model_load(path, &m, &err), &err, path, want, t0);
}

static void test_fifo_and_others_refused(void **st)
{
    (void)st;
    alarm(20); /* a reader blocked on the FIFO fails the test instead of hanging it */
    remove("bad.fifo");
    assert_int_equal(mkfifo("bad.fifo", 0600), 0);
    expect_not_regular("bad.fifo", "a FIFO");
    remove("bad.fifo");
    expect_not_regular(".", "a directory");
    expect_not_regular("/dev/null", "a character device");
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_heaps_still_break_plain_libhdf5),
        cmocka_unit_test(test_heap_object_of_4_gib_refused),
        cmocka_unit_test(test_heap_walk_that_never_ends_refused),
        cmocka_unit_test(test_external_link_refused),
        cmocka_unit_test(test_soft_link_refused),
        cmocka_unit_test(test_external_storage_refused),
        cmocka_unit_test(test_compressed_tensor_refused),
        cmocka_unit_test(test_fifo_and_others_refused),
    };
    return cmocka_run_group_tests_name("checkpoint_damage", tests, NULL, NULL);
}
