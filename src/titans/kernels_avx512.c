/* The kernels for CPUs with AVX-512F (16 floats a vector, 32 registers: tiles of 8 rows x 32
 * columns, or 16 rows x 16 columns). Compiled for avx512f only inside these functions, so the
 * binary runs anywhere; kernels.c calls them only when the CPU has AVX-512F. */
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f")))
#define VW 16
#define MR_WIDE 8
#define MR_NARROW 16
typedef __m512 V;
typedef __mmask16 MASK;
#define vzero() _mm512_setzero_ps()
#define vset1(x) _mm512_set1_ps(x)
#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, x) _mm512_storeu_ps(p, x)
#define vfma(a, b, c) _mm512_fmadd_ps(a, b, c)
#define vmul(a, b) _mm512_mul_ps(a, b)
#define vadd(a, b) _mm512_add_ps(a, b)
#define vsub(a, b) _mm512_sub_ps(a, b)
#define vdiv(a, b) _mm512_div_ps(a, b)
#define vmin(a, b) _mm512_min_ps(a, b)
#define vmax(a, b) _mm512_max_ps(a, b)
#define vloadm(m, p) _mm512_maskz_loadu_ps(m, p)
#define vstorem(p, m, x) _mm512_mask_storeu_ps(p, m, x)
#define vabs(x) _mm512_abs_ps(x)
#define vblend(m, a, b) _mm512_mask_blend_ps(m, a, b)
#define vhsum(x) _mm512_reduce_add_ps(x)
#define vhmax(x) _mm512_reduce_max_ps(x)
#define vxorsign(e, z)                                                                              \
    _mm512_castsi512_ps(_mm512_xor_si512(                                                          \
        _mm512_castps_si512(e),                                                                    \
        _mm512_and_si512(_mm512_castps_si512(z), _mm512_set1_epi32((int)0x80000000u))))
/* 16 bf16 widened to float32: a bf16 is a float32's top half */
#define vloadh(p)                                                                                  \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define vexp2i(t)                                                                                  \
    _mm512_castsi512_ps(_mm512_slli_epi32(                                                         \
        _mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4b400000)),  \
                         _mm512_set1_epi32(127)),                                                  \
        23))

static inline TARGET MASK vmask(int c)
{
    return c >= VW ? (MASK)0xFFFF : c <= 0 ? (MASK)0 : (MASK)((1u << c) - 1u);
}

/* r[i] <- column i of the 16 x 16 block whose rows are r: pairs, quads, then 128-bit lanes */
static inline __attribute__((always_inline)) TARGET void vtranspose(V r[16])
{
    V t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xDD);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
}

#define FAST_GEMM 1
#define KNAME kernels_avx512
#define KNAME_STR "avx512"
#include "kernels_simd.h"
#endif
