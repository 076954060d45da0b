/* One RULER NIAH sample (niah.h): keys, values and needles, RULER's template, the haystack sized
 * as RULER's generate_samples sizes it, and the prompt. */
#include "niah_impl.h"
#include "pyrandom.h"
#include "ruler_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- RULER's tasks (scripts/synthetic.yaml) ---------------------------------------------- */

const char niah_noise[] =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

/* round(linspace(0, 100, 40)): RULER's needle depths in percent */
static const int DEPTHS[40] = {0,  3,  5,  8,  10, 13, 15, 18, 21, 23, 26, 28, 31, 33,
                               36, 38, 41, 44, 46, 49, 51, 54, 56, 59, 62, 64, 67, 69,
                               72, 74, 77, 79, 82, 85, 87, 90, 92, 95, 97, 100};

typedef enum { HAY_NOISE, HAY_ESSAY, HAY_NEEDLE, HAY_OTHER } Haystack; /* HAY_OTHER: ruler_*.c */
typedef enum { KIND_WORD, KIND_NUMBER, KIND_UUID } Kind; /* RULER's words, numbers, uuids */

static const char *const KIND_NAME[] = {"word", "number", "uuid"}; /* without RULER's "s" */

static const struct {
    const char *name, *ruler;
    Haystack hay;
    Kind key, value;
    int nk, nv, nq; /* num_needle_k (already max(k, q) as RULER makes it), _v, _q */
    int generate;   /* RULER's tokens_to_generate (constants.py): what reserve = auto keeps */
} TASKS[NIAH_N_TASKS] = {
    [NIAH_S1] = {"s-niah-1", "niah_single_1", HAY_NOISE, KIND_WORD, KIND_NUMBER, 1, 1, 1, NIAH_MAX_NEW},
    [NIAH_S2] = {"s-niah-2", "niah_single_2", HAY_ESSAY, KIND_WORD, KIND_NUMBER, 1, 1, 1, NIAH_MAX_NEW},
    [NIAH_S3] = {"s-niah-3", "niah_single_3", HAY_ESSAY, KIND_WORD, KIND_UUID, 1, 1, 1, NIAH_MAX_NEW},
    [NIAH_MK1] = {"niah_multikey_1", "niah_multikey_1", HAY_ESSAY, KIND_WORD, KIND_NUMBER, 4, 1, 1, NIAH_MAX_NEW},
    [NIAH_MK2] = {"niah_multikey_2", "niah_multikey_2", HAY_NEEDLE, KIND_WORD, KIND_NUMBER, 1, 1, 1, NIAH_MAX_NEW},
    [NIAH_MK3] = {"niah_multikey_3", "niah_multikey_3", HAY_NEEDLE, KIND_UUID, KIND_UUID, 1, 1, 1, NIAH_MAX_NEW},
    [NIAH_MV] = {"niah_multivalue", "niah_multivalue", HAY_ESSAY, KIND_WORD, KIND_NUMBER, 1, 4, 1, NIAH_MAX_NEW},
    [NIAH_MQ] = {"niah_multiquery", "niah_multiquery", HAY_ESSAY, KIND_WORD, KIND_NUMBER, 4, 1, 4, NIAH_MAX_NEW},
    [NIAH_VT] = {"vt", "vt", HAY_OTHER, KIND_WORD, KIND_NUMBER, 0, 0, 0, 30},
    [NIAH_CWE] = {"cwe", "cwe", HAY_OTHER, KIND_WORD, KIND_WORD, 0, 0, 0, 120},
    [NIAH_FWE] = {"fwe", "fwe", HAY_OTHER, KIND_WORD, KIND_WORD, 0, 0, 0, 50},
    [NIAH_QA1] = {"qa_1", "qa_1", HAY_OTHER, KIND_WORD, KIND_WORD, 0, 0, 0, 32},
    [NIAH_QA2] = {"qa_2", "qa_2", HAY_OTHER, KIND_WORD, KIND_WORD, 0, 0, 0, 32},
};

enum { MAX_KEYS = 4, MAX_NEEDLES = 4 };
enum { NUMBER_LEN = 7, UUID_LEN = 36 };

