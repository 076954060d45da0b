/* TitansState: allocation, copy, save and restore. Every fixed-size array of a state lives in one
 * arena, so a copy is one memcpy plus the growing key/value caches of attn layers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "memory_chunk.h"
#include "state.h"

/* ---- layout --------------------------------------------------------------------------------- */

/* Walks the arena layout of state s once; with base == NULL it only counts floats. */
static size_t layout(const TitansConfig *c, TitansState *s, float *base)
{
    size_t off = 0, d = (size_t)c->d_model, msf = mem_state_floats(c);
#define TAKE(ptr, n)                          \
    do {                                      \
        if (base) (ptr) = base + off;         \
        off += (n);                           \
    } while (0)
    for (int i = 0; i < c->n_layers; i++) {
        TitansLayerKind k = c->layer_kinds[i];
        AttnState *a = &s->layers[i].at;
        MemState *m = &s->layers[i].mem;
        if (layer_has_attention(k)) {
            TAKE(a->pk, (size_t)c->n_persistent * d);
            TAKE(a->pv, (size_t)c->n_persistent * d);
            if (layer_is_windowed(k)) {
                TAKE(a->k, (size_t)c->window * d);
                TAKE(a->v, (size_t)c->window * d);
            }
            if (k == TITANS_LAYER_MAC) {
                size_t hrows = (size_t)(c->segment > c->n_persistent ? c->segment : c->n_persistent);
                TAKE(a->k, (size_t)c->segment * d);
                TAKE(a->v, (size_t)c->segment * d);
                TAKE(a->hk, hrows * d);
                TAKE(a->hv, hrows * d);
                TAKE(a->mseg, msf);
            }
        }
        if (layer_has_memory(k)) {
            TAKE(m->M, msf);
            TAKE(m->S, msf);
            TAKE(m->pend, mem_pend_floats(c));
            TAKE(m->conv, 9 * d);
        }
    }
    TAKE(s->cls_sum, d);
    TAKE(s->series_rows, (size_t)c->n_patch * d);
#undef TAKE
    return off;
}

static size_t scratch_layout(const TitansConfig *c, Scratch *sc, float *base)
{
    size_t off = 0, B = (size_t)sc->rows, d = (size_t)c->d_model, w = (size_t)sc->wmax;
    size_t H = (size_t)c->mem_heads, L = (size_t)c->mem_depth;
    size_t R = B > (size_t)c->mem_chunk ? B : (size_t)c->mem_chunk; /* a chunk's rows */
#define TAKE(ptr, n)                  \
    do {                              \
        if (base) (ptr) = base + off; \
        off += (n);                   \
    } while (0)
    float **bd[] = {&sc->u,  &sc->y1,    &sc->y2, &sc->y3,   &sc->q,  &sc->k,  &sc->v,
                    &sc->q_raw, &sc->ao, &sc->hk, &sc->hv, &sc->mraw, &sc->mq, &sc->mk,
                    &sc->mv, &sc->my, &sc->mg, &sc->x};
    for (size_t i = 0; i < sizeof bd / sizeof bd[0]; i++) TAKE(*bd[i], B * d);
    TAKE(sc->ffn_a, B * (size_t)c->ffn_dim);
    TAKE(sc->ffn_b, B * (size_t)c->ffn_dim);
    TAKE(sc->theta, B * H);
    TAKE(sc->eta, B * H);
    TAKE(sc->alpha, B * H);
    for (size_t l = 0; l <= L; l++) {
        TAKE(sc->act[l], B * w);
        TAKE(sc->aq[l], B * w);
    }
    for (size_t l = 0; l < L; l++) {
        TAKE(sc->zk[l], B * w);
        TAKE(sc->delta[l], B * w);
        TAKE(sc->dgelu[l], B * w);
    }
    TAKE(sc->zq, R * w);
    TAKE(sc->tr_a, w * B);
    TAKE(sc->tr_b, w * B);
    TAKE(sc->mtmp, R * w);
    TAKE(sc->mcur, mem_state_floats(c));
    TAKE(sc->scur, mem_state_floats(c));
    TAKE(sc->sigma_k, B);
    TAKE(sc->sigma_q, B);
    TAKE(sc->coef_s, B * R);
    TAKE(sc->coef_m, B * R);
    TAKE(sc->gram, B * R);
    TAKE(sc->coef_p, B);
    TAKE(sc->coef_b, B);
    TAKE(sc->coef_f, B);
    TAKE(sc->scores, B * TITANS_KEY_TILE);
    TAKE(sc->att_max, B);
    TAKE(sc->att_sum, B);
    TAKE(sc->keys_t, (size_t)c->d_head * (TITANS_KEY_TILE + 16));
    TAKE(sc->rope_c, B * (size_t)(c->d_head / 2));
    TAKE(sc->rope_s, B * (size_t)(c->d_head / 2));
#undef TAKE
    return off;
}

