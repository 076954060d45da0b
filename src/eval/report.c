#include "report.h"

#include "genomics.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* mean of score (or mae) over the units of task ti in table column `column` (models share a
 * column by their `column` key) matching every given key (-1: any) */
typedef struct {
    double sum;
    int64_t n;
} Mean;

static Mean cell_mean(const Suite *s, const UnitList *l, const Record *rec, int ti, const char *column,
                      int variant, int64_t length, int want_mae)
{
    Mean m = {0, 0};
    for (int64_t i = 0; i < l->n; i++) {
        const Unit *u = &l->v[i];
        if (u->task != ti || strcmp(s->models[u->model].column, column) ||
            (variant >= 0 && u->variant != variant) || (length >= 0 && u->length != length))
            continue;
        m.sum += want_mae ? rec[i].r.mae : rec[i].r.score;
        m.n++;
    }
    return m;
}

/* distinct table columns of a task, in first-seen (suite) order */
static int distinct_columns(const Suite *s, const UnitList *l, int ti, const char **out)
{
    int n = 0;
    for (int64_t i = 0; i < l->n; i++) {
        if (l->v[i].task != ti) continue;
        const char *c = s->models[l->v[i].model].column;
        int seen = 0;
        for (int k = 0; k < n; k++) seen |= !strcmp(out[k], c);
        if (!seen) out[n++] = c;
    }
    return n;
}

static void length_label(char *buf, size_t len, int64_t n, TaskFamily f)
{
    if (f == FAMILY_FORECAST) snprintf(buf, len, "%lld", (long long)n);
    else if (n >= 1048576 && n % 1048576 == 0) snprintf(buf, len, "%lldM", (long long)(n / 1048576));
    else if (n >= 1024 && n % 1024 == 0) snprintf(buf, len, "%lldK", (long long)(n / 1024));
    else snprintf(buf, len, "%lld", (long long)n);
}

/* A table cell: accuracies (scale 100) with 2 decimals, MSE/MAE with 3 as in the paper's tables */
static void cell(FILE *md, FILE *csv, Mean m, double scale)
{
    if (m.n == 0) {
        fprintf(md, " | -");
        fprintf(csv, ",");
        return;
    }
    fprintf(md, " | %.*f", scale == 1.0 ? 3 : 2, scale * m.sum / (double)m.n);
    fprintf(csv, ",%.6f", scale * m.sum / (double)m.n);
}

/* Matthews correlation of a genomics cell, from its units' true and predicted class names
 * (DNABERT-2 reports MCC on GUE, beside the accuracy). Classes past MCC_CLASSES: no value. */
enum { MCC_CLASSES = 32 };

static int class_slot(const char **names, int *k, const char *name)
{
    for (int i = 0; i < *k; i++)
        if (!strcmp(names[i], name)) return i;
    if (*k == MCC_CLASSES) return -1;
    names[*k] = name;
    return (*k)++;
}

static Mean cell_mcc(const Suite *s, const UnitList *l, const Record *rec, int ti, const char *column, int variant)
{
    static int64_t counts[MCC_CLASSES * MCC_CLASSES];
    const char *names[MCC_CLASSES];
    int k = 0;
    int64_t n = 0;
    memset(counts, 0, sizeof counts);
    for (int64_t i = 0; i < l->n; i++) {
        const Unit *u = &l->v[i];
        if (u->task != ti || u->variant != variant || strcmp(s->models[u->model].column, column)) continue;
        int t = class_slot(names, &k, rec[i].r.target), p = class_slot(names, &k, rec[i].r.prediction);
        if (t < 0 || p < 0) return (Mean){0, 0};
        counts[t * MCC_CLASSES + p]++;
        n++;
    }
    return (Mean){n ? genomics_mcc(counts, MCC_CLASSES) : 0, n ? 1 : 0}; /* cell() scales by 100 */
}

