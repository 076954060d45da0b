#include "cells.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *metric_name(Metric m)
{
    return m == METRIC_MSE ? "mse" : m == METRIC_MAE ? "mae" : "accuracy";
}

int family_metrics(TaskFamily f, Metric out[2])
{
    if (f != FAMILY_FORECAST) return out[0] = METRIC_ACCURACY, 1;
    out[0] = METRIC_MSE, out[1] = METRIC_MAE;
    return 2;
}

const char *family_length_unit(TaskFamily f)
{
    return f == FAMILY_FORECAST ? "time steps" : f == FAMILY_GENOMICS ? NULL : "bytes";
}

Metric family_score_metric(TaskFamily f)
{
    return f == FAMILY_FORECAST ? METRIC_MSE : METRIC_ACCURACY;
}

double record_metric(const Record *r, TaskFamily f, Metric m)
{
    if ((f == FAMILY_FORECAST) != (m != METRIC_ACCURACY)) return NAN;
    return m == METRIC_MAE ? r->r.mae : r->r.score;
}

int cells_columns(const Suite *s, const UnitList *l, int ti, const char **out)
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

int cells_column_is_floor(const Suite *s, const char *column)
{
    int any = 0;
    for (int m = 0; m < s->n_models; m++)
        if (!strcmp(s->models[m].column, column)) {
            if (s->models[m].checkpoint[0]) return 0;
            any = 1;
        }
    return any;
}

static int in_cell(const Unit *u, int ti, int variant, int64_t length)
{
    return u->task == ti && (variant < 0 || u->variant == variant) && (length < 0 || u->length == length);
}

Estimate cells_estimate(const Suite *s, const UnitList *l, const Record *rec, int ti, const char *column,
                        int variant, int64_t length, Metric m)
{
    Sum sum = {0, 0, 0};
    for (int64_t i = 0; i < l->n; i++)
        if (in_cell(&l->v[i], ti, variant, length) && !strcmp(s->models[l->v[i].model].column, column))
            sum_add(&sum, record_metric(&rec[i], l->v[i].family, m));
    return m == METRIC_ACCURACY ? estimate_wilson(sum) : estimate_normal(sum);
}

/* The model whose units stand for the samples of a cell: the first that ran it; -1: none. */
static int reference_model(const UnitList *l, int ti, int variant, int64_t length)
{
    for (int64_t i = 0; i < l->n; i++)
        if (in_cell(&l->v[i], ti, variant, length)) return l->v[i].model;
    return -1;
}

typedef struct {
    const char *target;
    int64_t count;
} Tally;

/* The most common target of a variant over its lengths, each sample once; NULL: none or no memory. */
static const char *common_answer(const Suite *s, const UnitList *l, const Record *rec, int ti, int variant)
{
    const SuiteTask *t = &s->tasks[ti];
    Tally *tally = NULL;
    int n = 0, cap = 0, ok = 1;
    for (int li = 0; ok && li < t->n_lengths; li++) {
        int ref = reference_model(l, ti, variant, t->lengths[li]);
        for (int64_t i = 0; ok && i < l->n; i++) {
            if (l->v[i].model != ref || !in_cell(&l->v[i], ti, variant, t->lengths[li])) continue;
            int k = 0;
            while (k < n && strcmp(tally[k].target, rec[i].r.target)) k++;
            if (k == n && n == cap) {
                Tally *more = realloc(tally, sizeof *tally * (size_t)(cap = cap ? 2 * cap : 16));
                if (!(ok = more != NULL)) break;
                tally = more;
            }
            if (k == n) tally[n++] = (Tally){rec[i].r.target, 0};
            tally[k].count++;
        }
    }
    const char *best = NULL;
    int64_t most = 0;
    for (int k = 0; ok && k < n; k++)
        if (tally[k].count > most) most = tally[k].count, best = tally[k].target;
    free(tally);
    return best;
}

Estimate cells_common_answer_floor(const Suite *s, const UnitList *l, const Record *rec, int ti, int variant,
                                   int64_t length)
{
    Sum sum = {0, 0, 0};
    const SuiteTask *t = &s->tasks[ti];
    for (int v = variant < 0 ? 0 : variant; v < (variant < 0 ? t->n_variants : variant + 1); v++) {
        const char *answer = common_answer(s, l, rec, ti, v);
        int ref = reference_model(l, ti, v, length);
        for (int64_t i = 0; answer && i < l->n; i++)
            if (l->v[i].model == ref && in_cell(&l->v[i], ti, v, length))
                sum_add(&sum, !strcmp(rec[i].r.target, answer));
    }
    return estimate_wilson(sum);
}