int niah_ruler_reserve(NiahTask t) { return (unsigned)t < NIAH_N_TASKS ? TASKS[t].generate : NIAH_MAX_NEW; }

const char *niah_task_name(NiahTask t)
{
    return (unsigned)t < NIAH_N_TASKS ? TASKS[t].name : "unknown";
}

const char *niah_task_optional_file(NiahTask t)
{
    return t == NIAH_CWE ? NIAH_VERBS : t == NIAH_QA1 ? NIAH_SQUAD : t == NIAH_QA2 ? NIAH_HOTPOTQA : NULL;
}

int niah_task_parse(const char *name, NiahTask *out, DataError *err)
{
    for (int t = 0; t < NIAH_N_TASKS; t++)
        if (strcmp(name, TASKS[t].name) == 0 || strcmp(name, TASKS[t].ruler) == 0) {
            *out = (NiahTask)t;
            return 0;
        }
    data_error(err, "unknown NIAH task '%s' (expected s-niah-1..3 or RULER's niah_single_1..3, "
               "niah_multikey_1..3, niah_multivalue, niah_multiquery, vt, cwe, fwe, qa_1, qa_2)", name);
    return -1;
}

/* ---- draws ------------------------------------------------------------------------------- */

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* A number in [1000000, 9999999], a UUID v4 (lowercase 8-4-4-4-12) or an adjective-noun key. */
static char *draw_of(const NiahData *d, Kind kind, Rng *r)
{
    if (kind == KIND_NUMBER) return str_printf("%" PRIu64, 1000000 + rng_below(r, 9000000));
    if (kind == KIND_WORD) {
        uint64_t i = rng_below(r, (uint64_t)d->adj.n * d->noun.n);
        return str_printf("%s-%s", d->adj.w[i / d->noun.n], d->noun.w[i % d->noun.n]);
    }
    uint64_t hi = rng_u64(r), lo = rng_u64(r);
    hi = (hi & ~(uint64_t)0xf000) | 0x4000;                       /* version 4 */
    lo = (lo & ~((uint64_t)0xc000 << 48)) | (uint64_t)0x8000 << 48; /* variant 10xx */
    return str_printf("%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
                      hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                      lo & 0xffffffffffffu);
}

/* k distinct integers in [0, n), in draw order (random.sample's result, our draws). */
void niah_draw_distinct(Rng *r, int k, uint64_t n, uint64_t *out)
{
    for (int i = 0; i < k;) {
        uint64_t x = rng_below(r, n);
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= out[j] == x;
        if (!seen) out[i++] = x;
    }
}

/* ---- the sample -------------------------------------------------------------------------- */

typedef struct {
    int m; /* needles */
    char *head, *tail, *needle[MAX_NEEDLES], *answer[MAX_NEEDLES];
    size_t head_len, tail_len, needles_len;
    int n_answers;
    double depth[MAX_NEEDLES]; /* essay: ascending; noise/needle: depth[0] (< 0: drawn) */
    Rng pos;                   /* noise/needle: draws the needle's line when depth[0] < 0 */
    char **line;               /* needle haystack: the distractor lines, */
    uint64_t *line_end;        /* line_end[i] = bytes of lines 0..i-1, each with its "\n" */
    uint64_t n_lines;
} Sample;

static void sample_free(Sample *s)
{
    free(s->head);
    free(s->tail);
    for (int i = 0; i < MAX_NEEDLES; i++) {
        free(s->needle[i]);
        free(s->answer[i]);
    }
    for (uint64_t i = 0; s->line && i < s->n_lines; i++) free(s->line[i]);
    free(s->line);
    free(s->line_end);
    memset(s, 0, sizeof *s);
}

static char *needle_text(Kind value, const char *key, const char *v)
{
    return str_printf("One of the special magic %ss for %s is: %s.", KIND_NAME[value], key, v);
}

/* "a", or "a, b, c, and d" as RULER joins the queried keys */
static char *query_text(char *const *q, int n)
{
    size_t len = 6;
    for (int i = 0; i < n; i++) len += strlen(q[i]) + 2;
    char *s = malloc(len);
    if (!s) return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i > 0) strcat(s, i + 1 < n ? ", " : ", and ");
        strcat(s, q[i]);
    }
    return s;
}

