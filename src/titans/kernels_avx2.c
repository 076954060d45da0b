/* The kernels for CPUs with AVX2 and FMA (8 floats a vector, 16 registers: tiles of 4 rows x 16
 * columns, or 8 rows x 8 columns). Compiled for avx2,fma only inside these functions, so the
 * binary runs anywhere; kernels.c calls them only when the CPU has both. */
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))
#define VW 8
#define MR_WIDE 4
#define MR_NARROW 8
typedef __m256 V;
typedef __m256i MASK;
#define vzero() _mm256_setzero_ps()
#define vset1(x) _mm256_set1_ps(x)
#define vload(p) _mm256_loadu_ps(p)
#define vstore(p, x) _mm256_storeu_ps(p, x)
#define vfma(a, b, c) _mm256_fmadd_ps(a, b, c)
#define vmul(a, b) _mm256_mul_ps(a, b)
#define vadd(a, b) _mm256_add_ps(a, b)
#define vsub(a, b) _mm256_sub_ps(a, b)
#define vdiv(a, b) _mm256_div_ps(a, b)
#define vmin(a, b) _mm256_min_ps(a, b)
#define vmax(a, b) _mm256_max_ps(a, b)
#define vloadm(m, p) _mm256_maskload_ps(p, m)
#define vstorem(p, m, x) _mm256_maskstore_ps(p, m, x)
#define vabs(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x)
#define vblend(m, a, b) _mm256_blendv_ps(a, b, _mm256_castsi256_ps(m))
#define vxorsign(e, z) _mm256_xor_ps(e, _mm256_and_ps(z, _mm256_set1_ps(-0.0f)))
/* 8 bf16 widened to float32: a bf16 is a float32's top half */
#define vloadh(p)                                                                                  \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define vexp2i(t)                                                                                  \
    _mm256_castsi256_ps(_mm256_slli_epi32(                                                         \
        _mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4b400000)),  \
                         _mm256_set1_epi32(127)),                                                  \
        23))

static inline TARGET MASK vmask(int c)
{
    /* lanes 8 - c .. 15 - c of this table: the first c are -1 */
    static const int32_t ones[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    c = c < 0 ? 0 : c > VW ? VW : c;
    return _mm256_loadu_si256((const __m256i *)(ones + 8 - c));
}

/* horizontal sum and max: halves, then pairs */
static inline TARGET float vhsum(V x)
{
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}
static inline TARGET float vhmax(V x)
{
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
}

/* r[i] <- column i of the 8 x 8 block whose rows are r: pairs, quads, then 128-bit halves */
static inline __attribute__((always_inline)) TARGET void vtranspose(V r[8])
{
    V t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

#define FAST_GEMM 0
#define KNAME kernels_avx2
#define KNAME_STR "avx2"
#include "kernels_simd.h"
#endif