int attn_cache_reserve(AttnState *a, int64_t rows, int d)
{
    if (rows <= a->cap) return 0;
    int64_t cap = a->cap ? a->cap : 256;
    while (cap < rows) cap *= 2;
    float *k = realloc(a->k, sizeof(float) * (size_t)cap * d);
    if (!k) return -1;
    a->k = k;
    float *v = realloc(a->v, sizeof(float) * (size_t)cap * d);
    if (!v) return -1;
    a->v = v;
    a->cap = cap;
    return 0;
}

/* ---- public ------------------------------------------------------------------------------- */

TitansState *state_alloc(const TitansModel *m, TitansError *err)
{
    const TitansConfig *c = &m->cfg;
    TitansState *s = calloc(1, sizeof *s);
    if (!s) goto oom;
    s->cfg = c;
    s->fingerprint = m->fingerprint;
    s->path = m->path;
    s->arena_floats = layout(c, s, NULL);
    s->arena = calloc(s->arena_floats ? s->arena_floats : 1, sizeof(float));
    if (!s->arena) goto oom;
    layout(c, s, s->arena);

    int wmax = c->d_mem > c->mem_hidden ? c->d_mem : c->mem_hidden;
    if (c->mem_depth == 1) wmax = c->d_mem;
    s->sc.rows = TITANS_BLOCK > c->n_persistent ? TITANS_BLOCK : c->n_persistent;
    s->sc.wmax = wmax;
    size_t nsc = scratch_layout(c, &s->sc, NULL);
    s->scratch_arena = calloc(nsc, sizeof(float));
    if (!s->scratch_arena) goto oom;
    scratch_layout(c, &s->sc, s->scratch_arena);
    return s;
oom:
    snprintf(err->msg, sizeof err->msg, "out of memory allocating a sequence state");
    titans_state_free(s);
    return NULL;
}

void titans_state_free(TitansState *s)
{
    if (!s) return;
    if (s->cfg)
        for (int i = 0; i < s->cfg->n_layers; i++)
            if (s->cfg->layer_kinds[i] == TITANS_LAYER_ATTN) {
                free(s->layers[i].at.k);
                free(s->layers[i].at.v);
            }
    free(s->arena);
    free(s->scratch_arena);
    free(s);
}

int64_t titans_state_position(const TitansState *s) { return s->rows - s->cfg->n_persistent; }

void titans_state_set_memory_path(TitansState *s, TitansMemoryPath path) { s->path = path; }

size_t titans_state_bytes(const TitansState *s)
{
    size_t bytes = sizeof(float) * s->arena_floats;
    for (int i = 0; i < s->cfg->n_layers; i++)
        if (s->cfg->layer_kinds[i] == TITANS_LAYER_ATTN)
            bytes += 2 * sizeof(float) * (size_t)s->layers[i].at.cap * s->cfg->d_model;
    return bytes;
}

int64_t titans_state_cached_keys(const TitansState *s, int layer)
{
    const TitansConfig *c = s->cfg;
    int64_t np = c->n_persistent;
    switch (c->layer_kinds[layer]) {
    case TITANS_LAYER_LMM: return 0;
    case TITANS_LAYER_MAC: return np + 2 * s->layers[layer].at.len; /* h and u rows */
    default: return np + s->layers[layer].at.len;
    }
}

/* Matrix l (1-based) of M (which = 0) or S (1) after the rows seen so far: the state itself at a
 * chunk boundary, else materialised into the scratch (tests only: it reuses s's scratch). */
static const float *memory_view(const TitansState *s, int layer, int l, int which)
{
    const TitansConfig *c = s->cfg;
    if (!layer_has_memory(c->layer_kinds[layer]) || l < 1 || l > c->mem_depth) return NULL;
    TitansState *w = (TitansState *)s;
    MemState *ms = &w->layers[layer].mem;
    const float *M = ms->M, *S = ms->S;
    if (s->rows % c->mem_chunk != 0) {
        memory_current(c, ms, &w->sc, s->rows, s->path, w->sc.mcur, w->sc.scur);
        M = w->sc.mcur;
        S = w->sc.scur;
    }
    return (which ? S : M) + mem_matrix_offset(c, l - 1);
}

