/* Rank 0's outputs from the gathered records: units.csv (one row per unit) and, per task, a
 * table as Markdown (tables.md) and CSV (<task>.csv). Every cell has its n and 95% interval
 * (stats.h), printed at the decimals n supports (docs/results-format.md):
 *   sniah     rows model, columns variant x length: accuracy in %
 *   babilong  rows model x task and each model's mean over its tasks, then the most-common-answer
 *             floor; columns length: accuracy in %
 *   genomics  rows model, columns task: top-1 accuracy in %
 *   forecast  rows dataset x horizon (then avg) x model, the built-in forecasters last as floors;
 *             columns n, MSE, MAE */
#ifndef TITANS_EVAL_REPORT_H
#define TITANS_EVAL_REPORT_H

#include "common.h"
#include "record.h"
#include "suite.h"
#include "units.h"

/* Every file report_write (and results_json_write) would replace is absent or a regular file:
 * checked before anything is written, so a folder in the way leaves every output as it was. */
int report_check_outputs(const Suite *s, const char *out, DataError *err);
/* records[i] is the record of unit i (every unit present). Writes into the folder out. */
int report_write(const Suite *s, const UnitList *units, const Record *records, const char *out,
                 const char *header, DataError *err);

#endif
