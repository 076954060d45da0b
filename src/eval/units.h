/* The unit list and its assignment to ranks.
 *
 * A unit is one (model, task, variant, length, depth, sample) evaluation. The suite expands into
 * units in a fixed order; a unit's id is its index in that order, and its sample is generated
 * from (seed, unit id), so nothing depends on which rank evaluates it or how many ranks there
 * are. Assignment is longest-processing-time first: units by estimated cost, largest first (ties
 * by id), each to the least-loaded rank so far (ties to the lowest rank). Every rank computes the
 * same assignment without communicating. LPT's makespan is at most 4/3 of the optimum, and close
 * to max(total / ranks, largest unit) when units are many (titans-eval --dry-run --ranks N). */
#ifndef TITANS_EVAL_UNITS_H
#define TITANS_EVAL_UNITS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { FAMILY_SNIAH, FAMILY_BABILONG, FAMILY_GENOMICS, FAMILY_FORECAST } TaskFamily;

typedef struct {
    int64_t id;
    int task;           /* index into the suite's tasks */
    int model;          /* index into the suite's models (checkpoints and built-in forecasters) */
    TaskFamily family;
    int variant;        /* index into the task's variants */
    int64_t length;     /* context length in tokens (bytes); genomics: 0; forecast: horizon */
    double depth;       /* S-NIAH needle depth in [0, 1], else -1 */
    int64_t sample;     /* sample index within its cell (forecast: window index) */
    int64_t reserve;    /* sniah: bytes of length kept for the answer (prompt <= length - reserve); else 0 */
    double cost;        /* estimated cost, arbitrary units */
} Unit;

typedef struct {
    Unit *v;
    int64_t n, cap;
} UnitList;

int units_push(UnitList *l, Unit u); /* assigns u.id = l->n; -1 on allocation failure */
void units_free(UnitList *l);

/* owner[i] = rank of unit i; load[r] = summed cost of rank r (world entries). 0 or -1 (memory). */
int units_assign(const UnitList *l, int world, int *owner, double *load);
/* An assignment against the lower bound of any: max(total / world, the largest unit). */
typedef struct {
    double makespan, total, largest, bound;
} UnitsSchedule;
void units_schedule(const UnitList *l, const double *load, int world, UnitsSchedule *s);
/* busiest rank's load / mean load (1 = perfect; 1 when there is no work). */
double units_imbalance(const double *load, int world);

#endif
