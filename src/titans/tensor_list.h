/* The tensors a config implies (docs/checkpoint-format.md), in the order the loader reads and
 * sends them, each with the weights pointer it fills. Both sides of the sandboxed loader build
 * the same list from the same config: the reader to check the file, the parent to check what it
 * receives. */
#ifndef TITANS_TENSOR_LIST_H
#define TITANS_TENSOR_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "weights.h"

#define TENSOR_MAX_RANK 3

typedef struct {
    char path[80];
    int rank;
    uint64_t dims[TENSOR_MAX_RANK];
    const float **dst;
    const uint16_t **bf16; /* a Matrix's bf16 copy; NULL for other tensors */
} TensorSpec;

typedef struct {
    TensorSpec *v;
    size_t n, cap;
} TensorList;

/* Fills tl for a validated config (w's pointers are the destinations); -1 when out of memory. */
int tensor_list_build(const TitansConfig *c, TitansWeights *w, TensorList *tl);
size_t tensor_floats(const TensorSpec *t);
/* Floats of all tensors, or -1 when the count overflows size_t bytes. */
int tensor_list_floats(const TensorList *tl, size_t *total);
void tensor_list_free(TensorList *tl);

#endif
