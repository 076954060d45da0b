/* The body of the SIMD kernels, written once over a vector abstraction and included by
 * kernels_avx512.c and kernels_avx2.c, which define before including it:
 *   TARGET            the function attribute (target("..."))
 *   VW                floats per vector;  V, MASK: vector and lane-mask types
 *   vzero, vset1, vload, vstore, vfma, vmul, vadd, vsub, vdiv, vmin, vmax
 *   vmask(c)          mask of the first c lanes (c may be <= 0 or >= VW)
 *   vloadm, vstorem   masked load (zero elsewhere) and store
 *   vabs, vxorsign(e, z)   |x|, and e with the sign of z flipped in (e >= 0)
 *   vblend(m, a, b)   b in the lanes of m, a elsewhere;  vhsum, vhmax: sum and max of the lanes
 *   vexp2i(t)         2^n from t = n + 1.5 * 2^23 (float bits of the rounding sum)
 *   vtranspose(r)     r[i] <- column i of the VW x VW block whose rows are r[0 .. VW)
 *   KNAME             the Kernels object to define;  FAST_GEMM its fast_gemm (kernels.h; fast_gemv
 *                     is 1 for both)
 * Register tiles: MR rows of C x NV vectors of columns, accumulated over k with A broadcast. */
#define INLINE static inline __attribute__((always_inline)) TARGET

/* A decode token's one-row products (gemv_rows, the one- and two-row tiles, dot_rows) ask for the
 * rows of B this far ahead of the ones they sum, a cache line at a time: left to the hardware's
 * stream prefetch, which ramps up again on each of a token's many 64-400 KB matrices, they read
 * at 45-60% of the core's streaming rate. With it decode ran 1.2-1.7x on Zen 5 (interleaved
 * pairs, results/bench/decode-prefetch.md). A hint: past B's end it neither faults nor changes a
 * sum. */
#define GEMV_PREFETCH_ROWS 16

/* One MR x (NV * VW) tile of C at (c, columns masked by m[] when !FULL). */
INLINE void tile(const int MR, const int NV, const int FULL, int k, const float *a, int rsa, int csa,
                 const float *b, int ldb, float *c, int ldc, float beta, const float *d, int ldd,
                 float gamma, const MASK *m)
{
    V acc[16][4];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = vzero();
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb, *ap = a + (size_t)p * csa;
        V bv[4];
        if (MR <= 2) /* a decode row's tile streams over B: as gemv_rows, ask for B's rows ahead */
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) __builtin_prefetch(bp + (size_t)GEMV_PREFETCH_ROWS * ldb + v * VW);
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) bv[v] = FULL ? vload(bp + v * VW) : vloadm(m[v], bp + v * VW);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            V ar = vset1(ap[(size_t)r * rsa]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = vfma(ar, bv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            float *cr = c + (size_t)r * ldc + v * VW;
            V x = acc[r][v];
            if (beta != 0.0f) x = vfma(vset1(beta), FULL ? vload(cr) : vloadm(m[v], cr), x);
            if (d) {
                const float *dr = d + (size_t)r * ldd + v * VW;
                x = vfma(vset1(gamma), FULL ? vload(dr) : vloadm(m[v], dr), x);
            }
            if (FULL)
                vstore(cr, x);
            else
                vstorem(cr, m[v], x);
        }
}

/* MR rows of C, every column: full tiles, then one masked tile for the rest. */
INLINE void rows(const int MR, const int NV, int m, int k, const float *a, int rsa, int csa,
                 const float *b, int ldb, float *c, int ldc, float beta, const float *d, int ldd,
                 float gamma)
{
    int j = 0;
    for (; j + NV * VW <= m; j += NV * VW)
        tile(MR, NV, 1, k, a, rsa, csa, b + j, ldb, c + j, ldc, beta, d ? d + j : NULL, ldd, gamma, NULL);
    if (j < m) {
        MASK mk[4];
        for (int v = 0; v < NV; v++) mk[v] = vmask(m - j - v * VW);
        tile(MR, NV, 0, k, a, rsa, csa, b + j, ldb, c + j, ldc, beta, d ? d + j : NULL, ldd, gamma, mk);
    }
}

