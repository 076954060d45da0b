/* Output files written atomically: a reader, or a run killed at any moment, sees the previous
 * complete file or the new one, never a torn one.
 *
 * outfile_open writes to <dir>/<name>.tmp; outfile_commit flushes, fsyncs, renames it onto
 * <dir>/<name> and fsyncs the folder (so the rename itself survives a crash of the node);
 * outfile_abort removes the temporary. A temporary left by a killed run is removed by
 * outfile_remove_stale at the next start. */
#ifndef TITANS_EVAL_OUTFILE_H
#define TITANS_EVAL_OUTFILE_H

#include <stdio.h>

#include "common.h"

#define OUTFILE_PATH 2048

typedef struct {
    FILE *f;
    char path[OUTFILE_PATH]; /* the final name */
    char tmp[OUTFILE_PATH];  /* where it is written */
} OutFile;

int outfile_open(OutFile *o, const char *dir, const char *name, DataError *err);
/* 0, or -1 with the path and the reason (a full disk says so); the temporary is removed. */
int outfile_commit(OutFile *o, DataError *err);
void outfile_abort(OutFile *o);

/* For a file another library writes (HDF5): the names, then outfile_rename once it is closed. */
int outfile_names(OutFile *o, const char *dir, const char *name, DataError *err);
int outfile_rename(OutFile *o, DataError *err);

/* 0 if <dir>/<name> is absent or a regular file (so renaming onto it cannot fail for what it
 * is); else -1 naming it. */
int outfile_check(const char *dir, const char *name, DataError *err);
/* -1 with "path: what: reason", and "(the disk or quota is full)" when it is. */
int outfile_error(DataError *err, const char *path, const char *what, int e);
/* fsyncs a folder, so that a rename or a new file in it is durable. */
int outfile_sync_dir(const char *dir, DataError *err);
/* Removes every regular "*.tmp" file directly in dir (temporaries of a killed run). */
int outfile_remove_stale(const char *dir, DataError *err);

#endif
