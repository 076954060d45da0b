/* From a suite to the unit list: which models fit which tasks, and every (task, model, variant,
 * length, depth, sample) in a fixed order with a cost estimate. The data is not read here: the
 * counts only the data knows come through PlanData, so the expansion is the same on every rank
 * and testable without files.
 *
 * Nothing a suite asks for fails later than the plan: every data file a unit will read is loaded
 * and checked through PlanData (text data too), a length no sample fits is refused, and so is
 * work the machine cannot hold. The units are counted (overflow-checked) before any is
 * allocated: the list and its records may take at most 1 / PLAN_MEMORY_SHARE of the memory, and
 * so may one sample (its prompt, tokens and the model's attention cache). Every refusal names the
 * suite file, the line and the key, and says what the limit is. */
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
    /* sniah/babilong: the shortest length at which every unit's sample of the variant can be made
     * (niah_min_length, babilong_min_length): the data is loaded and checked here, not at the
     * first unit. -1 with err. */
    int64_t (*text_min_length)(void *ctx, TaskFamily family, const char *variant, DataError *err);
    void *ctx;
    int64_t memory; /* bytes the limits are a share of; 0: this machine's (plan_machine_memory) */
} PlanData;

/* The limits are this share of the memory: 1/4, for the unit list with its records (rank 0), and
 * for one sample, leaving the rest to the models, the data and the other ranks of the node. */
#define PLAN_MEMORY_SHARE 4
/* What one unit costs the run in memory on rank 0: the unit list and the list still to run (Unit,
 * about 60 bytes each), its owner and done flag, and three records of about 830 bytes (its
 * rank's, the gathered and the ordered copies: record.h keeps predictions whole); test_plan
 * checks it against the sizes. */
#define PLAN_UNIT_BYTES 3072

/* Physical memory (sysconf), or 0 when the system cannot say. */
int64_t plan_machine_memory(void);

/* Lookback of the built-in forecasters (the benchmark's standard). */
#define PLAN_NAIVE_LOOKBACK 96

/* Whether some model of the task, not left out by --models, fits its family. */
int plan_task_has_model(const Suite *s, const SuiteTask *t, const PlanData *pd);
int plan_expand(const Suite *s, const PlanData *pd, UnitList *out, DataError *err);
/* Bytes a text unit holds per token of its prompt on a model of config c: the prompt, its int32
 * tokens, BABILong's background pieces and the attention cache of each full-attention layer. */
double plan_token_bytes(const TitansConfig *c);
/* Estimated cost of a unit: a fixed overhead plus the FLOPs of a model over n tokens (none for a
 * built-in forecaster). */
double plan_cost(const TitansConfig *c, int64_t n);

#endif
