#include "report.h"

#include "cells.h"
#include "genomics.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* tables.md and the task's CSV, written side by side */
typedef struct {
    FILE *md, *csv;
} Out;

static void length_label(char *buf, size_t len, int64_t n, TaskFamily f)
{
    if (f == FAMILY_FORECAST) snprintf(buf, len, "%lld", (long long)n);
    else if (n >= 1048576 && n % 1048576 == 0) snprintf(buf, len, "%lldM", (long long)(n / 1048576));
    else if (n >= 1024 && n % 1024 == 0) snprintf(buf, len, "%lldK", (long long)(n / 1024));
    else snprintf(buf, len, "%lld", (long long)n);
}

/* A cell: the value [95% interval] at the decimals n supports (stats.h), accuracies in %; the
 * CSV gets value, lo, hi (and n) as fields. No units: "-" and empty fields. */
static void put_estimate(Out o, Estimate e, Metric m, int with_n)
{
    int acc = m == METRIC_ACCURACY;
    double k = acc ? 100.0 : 1.0;
    int d = acc ? decimals_accuracy(e.n) : decimals_error(e);
    if (e.n == 0) {
        fprintf(o.md, " | -");
        fprintf(o.csv, with_n ? ",,,,0" : ",,,");
        return;
    }
    fprintf(o.md, " | %.*f", d, k * e.value);
    fprintf(o.csv, ",%.*f", d, k * e.value);
    if (isnan(e.lo)) {
        fprintf(o.csv, ",,");
    } else {
        fprintf(o.md, " [%.*f, %.*f]", d, k * e.lo, d, k * e.hi);
        fprintf(o.csv, ",%.*f,%.*f", d, k * e.lo, d, k * e.hi);
    }
    if (with_n) {
        fprintf(o.md, " n=%lld", (long long)e.n);
        fprintf(o.csv, ",%lld", (long long)e.n);
    }
}

/* A cell's heading: its label in tables.md, and its four fields in the CSV. */
static void put_heading(Out o, const char *label)
{
    fprintf(o.md, " | %s", label);
    fprintf(o.csv, ",%s,%s lo,%s hi,%s n", label, label, label, label);
}

/* The end of a header row: the Markdown rule under `left` label columns and `cells` cells. */
static void end_header(Out o, int left, int cells)
{
    fprintf(o.md, " |\n");
    for (int c = 0; c < left; c++) fprintf(o.md, "|---");
    for (int c = 0; c < cells; c++) fprintf(o.md, "|---:");
    fprintf(o.md, "|\n");
    fprintf(o.csv, "\n");
}

static void end_row(Out o)
{
    fprintf(o.md, " |\n");
    fprintf(o.csv, "\n");
}

/* Matthews correlation of a genomics cell, from its units' true and predicted class names
 * (DNABERT-2 reports MCC on GUE, beside the accuracy); NaN past MCC_CLASSES classes or no unit. */
enum { MCC_CLASSES = 32 };

static int class_slot(const char **names, int *k, const char *name)
{
    for (int i = 0; i < *k; i++)
        if (!strcmp(names[i], name)) return i;
    if (*k == MCC_CLASSES) return -1;
    names[*k] = name;
    return (*k)++;
}

static double cell_mcc(const Suite *s, const UnitList *l, const Record *rec, int ti, const char *column, int variant)
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
        if (t < 0 || p < 0) return NAN;
        counts[t * MCC_CLASSES + p]++;
        n++;
    }
    return n ? genomics_mcc(counts, MCC_CLASSES) : NAN;
}

/* A genomics row's MCC cells (x 100, two decimals; no interval), after its accuracies. */
static void put_mcc(Out o, double mcc)
{
    if (isnan(mcc)) fprintf(o.md, " | "), fprintf(o.csv, ",");
    else fprintf(o.md, " | %.2f", 100 * mcc), fprintf(o.csv, ",%.4f", 100 * mcc);
}

/* S-NIAH (columns variant x length) and genomics (columns variant, then MCC per variant): one row
 * per model column. */
