/* Inside datasets/niah*.c: the loaded data and the essay haystack's geometry (niah_essay.c). */
#ifndef TITANS_DATASETS_NIAH_IMPL_H
#define TITANS_DATASETS_NIAH_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "niah.h"
#include "punkt.h"

typedef struct {
    char *buf; /* the words, each NUL-terminated */
    char **w;  /* into buf: sorted, distinct */
    size_t n;
} WordList;

struct NiahData {
    WordList adj, noun;
    char *essay;      /* one pass of the corpus: words joined by single spaces; NULL if none */
    size_t essay_len; /* bytes, without the NUL */
    size_t n_words;
    size_t *word_off; /* [n_words + 1] byte offset of word i; word_off[n_words] = essay_len + 1 */
    /* Punkt's sentence boundaries in one pass of the repeated corpus (every pass has the same):
     * a sentence ends at bnd[i].start, the next starts at bnd[i].end; sorted */
    PunktSpan *bnd;
    size_t n_bnd;
    int64_t *grow; /* [n_bnd + 1] bytes RULER's join adds at boundaries 0..i-1 (a gap -> " ") */
};

/* Bytes of the first n >= 1 words of the repeated corpus, joined by spaces. */
uint64_t niah_essay_bytes(const NiahData *d, uint64_t n);
/* Sentences (Punkt) in the first n >= 1 words. */
uint64_t niah_essay_sentences(const NiahData *d, uint64_t n);
/* Bytes of the first n words' sentences joined by single spaces. */
uint64_t niah_joined_bytes(const NiahData *d, uint64_t n);
/* Boundary k (1 <= k < S) of the repeated corpus: where sentence k ends and k + 1 starts. */
void niah_boundary(const NiahData *d, uint64_t k, uint64_t *end, uint64_t *next);
/* Bytes [from, to) of the repeated corpus as RULER's sentences joined by " "; returns the end. */
char *niah_copy_joined(char *dst, const NiahData *d, uint64_t from, uint64_t to);

#endif
