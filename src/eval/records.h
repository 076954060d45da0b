/* results.h5: the per-unit records and the run's provenance, written by rank 0.
 *
 * Layout (schema 3; docs/results-format.md has every field): root attributes (variable-length
 * UTF-8 strings unless said) schema_version (int), suite_name, suite_file, suite_text,
 * suite_xxh3, seed (int), world_size (int), command, options (the echo of every option),
 * data_dir, git_commit, machine, started_utc, finished_utc, mpi_library, hdf5_version,
 * openblas_config, checkpoints ("name path xxh3" per line). Under /units one 1-D dataset per
 * field, indexed by unit id, each with a `description` and a `units` attribute: id, task,
 * family, model, column, variant, length, reserve, depth, sample, metric, score, accuracy, mse, mae,
 * prediction, target, truncated, tokens, seconds, rank, and with --log-samples prompt (the row
 * of /prompts: text, offset, bytes, stored, xxh3, command). The file is written as
 * results.h5.tmp, fsync'ed and renamed (outfile.h), so a reader sees the previous complete file
 * or the new one, never a torn one. */
#ifndef TITANS_EVAL_RECORDS_H
#define TITANS_EVAL_RECORDS_H

#include "provenance.h"
#include "report.h"
#include "run.h"

/* 1: one mixed `score`, no attributes, 255-character predictions; 2: `reserve` not there, an
 * S-NIAH length was the prompt's bound */
#define RECORDS_SCHEMA 3

/* Writes <dir>/results.h5 (atomically: outfile.h). ws: rank 0's workspace, which remakes the
 * prompts when p->log_samples > 0. */
int records_write(const char *dir, const Suite *s, const UnitList *units, const Record *recs,
                  const Provenance *p, Workspace *ws, DataError *err);

#endif