static void grid_table(const Suite *s, const UnitList *l, const Record *rec, int ti, Out o)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *cols[SUITE_MAX_MODELS];
    int nc = cells_columns(s, l, ti, cols), by_length = t->family == FAMILY_SNIAH;
    int nl = by_length ? t->n_lengths : 1;
    char lab[SUITE_NAME + 32], len[32];
    fprintf(o.md, "| model");
    fprintf(o.csv, "model");
    for (int v = 0; v < t->n_variants; v++)
        for (int li = 0; li < nl; li++) {
            if (by_length) length_label(len, sizeof len, t->lengths[li], t->family);
            snprintf(lab, sizeof lab, "%s%s%s", t->variants[v], by_length ? " " : "", by_length ? len : "");
            put_heading(o, lab);
        }
    int mcc = t->family == FAMILY_GENOMICS;
    for (int v = 0; mcc && v < t->n_variants; v++) {
        fprintf(o.md, " | %s MCC", t->variants[v]);
        fprintf(o.csv, ",%s MCC", t->variants[v]);
    }
    end_header(o, 1, t->n_variants * nl + (mcc ? t->n_variants : 0));
    for (int k = 0; k < nc; k++) {
        fprintf(o.md, "| %s", cols[k]);
        fprintf(o.csv, "%s", cols[k]);
        for (int v = 0; v < t->n_variants; v++)
            for (int li = 0; li < nl; li++) {
                int64_t length = by_length ? t->lengths[li] : -1;
                put_estimate(o, cells_estimate(s, l, rec, ti, cols[k], v, length, METRIC_ACCURACY), METRIC_ACCURACY, 1);
            }
        for (int v = 0; mcc && v < t->n_variants; v++) put_mcc(o, cell_mcc(s, l, rec, ti, cols[k], v));
        end_row(o);
    }
}

/* The task's table columns, the trained models' first and the built-in forecasters' and
 * answerers' after them (cells_column_is_floor); returns how many. */
static int models_then_builtins(const Suite *s, const UnitList *l, int ti, const char **cols)
{
    const char *found[SUITE_MAX_MODELS];
    int nc = cells_columns(s, l, ti, found), k = 0;
    for (int builtin = 0; builtin < 2; builtin++)
        for (int i = 0; i < nc; i++)
            if (cells_column_is_floor(s, found[i]) == builtin) cols[k++] = found[i];
    return nc;
}

/* One BABILong row over the lengths: a model column's, or (column NULL) the floor's; variant -1
 * pools every task ("mean"). */
static void babilong_row(const Suite *s, const UnitList *l, const Record *rec, int ti, Out o, const char *label,
                         const char *column, int variant)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *task = variant < 0 ? "mean" : t->variants[variant];
    fprintf(o.md, "| %s | %s", label, task);
    fprintf(o.csv, "%s,%s", label, task);
    for (int li = 0; li < t->n_lengths; li++) {
        Estimate e = column ? cells_estimate(s, l, rec, ti, column, variant, t->lengths[li], METRIC_ACCURACY)
                            : cells_common_answer_floor(s, l, rec, ti, variant, t->lengths[li]);
        put_estimate(o, e, METRIC_ACCURACY, 1);
    }
    end_row(o);
}

/* BABILong: rows model x task, each model's mean over its tasks, then the built-in answerers'
 * (labelled "rule: NAME") and the most-common-answer floor; columns length. */
static void babilong_table(const Suite *s, const UnitList *l, const Record *rec, int ti, Out o)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *cols[SUITE_MAX_MODELS];
    int nc = models_then_builtins(s, l, ti, cols);
    char lab[32], rule_label[SUITE_NAME + 8];
    fprintf(o.md, "| model | task");
    fprintf(o.csv, "model,task");
    for (int li = 0; li < t->n_lengths; li++) {
        length_label(lab, sizeof lab, t->lengths[li], t->family);
        put_heading(o, lab);
    }
    end_header(o, 2, t->n_lengths);
    for (int k = 0; k <= nc; k++) { /* k == nc: the floor */
        const char *column = k < nc ? cols[k] : NULL, *label = column ? column : "floor: most common answer";
        if (column && cells_column_is_floor(s, column))
            snprintf(rule_label, sizeof rule_label, "rule: %s", column), label = rule_label;
        for (int v = 0; v < t->n_variants; v++) babilong_row(s, l, rec, ti, o, label, column, v);
        if (t->n_variants > 1) babilong_row(s, l, rec, ti, o, label, column, -1);
    }
}

