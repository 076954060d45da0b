/* Progress of a run, shown by rank 0: units done/total, tokens/s and the ETA (from estimated
 * cost, not unit counts, since units differ by orders of magnitude). Every rank adds what it
 * finishes to counters on rank 0 with one-sided MPI accumulates, so nobody waits for anybody;
 * rank 0 reads them between its own units. A live bar when stderr is a terminal, a plain line
 * every 10% or 30 s otherwise (batch logs). */
#ifndef TITANS_EVAL_PROGRESS_H
#define TITANS_EVAL_PROGRESS_H

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    MPI_Win win;
    int64_t *counters;    /* rank 0: units done, tokens, cost done (in MFLOP) */
    int rank;
    int64_t total_units;
    double total_cost, t0, last_print, last_fraction;
    int tty;
    FILE *out;
} Progress;

/* Collective. total_cost in the plan's units (FLOP). */
int progress_init(Progress *p, int64_t total_units, double total_cost);
void progress_add(Progress *p, int64_t tokens, double cost);
/* Collective; prints the final line on rank 0. */
void progress_finish(Progress *p);

#endif
