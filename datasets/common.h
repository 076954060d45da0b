/* Shared by the dataset modules: the error type and the counter-based random numbers.
 *
 * Every sample is generated from (seed, stream, unit): the RNG is Philox4x32-10 (Random123), a
 * pure function of its key and counter, so a unit's sample is the same whichever rank makes it
 * and however many ranks there are. Nothing here does I/O. */
#ifndef TITANS_DATASETS_COMMON_H
#define TITANS_DATASETS_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Errors name the file and the field or line: "path:line: problem". */
typedef struct {
    char msg[1024];
} DataError;

void data_error(DataError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What data_read_file reads at most: suites, CSVs, haystacks, indexes (the largest is a few MB). */
#define DATA_MAX_FILE_BYTES ((size_t)1 << 30)

/* Reads a whole regular file of at most DATA_MAX_FILE_BYTES into a malloc'ed, NUL-terminated
 * buffer; *len = its size. NULL with "<path>: not a regular file (a FIFO)", too large, etc. */
char *data_read_file(const char *path, size_t *len, DataError *err);

/* Every input file's bytes, once read by this library, are shown to the hook (NULL: none): the
 * harness hashes them into its resume identity. This library hashes nothing itself. */
typedef void (*DataInputHook)(const char *path, const void *bytes, size_t len);
void data_set_input_hook(DataInputHook hook);
void data_note_input(const char *path, const void *bytes, size_t len);
/* len without one trailing "\n" or "\r\n" (a line or a one-line file as read). */
size_t data_chomp(const char *s, size_t len);

/* A text file holds no NUL byte (a binary file, or a corrupt or zero-filled copy): -1 with
 * "path:line: NUL byte at byte N of the line (not a text file, or a corrupt copy)", else 0. */
int data_check_text(const char *path, const char *buf, size_t len, DataError *err);

/* Python's str.lower() of the UTF-8 text s[0..n), as the text metrics need it (RULER's and
 * BABILong's `.lower()`): full Unicode lowercase mapping, SpecialCasing's unconditional mappings
 * and the Final_Sigma context included ('İ' -> "i\u0307", KELVIN SIGN -> 'k', 'Σ' ending a word
 * -> 'ς'). libunistring's u8_tolower with no language does it, but for each capital sigma, decided
 * as Python decides it from libunistring's Unicode properties (common.c says why). Debian 12's
 * libunistring 1.0 and Python 3.11 are both Unicode 14.0.
 * Bytes that are not UTF-8 (a byte-level model can emit them): each maximal run of valid UTF-8
 * is lowered as a text of its own and every other byte is copied unchanged, which is Python's
 * s.decode("utf-8", "surrogateescape").lower().encode("utf-8", "surrogateescape") (the stand-ins
 * are neither cased nor case-ignorable, so they end a Final_Sigma context as a run's end does).
 * The result, NUL-terminated and *len bytes long (at most 3n/2: no character's lowercase is
 * longer than 1.5 times its UTF-8), goes into buf[0..cap) when it fits, else into a malloc'ed
 * buffer that the caller frees (the return value is not buf). NULL only when out of memory. */
char *data_lower(const char *s, size_t n, char *buf, size_t cap, size_t *len);

/* The metrics' use of data_lower: s[0..n) lowered into buf (DATA_LOWER_BUF bytes: texts up to 1 KiB,
 * predictions and answers, never reach the heap); out of memory aborts, as no score can be given
 * without the text (unreachable below 1 KiB). Free the result with data_lower_free(t, buf). */
enum { DATA_LOWER_BUF = 1024 * 3 / 2 + 1 };
char *data_lowered(const char *s, size_t n, char *buf);
void data_lower_free(char *t, const char *buf);

/* key = seed; counter = (unit, draw, stream). stream (< 65536) separates independent uses inside
 * one unit (e.g. 1 = needle value, 2 = haystack), so adding a draw to one never shifts another;
 * a stream has 2^48 draws of 4 words. */
typedef struct {
    uint64_t seed, stream, unit, draw;
    uint32_t buf[4];
    int left;
} Rng;

void rng_init(Rng *r, uint64_t seed, uint64_t stream, uint64_t unit);
uint32_t rng_u32(Rng *r);
uint64_t rng_u64(Rng *r);
/* Uniform integer in [0, n), unbiased (rejection); n >= 1. */
uint64_t rng_below(Rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(Rng *r);
/* Fisher-Yates shuffle of n items of the given size. */
void rng_shuffle(Rng *r, void *items, size_t n, size_t size);

/* One text-task sample (S-NIAH, BABILong): the prompt the model reads, byte for byte (the models
 * are byte-level, so a length in tokens is a length in bytes), and what a correct answer holds. */
typedef struct {
    char *prompt;         /* NUL-terminated, malloc'ed */
    size_t prompt_len;    /* bytes */
    char **answers;       /* malloc'ed strings: S-NIAH needle values; BABILong the one label */
    int n_answers;
    double depth;         /* needle / fact depth in [0, 1]; -1 when not applicable */
    int64_t target_len;   /* the length asked for, in bytes */
    int max_new;          /* bytes to generate for the answer */
    const char *rule;     /* BABILong: the "last-mentioned answer" rule's answer, the task's label
                           * named last in the story's facts (NULL: none); NULL for S-NIAH */
    int match_part;       /* RULER's metric: 1 string_match_part (qa_1, qa_2: any answer found
                           * is a hit), 0 string_match_all (the fraction found) */
} TextSample;

void text_sample_free(TextSample *s);

#endif