/* The mean of a column's per-horizon means (the paper's average), n their units; n = 0 when a
 * horizon is missing. No interval: the horizons share their windows' rows. */
static Estimate horizon_average(const Suite *s, const UnitList *l, const Record *rec, int ti, const char *column,
                                int variant, Metric m)
{
    const SuiteTask *t = &s->tasks[ti];
    Estimate avg = {0, NAN, NAN, 0};
    for (int h = 0; h < t->n_lengths; h++) {
        Estimate one = cells_estimate(s, l, rec, ti, column, variant, t->lengths[h], m);
        if (one.n == 0) return (Estimate){NAN, NAN, NAN, 0};
        avg.value += one.value / t->n_lengths;
        avg.n += one.n;
    }
    return avg;
}

/* Forecasting: one row per dataset, horizon (then "avg") and model column, the trained models
 * first and the suite's built-in forecasters after them as floors; columns n, MSE, MAE. */
static void forecast_table(const Suite *s, const UnitList *l, const Record *rec, int ti, Out o)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *cols[SUITE_MAX_MODELS];
    int nc = models_then_builtins(s, l, ti, cols);
    fprintf(o.md, "| dataset | horizon | model | n | MSE | MAE |\n|---|---:|---|---:|---:|---:|\n");
    fprintf(o.csv, "dataset,horizon,model,n,MSE,MSE lo,MSE hi,MAE,MAE lo,MAE hi\n");
    for (int v = 0; v < t->n_variants; v++)
        for (int h = 0; h <= t->n_lengths; h++) /* h == n_lengths: the average over horizons */
            for (int c = 0; c < nc; c++) {
                int avg = h == t->n_lengths;
                Estimate mse = avg ? horizon_average(s, l, rec, ti, cols[c], v, METRIC_MSE)
                                   : cells_estimate(s, l, rec, ti, cols[c], v, t->lengths[h], METRIC_MSE);
                Estimate mae = avg ? horizon_average(s, l, rec, ti, cols[c], v, METRIC_MAE)
                                   : cells_estimate(s, l, rec, ti, cols[c], v, t->lengths[h], METRIC_MAE);
                if (mse.n == 0) continue;
                char horizon[32], model[SUITE_NAME + 8];
                snprintf(horizon, sizeof horizon, avg ? "avg" : "%lld", avg ? 0LL : (long long)t->lengths[h]);
                snprintf(model, sizeof model, "%s%s", cells_column_is_floor(s, cols[c]) ? "floor: " : "", cols[c]);
                fprintf(o.md, "| %s | %s | %s | %lld", t->variants[v], horizon, model, (long long)mse.n);
                fprintf(o.csv, "%s,%s,%s,%lld", t->variants[v], horizon, model, (long long)mse.n);
                put_estimate(o, mse, METRIC_MSE, 0);
                put_estimate(o, mae, METRIC_MAE, 0);
                end_row(o);
            }
}