/* RULER's template and answer prefix (base model), with its single-answer rewrites. */
static int make_template(NiahTask task, const char *query, Sample *s)
{
    const char *t = KIND_NAME[TASKS[task].value];
    if (TASKS[task].nq * TASKS[task].nv == 1) {
        s->head = str_printf("A special magic %s is hidden within the following text. Make sure "
                             "to memorize it. I will quiz you about the %s afterwards.\n", t, t);
        s->tail = str_printf("\nWhat is the special magic %s for %s mentioned in the provided "
                             "text? The special magic %s for %s mentioned in the provided text "
                             "is", t, query, t, query);
    } else {
        s->head = str_printf("Some special magic %ss are hidden within the following text. Make "
                             "sure to memorize it. I will quiz you about the %ss afterwards.\n",
                             t, t);
        s->tail = str_printf("\nWhat are all the special magic %ss for %s mentioned in the "
                             "provided text? The special magic %ss for %s mentioned in the "
                             "provided text are", t, query, t, query);
    }
    if (!s->head || !s->tail) return -1;
    s->head_len = strlen(s->head);
    s->tail_len = strlen(s->tail);
    return 0;
}

/* Needles (key-major, then RULER's fixed-seed shuffle), template and answers from the keys,
 * the values [nk * nv] and the queried key indices; takes the values. 0, or -1 (memory). */
static int sample_fill(NiahTask task, char **keys, char **values, const uint64_t *qi, Sample *s)
{
    int nk = TASKS[task].nk, nv = TASKS[task].nv, nq = TASKS[task].nq;
    s->m = nk * nv;
    for (int i = 0; i < s->m; i++)
        if (!(s->needle[i] = needle_text(TASKS[task].value, keys[i / nv], values[i]))) return -1;
    pyrandom_shuffle(RULER_SEED, s->needle, (size_t)s->m, sizeof *s->needle);
    for (int i = 0; i < s->m; i++) s->needles_len += strlen(s->needle[i]);
    char *q[MAX_KEYS];
    for (int i = 0; i < nq; i++) {
        q[i] = keys[qi[i]];
        for (int j = 0; j < nv; j++) {
            s->answer[s->n_answers++] = values[qi[i] * nv + j];
            values[qi[i] * nv + j] = NULL;
        }
    }
    char *query = query_text(q, nq);
    int rc = query ? make_template(task, query, s) : -1;
    free(query);
    return rc;
}

/* ---- haystacks --------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The needles' depths: asked (one needle), else RULER's random.sample(DEPTHS, m), ascending. */
static void set_depths(NiahTask task, double asked, uint64_t seed, uint64_t unit, Sample *s)
{
    rng_init(&s->pos, seed, NIAH_STREAM_DEPTH, unit);
    s->depth[0] = asked;
    if (asked >= 0 || TASKS[task].hay != HAY_ESSAY) return;
    uint64_t at[MAX_NEEDLES];
    niah_draw_distinct(&s->pos, s->m, 40, at);
    for (int i = 0; i < s->m; i++) s->depth[i] = DEPTHS[at[i]] / 100.0;
    qsort(s->depth, (size_t)s->m, sizeof *s->depth, cmp_double);
}

/* One distractor line of a needle haystack (multikey_2/3): a needle of a random key and value. */
static char *needle_line(const NiahData *d, NiahTask task, Rng *r)
{
    char *k = draw_of(d, TASKS[task].key, r), *v = draw_of(d, TASKS[task].value, r);
    char *line = k && v ? needle_text(TASKS[task].value, k, v) : NULL;
    free(k);
    free(v);
    return line;
}

/* Distractor lines until they alone pass budget bytes. 0, or -1 (memory). */
static int make_lines(const NiahData *d, NiahTask task, uint64_t seed, uint64_t unit,
                      uint64_t budget, Sample *s)
{
    Rng r;
    rng_init(&r, seed, NIAH_STREAM_HAY, unit);
    uint64_t cap = 0;
    if (!(s->line_end = calloc(1, sizeof *s->line_end))) return -1;
    while (s->line_end[s->n_lines] <= budget) {
        if (s->n_lines + 1 >= cap) {
            cap = cap ? 2 * cap : 256;
            char **l = realloc(s->line, cap * sizeof *l);
            if (l) s->line = l;
            uint64_t *e = realloc(s->line_end, (cap + 1) * sizeof *e);
            if (e) s->line_end = e;
            if (!l || !e) return -1;
        }
        char *line = needle_line(d, task, &r);
        if (!line) return -1;
        s->line[s->n_lines] = line;
        s->line_end[s->n_lines + 1] = s->line_end[s->n_lines] + strlen(line) + 1;
        s->n_lines++;
    }
    return 0;
}

