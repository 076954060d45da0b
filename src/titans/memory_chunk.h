/* The chunked form of the memory update and read (memory_chunk.c), and the layout of the fast
 * weights that it shares with memory.c's token loop. */
#ifndef TITANS_MEMORY_CHUNK_H
#define TITANS_MEMORY_CHUNK_H

#include "state.h"

/* Matrix l of head h in a state array (M, S or A): [in_l, out_l] row-major. */
static inline float *mem_head_matrix(float *base, const TitansConfig *c, int l, int h)
{
    int in, out;
    mem_matrix_shape(c, l, &in, &out);
    return base + mem_matrix_offset(c, l) + (size_t)h * in * out;
}

/* Update and read of n rows (layer rows row0 ..): reads sc->mq, mk, mv, theta, eta, alpha,
 * writes sc->my; the same function as the token loop, up to float32 rounding. */
void memory_update_chunked(const TitansConfig *c, MemState *ms, Scratch *sc, int n, int64_t row0);

/* y [n, d_m] (row stride ldy) = M(x) for n rows x (row stride ldx) through head h of the fast
 * weights W, which stay fixed (mac's segment read): BLAS for the products, kernels for GELU. */
void memory_read_rows(const TitansConfig *c, Scratch *sc, const float *W, int h, const float *x,
                      int ldx, int n, float *y, int ldy);

#endif
