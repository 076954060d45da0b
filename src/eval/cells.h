/* The cells of a task's tables, as tables.md, the per-task CSVs and results.json report them.
 *
 * A cell is the units of one task with one table column (models share a column by their
 * `column` key), variant and length (genomics: every length), averaged over depths and samples.
 * Its metric is named per family: `accuracy` for S-NIAH (RULER's string_match_all, qa_1/qa_2's
 * string_match_part), BABILong
 * (its label match) and genomics (top-1 class), each a per-unit score in [0, 1]; `mse` and `mae`
 * for forecasting, per test window on normalised data. stats.h gives the interval. */
#ifndef TITANS_EVAL_CELLS_H
#define TITANS_EVAL_CELLS_H

#include "record.h"
#include "stats.h"
#include "suite.h"
#include "units.h"

typedef enum { METRIC_ACCURACY, METRIC_MSE, METRIC_MAE } Metric;

const char *metric_name(Metric m);
/* The metrics a family's tables show (accuracy; forecast mse, mae): how many, into out[2]. */
int family_metrics(TaskFamily f, Metric out[2]);
/* The metric record.h's `score` holds for a family (accuracy, or mse for forecasting). */
Metric family_score_metric(TaskFamily f);
/* The unit of a family's lengths: the models' tokens, "bytes" for the byte-level text models,
 * "time steps" for a forecast horizon; NULL for genomics (a sequence has its own length). */
const char *family_length_unit(TaskFamily f);
/* A unit's value of m: NaN when its family does not have m. */
double record_metric(const Record *r, TaskFamily f, Metric m);

/* The table columns of task ti, first seen first (the suite's order); returns how many. */
int cells_columns(const Suite *s, const UnitList *l, int ti, const char **out);
/* 1 when every model of the column is a built-in forecaster (naive-last, naive-mean): a floor. */
int cells_column_is_floor(const Suite *s, const char *column);

/* The estimate of metric m over the units of task ti in column `column`, with variant and
 * length (-1: any); accuracies with the Wilson interval, errors with the normal one. */
Estimate cells_estimate(const Suite *s, const UnitList *l, const Record *rec, int ti, const char *column,
                        int variant, int64_t length, Metric m);

/* BABILong's most-common-answer floor: the accuracy of always answering the variant's most
 * common target (counted over all its lengths; a tie goes to the first seen), over the samples
 * of the cell (variant, length; -1: every variant, pooled). A sample counts once: the units of
 * the first model that ran the cell. n = 0 when there are none, or no memory to count in. */
Estimate cells_common_answer_floor(const Suite *s, const UnitList *l, const Record *rec, int ti, int variant,
                                   int64_t length);

#endif
