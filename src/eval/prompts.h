/* --log-samples: the prompt of every unit, made again on rank 0 in the write phase.
 *
 * A unit's sample is a pure function of its cell (run.h), so rank 0 remakes the prompts after
 * the run instead of carrying them through the journal and the gather; the units of one cell
 * (the same sample for every model) share one row. A prompt of at most `limit` bytes is kept
 * whole; a longer one as its length and xxh3 only (the command that remakes it goes with it,
 * records.h). S-NIAH and BABILong: the prompt; genomics: the sequence; forecasting units have
 * no prompt (their input is a window of numbers, named by the unit's sample). */
#ifndef TITANS_EVAL_PROMPTS_H
#define TITANS_EVAL_PROMPTS_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

typedef struct {
    int64_t n;          /* rows: distinct prompts */
    int64_t *row;       /* [units]: the row of unit i's prompt, -1: none */
    char *text;         /* the stored prompts back to back */
    int64_t *offset;    /* [n + 1]: row r's stored bytes are text[offset[r], offset[r + 1]) */
    int64_t *bytes;     /* [n]: the whole prompt's length */
    uint64_t *xxh3;     /* [n]: XXH3-64 of the whole prompt */
    int8_t *stored;     /* [n]: 1 kept whole, 0 longer than the limit (hash only) */
} Prompts;

int prompts_collect(Workspace *ws, const UnitList *l, int64_t limit, Prompts *p, DataError *err);
void prompts_free(Prompts *p);

#endif