static void table_task(const Suite *s, const UnitList *l, const Record *rec, int ti, FILE *md, FILE *csv)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *cols[SUITE_MAX_MODELS];
    int nm = distinct_columns(s, l, ti, cols);
    char lab[32];
    fprintf(md, "\n### %s (%s)\n\n", t->name, family_name(t->family));
    if (t->family == FAMILY_SNIAH || t->family == FAMILY_GENOMICS) {
        /* rows: models; columns: variant (x length) */
        int nl = t->family == FAMILY_SNIAH ? t->n_lengths : 1;
        fprintf(md, "| model");
        fprintf(csv, "model");
        for (int v = 0; v < t->n_variants; v++)
            for (int li = 0; li < nl; li++) {
                if (t->family == FAMILY_SNIAH) length_label(lab, sizeof lab, t->lengths[li], t->family);
                fprintf(md, " | %s%s%s", t->variants[v], nl > 1 || t->family == FAMILY_SNIAH ? " " : "",
                        t->family == FAMILY_SNIAH ? lab : "");
                fprintf(csv, ",%s%s%s", t->variants[v], t->family == FAMILY_SNIAH ? " " : "",
                        t->family == FAMILY_SNIAH ? lab : "");
            }
        int mcc = t->family == FAMILY_GENOMICS;
        for (int v = 0; mcc && v < t->n_variants; v++) {
            fprintf(md, " | %s MCC", t->variants[v]);
            fprintf(csv, ",%s MCC", t->variants[v]);
        }
        fprintf(md, " |\n|---");
        for (int c = 0; c < t->n_variants * (nl + mcc); c++) fprintf(md, "|---:");
        fprintf(md, "|\n");
        fprintf(csv, "\n");
        for (int k = 0; k < nm; k++) {
            fprintf(md, "| %s", cols[k]);
            fprintf(csv, "%s", cols[k]);
            for (int v = 0; v < t->n_variants; v++)
                for (int li = 0; li < nl; li++)
                    cell(md, csv, cell_mean(s, l, rec, ti, cols[k], v, t->family == FAMILY_SNIAH ? t->lengths[li] : -1, 0), 100.0);
            for (int v = 0; mcc && v < t->n_variants; v++) cell(md, csv, cell_mcc(s, l, rec, ti, cols[k], v), 100.0);
            fprintf(md, " |\n");
            fprintf(csv, "\n");
        }
    } else if (t->family == FAMILY_BABILONG) {
        fprintf(md, "| model | task");
        fprintf(csv, "model,task");
        for (int li = 0; li < t->n_lengths; li++) {
            length_label(lab, sizeof lab, t->lengths[li], t->family);
            fprintf(md, " | %s", lab);
            fprintf(csv, ",%s", lab);
        }
        fprintf(md, " |\n|---|---");
        for (int li = 0; li < t->n_lengths; li++) fprintf(md, "|---:");
        fprintf(md, "|\n");
        fprintf(csv, "\n");
        for (int k = 0; k < nm; k++)
            for (int v = 0; v < t->n_variants; v++) {
                fprintf(md, "| %s | %s", cols[k], t->variants[v]);
                fprintf(csv, "%s,%s", cols[k], t->variants[v]);
                for (int li = 0; li < t->n_lengths; li++)
                    cell(md, csv, cell_mean(s, l, rec, ti, cols[k], v, t->lengths[li], 0), 100.0);
                fprintf(md, " |\n");
                fprintf(csv, "\n");
            }
    } else {
        fprintf(md, "| dataset | horizon");
        fprintf(csv, "dataset,horizon");
        for (int k = 0; k < nm; k++) {
            fprintf(md, " | %s MSE | %s MAE", cols[k], cols[k]);
            fprintf(csv, ",%s MSE,%s MAE", cols[k], cols[k]);
        }
        fprintf(md, " |\n|---|---");
        for (int k = 0; k < 2 * nm; k++) fprintf(md, "|---:");
        fprintf(md, "|\n");
        fprintf(csv, "\n");
        for (int v = 0; v < t->n_variants; v++)
            for (int li = 0; li <= t->n_lengths; li++) { /* the last row: mean over horizons */
                int avg = li == t->n_lengths;
                fprintf(md, "| %s | %s", t->variants[v], avg ? "avg" : "");
                fprintf(csv, "%s,%s", t->variants[v], avg ? "avg" : "");
                if (!avg) {
                    fprintf(md, "%lld", (long long)t->lengths[li]);
                    fprintf(csv, "%lld", (long long)t->lengths[li]);
                }
                for (int k = 0; k < nm; k++)
                    for (int mae = 0; mae < 2; mae++) {
                        Mean m = {0, 0};
                        if (!avg) m = cell_mean(s, l, rec, ti, cols[k], v, t->lengths[li], mae);
                        else { /* the paper averages the per-horizon means */
                            int got = 0;
                            for (int h = 0; h < t->n_lengths; h++) {
                                Mean one = cell_mean(s, l, rec, ti, cols[k], v, t->lengths[h], mae);
                                if (one.n) m.sum += one.sum / (double)one.n, got++;
                            }
                            m.n = got == t->n_lengths ? got : 0; /* a missing horizon: no average */
                        }
                        cell(md, csv, m, 1.0);
                    }
                fprintf(md, " |\n");
                fprintf(csv, "\n");
            }
    }
}

