/* The six layer kinds of docs/model.md section 4 as compositions of attention, memory and FFN. */
#ifndef TITANS_LAYER_H
#define TITANS_LAYER_H

#include "state.h"

/* x [n, d]: the residual stream of layer rows row0 .. row0+n-1, updated in place. The prefix
 * (row0 = 0, n = N_p) must come alone in one call. */
int layer_forward(const TitansModel *m, int li, TitansState *s, float *x, int n, int64_t row0,
                  TitansError *err);

#endif
