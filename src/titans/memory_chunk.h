/* The chunked form of the memory update and read (memory_chunk.c), and the layout of the fast
 * weights and of the pending block that it shares with memory.c's token loop. */
#ifndef TITANS_MEMORY_CHUNK_H
#define TITANS_MEMORY_CHUNK_H

#include "state.h"

/* Matrix l of head h in a state array (M, S or a copy): [in_l, out_l] row-major. */
static inline float *mem_head_matrix(float *base, const TitansConfig *c, int l, int h)
{
    int in, out;
    mem_matrix_shape(c, l, &in, &out);
    return base + mem_matrix_offset(c, l) + (size_t)h * in * out;
}

/* The pending block of a memory layer: the tokens of the current chunk so far, all taken at the
 * chunk's start (M, S). Per matrix l: act_l [H][b][in_l], then delta_l [H][b][out_l]; after all
 * matrices the gates eta, alpha, theta, each [b][H]. Token j of the chunk is row j. */
size_t mem_pend_floats(const TitansConfig *c);
/* act_l of head h [b, in_l] (row stride in_l). */
float *mem_pend_act(float *pend, const TitansConfig *c, int l, int h);
/* delta_l of head h [b, out_l] (row stride out_l). */
float *mem_pend_delta(float *pend, const TitansConfig *c, int l, int h);
/* Gate g (0 eta, 1 alpha, 2 theta) [b, H]. */
float *mem_pend_gate(float *pend, const TitansConfig *c, int g);

/* Update and read of n rows (layer rows row0 ..): reads sc->mq, mk, mv, theta, eta, alpha,
 * writes sc->my; the same function as the token loop, up to float32 rounding. */
void memory_update_chunked(const TitansConfig *c, MemState *ms, Scratch *sc, int n, int64_t row0);

/* M (and S unless NULL) after the first j > 0 tokens of the current chunk, by the chunked form
 * from the chunk's start and its pending tokens ([mem_state_floats] each). */
void memory_chunk_state(const TitansConfig *c, MemState *ms, Scratch *sc, int j, float *M, float *S);

/* y [n, d_m] (row stride ldy) = M(x) for n rows x (row stride ldx) through head h of the fast
 * weights W, which stay fixed (mac's segment read): BLAS for the products, kernels for GELU. */
void memory_read_rows(const TitansConfig *c, Scratch *sc, const float *W, int h, const float *x,
                      int ldx, int n, float *y, int ldy);

#endif