/* RULER's insertion index int(S * (percent / 100)); depth = percent / 100. */
static uint64_t insert_index(uint64_t s, double depth) { return (uint64_t)((double)s * depth); }

/* Bytes of the essay context for n words: the sentence pieces and needles joined by spaces (an
 * empty piece still gets its space): every sentence joined, less the one space at each distinct
 * cut inside, plus two spaces a needle. */
static uint64_t essay_context_bytes(const NiahData *d, const Sample *s, uint64_t n)
{
    uint64_t S = niah_essay_sentences(d, n), cuts = 0, prev = 0;
    for (int i = 0; i < s->m; i++) {
        uint64_t k = insert_index(S, s->depth[i]);
        cuts += k > 0 && k < S && (i == 0 || k != prev);
        prev = k;
    }
    return niah_joined_bytes(d, n) - cuts + 2 * (uint64_t)s->m;
}

/* Prompt bytes with n haystack units (essay words, noise or distractor lines); noise and
 * distractor haystacks hold one needle (RULER's tasks). */
static uint64_t prompt_bytes(const NiahData *d, NiahTask task, const Sample *s, uint64_t n)
{
    uint64_t fixed = s->head_len + s->tail_len + s->needles_len;
    switch (TASKS[task].hay) {
    case HAY_ESSAY: return fixed + essay_context_bytes(d, s, n);
    case HAY_NOISE: return fixed + n * sizeof niah_noise; /* each line and its "\n" */
    default: return fixed + s->line_end[n];
    }
}

