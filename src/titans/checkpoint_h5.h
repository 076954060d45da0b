/* The checkpoint reader that runs libhdf5, inside the sandbox's child (checkpoint.c starts it),
 * and what it sends its parent through the pipe, in order: CONFIG (a TitansConfig), then, when
 * weights are asked for, one TENSOR per tensor_list entry (its index, its float count, the
 * floats), then END; or, at any point, ERROR (a message naming the file and the field) and
 * nothing more. Same build on both ends, so structs go as bytes; the parent trusts no size. */
#ifndef TITANS_CHECKPOINT_H5_H
#define TITANS_CHECKPOINT_H5_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x54434b50u /* "PKCT" */

enum { WIRE_CONFIG = 1, WIRE_TENSOR, WIRE_ERROR, WIRE_END };

typedef struct {
    uint32_t magic, type;
    uint64_t index; /* TENSOR: the tensor_list position */
    uint64_t count; /* bytes of CONFIG and ERROR (the message and its NUL), floats of TENSOR */
} WireRecord;

/* Reads the checkpoint image with libhdf5 and writes the records above to fd: the config, and
 * with_weights the tensors too, after checking every tensor's presence, type, shape and storage.
 * name is for messages. 0 when END was sent. */
int checkpoint_h5_serve(const void *image, size_t len, const char *name, int with_weights, int fd);

#endif
