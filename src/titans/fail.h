/* The one way libtitans words an error about a file: "<file>: <what is wrong>". */
#ifndef TITANS_FAIL_H
#define TITANS_FAIL_H

#include "titans.h"

/* Writes the message into err and returns -1, so a caller can `return titans_fail(...)`. */
int titans_fail(TitansError *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
