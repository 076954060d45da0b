/* NLTK's Punkt sentence splitter with a trained model, as RULER calls it: sent_tokenize(text)
 * = PunktSentenceTokenizer.span_tokenize(text) with realign_boundaries (NLTK 3.8 / 3.9 code,
 * nltk/tokenize/punkt.py). Used for RULER's essay haystack (niah.c).
 *
 * Exactly Punkt: its word tokenizer, the period contexts it tests, both annotation passes
 * (abbreviations, ellipses, collocations, the orthographic and sentence-starter heuristics,
 * initials and numbers) and the realignment of closing quotes and brackets.
 * What it does not do: Unicode case and letter classes. Letters, case and whitespace are ASCII;
 * any other character is a non-space without case (Python would lowercase and class it). The
 * essays' only non-ASCII characters (U+2014, U+0092, U+0097; U+00A0 is collapsed to a space
 * first) have no case and are no letters, so on them this is Punkt byte for byte. */
#ifndef TITANS_DATASETS_PUNKT_H
#define TITANS_DATASETS_PUNKT_H

#include <stddef.h>

typedef struct {
    const char *type;
    unsigned char flags; /* Punkt's _ORTHO_* bits */
} PunktOrtho;

/* A trained model's tables, each sorted by strcmp. */
typedef struct {
    const char *const *abbrev; /* abbreviation types, without the final period */
    size_t n_abbrev;
    const char *const *colloc; /* "first second" type pairs */
    size_t n_colloc;
    const char *const *starters; /* frequent sentence starters */
    size_t n_starters;
    const PunktOrtho *ortho; /* the orthographic context of each type seen in training */
    size_t n_ortho;
} PunktParams;

extern const PunktParams punkt_english; /* punkt_english.c, NLTK's English model */

typedef struct {
    size_t start, end; /* text[start, end) */
} PunktSpan;

/* The sentences of text[0, len) as span_tokenize(text) yields them. 0 with *spans (free it) and
 * *n; -1 when out of memory. */
int punkt_spans(const PunktParams *p, const char *text, size_t len, PunktSpan **spans, size_t *n);

#endif