/* The largest n >= lo whose prompt fits budget (the length grows with n); 0 if none. */
static uint64_t largest_fit(const NiahData *d, NiahTask task, const Sample *s, uint64_t budget,
                            uint64_t lo)
{
    uint64_t hi = budget; /* every unit takes a byte or more */
    if (TASKS[task].hay == HAY_NEEDLE && s->n_lines < hi) hi = s->n_lines;
    if (lo > hi || prompt_bytes(d, task, s, lo) > budget) return 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (prompt_bytes(d, task, s, mid) <= budget) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

static char *put(char *dst, const char *s, size_t n)
{
    memcpy(dst, s, n);
    return dst + n;
}

/* Sentences [a, b) of the first n words (S sentences, text bytes), joined by spaces. */
static char *copy_sentences(char *o, const NiahData *d, uint64_t a, uint64_t b, uint64_t S,
                            uint64_t text)
{
    uint64_t from = 0, to = text, x;
    if (a == b) return o;
    if (a > 0) niah_boundary(d, a, &x, &from);
    if (b < S) niah_boundary(d, b, &to, &x);
    return niah_copy_joined(o, d, from, to);
}

static char *essay_prompt(const NiahData *d, NiahTask task, const Sample *s, uint64_t n,
                          size_t *len)
{
    uint64_t S = niah_essay_sentences(d, n), text = niah_essay_bytes(d, n), prev = 0;
    /* prompt_bytes is the size the sizing search uses; room for a space more around each needle
     * keeps an edge it miscounts (needles at the same or an end boundary) inside the buffer, and
     * *len is what was written */
    size_t cap = prompt_bytes(d, task, s, n) + 2 * (size_t)s->m + 2;
    char *out = malloc(cap + 1), *o = out;
    if (!out) return NULL;
    o = put(o, s->head, s->head_len);
    for (int i = 0; i <= s->m; i++) {
        uint64_t k = i < s->m ? insert_index(S, s->depth[i]) : S;
        o = copy_sentences(o, d, prev, k, S, text);
        if (i < s->m) {
            o = put(o, " ", 1);
            o = put(o, s->needle[i], strlen(s->needle[i]));
            o = put(o, " ", 1);
        }
        prev = k;
    }
    o = put(o, s->tail, s->tail_len);
    *o = '\0';
    *len = (size_t)(o - out);
    return out;
}

/* n noise or distractor lines with the needle line before line k, joined by "\n". */
static char *line_prompt(const NiahData *d, NiahTask task, const Sample *s, uint64_t n,
                         uint64_t k, size_t *len)
{
    *len = prompt_bytes(d, task, s, n);
    char *out = malloc(*len + 1), *o = out;
    if (!out) return NULL;
    o = put(o, s->head, s->head_len);
    for (uint64_t i = 0; i < n; i++) {
        const char *line = TASKS[task].hay == HAY_NOISE ? niah_noise : s->line[i];
        if (i == k) {
            o = put(o, s->needle[0], strlen(s->needle[0]));
            o = put(o, "\n", 1);
        }
        o = put(o, line, strlen(line));
        if (i + 1 < n || k == n) o = put(o, "\n", 1);
    }
    if (k == n) o = put(o, s->needle[0], strlen(s->needle[0]));
    o = put(o, s->tail, s->tail_len);
    *o = '\0';
    return out;
}

/* ---- sizing ------------------------------------------------------------------------------ */

/* RULER's haystack step: the search's least size and the step down for a sample too long;
 * length is RULER's max_seq_length (the prompt bound plus the reserve, niah_make_reserved) */
static uint64_t size_step(NiahTask task, int64_t length)
{
    return TASKS[task].hay == HAY_ESSAY ? 500 : length < 4096 ? 5 : 25;
}

/* Draws the sample of (seed, unit): keys, values, queries, depths, distractor lines. */
static int sample_draw(const NiahData *d, NiahTask task, double asked, uint64_t seed,
                       uint64_t unit, uint64_t budget, Sample *s)
{
    int nk = TASKS[task].nk, nv = TASKS[task].nv, rc = -1;
    char *keys[MAX_KEYS] = {0}, *values[MAX_NEEDLES] = {0};
    uint64_t qi[MAX_KEYS];
    Rng rk, rv, rq;
    rng_init(&rk, seed, NIAH_STREAM_KEY, unit);
    rng_init(&rv, seed, NIAH_STREAM_VALUE, unit);
    rng_init(&rq, seed, NIAH_STREAM_QUERY, unit);
    for (int i = 0; i < nk; i++) keys[i] = draw_of(d, TASKS[task].key, &rk);
    for (int i = 0; i < nk * nv; i++) values[i] = draw_of(d, TASKS[task].value, &rv);
    niah_draw_distinct(&rq, TASKS[task].nq, (uint64_t)nk, qi);
    int ok = 1;
    for (int i = 0; i < nk * nv; i++) ok &= keys[i / nv] && values[i];
    if (ok && sample_fill(task, keys, values, qi, s) == 0 &&
        (TASKS[task].hay != HAY_NEEDLE || make_lines(d, task, seed, unit, budget, s) == 0)) {
        set_depths(task, asked, seed, unit, s);
        rc = 0;
    }
    for (int i = 0; i < MAX_KEYS; i++) free(keys[i]);
    for (int i = 0; i < MAX_NEEDLES; i++) free(values[i]);
    return rc;
}

/* The haystack size for this length, found once as RULER does: the largest that fits the probe
 * sample (unit 0 of this seed), at least one step; where RULER never finishes (a step does not
 * fit) the largest that fits. 0 when none fits; -1 with err (memory). */
static int probe_size(const NiahData *d, NiahTask task, int64_t target, int64_t length, double asked,
                      uint64_t seed, uint64_t *n, DataError *err)
{
    Sample p = {0};
    if (sample_draw(d, task, asked, seed, 0, (uint64_t)target, &p)) {
        sample_free(&p);
        data_error(err, "out of memory");
        return -1;
    }
    *n = largest_fit(d, task, &p, (uint64_t)target, size_step(task, length));
    if (*n == 0) *n = largest_fit(d, task, &p, (uint64_t)target, 1);
    sample_free(&p);
    return 0;
}

/* The sample's size: the probe's, stepped down while the prompt is too long (RULER's loop). */
static uint64_t sample_size(const NiahData *d, NiahTask task, const Sample *s, uint64_t budget,
                            uint64_t n, uint64_t step)
{
    if (TASKS[task].hay == HAY_NEEDLE && n > s->n_lines) n = s->n_lines;
    while (prompt_bytes(d, task, s, n) > budget && n > step) n -= step;
    if (prompt_bytes(d, task, s, n) > budget) n = largest_fit(d, task, s, budget, 1);
    return n;
}

static int make_prompt(const NiahData *d, NiahTask task, Sample *s, int64_t target, int64_t length,
                       double asked, uint64_t seed, TextSample *out, DataError *err)
{
    uint64_t budget = (uint64_t)target, n;
    if (probe_size(d, task, target, length, asked, seed, &n, err)) return -1;
    n = sample_size(d, task, s, budget, n, size_step(task, length));
    if (n == 0) {
        data_error(err, "target_len %" PRId64 " is too short: this sample needs %" PRIu64,
                   target, prompt_bytes(d, task, s, 1));
        return -1;
    }
    out->depth = s->m == 1 ? s->depth[0] : -1;
    if (TASKS[task].hay == HAY_ESSAY) {
        out->prompt = essay_prompt(d, task, s, n, &out->prompt_len);
    } else {
        uint64_t k = s->depth[0] < 0 ? rng_below(&s->pos, n) : insert_index(n, s->depth[0]);
        if (s->depth[0] < 0) out->depth = (double)k / (double)n;
        out->prompt = line_prompt(d, task, s, n, k, &out->prompt_len);
    }
    if (!out->prompt) data_error(err, "out of memory");
    return out->prompt ? 0 : -1;
}

/* ---- the API ----------------------------------------------------------------------------- */

/* The essay tasks need the essays; a set depth needs one needle. 0, or -1 with err. */
static int check_task(const NiahData *d, NiahTask task, double depth, DataError *err)
{
    if ((unsigned)task >= NIAH_N_TASKS) {
        data_error(err, "unknown NIAH task %d", (int)task);
        return -1;
    }
    const char *name = TASKS[task].name;
    if (!(depth <= 1)) { /* also NaN */
        data_error(err, "%s: depth %g is not in [0, 1] (or < 0 for RULER's draw)", name, depth);
        return -1;
    }
    if (depth >= 0 && TASKS[task].hay == HAY_OTHER) {
        data_error(err, "%s: a set depth is for the one-needle NIAH tasks", name);
        return -1;
    }
    if (depth >= 0 && TASKS[task].nk * TASKS[task].nv > 1) {
        data_error(err, "%s: a set depth needs one needle (RULER draws the depths of %d)", name,
                   TASKS[task].nk * TASKS[task].nv);
        return -1;
    }
    if (TASKS[task].hay == HAY_ESSAY && !d->essay) {
        data_error(err, "%s needs the essay haystack: load a data directory with %s", name,
                   NIAH_ESSAYS);
        return -1;
    }
    return 0;
}

static size_t longest_word(const WordList *l)
{
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++) m = strlen(l->w[i]) > m ? strlen(l->w[i]) : m;
    return m;
}

