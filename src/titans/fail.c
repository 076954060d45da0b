#include "fail.h"

#include <stdarg.h>
#include <stdio.h>

int titans_fail(TitansError *err, const char *file, const char *fmt, ...)
{
    int k = snprintf(err->msg, sizeof err->msg, "%s: ", file);
    if (k < 0 || (size_t)k >= sizeof err->msg) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + k, sizeof err->msg - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}
