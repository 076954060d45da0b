#include "records.h"

#include "cells.h"
#include "outfile.h"
#include "prompts.h"

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

/* The attributes every dataset has: what it holds, and its units. */
static int describe(hid_t d, const char *description, const char *units)
{
    return attr_text(d, "description", description) | attr_text(d, "units", units);
}

/* A 1-D dataset of n values with its description and units. */
static int column(hid_t g, const char *name, hid_t file_type, hid_t mem_type, hsize_t n, const void *data,
                  const char *description, const char *units)
{
    hsize_t dims = n;
    hid_t sp = H5Screate_simple(1, &dims, NULL);
    hid_t d = H5Dcreate2(g, name, file_type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d >= 0 && (n == 0 || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0) ? 0 : -1;
    if (rc == 0) rc = describe(d, description, units);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

/* Scratch arrays of one column's values, n each. */
typedef struct {
    int64_t *i64;
    double *f64;
    int32_t *i32;
    int8_t *i8;
    const char **str;
    hid_t utf8;
} Scratch;

#define INTS(name, expr, what, units)                                                   \
    if (rc == 0) {                                                                      \
        for (int64_t i = 0; i < n; i++) w->i64[i] = (expr);                             \
        rc = column(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)n, w->i64, what, units); \
    }
#define REALS(name, expr, what, units)                                                  \
    if (rc == 0) {                                                                      \
        for (int64_t i = 0; i < n; i++) w->f64[i] = (expr);                             \
        rc = column(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)n, w->f64, what, units); \
    }
#define TEXTS(name, expr, what)                                                         \
    if (rc == 0) {                                                                      \
        for (int64_t i = 0; i < n; i++) w->str[i] = (expr);                             \
        rc = column(g, name, w->utf8, w->utf8, (hsize_t)n, w->str, what, "text");       \
    }

/* What the unit was: where in the suite, which cell. */
static int unit_columns(hid_t g, const Suite *s, const UnitList *l, Scratch *w)
{
    int64_t n = l->n;
    int rc = 0;
    const Unit *u = l->v;
    INTS("id", u[i].id, "the unit's id: its index in the plan, the suite's expansion order", "1")
    TEXTS("task", s->tasks[u[i].task].name, "the suite's task ([task.NAME])")
    TEXTS("family", family_name(u[i].family), "the task's family: sniah, babilong, genomics or forecast")
    TEXTS("model", s->models[u[i].model].name, "the suite's model ([model.NAME]): a checkpoint, a built-in forecaster or answerer")
    TEXTS("column", s->models[u[i].model].column, "the model's column in the tables (its `column` key, else its name)")
    TEXTS("variant", s->tasks[u[i].task].variants[u[i].variant],
          "sniah: s-niah-1..3; babilong: qa1..qa5; genomics: the task folder; forecast: the dataset")
    INTS("length", u[i].length, "the suite's length in the model's tokens. sniah: RULER's max_seq_length, the "
         "prompt is at most length - reserve; babilong: the prompt's bound (0: no background); forecast: the "
         "horizon; genomics: 0", "bytes = tokens of the byte-level models (sniah, babilong); time steps (forecast)")
    INTS("reserve", u[i].reserve, "sniah: the bytes of the length kept for the answer (the task's reserve; auto: "
         "RULER's tokens_to_generate of the variant); else 0", "bytes")
    REALS("depth", u[i].depth, "sniah: the needle's depth in the context asked for, -1: drawn per sample as RULER "
          "does; else -1", "fraction of the context")
    INTS("sample", u[i].sample, "the sample's index in its cell; forecast: the test window; genomics: the test sequence", "1")
    return rc;
}

