/* Softmax attention with the persistent prefix: full causal (attn), sliding window (swa and the
 * SWA of mag/mal) and the segment attention of mac. Owns the key/value caches; never touches the
 * memory. Rows are layer positions; the prefix occupies rows 0 .. N_p-1. */
#ifndef TITANS_ATTENTION_H
#define TITANS_ATTENTION_H

#include "state.h"

/* u [n, d] normed input of rows row0 .. row0+n-1 -> out [n, d] (after W_o). windowed selects the
 * ring cache of `window` keys. Prefix rows (row < N_p) must come as one call of all N_p rows. */
int attention_forward(const TitansModel *m, const AttnWeights *aw, AttnState *as, Scratch *sc,
                      const float *u, float *out, int n, int64_t row0, int windowed,
                      TitansError *err);

/* mac: attention over [prefix | h | u] for n rows that lie in one segment, starting at the
 * segment's row as->seg_pos (prefix: the whole prefix as one segment, nothing rotated).
 * u, h [n, d] -> out [n, d] (after W_o). Advances as->seg_pos. */
void mac_attention_forward(const TitansModel *m, const AttnWeights *aw, AttnState *as, Scratch *sc,
                           const float *u, const float *h, float *out, int n, int prefix);

#endif
