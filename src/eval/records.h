/* results.h5: the per-unit records and the run's provenance, written by rank 0.
 *
 * Layout (schema 1): root attributes (variable-length UTF-8 strings unless said) schema_version
 * (int), suite_name, suite_file, suite_text, suite_xxh3, seed (int), world_size (int), options
 * (the echo of every option), git_commit, started_utc, finished_utc, mpi_library, hdf5_version,
 * openblas_config, checkpoints ("name path xxh3" per line); one 1-D dataset per record field
 * under /units, indexed by unit id: id, length, sample, tokens (int64), depth, score, mae,
 * seconds (float64), rank (int32), task, family, model, variant, prediction, target (strings).
 * The file is written as results.h5.tmp, fsync'ed and renamed (outfile.h), so a reader sees the
 * previous complete file or the new one, never a torn one. */
#ifndef TITANS_EVAL_RECORDS_H
#define TITANS_EVAL_RECORDS_H

#include "provenance.h"
#include "report.h"

/* Writes <dir>/results.h5 (atomically: outfile.h). */
int records_write(const char *dir, const Suite *s, const UnitList *units, const Record *recs,
                  const Provenance *p, DataError *err);

#endif