/* What the unit gave: the metric named per family, the answer, the cost. */
static int result_columns(hid_t g, const UnitList *l, const Record *rec, Scratch *w)
{
    int64_t n = l->n;
    int rc = 0;
    const Unit *u = l->v;
    TEXTS("metric", metric_name(family_score_metric(u[i].family)), "the metric `score` holds: accuracy or mse")
    REALS("score", rec[i].r.score, "schema 1's mixed column, kept: accuracy (sniah, babilong, genomics) or mse "
          "(forecast), the same numbers as those datasets", "1 (accuracy); normalised units squared (mse)")
    REALS("accuracy", record_metric(&rec[i], u[i].family, METRIC_ACCURACY),
          "sniah: RULER's string_match_all, the fraction of the needle values the answer holds (qa_1/qa_2: "
          "string_match_part, 1 when it holds any answer); babilong: "
          "BABILong's label match, 1 or 0; genomics: 1 when the top-1 class is right, else 0; forecast: NaN", "1")
    REALS("mse", record_metric(&rec[i], u[i].family, METRIC_MSE),
          "forecast: mean squared error over the window's horizon x channels values, on the z-scored series; "
          "else NaN", "normalised units squared")
    REALS("mae", record_metric(&rec[i], u[i].family, METRIC_MAE),
          "forecast: mean absolute error over the window's horizon x channels values, on the z-scored series; "
          "else NaN", "normalised units")
    TEXTS("prediction", rec[i].r.prediction, "sniah, babilong: the generated answer, whole; genomics: the predicted "
          "class; forecast: empty. Printable ASCII, any other byte and the backslash as \\xHH")
    TEXTS("target", rec[i].r.target, "sniah: the needle values, '|'-joined; babilong: the label; genomics: the "
          "class; forecast: 'window N'. Escaped as prediction")
    if (rc == 0) {
        for (int64_t i = 0; i < n; i++) w->i8[i] = (int8_t)rec[i].r.truncated;
        rc = column(g, "truncated", H5T_STD_I8LE, H5T_NATIVE_INT8, (hsize_t)n, w->i8,
                    "1 when the target was longer than 255 characters and is cut (a prediction is always whole)", "1");
    }
    INTS("tokens", rec[i].r.tokens, "what the model read: prompt and generated bytes; genomics: bases; forecast: "
         "patches x channels (0 for a built-in forecaster)", "tokens")
    REALS("seconds", rec[i].r.seconds, "the unit's wall time on its rank", "s")
    if (rc == 0) {
        for (int64_t i = 0; i < n; i++) w->i32[i] = rec[i].rank;
        rc = column(g, "rank", H5T_STD_I32LE, H5T_NATIVE_INT32, (hsize_t)n, w->i32, "the MPI rank that ran the unit", "1");
    }
    return rc;
}

#undef INTS
#undef REALS
#undef TEXTS

static int columns(hid_t g, const Suite *s, const UnitList *l, const Record *rec)
{
    size_t n = (size_t)l->n ? (size_t)l->n : 1;
    Scratch w = {malloc(sizeof(int64_t) * n), malloc(sizeof(double) * n), malloc(sizeof(int32_t) * n),
                 malloc(n), malloc(sizeof(char *) * n), utf8_type()};
    int rc = w.i64 && w.f64 && w.i32 && w.i8 && w.str ? 0 : -1;
    if (rc == 0) rc = unit_columns(g, s, l, &w);
    if (rc == 0) rc = result_columns(g, l, rec, &w);
    H5Tclose(w.utf8);
    free(w.i64);
    free(w.f64);
    free(w.i32);
    free(w.i8);
    free(w.str);
    return rc;
}

