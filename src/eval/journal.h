/* The durable record of a run, for resume after a kill.
 *
 * Each rank appends one fixed-size entry per finished unit to its own file
 * <out>/journal/attempt-<k>-rank-<r>.bin with one write(2). A write is in the page cache once it
 * returns, so a SIGKILL of the process at any moment loses at most the unit in progress; fsync,
 * which only guards against the node itself going down, runs at most once a second (one per unit
 * made a run of 95k forecast windows spend most of its time in fsync) and on close. An entry carries the suite's hash, the plan's hash (the unit list itself)
 * and its own checksum: a torn last entry, or one from another suite or plan, is never taken.
 * On start rank 0 reads every journal file of every earlier attempt (whatever its rank count)
 * and the finished units are skipped. */
#ifndef TITANS_EVAL_JOURNAL_H
#define TITANS_EVAL_JOURNAL_H

#include <stdint.h>

#include "report.h"

typedef struct {
    int fd;
    double synced; /* clock_seconds() of the last fsync */
} Journal;

/* Hash of the unit list: the identity of a plan. */
uint64_t journal_plan_hash(const UnitList *units);

/* Rank 0: reads <out>/journal/attempt-K-rank-R.bin. done[i] = 1 and recs[i] filled for units found; *attempt =
 * the next attempt number; *n_done counted. Entries of another suite or plan are an error (the
 * output folder belongs to another run). Creates the folder if needed. */
int journal_scan(const char *out, uint64_t suite_hash, uint64_t plan_hash, const UnitList *units,
                 uint8_t *done, Record *recs, int *attempt, int64_t *n_done, DataError *err);
int journal_open(Journal *j, const char *out, int attempt, int rank, DataError *err);
/* Appends one record; fsyncs if the last fsync is a second old. */
int journal_append(Journal *j, uint64_t suite_hash, uint64_t plan_hash, const Record *rec, DataError *err);
/* fsyncs and closes. */
void journal_close(Journal *j);

#endif
