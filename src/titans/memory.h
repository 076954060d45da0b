/* The neural long-term memory (docs/model.md section 3): projections, conv, gates, the fast-weight
 * MLP per head, its update (token loop or chunked matrix form) and the gated output. Owns
 * MemState; never touches attention caches. */
#ifndef TITANS_MEMORY_H
#define TITANS_MEMORY_H

#include "state.h"

/* LMM(u): u [n, d] normed input of layer rows row0 .. row0+n-1 -> out [n, d] (after W_O). */
void memory_forward(const TitansModel *m, const MemWeights *mw, MemState *ms, Scratch *sc,
                    const float *u, float *out, int n, int64_t row0, TitansMemoryPath path);

/* M and S (each [mem_state_floats]) after layer rows 0 .. row-1: the state itself at a chunk
 * boundary, else the chunk's start plus its pending tokens, by the token rule on the sequential
 * path (bit for bit the token loop's state) and by the chunked form otherwise. */
void memory_current(const TitansConfig *c, MemState *ms, Scratch *sc, int64_t row,
                    TitansMemoryPath path, float *M, float *S);

/* mac read: r [n, d] = concat_heads(W(L2(SiLU(u W_Q)))) with fixed fast weights W (no conv). */
void memory_read_fixed(const TitansModel *m, const MemWeights *mw, const float *W, Scratch *sc,
                       const float *u, float *r, int n);

#endif
