/* Folder paths, and the one sorted directory listing of the library and the programs: dataset folders are read in
 * a fixed order (byte order of the names, Python's sorted()), whatever the file system returns. */
#ifndef TITANS_DATASETS_DIRLIST_H
#define TITANS_DATASETS_DIRLIST_H

#include <stddef.h>

#include "common.h"

/* Whether a listing keeps a name; arg is the caller's. */
typedef int (*DataNameFilter)(const char *name, const void *arg);

/* The names in dir that keep accepts (NULL: every name but "." and ".."), sorted by strcmp, as
 * malloc'ed strings, *n of them. max > 0 bounds the count: the listing stops after the first max
 * names kept, in the file system's order. -1 with "dir: cannot open directory: ..." or
 * "dir: out of memory", and errno saying which (nothing left allocated). */
int data_list_names(const char *dir, DataNameFilter keep, const void *arg, int max, char ***names, int *n,
                    DataError *err);
/* The names in dir that do not start with '.' and end with suffix (NULL or "": any): a dataset's files. */
int data_list_dir(const char *dir, const char *suffix, char ***names, int *n, DataError *err);
void data_free_names(char **names, int n);
/* a/b into out[size]; -1 with "a/b: path too long". */
int data_join(char *out, size_t size, const char *a, const char *b, DataError *err);
int data_ends_with(const char *s, const char *suffix);

#endif
