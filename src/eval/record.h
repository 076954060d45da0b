/* What one unit's evaluation produces, and the record rank 0 keeps of it.
 *
 * A header of its own so that the journal, results.h5 and the tables see the records without
 * the runner and every dataset header. A Record is fixed-size and holds no pointers: it travels
 * as bytes through the journal and the gather. */
#ifndef TITANS_EVAL_RECORD_H
#define TITANS_EVAL_RECORD_H

#include <stdint.h>

#define RUN_TEXT 256

typedef struct {
    double score;                 /* sniah/babilong: metric in [0, 1]; genomics: 1 right, 0 wrong;
                                   * forecast: MSE over the window */
    double mae;                   /* forecast: MAE over the window; else 0 */
    char prediction[RUN_TEXT];    /* generated text, predicted class or "" (truncated) */
    char target[RUN_TEXT];        /* expected answer(s), class or "" */
    int64_t tokens;               /* tokens (bytes, patches x channels) the model read */
    double seconds;
} UnitResult;

typedef struct {
    int64_t unit;                 /* the unit's id in the plan */
    int rank;                     /* the rank that ran it */
    UnitResult r;
} Record;

#endif
