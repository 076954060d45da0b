#include "results_json.h"

#include "cells.h"
#include "outfile.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string. Jansson refuses bytes that are not UTF-8 (a path may hold any): then every
 * byte above 0x7f is written as \xHH, as the records write text. NULL: out of memory. */
static json_t *text(const char *s)
{
    json_t *j = json_string(s);
    if (j || !s) return j;
    size_t n = strlen(s), k = 0;
    char *esc = malloc(4 * n + 1);
    if (!esc) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) esc[k++] = (char)c;
        else k += (size_t)snprintf(esc + k, 5, "\\x%02x", c);
    }
    esc[k] = 0;
    j = json_string(esc);
    free(esc);
    return j;
}

static json_t *hex(uint64_t h)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    return json_string(buf);
}

/* options_echo's "name = value" lines as an object of strings. */
static json_t *options(const char *echo)
{
    json_t *o = json_object();
    for (const char *line = echo; o && *line;) {
        const char *end = strchr(line, '\n'), *eq = strstr(line, " = ");
        if (!end) end = line + strlen(line);
        if (eq && eq < end) {
            char name[64], value[2048];
            snprintf(name, sizeof name, "%.*s", (int)(eq - line), line);
            snprintf(value, sizeof value, "%.*s", (int)(end - eq - 3), eq + 3);
            if (json_object_set_new(o, name, text(value)) != 0) json_decref(o), o = NULL;
        }
        line = *end ? end + 1 : end;
    }
    return o;
}

static json_t *models(const Suite *s, const Provenance *p)
{
    json_t *a = json_array();
    for (int m = 0; a && m < s->n_models; m++) {
        const SuiteModel *sm = &s->models[m];
        int ckpt = sm->checkpoint[0] != 0;
        json_t *one = json_pack("{s:o, s:o, s:o?, s:o?, s:o?, s:o?}",
                                "name", text(sm->name),
                                "column", text(sm->column),
                                "checkpoint", ckpt ? text(sm->checkpoint) : NULL,
                                "xxh3", ckpt ? hex(p->checkpoint_xxh3[m]) : NULL,
                                "forecaster", sm->forecaster[0] ? text(sm->forecaster) : NULL,
                                "answerer", sm->answerer[0] ? text(sm->answerer) : NULL);
        if (json_array_append_new(a, one) != 0) json_decref(a), a = NULL;
    }
    return a;
}

/* Appends one cell to cells unless it has no units. 0, or -1 out of memory. */
static int add_cell(json_t *cells, const char *model, int floor, const char *variant, int64_t length, Metric m,
                    Estimate e)
{
    if (e.n == 0) return 0;
    json_t *ci = isnan(e.lo) ? NULL : json_pack("[f, f]", e.lo, e.hi);
    if (!ci && !isnan(e.lo)) return -1;
    json_t *c = json_pack("{s:o, s:b, s:o, s:o?, s:s, s:f, s:I, s:o?}",
                          "model", text(model),
                          "floor", floor,
                          "variant", text(variant),
                          "length", length >= 0 ? json_integer(length) : NULL,
                          "metric", metric_name(m),
                          "value", e.value,
                          "n", (json_int_t)e.n,
                          "ci95", ci);
    return json_array_append_new(cells, c);
}

/* The cells of task ti: each table column's, then BABILong's most-common-answer floor. */
static json_t *task_cells(const Suite *s, const UnitList *l, const Record *rec, int ti)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *cols[SUITE_MAX_MODELS];
    Metric metrics[2];
    int nc = cells_columns(s, l, ti, cols), nm = family_metrics(t->family, metrics);
    int nl = t->family == FAMILY_GENOMICS ? 1 : t->n_lengths;
    json_t *cells = json_array();
    int rc = cells ? 0 : -1;
    for (int k = 0; k < nc; k++)
        for (int v = 0; v < t->n_variants; v++)
            for (int li = 0; li < nl; li++)
                for (int mi = 0; rc == 0 && mi < nm; mi++) {
                    int64_t len = t->family == FAMILY_GENOMICS ? -1 : t->lengths[li];
                    Estimate e = cells_estimate(s, l, rec, ti, cols[k], v, len, metrics[mi]);
                    int floor = cells_column_is_floor(s, cols[k]);
                    rc = add_cell(cells, cols[k], floor, t->variants[v], len, metrics[mi], e);
                }
    for (int v = 0; t->family == FAMILY_BABILONG && v < t->n_variants; v++)
        for (int li = 0; rc == 0 && li < nl; li++) {
            Estimate e = cells_common_answer_floor(s, l, rec, ti, v, t->lengths[li]);
            rc = add_cell(cells, "most-common-answer", 1, t->variants[v], t->lengths[li], METRIC_ACCURACY, e);
        }
    if (rc != 0) json_decref(cells);
    return rc == 0 ? cells : NULL;
}