/* Row blocks of MR (a few rows per tile keeps enough independent sums for the FMA latency). */
#define ROW_BLOCKS(MR, NV)                                                                         \
    for (; i + (MR) <= n; i += (MR))                                                               \
        rows(MR, NV, m, k, a + (size_t)i * rsa, rsa, csa, b, ldb, c + (size_t)i * ldc, ldc, beta, \
             d ? d + (size_t)i * ldd : NULL, ldd, gamma)

/* One row of C, GEMV_COLS columns at a time: B is read row after row, four rows a pass over sums
 * held in L1, so the weights stream in order (a decode token's products read every weight once;
 * the register tiles' column panels read them strided: 42-62 against 65-79 GB/s on Zen 5). Each
 * sum takes its products in p order from zero and meets beta and d last, as in tile(): the same
 * roundings. */
#define GEMV_COLS 2048

/* Prefetch vector v's line of R rows of B GEMV_PREFETCH_ROWS ahead, once a line. */
INLINE void prefetch_rows(const int HALF, const int R, const char *b, size_t ldb_bytes, int v)
{
    size_t off = (size_t)v * VW * (HALF ? sizeof(uint16_t) : sizeof(float));
    if (off % 64 != 0) return;
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) __builtin_prefetch(b + (size_t)(r + GEMV_PREFETCH_ROWS) * ldb_bytes + off);
}

/* Vector v of B's row at b (float32, or bf16 widened when HALF); the last vector holds `tail`
 * columns (masked), the rest zero. */
INLINE V bvec(const int HALF, const void *b, int v, int last, int tail, MASK mt)
{
    if (!HALF) return v == last ? vloadm(mt, (const float *)b + v * VW) : vload((const float *)b + v * VW);
    const uint16_t *h = (const uint16_t *)b + v * VW;
    if (v < last || tail == VW) return vloadh(h);
    uint16_t t[VW] = {0};
    memcpy(t, h, sizeof(uint16_t) * (size_t)tail);
    return vloadh(t);
}

/* R rows of B (from b, ldb elements apart, 4- or 2-byte as HALF) into the sums of nv vectors */
INLINE void gemv_rows(const int HALF, const int R, V *acc, int nv, int tail, MASK mt, const float *a,
                      int csa, const char *b, size_t ldb_bytes)
{
    V x[4];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) x[r] = vset1(a[(size_t)r * csa]);
    int v = 0;
    for (; v + 1 < nv; v++) {
        prefetch_rows(HALF, R, b, ldb_bytes, v);
        V s = acc[v];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) s = vfma(x[r], bvec(HALF, b + r * ldb_bytes, v, nv - 1, tail, mt), s);
        acc[v] = s;
    }
    prefetch_rows(HALF, R, b, ldb_bytes, v);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) acc[v] = vfma(x[r], bvec(HALF, b + r * ldb_bytes, v, v, tail, mt), acc[v]);
}

/* c = beta c + gamma d + a B for one row a, B [k, m] float32 or (HALF) bf16: the products of
 * each column in p order from zero, beta and d last, whatever B's element type. */
INLINE void gemv_any(const int HALF, int m, int k, const float *a, int csa, const void *b, int ldb,
                     float *c, float beta, const float *d, float gamma)
{
    const size_t es = HALF ? sizeof(uint16_t) : sizeof(float), ldb_bytes = (size_t)ldb * es;
    V acc[GEMV_COLS / VW];
    for (int j = 0; j < m; j += GEMV_COLS) {
        int w = m - j < GEMV_COLS ? m - j : GEMV_COLS, nv = (w + VW - 1) / VW, tail = w - (nv - 1) * VW;
        MASK mt = vmask(tail);
        const char *bj = (const char *)b + (size_t)j * es;
        for (int v = 0; v < nv; v++) acc[v] = vzero();
        int p = 0;
        for (; p + 4 <= k; p += 4)
            gemv_rows(HALF, 4, acc, nv, tail, mt, a + (size_t)p * csa, csa, bj + p * ldb_bytes, ldb_bytes);
        for (; p < k; p++)
            gemv_rows(HALF, 1, acc, nv, tail, mt, a + (size_t)p * csa, csa, bj + p * ldb_bytes, ldb_bytes);
        for (int v = 0; v < nv; v++) {
            MASK mv = v + 1 < nv ? vmask(VW) : mt;
            float *cv = c + j + v * VW;
            V x = acc[v];
            if (beta != 0.0f) x = vfma(vset1(beta), vloadm(mv, cv), x);
            if (d) x = vfma(vset1(gamma), vloadm(mv, d + j + v * VW), x);
            vstorem(cv, mv, x);
        }
    }
}