const float *titans_state_memory_weights(const TitansState *s, int layer, int l)
{
    return memory_view(s, layer, l, 0);
}

const float *titans_state_memory_momentum(const TitansState *s, int layer, int l)
{
    return memory_view(s, layer, l, 1);
}

static int64_t attn_rows(const TitansState *s) { return titans_state_position(s) > 0 ? titans_state_position(s) : 0; }

int titans_state_copy(TitansState *dst, const TitansState *src, TitansError *err)
{
    if (dst->fingerprint != src->fingerprint) {
        snprintf(err->msg, sizeof err->msg, "state copy: the states belong to different models");
        return -1;
    }
    const TitansConfig *c = src->cfg;
    memcpy(dst->arena, src->arena, sizeof(float) * src->arena_floats);
    int64_t rows = attn_rows(src);
    for (int i = 0; i < c->n_layers; i++) {
        dst->layers[i].at.seg_pos = src->layers[i].at.seg_pos;
        dst->layers[i].at.len = src->layers[i].at.len;
        if (c->layer_kinds[i] != TITANS_LAYER_ATTN) continue;
        if (attn_cache_reserve(&dst->layers[i].at, rows, c->d_model) != 0) {
            snprintf(err->msg, sizeof err->msg, "state copy: out of memory for %lld cached keys",
                     (long long)rows);
            return -1;
        }
        size_t n = sizeof(float) * (size_t)rows * c->d_model;
        if (n) {
            memcpy(dst->layers[i].at.k, src->layers[i].at.k, n);
            memcpy(dst->layers[i].at.v, src->layers[i].at.v, n);
        }
    }
    dst->rows = src->rows;
    dst->path = src->path;
    return 0;
}

/* ---- serialisation: header | arena | (seg_pos, len) per layer | attn caches ----------------- */

#define STATE_MAGIC "TITANSST"
#define STATE_VERSION 2u /* 2: memory at the chunk's start plus a pending block (was: after the last token, and an anchor copy) */

typedef struct {
    char magic[8];
    uint32_t version, n_layers;
    uint64_t fingerprint;
    int64_t rows;
    uint64_t arena_floats;
} StateHeader;

static size_t serial_size(const TitansState *s, int64_t rows)
{
    const TitansConfig *c = s->cfg;
    size_t n = sizeof(StateHeader) + sizeof(float) * s->arena_floats + sizeof(int64_t) * 2 * (size_t)c->n_layers;
    for (int i = 0; i < c->n_layers; i++)
        if (c->layer_kinds[i] == TITANS_LAYER_ATTN) n += 2 * sizeof(float) * (size_t)rows * c->d_model;
    return n;
}

int titans_state_save(const TitansState *s, void **buf, size_t *len, TitansError *err)
{
    const TitansConfig *c = s->cfg;
    int64_t rows = attn_rows(s);
    size_t n = serial_size(s, rows);
    char *p = malloc(n);
    if (!p) {
        snprintf(err->msg, sizeof err->msg, "state save: out of memory for %zu bytes", n);
        return -1;
    }
    StateHeader h = {{'T', 'I', 'T', 'A', 'N', 'S', 'S', 'T'}, STATE_VERSION, (uint32_t)c->n_layers, s->fingerprint,
                     s->rows, s->arena_floats};
    char *q = p;
    memcpy(q, &h, sizeof h);
    q += sizeof h;
    memcpy(q, s->arena, sizeof(float) * s->arena_floats);
    q += sizeof(float) * s->arena_floats;
    for (int i = 0; i < c->n_layers; i++) {
        int64_t pos[2] = {s->layers[i].at.seg_pos, s->layers[i].at.len};
        memcpy(q, pos, sizeof pos);
        q += sizeof pos;
    }
    for (int i = 0; i < c->n_layers; i++) {
        if (c->layer_kinds[i] != TITANS_LAYER_ATTN) continue;
        size_t bytes = sizeof(float) * (size_t)rows * c->d_model;
        if (bytes) {
            memcpy(q, s->layers[i].at.k, bytes);
            memcpy(q + bytes, s->layers[i].at.v, bytes);
        }
        q += 2 * bytes;
    }
    *buf = p;
    *len = n;
    return 0;
}

/* Positions beyond 2^53 are corrupt: RoPE takes positions as doubles, exact only up to there. */
#define STATE_MAX_POSITION ((int64_t)1 << 53)

/* Does a buffer of len bytes hold a state of s's model at `rows` ordinary positions? Computed
 * without overflow whatever the header says. */
