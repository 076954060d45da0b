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

typedef struct RulerQaCache RulerQaCache; /* qa_1/qa_2's questions, read on first use (ruler_qa.c) */

struct NiahData {
    char *dir;          /* the data directory; NULL: built-in data */
    RulerQaCache *qa;   /* filled on a const NiahData (the first qa_1/qa_2 use; not thread-safe) */
    WordList adj, noun;
    WordList verb;      /* CWE only: absent when the data directory lacks NIAH_VERBS */
    char **cwe;         /* CWE's words: sorted(set(nouns + adjectives + verbs)) in RULER's
                         * random.Random(42).shuffle order (into the lists); NULL: cwe_err says why */
    size_t n_cwe;
    DataError cwe_err;
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

/* RULER's noise line (S-NIAH-1 and VT), without a "\n" */
extern const char niah_noise[];
/* k distinct integers in [0, n), in draw order (random.sample's result, our draws). */
void niah_draw_distinct(Rng *r, int k, uint64_t n, uint64_t *out);

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