static TARGET void gemv(int m, int k, const float *a, int csa, const float *b, int ldb, float *c,
                        float beta, const float *d, float gamma)
{
    gemv_any(0, m, k, a, csa, b, ldb, c, beta, d, gamma);
}

/* kernels.h: one row over bf16 weights (any m: every column's sum has the order of gemm's) */
static TARGET void gemv_bf16(int m, int k, const float *a, const uint16_t *b, float *c, float beta)
{
    gemv_any(1, m, k, a, 1, b, m, c, beta, NULL, 0.0f);
}

static TARGET void gemm(int n, int m, int k, const float *a, int rsa, int csa, const float *b,
                        int ldb, float *c, int ldc, float beta, const float *d, int ldd, float gamma)
{
    int i = 0;
    if (n == 1 && m > 4 * VW) {
        gemv(m, k, a, csa, b, ldb, c, beta, d, gamma);
        return;
    }
    if (m <= VW) { /* one vector of columns: tall tiles */
        ROW_BLOCKS(MR_NARROW, 1);
        ROW_BLOCKS(4, 1);
        ROW_BLOCKS(1, 1);
        return;
    }
    ROW_BLOCKS(MR_WIDE, 2);
    ROW_BLOCKS(2, 2);
    ROW_BLOCKS(1, 4); /* a single row: four vectors of columns, four independent sums */
}

/* e^x as ops.h's exp_fast, lane-wise. */
INLINE V vexp(V x)
{
    x = vmax(vmin(x, vset1(88.0f)), vset1(-87.0f));
    V t = vfma(x, vset1(1.44269504088896341f), vset1(12582912.0f));
    V n = vsub(t, vset1(12582912.0f));
    V r = vfma(n, vset1(2.12194440e-4f), vfma(n, vset1(-0.693359375f), x));
    V p = vset1(1.9875691500e-4f);
    p = vfma(p, r, vset1(1.3981999507e-3f));
    p = vfma(p, r, vset1(8.3334519073e-3f));
    p = vfma(p, r, vset1(4.1665795894e-2f));
    p = vfma(p, r, vset1(1.6666665459e-1f));
    p = vfma(p, r, vset1(5.0000001201e-1f));
    p = vadd(vfma(vmul(p, r), r, r), vset1(1.0f));
    return vmul(p, vexp2i(t));
}

/* GELU(x) = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 with erf from Abramowitz-Stegun 7.1.26
 * (|error| <= 1.5e-7): erf(u) = 1 - t (a1 + t (a2 + ...)) e^{-u^2}, t = 1 / (1 + p u), u >= 0.
 * e^{-u^2} = e^{-x^2/2} also gives the density for GELU'(x) = Phi(x) + x phi(x). */
INLINE V vgelu(V x, V *grad)
{
    V u = vmul(vabs(x), vset1(0.70710678118654752f));
    V t = vdiv(vset1(1.0f), vfma(u, vset1(0.3275911f), vset1(1.0f)));
    V poly = vset1(1.061405429f);
    poly = vfma(poly, t, vset1(-1.453152027f));
    poly = vfma(poly, t, vset1(1.421413741f));
    poly = vfma(poly, t, vset1(-0.284496736f));
    poly = vfma(poly, t, vset1(0.254829592f));
    V e = vexp(vmul(vmul(u, u), vset1(-1.0f)));
    V erf_abs = vsub(vset1(1.0f), vmul(vmul(poly, t), e));
    V cdf = vmul(vset1(0.5f), vadd(vset1(1.0f), vxorsign(erf_abs, x)));
    *grad = vfma(vmul(x, vset1(0.39894228040143268f)), e, cdf);
    return vmul(x, cdf);
}

static TARGET void gelu(float *a, float *g, const float *z, size_t n)
{
    size_t i = 0;
    for (; i + VW <= n; i += VW) {
        V gr, y = vgelu(vload(z + i), &gr);
        vstore(a + i, y);
        if (g) vstore(g + i, gr);
    }
    if (i < n) {
        MASK mk = vmask((int)(n - i));
        V gr, y = vgelu(vloadm(mk, z + i), &gr);
        vstorem(a + i, mk, y);
        if (g) vstorem(g + i, mk, gr);
    }
}