/* CSV field: quoted, with quotes doubled */
static void csv_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* units.csv: one row per unit */
static void write_units(const Suite *s, const UnitList *l, const Record *rec, FILE *u)
{
    fprintf(u, "unit,task,family,model,variant,length,depth,sample,score,mae,tokens,seconds,rank,prediction,target\n");
    for (int64_t i = 0; i < l->n; i++) {
        const Unit *x = &l->v[i];
        const SuiteTask *t = &s->tasks[x->task];
        fprintf(u, "%lld,%s,%s,%s,%s,%lld,%g,%lld,%.9g,%.9g,%lld,%.6f,%d,", (long long)x->id, t->name,
                family_name(x->family), s->models[x->model].name, t->variants[x->variant], (long long)x->length,
                x->depth, (long long)x->sample, rec[i].r.score, rec[i].r.mae, (long long)rec[i].r.tokens,
                rec[i].r.seconds, rec[i].rank);
        csv_text(u, rec[i].r.prediction);
        fputc(',', u);
        csv_text(u, rec[i].r.target);
        fputc('\n', u);
    }
}

int report_check_outputs(const Suite *s, const char *out, DataError *err)
{
    if (outfile_check(out, "units.csv", err) != 0 || outfile_check(out, "tables.md", err) != 0) return -1;
    for (int ti = 0; ti < s->n_tasks; ti++) {
        char name[SUITE_NAME + 8];
        snprintf(name, sizeof name, "%s.csv", s->tasks[ti].name);
        if (outfile_check(out, name, err) != 0) return -1;
    }
    return 0;
}

/* Every file is written to a temporary and renamed (outfile.h): a kill leaves each one the
 * previous complete version or the new one. tables.md is renamed last. */
int report_write(const Suite *s, const UnitList *l, const Record *rec, const char *out,
                 const char *header, DataError *err)
{
    OutFile u, md, csv;
    if (outfile_open(&u, out, "units.csv", err) != 0) return -1;
    write_units(s, l, rec, u.f);
    if (outfile_commit(&u, err) != 0) return -1;
    if (outfile_open(&md, out, "tables.md", err) != 0) return -1;
    fprintf(md.f, "%s", header);
    for (int ti = 0; ti < s->n_tasks; ti++) {
        char name[SUITE_NAME + 8];
        snprintf(name, sizeof name, "%s.csv", s->tasks[ti].name);
        if (outfile_open(&csv, out, name, err) != 0) {
            outfile_abort(&md);
            return -1;
        }
        table_task(s, l, rec, ti, md.f, csv.f);
        if (outfile_commit(&csv, err) != 0) {
            outfile_abort(&md);
            return -1;
        }
    }
    return outfile_commit(&md, err);
}
