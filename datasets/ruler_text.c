/* The text builder and the output step shared by RULER's VT, FWE and CWE (ruler_impl.h). */
#include "ruler_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int str_room(Str *b, size_t n)
{
    if (b->bad) return -1;
    if (b->len + n + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->bad = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void str_add(Str *b, const char *s, size_t n)
{
    if (str_room(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void str_adds(Str *b, const char *s) { str_add(b, s, strlen(s)); }

void str_addf(Str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || str_room(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ruler_letters(Rng *r, char base, int k, char *out)
{
    for (int i = 0; i < k; i++) out[i] = (char)(base + (int)rng_below(r, 26));
    out[k] = '\0';
}

int ruler_finish(const char *task, Str *b, const char *const *answers, int n, int64_t target,
                 int max_new, TextSample *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    int ok = !b->bad && (out->answers = calloc((size_t)n, sizeof *out->answers)) != NULL;
    for (int i = 0; ok && i < n; i++) ok = (out->answers[out->n_answers++] = strdup(answers[i])) != NULL;
    if (!ok) {
        data_error(err, "%s: out of memory", task);
    } else if ((int64_t)b->len > target) {
        data_error(err, "%s: a %zu-byte prompt for target_len %" PRId64 " (a bug)", task, b->len, target);
        ok = 0;
    }
    if (!ok) {
        free(b->s);
        text_sample_free(out);
        return -1;
    }
    out->prompt = b->s;
    out->prompt_len = b->len;
    out->depth = -1;
    out->target_len = target;
    out->max_new = max_new;
    return 0;
}