/* What the cells of a family's table hold, under the table. */
static const char *legend(TaskFamily f)
{
    switch (f) {
    case FAMILY_SNIAH:
        return "Accuracy in % (RULER's string_match_all; qa_1/qa_2: string_match_part), mean over the n "
               "samples of a cell (depths pooled), with its 95% Wilson score interval.";
    case FAMILY_BABILONG:
        return "Accuracy in % (BABILong's label match), mean over the n samples of a cell, with its 95% "
               "Wilson score interval. mean: every task's units at that length pooled. floor: always "
               "answering the task's most common target (each sample once). rule: last-mentioned answers the "
               "task's label named last in the story's facts (no model).";
    case FAMILY_GENOMICS:
        return "Top-1 accuracy in %, over the n test sequences of a task, with its 95% Wilson score interval.";
    default:
        return "MSE and MAE on normalised data, mean over the n test windows of a cell, with a 95% normal "
               "interval (mean +- 1.96 s/sqrt(n) of the per-window values; the windows overlap, so it is too "
               "narrow). avg: the mean of the horizons' means, no interval. floor: a built-in forecaster.";
    }
}

/* The reserve task t's lengths keep for the answer: "reserve = auto, 128 bytes", per variant
 * when they differ ("reserve = auto: vt 30, fwe 50 bytes"), or "reserve = 0". */
static void reserve_text(const SuiteTask *t, char *buf, size_t len)
{
    int same = 1, k;
    for (int v = 1; v < t->n_variants; v++) same &= suite_task_reserve(t, v) == suite_task_reserve(t, 0);
    if (t->reserve != SUITE_RESERVE_AUTO) k = snprintf(buf, len, "reserve = %lld", (long long)t->reserve);
    else if (same) k = snprintf(buf, len, "reserve = auto, RULER's %lld", (long long)suite_task_reserve(t, 0));
    else k = snprintf(buf, len, "reserve = auto, RULER's tokens_to_generate:");
    for (int v = 0; !same && v < t->n_variants && k >= 0 && (size_t)k < len; v++)
        k += snprintf(buf + k, len - (size_t)k, "%s %s %lld", v ? "," : "", t->variants[v],
                      (long long)suite_task_reserve(t, v));
    if (k >= 0 && (size_t)k < len && t->reserve) snprintf(buf + k, len - (size_t)k, " bytes");
}

/* The caption under a table: what its cells hold, and what its lengths are (the models' tokens:
 * bytes for these byte-level text models, time steps for a forecast horizon). */
static void caption(FILE *md, const SuiteTask *t)
{
    char reserve[SUITE_MAX_LIST * (SUITE_NAME + 24) + 64];
    fprintf(md, "\n%s", legend(t->family));
    if (t->family == FAMILY_SNIAH) {
        reserve_text(t, reserve, sizeof reserve);
        fprintf(md, " Lengths in bytes = tokens of these byte-level models, RULER's max_seq_length: the prompt is "
                    "at most length - reserve (%s).", reserve);
    } else if (t->family == FAMILY_BABILONG) {
        fprintf(md, " Lengths in bytes = tokens of these byte-level models: the prompt's bound (0: the facts alone, "
                    "no background). Background: the data folder's Project Gutenberg books (upstream's PG19 test split "
                    "is not available here), or the built-in text without a data folder.");
    } else if (t->family == FAMILY_FORECAST) {
        fprintf(md, " Horizons in time steps.");
    }
    fputc('\n', md);
}

static void table_task(const Suite *s, const UnitList *l, const Record *rec, int ti, Out o)
{
    const SuiteTask *t = &s->tasks[ti];
    const char *family = family_name(t->family);
    if (strcmp(t->name, family)) fprintf(o.md, "\n### %s (%s)\n\n", t->name, family);
    else fprintf(o.md, "\n### %s\n\n", t->name);
    if (t->family == FAMILY_BABILONG) babilong_table(s, l, rec, ti, o);
    else if (t->family == FAMILY_FORECAST) forecast_table(s, l, rec, ti, o);
    else grid_table(s, l, rec, ti, o);
    caption(o.md, t);
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
    if (outfile_check(out, "units.csv", err) != 0 || outfile_check(out, "tables.md", err) != 0 ||
        outfile_check(out, "results.json", err) != 0)
        return -1;
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
        table_task(s, l, rec, ti, (Out){md.f, csv.f});
        if (outfile_commit(&csv, err) != 0) {
            outfile_abort(&md);
            return -1;
        }
    }
    return outfile_commit(&md, err);
}
