/* Progress of a run, shown by rank 0: the percentage of the estimated work, the units done
 * (labelled), tokens/s and the ETA.
 *
 * Every other rank sends what it finishes to rank 0 in small non-blocking messages (at most one in
 * flight; what finishes meanwhile is added to the next), so nobody waits for anybody; rank 0
 * takes them between its own units. Point-to-point, not one-sided: MPI windows need an RDMA-capable
 * transport, and a TCP-only cluster is an ordinary place to run. On rank 0 a display thread (it
 * makes no MPI call) reads the counters and the engine's token count inside the unit rank 0 is
 * running, so a batch log gets a line at least every 30 s even while rank 0 spends minutes in one
 * 1M-token sample.
 *
 * The ETA: ranks run their shares in parallel at about the same speed (one rank per core), so
 * the run ends when the busiest share ends; rank 0's own rate, measured inside its units too,
 * gives that time: ETA = busiest load / (rank 0's cost done / elapsed) - elapsed. */
#ifndef TITANS_EVAL_PROGRESS_H
#define TITANS_EVAL_PROGRESS_H

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { PROGRESS_NONE, PROGRESS_LINES, PROGRESS_BAR } ProgressMode;

typedef struct {
    MPI_Comm comm;             /* a duplicate of MPI_COMM_WORLD: progress messages only */
    int64_t counters[3];       /* rank 0: units done, tokens, cost done (in MFLOP), of all ranks;
                                * another rank: what it has not sent yet */
    int64_t sending[3];        /* another rank: the message in flight */
    MPI_Request request;
    int rank, world;
    ProgressMode mode;
    int64_t total_units;
    double total_cost, busiest_load, t0;
    /* rank 0, shared with the display thread under lock */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int running, stop;
    double my_done;            /* cost of rank 0's finished units */
    double unit_cost;          /* the unit in progress: its cost, tokens, engine count at its start */
    int64_t unit_tokens, unit_fed0;
    double last_print, last_fraction;
    double interval;           /* seconds between lines */
    int cpu_clock;             /* TITANS_PROGRESS_CLOCK=cpu: CPU seconds instead of the wall's */
    FILE *out;
} Progress;

/* The mode for --progress (bar, lines, none, or "" for bar on a terminal, else lines). */
ProgressMode progress_mode(const char *option);
/* Collective. total_cost in the plan's units (FLOP); busiest the largest rank's share. */
int progress_init(Progress *p, ProgressMode mode, int64_t total_units, double total_cost, double busiest);
/* Rank 0 calls it before each of its units (the display measures inside it). */
void progress_unit_start(Progress *p, double cost, int64_t tokens);
void progress_add(Progress *p, int64_t tokens, double cost);
/* Rank 0: takes the other ranks' messages that have arrived (between its units). */
void progress_poll(Progress *p);
/* Collective; prints the final line on rank 0. */
void progress_finish(Progress *p);

#endif
