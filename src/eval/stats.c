#include "stats.h"

#include <math.h>

void sum_add(Sum *s, double x)
{
    s->n++;
    s->sum += x;
    s->sumsq += x * x;
}

Estimate estimate_wilson(Sum s)
{
    Estimate e = {NAN, NAN, NAN, s.n};
    if (s.n == 0) return e;
    double n = (double)s.n, p = s.sum / n, z2 = STATS_Z95 * STATS_Z95;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = STATS_Z95 / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    e.value = p;
    e.lo = fmax(0.0, centre - half);
    e.hi = fmin(1.0, centre + half);
    return e;
}

Estimate estimate_normal(Sum s)
{
    Estimate e = {NAN, NAN, NAN, s.n};
    if (s.n == 0) return e;
    double n = (double)s.n;
    e.value = s.sum / n;
    if (s.n < 2) return e;
    double var = fmax(0.0, (s.sumsq - n * e.value * e.value) / (n - 1)); /* rounding can go below 0 */
    double half = STATS_Z95 * sqrt(var / n);
    e.lo = e.value - half;
    e.hi = e.value + half;
    return e;
}

/* Two significant digits of half: the last printed digit is at most a tenth of it. */
static int decimals_of(double half)
{
    if (!(half > 0) || !isfinite(half)) return 3;
    int d = 1 - (int)floor(log10(half));
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

int decimals_accuracy(int64_t n)
{
    return n > 0 ? decimals_of(100.0 * STATS_Z95 * 0.5 / sqrt((double)n)) : 0;
}

int decimals_error(Estimate e)
{
    return decimals_of((e.hi - e.lo) / 2);
}