/* SiLU(x) = x / (1 + e^-x) */
INLINE V vsilu(V x) { return vdiv(x, vadd(vset1(1.0f), vexp(vmul(x, vset1(-1.0f))))); }

static TARGET void silu(float *x, size_t n)
{
    size_t i = 0;
    for (; i + VW <= n; i += VW) vstore(x + i, vsilu(vload(x + i)));
    if (i < n) {
        MASK mk = vmask((int)(n - i));
        vstorem(x + i, mk, vsilu(vloadm(mk, x + i)));
    }
}

/* x[0 .. n) *= c */
INLINE void scale_row(float *x, int n, float c)
{
    int j = 0;
    for (; j + VW <= n; j += VW) vstore(x + j, vmul(vload(x + j), vset1(c)));
    if (j < n) {
        MASK mk = vmask(n - j);
        vstorem(x + j, mk, vmul(vloadm(mk, x + j), vset1(c)));
    }
}

/* x[0 .. n) = 0 in vector stores: a row's masked ends are short, libc's memset call cost more */
INLINE void zero_row(float *x, int n)
{
    int j = 0;
    for (; j + VW <= n; j += VW) vstore(x + j, vzero());
    if (j < n) vstorem(x + j, vmask(n - j), vzero());
}

/* Attention's online softmax on one score row (kernels.h): a max pass and an exp-and-sum pass
 * over [lo, hi], the masked lanes of the tail held out of both. */
static TARGET void softmax_tile(float *s, int kt, int lo, int hi, float *mx, float *sum, float *o,
                                int dh)
{
    if (hi < lo) {
        zero_row(s, kt);
        return;
    }
    zero_row(s, lo);
    zero_row(s + hi + 1, kt - 1 - hi);
    float *x = s + lo;
    int len = hi - lo + 1, j = 0;
    V vm = vset1(-INFINITY);
    for (; j + VW <= len; j += VW) vm = vmax(vm, vload(x + j));
    if (j < len) {
        MASK mk = vmask(len - j);
        vm = vmax(vm, vblend(mk, vset1(-INFINITY), vloadm(mk, x + j)));
    }
    float m = vhmax(vm);
    m = *mx > m ? *mx : m;
    float corr = 0.0f, lanes[VW];
    if (*mx != -INFINITY) { /* c = e^(*mx - m') through the same exp */
        vstore(lanes, vexp(vset1(*mx - m)));
        corr = lanes[0];
    }
    V vmax_row = vset1(m), acc = vzero();
    for (j = 0; j + VW <= len; j += VW) {
        V e = vexp(vsub(vload(x + j), vmax_row));
        vstore(x + j, e);
        acc = vadd(acc, e);
    }
    if (j < len) {
        MASK mk = vmask(len - j);
        V e = vblend(mk, vzero(), vexp(vsub(vloadm(mk, x + j), vmax_row)));
        vstorem(x + j, mk, e);
        acc = vadd(acc, e);
    }
    *sum = *sum * corr + vhsum(acc);
    *mx = m;
    if (corr != 1.0f) scale_row(o, dh, corr);
}

/* Sum of squares in two vector accumulators (the FMA latency), then the row scaled as the
 * portable loop scales it: (x r) g. */
static TARGET void rmsnorm(float *out, const float *x, const float *g, int n, int d, float eps)
{
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * d;
        float *oi = out + (size_t)i * d;
        V s0 = vzero(), s1 = vzero();
        int j = 0;
        for (; j + 2 * VW <= d; j += 2 * VW) {
            V a = vload(xi + j), b = vload(xi + j + VW);
            s0 = vfma(a, a, s0);
            s1 = vfma(b, b, s1);
        }
        for (; j < d; j += VW) {
            V a = vloadm(vmask(d - j), xi + j);
            s0 = vfma(a, a, s0);
        }
        V r = vset1(1.0f / sqrtf(vhsum(vadd(s0, s1)) / (float)d + eps));
        for (j = 0; j + VW <= d; j += VW) vstore(oi + j, vmul(vmul(vload(xi + j), r), vload(g + j)));
        if (j < d) {
            MASK mk = vmask(d - j);
            vstorem(oi + j, mk, vmul(vmul(vloadm(mk, xi + j), r), vloadm(mk, g + j)));
        }
    }
}