static int size_matches(const TitansState *s, int64_t rows, size_t len)
{
    const TitansConfig *c = s->cfg;
    size_t fixed = sizeof(StateHeader) + sizeof(float) * s->arena_floats + sizeof(int64_t) * 2 * (size_t)c->n_layers;
    size_t per_row = 0;
    for (int i = 0; i < c->n_layers; i++)
        if (c->layer_kinds[i] == TITANS_LAYER_ATTN) per_row += 2 * sizeof(float) * (size_t)c->d_model;
    if (len < fixed) return 0;
    if (per_row == 0) return len == fixed;
    return (len - fixed) % per_row == 0 && (len - fixed) / per_row == (uint64_t)rows;
}

/* The (seg_pos, len) a layer holds after `rows` ordinary positions (attention.c, layer.c): attn
 * keeps every key; swa, mag and mal a ring of the latest `window`; mac the current segment's rows
 * (a full one until the next segment starts); lmm nothing. */
static int counters_ok(const TitansConfig *c, TitansLayerKind k, int64_t rows, const int64_t pos[2])
{
    int64_t seg = 0, len = 0;
    if (k == TITANS_LAYER_ATTN) len = rows;
    else if (layer_is_windowed(k)) len = rows < c->window ? rows : c->window;
    else if (k == TITANS_LAYER_MAC) {
        seg = rows % c->segment;
        len = seg == 0 && rows > 0 ? c->segment : seg;
    }
    return pos[0] == seg && pos[1] == len;
}

int titans_state_restore(TitansState *s, const void *buf, size_t len, TitansError *err)
{
    const TitansConfig *c = s->cfg;
    StateHeader h;
    if (len < sizeof h) {
        snprintf(err->msg, sizeof err->msg, "state restore: buffer of %zu bytes is too short", len);
        return -1;
    }
    memcpy(&h, buf, sizeof h);
    const char *why = NULL;
    if (memcmp(h.magic, STATE_MAGIC, 8) != 0) why = "not a titans state (bad magic)";
    else if (h.version != STATE_VERSION) why = "unsupported state version";
    else if (h.fingerprint != s->fingerprint || h.n_layers != (uint32_t)c->n_layers ||
             h.arena_floats != s->arena_floats)
        why = "the state belongs to a different model";
    else if (h.rows < c->n_persistent) why = "corrupt header (position before the prefix)";
    else if (h.rows - c->n_persistent > STATE_MAX_POSITION) why = "corrupt header (position beyond 2^53)";
    int64_t rows = why ? 0 : h.rows - c->n_persistent;
    if (!why && !size_matches(s, rows, len)) why = "size does not match its header (truncated?)";
    /* every layer's counters must be the ones its position gives, or the next token would write
     * outside its ring or segment: checked before anything of s changes */
    for (int i = 0; !why && i < c->n_layers; i++) { /* (the size matched: they are in buf) */
        int64_t pos[2];
        size_t at = sizeof h + sizeof(float) * s->arena_floats + sizeof pos * (size_t)i;
        memcpy(pos, (const char *)buf + at, sizeof pos);
        if (!counters_ok(c, c->layer_kinds[i], rows, pos)) why = "corrupt layer counters (not those of its position)";
    }
    if (why) {
        snprintf(err->msg, sizeof err->msg, "state restore: %s", why);
        return -1;
    }
    for (int i = 0; i < c->n_layers; i++)
        if (c->layer_kinds[i] == TITANS_LAYER_ATTN && attn_cache_reserve(&s->layers[i].at, rows, c->d_model) != 0) {
            snprintf(err->msg, sizeof err->msg, "state restore: out of memory for %lld keys", (long long)rows);
            return -1;
        }
    const char *q = (const char *)buf + sizeof h;
    memcpy(s->arena, q, sizeof(float) * s->arena_floats);
    q += sizeof(float) * s->arena_floats;
    for (int i = 0; i < c->n_layers; i++) {
        int64_t pos[2];
        memcpy(pos, q, sizeof pos);
        q += sizeof pos;
        s->layers[i].at.seg_pos = (int)pos[0];
        s->layers[i].at.len = pos[1];
    }
    for (int i = 0; i < c->n_layers; i++) {
        if (c->layer_kinds[i] != TITANS_LAYER_ATTN) continue;
        size_t bytes = sizeof(float) * (size_t)rows * c->d_model;
        if (bytes) {
            memcpy(s->layers[i].at.k, q, bytes);
            memcpy(s->layers[i].at.v, q + bytes, bytes);
        }
        q += 2 * bytes;
    }
    s->rows = h.rows;
    return 0;
}
