/* Seconds on the monotonic clock, for durations (unit times, progress, the run's wall time). */
#ifndef TITANS_EVAL_CLOCK_H
#define TITANS_EVAL_CLOCK_H

#include <time.h>

static inline double clock_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
