/* A table cell's estimate from its units: the mean, n and a 95% interval.
 *
 * Accuracies (per-unit scores in [0, 1]) get the Wilson score interval, which stays inside
 * [0, 1] and is honest at small n and at 0 or 1 (Wilson 1927; Newcombe 1998, method 3). Errors
 * (forecasting MSE and MAE, one value per window) get the normal interval mean +- 1.96 s/sqrt(n)
 * with s the sample standard deviation of the per-window values; test windows overlap, so the
 * values are correlated and this interval is narrower than the truth (docs/results-format.md). */
#ifndef TITANS_EVAL_STATS_H
#define TITANS_EVAL_STATS_H

#include <stdint.h>

#define STATS_Z95 1.959963984540054 /* the 97.5% quantile of the standard normal */

/* Running sums over a cell's units. */
typedef struct {
    int64_t n;
    double sum, sumsq;
} Sum;

typedef struct {
    double value;   /* the mean; NaN when n == 0 */
    double lo, hi;  /* the 95% interval; NaN when there is none (n == 0, or n < 2 for errors) */
    int64_t n;
} Estimate;

void sum_add(Sum *s, double x);
/* Mean of scores in [0, 1] with the Wilson score interval. */
Estimate estimate_wilson(Sum s);
/* Mean with the normal interval (n >= 2). */
Estimate estimate_normal(Sum s);

/* Decimals to print an estimate with: two significant digits of the interval's half-width
 * (scale: 100 for percentages), between 0 and 6. Accuracies use the widest half-width n allows
 * (p = 1/2), so every cell of n units prints alike: n up to 96 gives integers, 97 to 9603 one
 * decimal. Without an interval: 3, the paper's. */
int decimals_accuracy(int64_t n);
int decimals_error(Estimate e);

#endif