/* An S-NIAH task's reserve: the suite's setting ("auto" or the count) and the bytes each variant
 * keeps of a length for the answer; NULL (JSON null) for the other families. */
static json_t *reserve(const SuiteTask *t)
{
    if (t->family != FAMILY_SNIAH) return NULL;
    char setting[32] = "auto";
    if (t->reserve != SUITE_RESERVE_AUTO) snprintf(setting, sizeof setting, "%lld", (long long)t->reserve);
    json_t *bytes = json_object();
    for (int v = 0; bytes && v < t->n_variants; v++)
        if (json_object_set_new(bytes, t->variants[v], json_integer(suite_task_reserve(t, v))) != 0)
            json_decref(bytes), bytes = NULL;
    return json_pack("{s:s, s:o}", "setting", setting, "bytes", bytes);
}

static json_t *tasks(const Suite *s, const UnitList *l, const Record *rec)
{
    json_t *a = json_array();
    for (int ti = 0; a && ti < s->n_tasks; ti++) {
        const SuiteTask *t = &s->tasks[ti];
        Metric metrics[2];
        int nm = family_metrics(t->family, metrics);
        json_t *names = nm == 1 ? json_pack("[s]", metric_name(metrics[0]))
                                : json_pack("[s, s]", metric_name(metrics[0]), metric_name(metrics[1]));
        const char *unit = family_length_unit(t->family);
        json_t *one = json_pack("{s:o, s:s, s:o, s:o?, s:o?, s:o}", "name", text(t->name), "family",
                                family_name(t->family), "metrics", names, "length_unit", unit ? json_string(unit) : NULL,
                                "reserve", reserve(t), "cells", task_cells(s, l, rec, ti));
        if (json_array_append_new(a, one) != 0) json_decref(a), a = NULL;
    }
    return a;
}

static json_t *document(const Suite *s, const UnitList *l, const Record *rec, const Provenance *p)
{
    char seed[32]; /* a 64-bit unsigned seed: more than a JSON number holds exactly */
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
    json_t *suite = json_pack("{s:o, s:o, s:o, s:s}", "name", text(s->name), "file", text(p->suite_file),
                              "xxh3", hex(s->hash), "seed", seed);
    return json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o?, s:I, s:o, s:o}",
                     "format", "titans-eval results",
                     "version", RESULTS_JSON_VERSION,
                     "suite", suite,
                     "command", text(p->command),
                     "options", options(p->options),
                     "commit", text(p->git_commit),
                     "machine", text(p->machine),
                     "ranks", p->world_size,
                     "started", text(p->started_utc),
                     "finished", text(p->finished_utc),
                     "data_dir", p->data_dir[0] ? text(p->data_dir) : NULL,
                     "units", (json_int_t)l->n,
                     "models", models(s, p),
                     "tasks", tasks(s, l, rec));
}

int results_json_write(const char *dir, const Suite *s, const UnitList *l, const Record *rec, const Provenance *p,
                       DataError *err)
{
    json_t *doc = document(s, l, rec, p);
    if (!doc) return data_error(err, "%s/results.json: out of memory building the document", dir), -1;
    OutFile o;
    int rc = outfile_open(&o, dir, "results.json", err);
    if (rc == 0 && (json_dumpf(doc, o.f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) != 0 || fputc('\n', o.f) == EOF)) {
        int e = errno;
        outfile_abort(&o);
        rc = outfile_error(err, o.path, "cannot write", e ? e : EIO);
    }
    if (rc == 0) rc = outfile_commit(&o, err);
    json_decref(doc);
    return rc;
}
