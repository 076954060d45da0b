#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "niah.h"

/* What a unit costs besides its model's FLOPs (building the sample, its record, its journal
 * entry), in FLOP-equivalents: about 20 us on this machine, measured on forecast windows with a
 * built-in forecaster. Without it, 95k cheap units looked like nothing to the progress ETA. */
#define PLAN_UNIT_OVERHEAD 2e5

double plan_cost(const TitansConfig *c, int64_t n)
{
    if (!c) return PLAN_UNIT_OVERHEAD; /* a built-in forecaster: next to nothing per window */
    /* attention grows with the position: the mean position stands for the whole sequence */
    return PLAN_UNIT_OVERHEAD + (double)n * titans_token_flops(c, (double)n / 2.0);
}

/* Whether a model can run a task family, and why not. */
static const char *misfit(const TitansConfig *c, TaskFamily f)
{
    switch (f) {
    case FAMILY_SNIAH:
    case FAMILY_BABILONG:
        return c && c->head == TITANS_HEAD_LM ? NULL : "text tasks need a bytes/lm checkpoint";
    case FAMILY_GENOMICS:
        return c && c->head == TITANS_HEAD_CLS ? NULL : "genomics needs a dna/cls checkpoint";
    case FAMILY_FORECAST:
        return !c || c->head == TITANS_HEAD_FORECAST ? NULL : "forecasting needs a series/forecast checkpoint or a built-in forecaster";
    }
    return "unknown family";
}

/* Prefixes an error with the suite file and the task section. */
static int in_task(const Suite *s, const SuiteTask *t, DataError *err)
{
    DataError inner = *err;
    data_error(err, "%s: [task.%s]: %s", s->source, t->name, inner.msg);
    return -1;
}

static int parse_variant(const Suite *s, const SuiteTask *t, int v, DataError *err)
{
    const char *name = t->variants[v];
    if (t->family == FAMILY_SNIAH) {
        NiahTask k;
        if (niah_task_parse(name, &k, err) != 0) return in_task(s, t, err);
    } else if (t->family == FAMILY_BABILONG) {
        if (strlen(name) != 3 || strncmp(name, "qa", 2) || name[2] < '1' || name[2] > '5') {
            data_error(err, "variants: '%s' is not qa1 .. qa5", name);
            return in_task(s, t, err);
        }
    }
    return 0;
}

/* The samples of a cell: generated tasks run 0 .. samples-1; data tasks take every sample when
 * samples is 0, else `samples` of them spread evenly over the data (index k * n / samples). */
static int64_t cell_sample(int64_t k, int64_t take, int64_t available)
{
    return take == available ? k : (int64_t)((double)k * (double)available / (double)take);
}

static int push_cell(UnitList *out, Unit u, int64_t take, int64_t available, double cost, DataError *err)
{
    for (int64_t k = 0; k < take; k++) {
        u.sample = available < 0 ? k : cell_sample(k, take, available);
        u.cost = cost;
        if (units_push(out, u) != 0) {
            data_error(err, "out of memory for the unit list");
            return -1;
        }
    }
    return 0;
}

static int expand_task(const Suite *s, int ti, const PlanData *pd, UnitList *out, DataError *err)
{
    const SuiteTask *t = &s->tasks[ti];
    int models[SUITE_MAX_MODELS], n_models = 0;
    for (int i = 0; i < (t->all_models ? s->n_models : t->n_models); i++) {
        int m = t->all_models ? i : t->models[i];
        const char *why = misfit(pd->configs[m], t->family);
        if (!why) models[n_models++] = m;
        else if (!t->all_models) {
            data_error(err, "%s: [task.%s] model '%s': %s", s->source, t->name, s->models[m].name, why);
            return -1;
        }
    }
    if (n_models == 0) {
        data_error(err, "%s: [task.%s]: no model in the suite fits family %s", s->source, t->name,
                   family_name(t->family));
        return -1;
    }
    for (int v = 0; v < t->n_variants; v++)
        if (parse_variant(s, t, v, err) != 0) return -1;

    for (int mi = 0; mi < n_models; mi++) {
        int m = models[mi];
        const TitansConfig *c = pd->configs[m];
        for (int v = 0; v < t->n_variants; v++) {
            Unit u = {.task = ti, .model = m, .family = t->family, .variant = v, .depth = -1};
            if (t->family == FAMILY_SNIAH || t->family == FAMILY_BABILONG) {
                int n_depths = t->family == FAMILY_SNIAH && t->n_depths ? t->n_depths : 1;
                for (int li = 0; li < t->n_lengths; li++)
                    for (int di = 0; di < n_depths; di++) {
                        u.length = t->lengths[li];
                        u.depth = t->family == FAMILY_SNIAH && t->n_depths ? t->depths[di] : -1;
                        if (push_cell(out, u, t->samples, -1, plan_cost(c, u.length), err)) return -1;
                    }
            } else if (t->family == FAMILY_GENOMICS) {
                int n_classes = 0;
                double mean_length = 0;
                int64_t n = pd->genomics_samples(pd->ctx, t->variants[v], &n_classes, &mean_length, err);
                if (n < 0) return in_task(s, t, err);
                if (c->n_classes != n_classes) {
                    data_error(err, "%s: [task.%s] model '%s': its head has %d classes, task %s has %d",
                               s->source, t->name, s->models[m].name, c->n_classes, t->variants[v], n_classes);
                    return -1;
                }
                int64_t take = t->samples && t->samples < n ? t->samples : n;
                if (push_cell(out, u, take, n, plan_cost(c, (int64_t)mean_length + 1), err)) return -1;
            } else {
                int fits = 0;
                for (int li = 0; li < t->n_lengths; li++) {
                    u.length = t->lengths[li]; /* the horizon */
                    if (c && c->horizon != u.length) continue; /* a checkpoint of another horizon */
                    fits = 1;
                    int lookback = c ? c->lookback : PLAN_NAIVE_LOOKBACK;
                    int channels = 1;
                    int64_t n = pd->forecast_windows(pd->ctx, t->variants[v], lookback, (int)u.length,
                                                     &channels, err);
                    if (n < 0) return in_task(s, t, err);
                    int64_t take = t->samples && t->samples < n ? t->samples : n;
                    double cost = c ? channels * plan_cost(c, c->n_patch) : plan_cost(NULL, 0);
                    if (push_cell(out, u, take, n, cost, err)) return -1;
                }
                if (!fits && !t->all_models) {
                    data_error(err, "%s: [task.%s] model '%s': its head forecasts %d steps, none of the task's horizons",
                               s->source, t->name, s->models[m].name, c->horizon);
                    return -1;
                }
            }
        }
    }
    return 0;
}

int plan_expand(const Suite *s, const PlanData *pd, UnitList *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    for (int ti = 0; ti < s->n_tasks; ti++)
        if (expand_task(s, ti, pd, out, err) != 0) {
            units_free(out);
            return -1;
        }
    return 0;
}
