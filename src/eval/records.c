#include "records.h"

#include "outfile.h"

#include <errno.h>
#include <unistd.h>

#include <cblas.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An attribute or dataset of variable-length UTF-8 strings. */
static hid_t utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int attr_text(hid_t f, const char *name, const char *value)
{
    hid_t t = utf8_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, t, &value) >= 0 ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static int attr_int(hid_t f, const char *name, long long value)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, &value) >= 0 ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

static int column(hid_t g, const char *name, hid_t file_type, hid_t mem_type, hsize_t n, const void *data)
{
    hsize_t dims = n;
    hid_t sp = H5Screate_simple(1, &dims, NULL);
    hid_t d = H5Dcreate2(g, name, file_type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d >= 0 && (n == 0 || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0) ? 0 : -1;
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

static int columns(hid_t g, const Suite *s, const UnitList *l, const Record *rec)
{
    size_t n = (size_t)l->n ? (size_t)l->n : 1;
    int64_t *i64 = malloc(sizeof *i64 * n);
    double *f64 = malloc(sizeof *f64 * n);
    int32_t *i32 = malloc(sizeof *i32 * n);
    const char **str = malloc(sizeof *str * n);
    int rc = i64 && f64 && i32 && str ? 0 : -1;
    hid_t t = utf8_type();
    hsize_t N = (hsize_t)l->n;
#define INTS(name, expr)                                                  \
    if (rc == 0) {                                                        \
        for (int64_t i = 0; i < l->n; i++) i64[i] = (expr);               \
        rc = column(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, N, i64);   \
    }
#define REALS(name, expr)                                                 \
    if (rc == 0) {                                                        \
        for (int64_t i = 0; i < l->n; i++) f64[i] = (expr);               \
        rc = column(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, N, f64); \
    }
#define TEXTS(name, expr)                                                 \
    if (rc == 0) {                                                        \
        for (int64_t i = 0; i < l->n; i++) str[i] = (expr);               \
        rc = column(g, name, t, t, N, str);                              \
    }
    INTS("id", l->v[i].id)
    INTS("length", l->v[i].length)
    INTS("sample", l->v[i].sample)
    INTS("tokens", rec[i].r.tokens)
    REALS("depth", l->v[i].depth)
    REALS("score", rec[i].r.score)
    REALS("mae", rec[i].r.mae)
    REALS("seconds", rec[i].r.seconds)
    if (rc == 0) {
        for (int64_t i = 0; i < l->n; i++) i32[i] = rec[i].rank;
        rc = column(g, "rank", H5T_STD_I32LE, H5T_NATIVE_INT32, N, i32);
    }
    TEXTS("task", s->tasks[l->v[i].task].name)
    TEXTS("family", family_name(l->v[i].family))
    TEXTS("model", s->models[l->v[i].model].name)
    TEXTS("variant", s->tasks[l->v[i].task].variants[l->v[i].variant])
    TEXTS("prediction", rec[i].r.prediction)
    TEXTS("target", rec[i].r.target)
#undef INTS
#undef REALS
#undef TEXTS
    H5Tclose(t);
    free(i64);
    free(f64);
    free(i32);
    free(str);
    return rc;
}

static int provenance(hid_t f, const Suite *s, const Provenance *p)
{
    char hash[32], mpi[MPI_MAX_LIBRARY_VERSION_STRING], h5[64];
    int len = 0;
    unsigned maj, min, rel;
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)s->hash);
    MPI_Get_library_version(mpi, &len);
    H5get_libversion(&maj, &min, &rel);
    snprintf(h5, sizeof h5, "%u.%u.%u", maj, min, rel);
    int rc = attr_int(f, "schema_version", 1);
    rc |= attr_text(f, "suite_name", s->name);
    rc |= attr_text(f, "suite_file", p->suite_file);
    rc |= attr_text(f, "suite_text", s->text);
    rc |= attr_text(f, "suite_xxh3", hash);
    rc |= attr_int(f, "seed", (long long)s->seed);
    rc |= attr_int(f, "world_size", p->world_size);
    rc |= attr_text(f, "options", p->options);
    rc |= attr_text(f, "git_commit", p->git_commit);
    rc |= attr_text(f, "started_utc", p->started_utc);
    rc |= attr_text(f, "finished_utc", p->finished_utc);
    rc |= attr_text(f, "mpi_library", mpi);
    rc |= attr_text(f, "hdf5_version", h5);
    rc |= attr_text(f, "openblas_config", openblas_get_config());
    rc |= attr_text(f, "checkpoints", p->checkpoints);
    return rc;
}

int records_write(const char *dir, const Suite *s, const UnitList *units, const Record *recs,
                  const Provenance *p, DataError *err)
{
    OutFile o;
    if (outfile_names(&o, dir, "results.h5", err) != 0) return -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    errno = 0;
    hid_t f = H5Fcreate(o.tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        data_error(err, "%s: cannot create: %s", o.tmp, errno ? strerror(errno) : "HDF5 refused it");
        return -1;
    }
    hid_t g = H5Gcreate2(f, "units", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g >= 0 ? 0 : -1;
    if (rc == 0) rc = provenance(f, s, p);
    if (rc == 0) rc = columns(g, s, units, recs);
    if (g >= 0) H5Gclose(g);
    if (H5Fclose(f) < 0) rc = -1;
    if (rc != 0) {
        int e = errno;
        unlink(o.tmp);
        data_error(err, "%s: writing the records failed%s%s", o.path, e ? ": " : "", e ? strerror(e) : "");
        return -1;
    }
    return outfile_rename(&o, err);
}
