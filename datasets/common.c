#include "common.h"

#include "input_file.h"

#include <Random123/philox.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

void data_error(DataError *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

char *data_read_file(const char *path, size_t *len, DataError *err)
{
    char *buf = input_read(path, DATA_MAX_FILE_BYTES, "an input file read whole", len, err->msg, sizeof err->msg);
    if (buf) data_note_input(path, buf, *len);
    return buf;
}

static DataInputHook input_hook;

void data_set_input_hook(DataInputHook hook) { input_hook = hook; }

void data_note_input(const char *path, const void *bytes, size_t len)
{
    if (input_hook) input_hook(path, bytes, len);
}

int data_check_text(const char *path, const char *buf, size_t len, DataError *err)
{
    const char *nul = memchr(buf, '\0', len);
    if (!nul) return 0;
    long long line = 1;
    const char *start = buf;
    for (const char *p = buf; p < nul; p++)
        if (*p == '\n') line++, start = p + 1;
    data_error(err, "%s:%lld: NUL byte at byte %lld of the line (not a text file, or a corrupt copy)",
               path, line, (long long)(nul - start) + 1);
    return -1;
}

void rng_init(Rng *r, uint64_t seed, uint64_t stream, uint64_t unit)
{
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->stream = stream;
    r->unit = unit;
}

static void refill(Rng *r)
{
    /* key = seed; counter = (unit lo, unit hi, draw lo, draw hi 16 bits | stream << 16) */
    philox4x32_key_t k = {{(uint32_t)r->seed, (uint32_t)(r->seed >> 32)}};
    philox4x32_ctr_t c = {{(uint32_t)r->unit, (uint32_t)(r->unit >> 32), (uint32_t)r->draw,
                           (uint32_t)((r->draw >> 32) & 0xffffu) | (uint32_t)(r->stream << 16)}};
    philox4x32_ctr_t out = philox4x32(c, k);
    memcpy(r->buf, out.v, sizeof r->buf);
    r->left = 4;
    r->draw++;
}

uint32_t rng_u32(Rng *r)
{
    if (r->left == 0) refill(r);
    return r->buf[4 - r->left--];
}

uint64_t rng_u64(Rng *r)
{
    uint64_t hi = rng_u32(r);
    return hi << 32 | rng_u32(r);
}

uint64_t rng_below(Rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* reject the biased tail */
    uint64_t x;
    do x = rng_u64(r);
    while (x >= limit);
    return x % n;
}

double rng_uniform(Rng *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

void rng_shuffle(Rng *r, void *items, size_t n, size_t size)
{
    unsigned char *a = items;
    for (size_t i = n > 1 ? n - 1 : 0; i > 0; i--) {
        size_t j = (size_t)rng_below(r, i + 1);
        for (size_t b = 0; b < size; b++) {
            unsigned char t = a[i * size + b];
            a[i * size + b] = a[j * size + b];
            a[j * size + b] = t;
        }
    }
}

void text_sample_free(TextSample *s)
{
    if (!s) return;
    free(s->prompt);
    for (int i = 0; i < s->n_answers; i++) free(s->answers[i]);
    free(s->answers);
    memset(s, 0, sizeof *s);
}

size_t data_chomp(const char *s, size_t len)
{
    if (len && s[len - 1] == '\n') len--;
    if (len && s[len - 1] == '\r') len--;
    return len;
}

/* data_lower's output: buf (the caller's) until it no longer fits, then malloc'ed; w bytes used. */
typedef struct {
    char *out;
    const char *buf;
    size_t cap, w;
} Lowered;

static int lower_reserve(Lowered *b, size_t need)
{
    if (need <= b->cap) return 0;
    size_t cap = b->cap * 2 > need ? b->cap * 2 : need + 64;
    char *p = b->out == b->buf ? malloc(cap) : realloc(b->out, cap);
    if (!p) return -1;
    if (b->out == b->buf && b->w) memcpy(p, b->buf, b->w);
    b->out = p;
    b->cap = cap;
    return 0;
}

static int lower_put(Lowered *b, const void *s, size_t n)
{
    if (lower_reserve(b, b->w + n + 1)) return -1;
    memcpy(b->out + b->w, s, n);
    b->w += n;
    return 0;
}

/* u8_tolower of the valid UTF-8 s[0..n), which holds no capital sigma (the one character whose
 * lowercase depends on its context when no language is given). */
static int lower_plain(Lowered *b, const uint8_t *s, size_t n)
{
    if (!n) return 0;
    size_t got = b->out ? b->cap - b->w : 0;
    uint8_t *r = u8_tolower(s, n, NULL, NULL, b->out ? (uint8_t *)b->out + b->w : NULL, &got);
    if (!r) return -1;
    if (b->out && r == (uint8_t *)b->out + b->w) {
        b->w += got;
        return 0;
    }
    int rc = lower_put(b, r, got); /* it did not fit: r is malloc'ed */
    free(r);
    return rc;
}

/* Is the capital sigma at u[p..p+2) of the valid UTF-8 u[0..n) in the Final_Sigma context, as
 * Python decides it (unicodeobject.c, handle_capital_sigma): a cased character before it past
 * case-ignorable ones, and no cased one after it past case-ignorable ones? Cased and
 * Case_Ignorable are Unicode's properties (libunistring's uc_is_property_*). u8_tolower decides
 * with its own case-ignorable set, which leaves out the apostrophe and every character that is
 * also cased (modifier letters, U+0345): "Α'Σ" would lower to "α'σ", Python's is "α'ς". Each
 * scan stops at a sigma (cased), so the scans of a text take linear time. */
static int final_sigma(const uint8_t *u, size_t n, size_t p)
{
    ucs4_t c = 0;
    const uint8_t *q = u + p;
    while ((q = u8_prev(&c, q, u)) && uc_is_property_case_ignorable(c)) {
    }
    if (!q || !uc_is_property_cased(c)) return 0;
    for (size_t i = p + 2; i < n;) {
        i += (size_t)u8_mbtouc(&c, u + i, n - i);
        if (!uc_is_property_case_ignorable(c)) return !uc_is_property_cased(c);
    }
    return 1;
}

/* Python's lower() of the valid UTF-8 u[0..n): u8_tolower between capital sigmas (in valid UTF-8
 * the bytes CE A3 are always U+03A3), each sigma by final_sigma. */
static int lower_valid(Lowered *b, const uint8_t *u, size_t n)
{
    size_t seg = 0;
    for (const uint8_t *p = u; (p = memchr(p, 0xce, n - (size_t)(p - u)));) {
        size_t at = (size_t)(p - u);
        if (at + 1 >= n || u[at + 1] != 0xa3) {
            p++;
            continue;
        }
        if (lower_plain(b, u + seg, at - seg) || lower_put(b, final_sigma(u, n, at) ? "\xcf\x82" : "\xcf\x83", 2))
            return -1;
        seg = at + 2;
        p = u + seg;
    }
    return lower_plain(b, u + seg, n - seg);
}

char *data_lowered(const char *s, size_t n, char *buf)
{
    size_t len;
    char *t = data_lower(s, n, buf, DATA_LOWER_BUF, &len);
    if (!t) abort();
    return t;
}

void data_lower_free(char *t, const char *buf)
{
    if (t != buf) free(t);
}

char *data_lower(const char *s, size_t n, char *buf, size_t cap, size_t *len)
{
    const uint8_t *u = (const uint8_t *)s;
    Lowered b = {buf, buf, buf ? cap : 0, 0};
    for (size_t i = 0; i < n;) {
        const uint8_t *bad = u8_check(u + i, n - i);
        size_t run = bad ? (size_t)(bad - (u + i)) : n - i;
        if (lower_valid(&b, u + i, run)) goto oom;
        i += run;
        /* a byte that starts no valid UTF-8 sequence where it stands: as it is */
        if (bad && lower_put(&b, s + i++, 1)) goto oom;
    }
    if (lower_reserve(&b, b.w + 1)) goto oom;
    b.out[b.w] = 0;
    *len = b.w;
    return b.out;
oom:
    if (b.out != buf) free(b.out);
    return NULL;
}
