/* bf16 weights: every Matrix of a checkpoint rounded to bfloat16 for a decode that reads half the
 * bytes (docs/performance.md, "BF16 weights"). The float32 copy is overwritten with the rounded
 * values, so prefill (on float32) and decode (on the 16-bit copy) compute with the same weights. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "tensor_list.h"

/* float32 -> bfloat16, to nearest with ties to even (finite x; may overflow to inf) */
static uint16_t bf16_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static float float_of(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* The first weight of a Matrix that bf16 cannot hold (rounds to inf), or -1 */
static int64_t overflow_at(const float *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(float_of(bf16_of(f[i])))) return (int64_t)i;
    return -1;
}

/* Whether a matrix keeps a 16-bit copy: rows of a few columns (the gates' [d, H_m]) read their
 * float32 one (rounded all the same), as the bytes saved are nothing and the kernel would copy each
 * 16-bit row's tail into a vector (3 x 256 copies a layer a decode token: MAG and MAL ran 10-25%
 * slower). */
static int keeps_copy(const TensorSpec *t)
{
    return t->bf16 && t->dims[1] >= MATRIX_BF16_MIN_COLS;
}

int weights_round_bf16(const TitansConfig *c, TitansWeights *w, const char *name, TitansError *err)
{
    if (w->arena_bf16) return 0;
    TensorList tl = {0};
    if (tensor_list_build(c, w, &tl) != 0) return titans_fail(err, name, "out of memory");
    size_t total = 0;
    int rc = 0;
    /* all checked before anything changes: a failure leaves the float32 weights as they were */
    for (size_t i = 0; rc == 0 && i < tl.n; i++) {
        const TensorSpec *t = &tl.v[i];
        if (!t->bf16) continue;
        int64_t at = overflow_at(*t->dst, tensor_floats(t));
        if (at >= 0)
            rc = titans_fail(err, name, "%s[%lld] = %g overflows bfloat16: use float32 weights", t->path,
                             (long long)at, (double)(*t->dst)[at]);
        if (keeps_copy(t)) total += tensor_floats(t);
    }
    uint16_t *h = rc == 0 ? malloc(sizeof(uint16_t) * (total ? total : 1)) : NULL;
    if (rc == 0 && !h) rc = titans_fail(err, name, "out of memory for %zu bf16 weights", total);
    for (size_t i = 0, off = 0; rc == 0 && i < tl.n; i++) {
        const TensorSpec *t = &tl.v[i];
        if (!t->bf16) continue;
        float *f = w->arena + (*t->dst - w->arena); /* inside the arena, which is ours to change */
        size_t n = tensor_floats(t);
        uint16_t *copy = keeps_copy(t) ? h + off : NULL;
        for (size_t j = 0; j < n; j++) {
            uint16_t b = bf16_of(f[j]);
            f[j] = float_of(b);
            if (copy) copy[j] = b;
        }
        if (copy) *t->bf16 = copy, off += n;
    }
    tensor_list_free(&tl);
    if (rc == 0) w->arena_bf16 = h, w->n_bf16 = total;
    return rc;
}
