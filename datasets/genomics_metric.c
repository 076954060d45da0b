#include "genomics.h"

#include <math.h>

/* ---- accuracy --------------------------------------------------------------------------- */

int genomics_argmax(const float *logits, int n)
{
    int best = 0;
    for (int k = 0; k < n; k++) {
        if (!isfinite(logits[k])) return -1;
        if (logits[k] > logits[best]) best = k;
    }
    return best;
}

int genomics_accuracy_add(GenomicsAccuracy *a, const float *logits, int n_classes, int label)
{
    int pred = genomics_argmax(logits, n_classes);
    a->correct += pred == label;
    a->total++;
    return pred;
}

double genomics_accuracy(const GenomicsAccuracy *a)
{
    return a->total ? (double)a->correct / (double)a->total : NAN;
}


double genomics_mcc(const int64_t *counts, int k)
{
    double c = 0, s = 0, pt = 0, pp = 0, tt = 0;
    for (int i = 0; i < k; i++) {
        double p = 0, t = 0; /* predicted as i, truly i */
        for (int j = 0; j < k; j++) {
            p += (double)counts[j * k + i];
            t += (double)counts[i * k + j];
        }
        c += (double)counts[i * k + i];
        s += t;
        pt += p * t;
        pp += p * p;
        tt += t * t;
    }
    double den = (s * s - pp) * (s * s - tt);
    return den > 0 ? (c * s - pt) / sqrt(den) : 0.0;
}
