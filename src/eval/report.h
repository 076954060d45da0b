/* Rank 0's outputs from the gathered records: units.csv (one row per unit) and, per task, a
 * table in the paper's layout as Markdown (tables.md) and CSV (<task>.csv):
 *   sniah     rows model, columns variant x length, mean string_match_all x 100
 *   babilong  rows model x variant, columns length, mean accuracy x 100
 *   genomics  rows model, columns task, top-1 accuracy x 100
 *   forecast  rows dataset x horizon and the dataset's average, columns model MSE and MAE */
#ifndef TITANS_EVAL_REPORT_H
#define TITANS_EVAL_REPORT_H

#include "common.h"
#include "record.h"
#include "suite.h"
#include "units.h"

/* Every file report_write would replace is absent or a regular file: checked before anything is
 * written, so a folder in the way leaves every output as it was. */
int report_check_outputs(const Suite *s, const char *out, DataError *err);
/* records[i] is the record of unit i (every unit present). Writes into the folder out. */
int report_write(const Suite *s, const UnitList *units, const Record *records, const char *out,
                 const char *header, DataError *err);

#endif