static char *filler(size_t n, char c)
{
    char *s = malloc(n + 1);
    if (s) {
        memset(s, c, n);
        s[n] = '\0';
    }
    return s;
}

static size_t kind_len(const NiahData *d, Kind k)
{
    if (k == KIND_NUMBER) return NUMBER_LEN;
    return k == KIND_UUID ? UUID_LEN : longest_word(&d->adj) + 1 + longest_word(&d->noun);
}

int64_t niah_min_length(const NiahData *d, NiahTask task, DataError *err)
{
    if (check_task(d, task, -1, err)) return -1;
    if (task == NIAH_VT) return ruler_vt_min_length();
    if (task == NIAH_FWE) return ruler_fwe_min_length();
    if (task == NIAH_CWE) return ruler_cwe_min_length(d, err);
    if (task == NIAH_QA1 || task == NIAH_QA2) return ruler_qa_min_length(d, task == NIAH_QA2, err);
    /* the needles, the question and a distractor grow with the keys and values: the longest */
    int nk = TASKS[task].nk, nv = TASKS[task].nv;
    char *keys[MAX_KEYS] = {0}, *values[MAX_NEEDLES] = {0};
    uint64_t qi[MAX_KEYS] = {0, 1, 2, 3};
    Sample s = {0};
    int64_t need = -1;
    int ok = 1;
    for (int i = 0; i < nk * nv; i++) {
        if (i < nk) ok &= (keys[i] = filler(kind_len(d, TASKS[task].key), 'k')) != NULL;
        ok &= (values[i] = filler(kind_len(d, TASKS[task].value), 'v')) != NULL;
    }
    if (ok && sample_fill(task, keys, values, qi, &s) == 0) {
        /* the least haystack: one noise line, essay word or longest distractor line */
        uint64_t one[2] = {0, s.needles_len / (uint64_t)s.m + 1};
        s.line_end = one;
        need = (int64_t)prompt_bytes(d, task, &s, 1);
        s.line_end = NULL;
    } else {
        data_error(err, "out of memory");
    }
    sample_free(&s);
    for (int i = 0; i < MAX_KEYS; i++) free(keys[i]);
    for (int i = 0; i < MAX_NEEDLES; i++) free(values[i]);
    return need;
}

