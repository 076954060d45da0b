/* From a suite to the unit list: which models fit which tasks, and every (task, model, variant,
 * length, depth, sample) in a fixed order with a cost estimate. The data is not read here: the
 * counts only the data knows come through PlanData, so the expansion is the same on every rank
 * and testable without files. */
#ifndef TITANS_EVAL_PLAN_H
#define TITANS_EVAL_PLAN_H

#include "suite.h"
#include "titans.h"
#include "units.h"

typedef struct {
    /* per suite model: its checkpoint's config, or NULL for a built-in forecaster */
    const TitansConfig *configs[SUITE_MAX_MODELS];
    /* genomics: test samples, classes and mean sequence length of a task folder; forecast: test
     * windows of a dataset at (lookback, horizon) and its channels (a model runs each channel).
     * -1 with err set when the data cannot say. */
    int64_t (*genomics_samples)(void *ctx, const char *task, int *n_classes, double *mean_length,
                                DataError *err);
    int64_t (*forecast_windows)(void *ctx, const char *dataset, int lookback, int horizon, int *channels,
                                DataError *err);
    void *ctx;
} PlanData;

/* Lookback of the built-in forecasters (the benchmark's standard). */
#define PLAN_NAIVE_LOOKBACK 96

int plan_expand(const Suite *s, const PlanData *pd, UnitList *out, DataError *err);
/* Estimated cost of a unit: a fixed overhead plus the FLOPs of a model over n tokens (none for a
 * built-in forecaster). */
double plan_cost(const TitansConfig *c, int64_t n);

#endif
