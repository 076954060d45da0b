/* The resume identity: everything besides the unit itself that can change a unit's record.
 *
 * A journal entry carries the hash of its unit's identity; a rerun takes only entries whose
 * hash is the current one. The parts: the suite text, the unit list, the bytes of the unit's
 * checkpoint (not its path), the bytes of every data file the plan read, the options that change
 * numerics or outputs, and the engine's numerics version. Each attempt also leaves a readable
 * description, journal/attempt-<k>.identity, so a rerun can say what changed. */
#ifndef TITANS_EVAL_IDENTITY_H
#define TITANS_EVAL_IDENTITY_H

#include <stdint.h>

#include "common.h"
#include "suite.h"
#include "units.h"

typedef struct {
    uint64_t suite;                        /* xxh3 of the suite text */
    uint64_t plan;                         /* the unit list */
    uint64_t data;                         /* the data files read while planning */
    uint64_t options;                      /* the options that change numerics or outputs */
    uint64_t engine;                       /* TITANS_NUMERICS_VERSION */
    char kernels[16];                      /* titans_kernels(): they round differently (bytes:
                                              rank 0 broadcasts the struct) */
    uint64_t checkpoint[SUITE_MAX_MODELS]; /* xxh3 of each checkpoint's bytes; 0: built-in model */
} Identity;

/* Hash of the unit list: the identity of a plan. */
uint64_t identity_plan_hash(const UnitList *units);
uint64_t identity_of_unit(const Identity *id, const Unit *u);

/* Data files read between start and stop (on this process) are hashed into the identity:
 * path (relative to data_dir, so the same data under another path is the same input), size and
 * xxh3 of the bytes, in path order. */
void identity_inputs_start(const char *data_dir);
void identity_inputs_stop(void);
uint64_t identity_inputs_hash(void);
void identity_inputs_free(void);

/* The description of an identity: "kind<TAB>name<TAB>value" lines (malloc'ed). options is
 * options_identity()'s text (hashed), selection options_selection()'s (named only). */
char *identity_describe(const Identity *id, const Suite *s, const char *options, const char *selection);
/* What differs between two descriptions, as "kind name: old -> new; ..." (at most len bytes). */
void identity_diff(const char *old, const char *now, char *buf, size_t len);
/* The suite name a description holds ("" if none). */
void identity_suite_name(const char *desc, char *name, size_t len);

#endif
