/* A long unit's sequence state, saved at an interval, so that a killed, signalled or requeued run
 * resumes the unit where it was instead of from its first token.
 *
 * A text unit feeds its prompt in pieces of UNITSTATE_PIECE tokens (a multiple of the engine's
 * block, so the engine does exactly the work of one call: the record is bitwise the same however
 * the prompt is cut). After a piece, when the last save is older than the interval, the state
 * (titans_state_save) and the position go to <dir>/unit-<id>.state, written atomically. A unit
 * that starts finds its file, checks that it is its own (unit id, the unit's resume identity,
 * the model's fingerprint inside the state) and continues from there; the file is removed once
 * the unit's record is journaled. A damaged or foreign file is ignored. */
#ifndef TITANS_EVAL_UNITSTATE_H
#define TITANS_EVAL_UNITSTATE_H

#include <stdint.h>

#include "common.h"
#include "titans.h"

#define UNITSTATE_PIECE ((int64_t)1 << 16)

typedef struct {
    const char *dir;   /* where states go (<out>/journal); NULL: none are saved */
    double interval;   /* seconds between saves */
    int64_t unit;      /* the unit in progress */
    uint64_t identity; /* its resume identity */
    double last;       /* clock_seconds() of the unit's start or its last save */
    int64_t resumed;   /* set by the unit: the position it resumed from (0: from the start) */
    const volatile int *stop; /* set by a signal handler (Slurm's SIGTERM): save now, stop the unit */
    int stopped;       /* set by the unit: it saved its state and stopped early */
} UnitSaver;

/* Saves when the interval has passed since the last save, or at once when a stop is requested
 * (then sv->stopped is set and the unit should return). 0, or -1 with err. */
int unitstate_maybe_save(UnitSaver *sv, const TitansState *st, int64_t position, DataError *err);
/* The position restored into st from the unit's file, or 0 when there is none it can use. */
int64_t unitstate_restore(const UnitSaver *sv, TitansState *st);
void unitstate_remove(const char *dir, int64_t unit);

#endif
