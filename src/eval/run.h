/* Evaluating one unit: make its sample, run the model, score the answer.
 *
 * A Workspace holds what one rank has loaded, each thing on first use: checkpoints (and a
 * sequence state per checkpoint), the S-NIAH and BABILong data (from the data directory, or
 * built in), genomics test sets and forecasting datasets. Samples are keyed by what the cell is
 * (task name, variant, length, depth, sample index), not by unit id, so every model of a suite
 * reads exactly the same prompts, and any rank makes the same sample. */
#ifndef TITANS_EVAL_RUN_H
#define TITANS_EVAL_RUN_H

#include "babilong.h"
#include "forecast.h"
#include "genomics.h"
#include "niah.h"
#include "plan.h"
#include "record.h"
#include "suite.h"
#include "titans.h"
#include "units.h"
#include "unitstate.h"

typedef struct {
    char name[16];
    int lookback;
    ForecastData data;
} ForecastCache;

typedef struct {
    char name[SUITE_NAME];
    GenomicsSet set;
} GenomicsCache;

typedef struct {
    const Suite *suite;
    const char *data_dir;               /* NULL: built-in data only */
    TitansMemoryPath memory_path;
    int bf16;                           /* titans_model_use_bf16 on every model (--weights bf16) */
    TitansModel *models[SUITE_MAX_MODELS];
    TitansState *states[SUITE_MAX_MODELS];
    NiahData *niah;
    BabilongData babilong;
    int have_babilong;
    GenomicsCache genomics[SUITE_MAX_TASKS];
    int n_genomics;
    ForecastCache forecast[SUITE_MAX_TASKS];
    int n_forecast;
    UnitSaver saver;                    /* the unit in progress: where and when to save its state */
} Workspace;

void workspace_init(Workspace *ws, const Suite *s, const char *data_dir, TitansMemoryPath path);
void workspace_free(Workspace *ws);

/* 0 done, -1 error (err), or 0 with ws->saver.stopped set: a stop was requested inside a long
 * unit, whose state is saved: no record. */
int run_unit(Workspace *ws, const Unit *u, UnitResult *r, DataError *err);
/* The prompt unit u's model reads, malloc'ed (*len bytes, NUL after them): S-NIAH and BABILong
 * the prompt, genomics the sequence (bases as upper-case ACGTN). Made again from the cell, the
 * same bytes run_unit gave the model. 0; 1 for a forecasting unit (its input is a window of
 * numbers, named by the unit's sample); -1 with err. */
int run_prompt(Workspace *ws, const Unit *u, char **prompt, size_t *len, DataError *err);
/* The key a unit's sample is made from: what the cell is (task, variant, length, depth, sample),
 * never which model or rank, so units of one cell share it. */
uint64_t run_sample_key(const Suite *s, const Unit *u);
/* Loads model m from its checkpoint's bytes (received by broadcast) instead of the file. */
int workspace_load_model_image(Workspace *ws, int m, const void *bytes, size_t len, DataError *err);

/* Data counts for planning (plan.h PlanData callbacks; ctx is the Workspace). They load the data
 * into the workspace, so every file a unit reads is checked before the first unit runs. */
int64_t run_genomics_samples(void *ctx, const char *task, int *n_classes, double *mean_length,
                             DataError *err);
int64_t run_forecast_windows(void *ctx, const char *dataset, int lookback, int horizon, int *channels,
                             DataError *err);
int64_t run_text_min_length(void *ctx, TaskFamily family, const char *variant, DataError *err);
/* The callbacks above on ws, for this machine's memory; the caller sets the configs. */
PlanData workspace_plan_data(Workspace *ws);

#endif
