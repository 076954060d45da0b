#include "common.h"

#include "input_file.h"

#include <Random123/philox.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