/* a SiLU(b); plus y when acc (an add, not a fused one: the loop's rounding) */
INLINE V gate(V y, V a, V b, int acc)
{
    V e = vmul(a, vsilu(b));
    return acc ? vadd(y, e) : e;
}

static TARGET void silu_gate(float *y, const float *a, const float *b, size_t n, int acc)
{
    size_t i = 0;
    for (; i + VW <= n; i += VW)
        vstore(y + i, gate(acc ? vload(y + i) : vzero(), vload(a + i), vload(b + i), acc));
    if (i < n) {
        MASK mk = vmask((int)(n - i));
        vstorem(y + i, mk, gate(acc ? vloadm(mk, y + i) : vzero(), vloadm(mk, a + i), vloadm(mk, b + i), acc));
    }
}

/* VW x VW blocks through registers; the edge blocks masked. The source rows TRANSPOSE_AHEAD on
 * are prefetched: attention's keys come from a cache far larger than L2, in rows of one head's
 * slice (dh floats) a d-float stride apart, which the hardware prefetchers missed (the loads were
 * 86% of the transpose and it 17% of attn's prefill at 16K). */
#define TRANSPOSE_AHEAD 64
static TARGET void transpose(float *dst, int ldd, const float *src, int lds, int rows, int cols,
                             float scale)
{
    V sc = vset1(scale);
    for (int r0 = 0; r0 < rows; r0 += VW) {
        int nr = rows - r0 < VW ? rows - r0 : VW;
        for (int i = r0 + TRANSPOSE_AHEAD; i < r0 + TRANSPOSE_AHEAD + VW && i < rows; i++)
            for (int c = 0; c < cols; c += 16) __builtin_prefetch(src + (size_t)i * lds + c);
        MASK mr = vmask(nr);
        for (int c0 = 0; c0 < cols; c0 += VW) {
            int nc = cols - c0 < VW ? cols - c0 : VW, full = nr == VW && nc == VW;
            MASK mc = vmask(nc);
            const float *s0 = src + (size_t)r0 * lds + c0;
            V t[VW];
            for (int i = 0; i < VW; i++)
                t[i] = full ? vmul(vload(s0 + (size_t)i * lds), sc)
                       : i < nr ? vmul(vloadm(mc, s0 + (size_t)i * lds), sc) : vzero();
            vtranspose(t);
            float *d0 = dst + (size_t)c0 * ldd + r0;
            for (int i = 0; i < nc; i++) {
                if (full)
                    vstore(d0 + (size_t)i * ldd, t[i]);
                else
                    vstorem(d0 + (size_t)i * ldd, mr, t[i]);
            }
        }
    }
}

/* y[i] = alpha (row i of a) . x, four rows at a time (independent sums for the FMA latency). */
INLINE void dot_rows(const int R, int k, const float *a, int lda, const float *x, float alpha,
                     float *y)
{
    V s[4];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) s[r] = vzero();
    int p = 0;
    for (; p + VW <= k; p += VW) {
        if (p * sizeof(float) % 64 == 0) /* the rows ahead, a line at a time (gemv_rows) */
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) __builtin_prefetch(a + (size_t)(r + GEMV_PREFETCH_ROWS) * lda + p);
        V xv = vload(x + p);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) s[r] = vfma(vload(a + (size_t)r * lda + p), xv, s[r]);
    }
    if (p < k) {
        MASK mk = vmask(k - p);
        V xv = vloadm(mk, x + p);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) s[r] = vfma(vloadm(mk, a + (size_t)r * lda + p), xv, s[r]);
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) y[r] = alpha * vhsum(s[r]);
}

static TARGET void dots(int n, int k, const float *a, int lda, const float *x, float alpha, float *y)
{
    int i = 0;
    for (; i + 4 <= n; i += 4) dot_rows(4, k, a + (size_t)i * lda, lda, x, alpha, y + i);
    for (; i < n; i++) dot_rows(1, k, a + (size_t)i * lda, lda, x, alpha, y + i);
}

const Kernels KNAME = {KNAME_STR, FAST_GEMM, 1, gemm, gemv_bf16, dots, gelu, silu, softmax_tile,
                       rmsnorm, silu_gate, transpose};