int niah_make(const NiahData *d, NiahTask task, int64_t target_len, double depth, uint64_t seed,
              uint64_t unit, TextSample *out, DataError *err)
{
    return niah_make_at(d, task, target_len, depth, seed, unit, unit, out, err);
}

int niah_make_at(const NiahData *d, NiahTask task, int64_t target_len, double depth, uint64_t seed,
                 uint64_t pick, uint64_t unit, TextSample *out, DataError *err)
{
    return niah_make_reserved(d, task, target_len, 0, depth, seed, pick, unit, out, err);
}

/* The prompt bound of length less reserve (auto: RULER's); 0 with err when none is left. */
static int64_t prompt_bound(NiahTask task, int64_t length, int64_t *reserve, DataError *err)
{
    const char *name = TASKS[task].name;
    if (*reserve == NIAH_RESERVE_AUTO) *reserve = TASKS[task].generate;
    if (*reserve < 0) data_error(err, "%s: reserve %" PRId64 " is negative", name, *reserve);
    else if (*reserve == 0 && length <= 0) data_error(err, "%s: target_len %" PRId64 " must be positive", name, length);
    else if (*reserve >= length) data_error(err, "%s: length %" PRId64 " less reserve %" PRId64 " leaves no prompt", name, length, *reserve);
    else return length - *reserve;
    return 0;
    return length - *reserve;
}

int niah_make_reserved(const NiahData *d, NiahTask task, int64_t length, int64_t reserve, double depth,
                       uint64_t seed, uint64_t pick, uint64_t unit, TextSample *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    if (check_task(d, task, depth, err)) return -1;
    const char *name = TASKS[task].name;
    int64_t target_len = prompt_bound(task, length, &reserve, err);
    if (target_len == 0) return -1;
    if (task == NIAH_VT) return ruler_vt_make(target_len, seed, unit, out, err);
    if (task == NIAH_FWE) return ruler_fwe_make(target_len, seed, unit, out, err);
    if (task == NIAH_CWE) return ruler_cwe_make(d, target_len, seed, unit, out, err);
    if (task == NIAH_QA1 || task == NIAH_QA2)
        return ruler_qa_make(d, task == NIAH_QA2, target_len, seed, pick, unit, out, err);
    Sample s = {0};
    int rc = -1;
    if (sample_draw(d, task, depth, seed, unit, (uint64_t)target_len, &s) ||
        !(out->answers = calloc(MAX_NEEDLES, sizeof *out->answers))) {
        data_error(err, "out of memory");
    } else if (make_prompt(d, task, &s, target_len, length, depth, seed, out, err)) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        data_error(err, "%s: %s", name, msg);
    } else {
        for (int i = 0; i < s.n_answers; i++) {
            out->answers[i] = s.answer[i];
            s.answer[i] = NULL;
        }
        out->n_answers = s.n_answers;
        out->target_len = target_len;
        out->max_new = NIAH_MAX_NEW;
        rc = 0;
    }
    sample_free(&s);
    if (rc) text_sample_free(out);
    return rc;
}
