/* The durable record of a run, for resume after a kill.
 *
 * Each rank appends one fixed-size entry per finished unit to its own file
 * <out>/journal/attempt-<k>-rank-<r>.bin with one write(2). A write is in the page cache once it
 * returns, so a SIGKILL of the process at any moment loses at most the unit in progress; fsync,
 * which only guards against the node itself going down, runs at most once a second (one per unit
 * made a run of 95k forecast windows spend most of its time in fsync) and on close. An entry
 * carries the hash of its unit's identity (identity.h) and its own checksum: a torn last entry is
 * never taken, and neither is one made with other inputs (another checkpoint's bytes, data,
 * options or engine). Rank 0 writes <out>/journal/attempt-<k>.identity, the readable identity,
 * before any rank writes an entry of attempt k; a rerun reads it to say what changed.
 * On start rank 0 reads every journal file of every earlier attempt (whatever its rank count)
 * and the finished units are skipped. */
#ifndef TITANS_EVAL_JOURNAL_H
#define TITANS_EVAL_JOURNAL_H

#include <stdint.h>

#include "common.h"
#include "identity.h"
#include "record.h"
#include "units.h"

typedef struct {
    int fd;
    char path[1400];
    double synced; /* clock_seconds() of the last fsync */
} Journal;

typedef struct {
    int64_t n_done;    /* units whose record is taken */
    int64_t n_stale;   /* entries made with other inputs: their units run again */
    int attempt;       /* the number of this attempt (1 + the highest found) */
    char changed[800]; /* what changed since the stale entries were made */
} JournalScan;

/* Rank 0: reads <out>/journal/ (creating it if needed). done[i] = 1 and recs[i] filled for the
 * units whose current identity an entry carries. The journal of a suite with another name is an
 * error (the folder holds another suite's results); desc is this run's description. */
int journal_scan(const char *out, const Identity *id, const char *suite_name, const char *desc,
                 const UnitList *units, uint8_t *done, Record *recs, JournalScan *scan, DataError *err);
/* Rank 0, before the attempt's first entry: <out>/journal/attempt-<k>.identity, atomically. */
int journal_write_identity(const char *out, int attempt, const char *desc, DataError *err);
/* Rank 0, for --restart: removes every journal file and saved unit state of earlier attempts. */
int journal_clear(const char *out, DataError *err);

int journal_open(Journal *j, const char *out, int attempt, int rank, DataError *err);
/* Appends one record with its unit's identity; fsyncs if the last fsync is a second old. */
int journal_append(Journal *j, uint64_t identity, const Record *rec, DataError *err);
/* fsyncs and closes. */
void journal_close(Journal *j);

#endif
