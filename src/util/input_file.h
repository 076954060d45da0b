/* Opening input files safely. Only a regular file is read: a FIFO blocks its reader until a writer
 * comes (forever, for a run on a batch node), a device or socket may never end, a directory is not
 * data. A file read whole is bounded by a stated maximum, so no input can exhaust memory.
 * Shared by libtitans (checkpoints) and libdatasets (task data, suites); messages fit a 1024-byte
 * error buffer and name the file: "<path>: not a regular file (a FIFO)". */
#ifndef TITANS_INPUT_FILE_H
#define TITANS_INPUT_FILE_H

#include <stddef.h>
#include <stdio.h>

/* open(O_RDONLY | O_NONBLOCK), so a FIFO cannot block the open itself, then fstat: an fd in
 * blocking mode again, or -1 with msg set. */
int input_open(const char *path, char *msg, size_t cap);
/* The same as a stdio stream ("rb"). */
FILE *input_fopen(const char *path, char *msg, size_t cap);
/* A whole regular file of at most max bytes, in a malloc'ed buffer with a NUL after the last byte
 * (*len excludes it). what names the kind of input in the message of a file that is too large,
 * e.g. "<path>: 2147483648 bytes, more than the 1073741824 (1024 MiB) a text input may have". */
char *input_read(const char *path, size_t max, const char *what, size_t *len, char *msg, size_t cap);

#endif