/* --log-samples: /prompts, one row per distinct prompt (prompts.h), and /units/prompt. */
static int prompt_datasets(hid_t f, hid_t units, Workspace *ws, const UnitList *l, const Provenance *p,
                           DataError *why)
{
    Prompts pr;
    if (prompts_collect(ws, l, p->log_samples, &pr, why) != 0) return -1;
    size_t rows = (size_t)(pr.n ? pr.n : 1), cmd_len = strlen(p->command) + 48;
    char *hex = malloc(17 * rows), *cmds = malloc(cmd_len * rows);
    const char **hexes = malloc(sizeof *hexes * rows), **commands = malloc(sizeof *commands * rows);
    hid_t g = H5Gcreate2(f, "prompts", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), t = utf8_type();
    int rc = hex && cmds && hexes && commands && g >= 0 ? 0 : -1;
    for (int64_t r = 0; rc == 0 && r < pr.n; r++) {
        hexes[r] = hex + 17 * r, commands[r] = pr.stored[r] ? "" : cmds + cmd_len * (size_t)r;
        snprintf(hex + 17 * r, 17, "%016llx", (unsigned long long)pr.xxh3[r]);
        if (!pr.stored[r]) /* the same run again (its records come from the journal) keeps it whole */
            snprintf(cmds + cmd_len * (size_t)r, cmd_len, "%s --log-samples %lld", p->command, (long long)pr.bytes[r]);
    }
    hsize_t n = (hsize_t)pr.n;
    if (rc == 0)
        rc = describe(g, "with --log-samples: the prompt of every unit, one row per distinct prompt (the units of a "
                         "cell share one)", "text") | attr_int(g, "limit", p->log_samples);
    if (rc == 0)
        rc = column(units, "prompt", H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)l->n, pr.row,
                    "the row of /prompts that holds the unit's prompt; -1: none (forecast)", "1");
    if (rc == 0)
        rc = column(g, "text", H5T_STD_U8LE, H5T_NATIVE_UINT8, (hsize_t)pr.offset[pr.n], pr.text,
                    "the stored prompts' bytes back to back (genomics: the sequence as ACGTN)", "bytes");
    if (rc == 0)
        rc = column(g, "offset", H5T_STD_I64LE, H5T_NATIVE_INT64, n + 1, pr.offset,
                    "row r's stored bytes are text[offset[r]:offset[r+1]], none when not stored", "bytes");
    if (rc == 0)
        rc = column(g, "bytes", H5T_STD_I64LE, H5T_NATIVE_INT64, n, pr.bytes, "the whole prompt's length", "bytes");
    if (rc == 0)
        rc = column(g, "stored", H5T_STD_I8LE, H5T_NATIVE_INT8, n, pr.stored,
                    "1: the prompt is in text whole; 0: longer than the group's limit, only its length and xxh3", "1");
    if (rc == 0)
        rc = column(g, "xxh3", t, t, n, hexes, "XXH3-64 of the whole prompt's bytes, in hex", "text");
    if (rc == 0)
        rc = column(g, "command", t, t, n, commands,
                    "for a prompt not stored: the command that writes this results.h5 again with it whole; else empty",
                    "text");
    if (g >= 0) H5Gclose(g);
    H5Tclose(t);
    free(hex);
    free(cmds);
    free(hexes);
    free(commands);
    prompts_free(&pr);
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
    int rc = attr_int(f, "schema_version", RECORDS_SCHEMA);
    rc |= attr_text(f, "suite_name", s->name);
    rc |= attr_text(f, "suite_file", p->suite_file);
    rc |= attr_text(f, "suite_text", s->text);
    rc |= attr_text(f, "suite_xxh3", hash);
    rc |= attr_int(f, "seed", (long long)s->seed);
    rc |= attr_int(f, "world_size", p->world_size);
    rc |= attr_text(f, "command", p->command);
    rc |= attr_text(f, "options", p->options);
    rc |= attr_text(f, "data_dir", p->data_dir);
    rc |= attr_text(f, "git_commit", p->git_commit);
    rc |= attr_text(f, "machine", p->machine);
    rc |= attr_text(f, "started_utc", p->started_utc);
    rc |= attr_text(f, "finished_utc", p->finished_utc);
    rc |= attr_text(f, "mpi_library", mpi);
    rc |= attr_text(f, "hdf5_version", h5);
    rc |= attr_text(f, "openblas_config", openblas_get_config());
    rc |= attr_text(f, "checkpoints", p->checkpoints);
    return rc;
}

int records_write(const char *dir, const Suite *s, const UnitList *units, const Record *recs,
                  const Provenance *p, Workspace *ws, DataError *err)
{
    OutFile o;
    DataError why = {""};
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
    if (rc == 0) rc = describe(g, "one record per unit: every dataset has one value per unit, indexed by unit id", "text");
    if (rc == 0) rc = columns(g, s, units, recs);
    if (rc == 0 && p->log_samples > 0) rc = prompt_datasets(f, g, ws, units, p, &why);
    if (g >= 0) H5Gclose(g);
    if (H5Fclose(f) < 0) rc = -1;
    if (rc != 0) {
        int e = errno;
        unlink(o.tmp);
        if (why.msg[0]) data_error(err, "%s: %s", o.path, why.msg);
        else data_error(err, "%s: writing the records failed%s%s", o.path, e ? ": " : "", e ? strerror(e) : "");
        return -1;
    }
    return outfile_rename(&o, err);
}
