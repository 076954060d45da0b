/* Shared by the C tests: fixture discovery, HDF5 reads of reference tensors, and the tensor
 * comparison all numeric tests use. */
#ifndef TESTHELP_H
#define TESTHELP_H

#include <stddef.h>
#include <stdint.h>

#include "titans.h"

/* Relative error used everywhere: max|got - ref| / max(max|ref|, 1e-6). */
double rel_error(const float *got, const float *ref, size_t n);
/* Norm-wise relative error ||got - ref||_2 / ||ref||_2 (in double). */
double rel_error_norm(const float *got, const float *ref, size_t n);
/* Prints "label: rel err E (tol T) OK/NOT OK" and returns 1 when within tol. */
int check_tensor(const char *label, const float *got, const float *ref, size_t n, double tol);
/* The same with rel_error_norm. */
int check_tensor_norm(const char *label, const float *got, const float *ref, size_t n, double tol);

/* The fixtures directory ($TITANS_FIXTURES, else tests/fixtures) joined with name. */
const char *fixture_path(const char *name);
/* Sorted list of *.h5 file names in the fixtures directory; returns the count. */
int list_fixtures(char names[][128], int max);

/* Reads a whole float32 / int32 dataset; malloc'ed, *n = element count; NULL if absent. */
float *h5_read_f32(const char *file, const char *dataset, size_t *n);
int32_t *h5_read_i32(const char *file, const char *dataset, size_t *n);
/* Integer attribute of an object (e.g. "/fixture", "n_tokens"); -1 if absent. */
long h5_attr_int(const char *file, const char *obj, const char *name);

/* A model whose float32 rounding is not amplified over long sequences: linear memory and no mac
 * layer (deep memories and mac's attention-memory loop amplify it; see test_memory_paths.c). */
int model_is_calm(const TitansConfig *c);

/* Per-layer trace buffers: n_layers arrays of [rows, d] floats (zeroed); free_trace releases. */
float **alloc_trace(int n_layers, int rows, int d);
void free_trace(float **trace, int n_layers);

/* Runs one cmocka group with one test per fixture file; the test's state is the file's name. */
int run_fixture_group(const char *group, void (*test)(void **state));

/* Copies a file (for tests that damage a fixture's copy). 0 on success. */
int copy_file(const char *src, const char *dst);

/* FNV-1a 64 of n bytes (prompts pinned by their hash). */
uint64_t fnv1a(const char *s, size_t n);

/* A data directory of a test: a new /tmp/<prefix>.XXXXXX in dir (size >= 64) with the folders
 * subdirs[0..n) made in order (parents first). 0 on success. */
int make_data_dir(char *dir, const char *prefix, const char *const *subdirs, int n);
/* Renames dir/from to dir/to (the test fails when it cannot). */
void rename_in(const char *dir, const char *from, const char *to);
/* Writes text to dir/name (the test fails when it cannot). */
void write_data_file(const char *dir, const char *name, const char *text);

#endif
