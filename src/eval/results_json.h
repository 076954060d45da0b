/* results.json: a run as an analyst reads it, beside results.h5 (docs/results-format.md).
 *
 * The suite (name, file, xxh3, seed), the command, every option, the commit, the machine, the
 * ranks, start and finish times, the data folder, the models with their checkpoints' content
 * hashes; then per task its length unit, S-NIAH's reserve, and every cell of its tables
 * (cells.h): model (the table column), variant,
 * length, metric name, value, n and 95% interval, with the floors marked. Written with Jansson,
 * atomically (outfile.h), by rank 0 in the write phase. */
#ifndef TITANS_EVAL_RESULTS_JSON_H
#define TITANS_EVAL_RESULTS_JSON_H

#include "common.h"
#include "provenance.h"
#include "record.h"
#include "suite.h"
#include "units.h"

#define RESULTS_JSON_VERSION 2 /* 2: tasks' length_unit and reserve; an S-NIAH length holds the answer too */

int results_json_write(const char *dir, const Suite *s, const UnitList *l, const Record *rec, const Provenance *p,
                       DataError *err);

#endif
