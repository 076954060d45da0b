/* Inside datasets/ruler_*.c: RULER's VT, FWE, CWE and QA tasks (niah.h says what is RULER's) and the
 * text builder they share. niah_sample.c dispatches niah_make / niah_min_length to them. */
#ifndef TITANS_DATASETS_RULER_IMPL_H
#define TITANS_DATASETS_RULER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "niah_impl.h"

/* A growing text; bad is set (and the text kept) when memory runs out. */
typedef struct {
    char *s;
    size_t len, cap;
    int bad;
} Str;

void str_add(Str *b, const char *s, size_t n);
void str_adds(Str *b, const char *s);
void str_addf(Str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* k random letters from base ('A' or 'a') into out[0..k), NUL-terminated: random.choices. */
void ruler_letters(Rng *r, char base, int k, char *out);

/* Fills out (prompt taken from b, answers copied, depth -1); the prompt must fit target. 0, or
 * -1 with err (memory, or a prompt longer than target: a bug). */
int ruler_finish(const char *task, Str *b, const char *const *answers, int n, int64_t target,
                 int max_new, TextSample *out, DataError *err);

/* Each task: one sample whose prompt is at most target_len bytes, and the least target_len at
 * which every sample fits. */
int ruler_vt_make(int64_t target_len, uint64_t seed, uint64_t unit, TextSample *out, DataError *err);
int64_t ruler_vt_min_length(void);
int ruler_fwe_make(int64_t target_len, uint64_t seed, uint64_t unit, TextSample *out, DataError *err);
int64_t ruler_fwe_min_length(void);
int ruler_cwe_make(const NiahData *d, int64_t target_len, uint64_t seed, uint64_t unit,
                   TextSample *out, DataError *err);
int64_t ruler_cwe_min_length(const NiahData *d, DataError *err);
/* qa_1 (hotpot 0, SQuAD) and qa_2 (hotpot 1, HotpotQA): pick chooses the question (RULER's
 * sample index), unit the draws. */
int ruler_qa_make(const NiahData *d, int hotpot, int64_t target_len, uint64_t seed, uint64_t pick,
                  uint64_t unit, TextSample *out, DataError *err);
int64_t ruler_qa_min_length(const NiahData *d, int hotpot, DataError *err);
int ruler_qa_cache_new(RulerQaCache **out); /* -1: memory */
void ruler_qa_cache_free(RulerQaCache *c);

#endif
