/* RULER single-needle NIAH generator; niah.h says what is RULER's and what is ours. */
#include "niah.h"
#include "punkt.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- RULER's text ------------------------------------------------------------------------ */

static const char NOISE[] =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

/* round(linspace(0, 100, 40)): RULER's needle depths in percent */
static const int DEPTHS[40] = {0,  3,  5,  8,  10, 13, 15, 18, 21, 23, 26, 28, 31, 33,
                               36, 38, 41, 44, 46, 49, 51, 54, 56, 59, 62, 64, 67, 69,
                               72, 74, 77, 79, 82, 85, 87, 90, 92, 95, 97, 100};

typedef enum { HAY_NOISE, HAY_ESSAY } Haystack;

static const struct {
    const char *name, *ruler, *type; /* type: RULER's type_needle_v without its "s" */
    Haystack hay;
} TASKS[NIAH_N_TASKS] = {
    [NIAH_S1] = {"s-niah-1", "niah_single_1", "number", HAY_NOISE},
    [NIAH_S2] = {"s-niah-2", "niah_single_2", "number", HAY_ESSAY},
    [NIAH_S3] = {"s-niah-3", "niah_single_3", "uuid", HAY_ESSAY},
};

/* ---- built-in word list (ours): keys "<adjective>-<noun>" without a data directory -------- */

static const char *const BUILTIN_ADJ[] = {
    "able",    "active",  "afraid",  "ancient", "angry",   "bald",    "basic",   "best",
    "big",     "bitter",  "black",   "blue",    "bold",    "brave",   "brief",   "bright",
    "broad",   "brown",   "busy",    "calm",    "careful", "cheap",   "clean",   "clear",
    "clever",  "close",   "cold",    "cool",    "crisp",   "curious", "damp",    "dark",
    "deep",    "dry",     "eager",   "early",   "easy",    "empty",   "equal",   "fair",
    "faint",   "famous",  "fast",    "fierce",  "fine",    "firm",    "flat",    "fond",
    "free",    "fresh",   "full",    "gentle",  "giant",   "glad",    "golden",  "good",
    "grand",   "gray",    "great",   "green",   "happy",   "hard",    "heavy",   "high",
    "hollow",  "honest",  "huge",    "humble",  "icy",     "kind",    "large",   "late",
    "lazy",    "light",   "little",  "lone",    "long",    "loud",    "lucky",   "mild",
    "modern",  "narrow",  "neat",    "new",     "nice",    "noble",   "odd",     "old",
    "orange",  "pale",    "plain",   "polite",  "poor",    "proud",   "purple",  "quick",
    "quiet",   "rapid",   "rare",    "raw",     "real",    "red",     "rich",    "rough",
    "round",   "royal",   "rude",    "sad",     "safe",    "sharp",   "shiny",   "short",
    "shy",     "silent",  "silver",  "simple",  "slow",    "small",   "smart",   "smooth",
    "soft",    "solid",   "sour",    "spare",   "steep",   "still",   "strange", "strong",
    "sweet",   "swift",   "tall",    "tame",    "thick",   "thin",    "tidy",    "tiny",
    "tough",   "true",    "vast",    "warm",    "weak",    "wet",     "white",   "wide",
    "wild",    "wise",    "yellow",  "young",
};

static const char *const BUILTIN_NOUN[] = {
    "acorn",   "anchor",   "apple",    "arrow",   "attic",    "badge",   "bag",     "ball",
    "banana",  "barn",     "basket",   "beach",   "bean",     "bear",    "bell",    "bench",
    "berry",   "bird",     "blanket",  "boat",    "bone",     "book",    "boot",    "bottle",
    "box",     "branch",   "bread",    "brick",   "bridge",   "brush",   "bucket",  "butter",
    "button",  "cabin",    "cake",     "camera",  "candle",   "canoe",   "car",     "carpet",
    "castle",  "cat",      "chair",    "cheese",  "cherry",   "chest",   "circle",  "city",
    "cloud",   "coat",     "coin",     "comet",   "copper",   "corn",    "cottage", "cotton",
    "cow",     "crab",     "crown",    "cup",     "curtain",  "desk",    "diamond", "dinner",
    "dog",     "doll",     "door",     "dragon",  "drum",     "duck",    "eagle",   "engine",
    "feather", "fence",    "field",    "finger",  "fire",     "fish",    "flag",    "flower",
    "forest",  "fork",     "fox",      "frog",    "garden",   "gate",    "ghost",   "glass",
    "glove",   "goat",     "grape",    "guitar",  "hammer",   "harbor",  "hat",     "hill",
    "horse",   "house",    "island",   "jacket",  "jar",      "jewel",   "kettle",  "key",
    "kite",    "kitten",   "ladder",   "lake",    "lamp",     "leaf",    "lemon",   "letter",
    "lion",    "lizard",   "map",      "marble",  "meadow",   "mirror",  "monkey",  "moon",
    "mountain", "mouse",   "mushroom", "nest",    "ocean",    "onion",   "orchard", "owl",
    "paint",   "palace",   "pancake",  "paper",   "parrot",   "pebble",  "pencil",  "pepper",
    "piano",   "pillow",   "pine",     "planet",  "plate",    "pocket",  "pond",    "potato",
    "puzzle",  "rabbit",   "radio",    "rain",    "river",    "road",    "robot",   "rock",
    "rocket",  "roof",     "rope",     "rose",    "saddle",   "sail",    "salt",    "sand",
    "scarf",   "shell",    "ship",     "shoe",    "silk",     "sky",     "sled",    "snail",
    "snow",    "sock",     "spoon",    "star",    "stone",    "storm",   "street",  "sugar",
    "sun",     "table",    "teapot",   "tent",    "thunder",  "tiger",   "tomato",  "tower",
    "toy",     "train",    "tree",     "truck",   "tulip",    "turtle",  "umbrella", "valley",
    "violin",  "wagon",    "wall",     "whale",   "wheel",    "window",  "wolf",    "wool",
    "yard",    "zebra",
};

/* ---- data -------------------------------------------------------------------------------- */

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

void niah_data_free(NiahData *d)
{
    if (!d) return;
    free(d->adj.buf);
    free(d->adj.w);
    free(d->noun.buf);
    free(d->noun.w);
    free(d->essay);
    free(d->word_off);
    free(d->bnd);
    free(d->grow);
    free(d);
}

int niah_data_has_essays(const NiahData *d) { return d->essay != NULL; }
int64_t niah_data_key_count(const NiahData *d) { return (int64_t)(d->adj.n * d->noun.n); }
int64_t niah_data_essay_words(const NiahData *d) { return (int64_t)d->n_words; }

static char *join_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80) return 1;
    size_t k = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (k == 0 || p[0] > 0xf4 || k > n) return 0;
    for (size_t i = 1; i < k; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    if (k == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) return 0;
    if (k == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))) return 0;
    return k;
}

/* Text files must be UTF-8 (RULER reads them as Python str) without NUL bytes. */
static int check_text(const char *path, const char *buf, size_t len, DataError *err)
{
    const unsigned char *p = (const unsigned char *)buf;
    int line = 1;
    for (size_t i = 0; i < len;) {
        size_t k = p[i] ? utf8_len(p + i, len - i) : 0;
        if (k == 0) {
            data_error(err, "%s:%d: %s at byte %zu", path, line,
                       p[i] ? "invalid UTF-8" : "NUL byte", i);
            return -1;
        }
        line += p[i] == '\n';
        i += k;
    }
    return 0;
}

/* Bytes of the Python whitespace character (str.isspace, what re's \s matches) at p, else 0. */
static size_t space_len(const unsigned char *p, size_t n)
{
    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r') || (p[0] >= 0x1c && p[0] <= 0x1f)) return 1;
    if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0)) return 2;
    if (n < 3) return 0;
    unsigned c = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
    if (c == 0xe19a80 || (c >= 0xe28080 && c <= 0xe2808a) || c == 0xe280a8 || c == 0xe280a9 ||
        c == 0xe280af || c == 0xe2819f || c == 0xe38080)
        return 3;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates: RULER draws from sorted(set(...)). */
static void words_sort_unique(WordList *l)
{
    qsort(l->w, l->n, sizeof *l->w, cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++)
        if (m == 0 || strcmp(l->w[m - 1], l->w[i]) != 0) l->w[m++] = l->w[i];
    l->n = m;
}

/* One word per line, right-stripped like wonderwords' `line.rstrip()`. */
static int words_load(const char *dir, const char *name, WordList *l, DataError *err)
{
    char *path = join_path(dir, name);
    if (!path) {
        data_error(err, "out of memory");
        return -1;
    }
    size_t len;
    int rc = -1;
    if (!(l->buf = data_read_file(path, &len, err)) || check_text(path, l->buf, len, err)) goto done;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += l->buf[i] == '\n';
    l->w = malloc(lines * sizeof *l->w);
    if (!l->w) {
        data_error(err, "%s: out of memory", path);
        goto done;
    }
    unsigned char *p = (unsigned char *)l->buf;
    int line = 1;
    for (size_t i = 0; i < len; line++) {
        size_t start = i, end = i; /* end: just after the last non-space character */
        while (i < len && p[i] != '\n') {
            size_t s = space_len(p + i, len - i);
            if (s == 0 && p[i] < 0x20) {
                data_error(err, "%s:%d: control character in a word", path, line);
                goto done;
            }
            i += s ? s : utf8_len(p + i, len - i);
            if (s == 0) end = i;
        }
        if (end == start) {
            data_error(err, "%s:%d: empty line", path, line);
            goto done;
        }
        p[end] = '\0';
        l->w[l->n++] = l->buf + start;
        i++; /* past the '\n' */
    }
    if (l->n == 0) {
        data_error(err, "%s: no words", path);
        goto done;
    }
    words_sort_unique(l);
    rc = 0;
done:
    free(path);
    return rc;
}

static int words_builtin(const char *const *src, size_t n, WordList *l)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += strlen(src[i]) + 1;
    l->buf = malloc(bytes);
    l->w = malloc(n * sizeof *l->w);
    if (!l->buf || !l->w) return -1;
    char *p = l->buf;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(src[i]) + 1;
        memcpy(p, src[i], k);
        l->w[l->n++] = p;
        p += k;
    }
    words_sort_unique(l);
    return 0;
}

int niah_data_builtin(NiahData **out)
{
    *out = NULL;
    NiahData *d = calloc(1, sizeof *d);
    if (!d || words_builtin(BUILTIN_ADJ, sizeof BUILTIN_ADJ / sizeof *BUILTIN_ADJ, &d->adj) ||
        words_builtin(BUILTIN_NOUN, sizeof BUILTIN_NOUN / sizeof *BUILTIN_NOUN, &d->noun)) {
        niah_data_free(d);
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- essays ------------------------------------------------------------------------------ */

/* Python's sorted(glob("*.txt")): names ending in .txt, not hidden, in code point order. */
static int essay_names(const char *dir, char ***names, size_t *n, DataError *err)
{
    *names = NULL;
    *n = 0;
    DIR *dp = opendir(dir);
    if (!dp) {
        data_error(err, "%s: cannot open directory: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t k = strlen(e->d_name);
        if (e->d_name[0] == '.' || k < 4 || strcmp(e->d_name + k - 4, ".txt") != 0) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(*names, cap * sizeof **names);
            if (!nn) break;
            *names = nn;
        }
        if (!((*names)[*n] = strdup(e->d_name))) break;
        ++*n;
    }
    int ok = e == NULL;
    closedir(dp);
    if (!ok) {
        data_error(err, "%s: out of memory", dir);
        return -1;
    }
    if (*n == 0) {
        data_error(err, "%s: no .txt essay files", dir);
        return -1;
    }
    qsort(*names, *n, sizeof **names, cmp_str);
    return 0;
}

/* RULER's text: the files back to back, read as one string. */
static int essay_read(const char *dir, char **text, size_t *len, DataError *err)
{
    char **names;
    size_t n;
    if (essay_names(dir, &names, &n, err)) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        return -1;
    }
    *text = NULL;
    *len = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *path = join_path(dir, names[i]), *buf = NULL;
        size_t k;
        rc = -1;
        if (!path)
            data_error(err, "out of memory");
        else if ((buf = data_read_file(path, &k, err)) && !check_text(path, buf, k, err)) {
            char *t = realloc(*text, *len + k + 1);
            if (!t) {
                data_error(err, "%s: out of memory", path);
            } else {
                memcpy(t + *len, buf, k + 1);
                *text = t;
                *len += k;
                rc = 0;
            }
        }
        free(buf);
        free(path);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (rc) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

/* re.sub(r'\s+', " ", text) then the words: runs of whitespace become one space, ends trimmed
 * (RULER's strip() drops the ends; inside the haystack they never show). In place. */
static size_t collapse_spaces(char *text, size_t len)
{
    unsigned char *p = (unsigned char *)text;
    size_t o = 0;
    int gap = 0;
    for (size_t i = 0; i < len;) {
        size_t s = space_len(p + i, len - i);
        if (s) {
            gap = 1;
            i += s;
            continue;
        }
        if (gap && o > 0) p[o++] = ' ';
        gap = 0;
        p[o++] = p[i++];
    }
    p[o] = '\0';
    return o;
}

static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static unsigned char lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c | 0x20) : c; }

/* Punkt's boundaries in one pass of the corpus, found in two passes joined by a space so that
 * the last sentence of a pass sees the first word of the next (Punkt decides from the word
 * before a period and the token after it). */
static int essay_boundaries(NiahData *d, const char *dir, DataError *err)
{
    size_t L = d->essay_len, n;
    char *two = malloc(2 * L + 2);
    PunktSpan *s = NULL;
    if (!two) goto oom;
    memcpy(two, d->essay, L);
    two[L] = ' ';
    memcpy(two + L + 1, d->essay, L + 1);
    int rc = punkt_spans(&punkt_english, two, 2 * L + 1, &s, &n);
    free(two);
    if (rc) goto oom;
    d->bnd = malloc((n ? n : 1) * sizeof *d->bnd);
    d->grow = malloc((n + 1) * sizeof *d->grow);
    if (!d->bnd || !d->grow) goto oom;
    d->grow[0] = 0;
    for (size_t i = 0; i + 1 < n && s[i].end <= L; i++) {
        d->bnd[d->n_bnd] = (PunktSpan){s[i].end, s[i + 1].start};
        d->grow[d->n_bnd + 1] = d->grow[d->n_bnd] + 1 - (int64_t)(s[i + 1].start - s[i].end);
        d->n_bnd++;
    }
    free(s);
    return 0;
oom:
    free(s);
    data_error(err, "%s: out of memory", dir);
    return -1;
}

/* Word offsets and the sentence boundaries. */
static int essay_index(NiahData *d, const char *dir, DataError *err)
{
    size_t n = 0;
    for (size_t i = 0; i < d->essay_len; i++) n += d->essay[i] == ' ';
    n += d->essay_len > 0;
    if (n == 0) {
        data_error(err, "%s: the essays hold no words", dir);
        return -1;
    }
    d->n_words = n;
    d->word_off = malloc((n + 1) * sizeof *d->word_off);
    if (!d->word_off) {
        data_error(err, "%s: out of memory", dir);
        return -1;
    }
    size_t w = 0;
    d->word_off[w++] = 0;
    for (size_t i = 0; i < d->essay_len; i++)
        if (d->essay[i] == ' ') d->word_off[w++] = i + 1;
    d->word_off[n] = d->essay_len + 1;
    return essay_boundaries(d, dir, err);
}

static int essay_load(const char *data_dir, NiahData *d, DataError *err)
{
    char *dir = join_path(data_dir, NIAH_ESSAYS);
    if (!dir) {
        data_error(err, "out of memory");
        return -1;
    }
    size_t len;
    int rc = essay_read(dir, &d->essay, &len, err);
    if (rc == 0) {
        d->essay_len = collapse_spaces(d->essay, len);
        rc = essay_index(d, dir, err);
    }
    free(dir);
    return rc;
}

int niah_data_load(const char *data_dir, NiahData **out, DataError *err)
{
    *out = NULL;
    NiahData *d = calloc(1, sizeof *d);
    if (!d) {
        data_error(err, "out of memory");
        return -1;
    }
    if (words_load(data_dir, NIAH_ADJECTIVES, &d->adj, err) ||
        words_load(data_dir, NIAH_NOUNS, &d->noun, err) || essay_load(data_dir, d, err)) {
        niah_data_free(d);
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- tasks ------------------------------------------------------------------------------- */

const char *niah_task_name(NiahTask t)
{
    return (unsigned)t < NIAH_N_TASKS ? TASKS[t].name : "unknown";
}

int niah_task_parse(const char *name, NiahTask *out, DataError *err)
{
    for (int t = 0; t < NIAH_N_TASKS; t++)
        if (strcmp(name, TASKS[t].name) == 0 || strcmp(name, TASKS[t].ruler) == 0) {
            *out = (NiahTask)t;
            return 0;
        }
    data_error(err, "unknown NIAH task '%s' (expected s-niah-1, s-niah-2 or s-niah-3)", name);
    return -1;
}

/* ---- one sample -------------------------------------------------------------------------- */

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

static char *draw_key(const NiahData *d, uint64_t seed, uint64_t unit)
{
    Rng r;
    rng_init(&r, seed, NIAH_STREAM_KEY, unit);
    uint64_t i = rng_below(&r, (uint64_t)d->adj.n * d->noun.n);
    return str_printf("%s-%s", d->adj.w[i / d->noun.n], d->noun.w[i % d->noun.n]);
}

/* a value is a 7-digit number or a UUID (8-4-4-4-12 hex digits) */
enum { NIAH_NUMBER_LEN = 7, NIAH_UUID_LEN = 36 };

static char *draw_value(NiahTask task, uint64_t seed, uint64_t unit)
{
    Rng r;
    rng_init(&r, seed, NIAH_STREAM_VALUE, unit);
    if (task != NIAH_S3) return str_printf("%" PRIu64, 1000000 + rng_below(&r, 9000000));
    uint64_t hi = rng_u64(&r), lo = rng_u64(&r);
    hi = (hi & ~(uint64_t)0xf000) | 0x4000;                       /* version 4 */
    lo = (lo & ~((uint64_t)0xc000 << 48)) | (uint64_t)0x8000 << 48; /* variant 10xx */
    return str_printf("%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
                      hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                      lo & 0xffffffffffffu);
}

/* Bytes of the first n >= 1 words of the repeated corpus, joined by spaces. */
static uint64_t essay_bytes(const NiahData *d, uint64_t n)
{
    return n / d->n_words * (d->essay_len + 1) + d->word_off[n % d->n_words] - 1;
}

/* Boundaries of the repeated corpus that end a sentence before byte x, and the bytes RULER's
 * join adds at them. */
static uint64_t bnd_before(const NiahData *d, uint64_t x, int64_t *grow)
{
    uint64_t period = d->essay_len + 1, q = x / period, r = x % period;
    size_t lo = 0, hi = d->n_bnd;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->bnd[mid].start < r) lo = mid + 1;
        else hi = mid;
    }
    if (grow) *grow = (int64_t)q * d->grow[d->n_bnd] + d->grow[lo];
    return q * d->n_bnd + lo;
}

/* Sentences in the first n >= 1 words (Punkt on that text: the corpus's own boundaries, since
 * Punkt decides each from the word before and the token after). */
static uint64_t essay_sentences(const NiahData *d, uint64_t n)
{
    return bnd_before(d, essay_bytes(d, n), NULL) + 1;
}

/* RULER's insertion index int(S * (percent / 100)); depth = percent / 100. */
static uint64_t insert_index(uint64_t s, double depth) { return (uint64_t)((double)s * depth); }

/* Bytes of the first n words' sentences joined by single spaces. */
static uint64_t joined_bytes(const NiahData *d, uint64_t n)
{
    int64_t grow;
    uint64_t text = essay_bytes(d, n);
    bnd_before(d, text, &grow);
    return (uint64_t)((int64_t)text + grow);
}

/* Bytes of the essay context for n words: the needle joined to the sentence pieces by spaces,
 * one extra space when a piece is empty (depth 0 or past the last sentence). */
static uint64_t essay_context_bytes(const NiahData *d, uint64_t n, double depth, size_t needle)
{
    uint64_t s = essay_sentences(d, n), k = insert_index(s, depth);
    return joined_bytes(d, n) + needle + (k == 0 || k == s ? 2 : 1);
}

/* Boundary k (1 <= k < S) of the repeated corpus: where sentence k ends and k + 1 starts. */
static void boundary(const NiahData *d, uint64_t k, uint64_t *end, uint64_t *next)
{
    uint64_t cycle = (k - 1) / d->n_bnd, j = (k - 1) % d->n_bnd, base = cycle * (d->essay_len + 1);
    *end = base + d->bnd[j].start;
    *next = base + d->bnd[j].end;
}

/* Copy bytes [from, from + n) of the corpus repeated with a space after each pass. */
static char *copy_corpus(char *dst, const NiahData *d, uint64_t from, uint64_t n)
{
    uint64_t period = d->essay_len + 1;
    while (n > 0) {
        uint64_t at = from % period, k = period - at < n ? period - at : n;
        uint64_t text = at < d->essay_len ? (k < d->essay_len - at ? k : d->essay_len - at) : 0;
        memcpy(dst, d->essay + at, text);
        memset(dst + text, ' ', k - text);
        dst += k;
        from += k;
        n -= k;
    }
    return dst;
}

/* Bytes [from, to) of the repeated corpus as RULER's sentences joined by " ": the gap at each
 * boundary inside becomes one space. */
static char *copy_joined(char *dst, const NiahData *d, uint64_t from, uint64_t to)
{
    uint64_t k = bnd_before(d, from, NULL) + 1, end, next;
    for (; d->n_bnd > 0; k++) {
        boundary(d, k, &end, &next);
        if (end >= to) break;
        dst = copy_corpus(dst, d, from, end - from);
        *dst++ = ' ';
        from = next;
    }
    return copy_corpus(dst, d, from, to - from);
}

static char *put(char *dst, const char *s, size_t n)
{
    memcpy(dst, s, n);
    return dst + n;
}

typedef struct {
    char *head, *needle, *tail;
    size_t head_len, needle_len, tail_len;
} Pieces;

/* Prompt bytes with n haystack units (essay words or noise lines). */
static uint64_t prompt_bytes(const NiahData *d, NiahTask task, const Pieces *p, uint64_t n,
                             double depth)
{
    uint64_t fixed = p->head_len + p->tail_len;
    if (TASKS[task].hay == HAY_ESSAY) return fixed + essay_context_bytes(d, n, depth, p->needle_len);
    return fixed + p->needle_len + n * sizeof NOISE; /* each line and its "\n" */
}

/* The largest n >= lo whose prompt fits budget (the length grows with n); 0 if none. */
static uint64_t largest_fit(const NiahData *d, NiahTask task, const Pieces *p, double depth,
                            uint64_t budget, uint64_t lo)
{
    if (prompt_bytes(d, task, p, lo, depth) > budget) return 0;
    uint64_t hi = budget; /* every unit takes a byte or more */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (prompt_bytes(d, task, p, mid, depth) <= budget) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

static char *essay_prompt(const NiahData *d, const Pieces *p, uint64_t n, double depth,
                          size_t *len)
{
    uint64_t s = essay_sentences(d, n), k = insert_index(s, depth), text = essay_bytes(d, n);
    /* the context is A + " " + needle + " " + B, A the sentences before k, B the rest */
    uint64_t a = k == 0 ? 0 : text, b = a;
    if (k > 0 && k < s) boundary(d, k, &a, &b);
    *len = p->head_len + p->tail_len + essay_context_bytes(d, n, depth, p->needle_len);
    char *out = malloc(*len + 1), *o = out;
    if (!out) return NULL;
    o = put(o, p->head, p->head_len);
    o = copy_joined(o, d, 0, a);
    o = put(o, " ", 1);
    o = put(o, p->needle, p->needle_len);
    o = put(o, " ", 1);
    o = copy_joined(o, d, b, text);
    o = put(o, p->tail, p->tail_len);
    *o = '\0';
    return out;
}

/* N noise lines with the needle line before line k, joined by "\n". */
static char *noise_prompt(const Pieces *p, uint64_t n, uint64_t k, size_t *len)
{
    size_t line = sizeof NOISE - 1;
    *len = p->head_len + p->tail_len + n * (line + 1) + p->needle_len;
    char *out = malloc(*len + 1), *o = out;
    if (!out) return NULL;
    o = put(o, p->head, p->head_len);
    for (uint64_t i = 0; i < n; i++) {
        if (i == k) {
            o = put(o, p->needle, p->needle_len);
            o = put(o, "\n", 1);
        }
        o = put(o, NOISE, line);
        if (i + 1 < n || k == n) o = put(o, "\n", 1);
    }
    if (k == n) o = put(o, p->needle, p->needle_len);
    o = put(o, p->tail, p->tail_len);
    *o = '\0';
    return out;
}

/* RULER's haystack step: the search's least size and the step down for a sample too long */
static uint64_t size_step(NiahTask task, int64_t target)
{
    return TASKS[task].hay == HAY_ESSAY ? 500 : target < 4096 ? 5 : 25;
}

static double draw_depth(NiahTask task, double depth, uint64_t seed, uint64_t unit, Rng *r)
{
    rng_init(r, seed, NIAH_STREAM_DEPTH, unit);
    if (depth < 0 && TASKS[task].hay == HAY_ESSAY) return DEPTHS[rng_below(r, 40)] / 100.0;
    return depth;
}

/* The haystack size for this length, found once as RULER does: the largest that fits the probe
 * sample (unit 0 of this seed), at least one step; 0 with err when none fits. */
static int probe_size(const NiahData *d, NiahTask task, int64_t target, double asked,
                      uint64_t seed, uint64_t budget, uint64_t *n, DataError *err);

/* The sample's size: the probe's, stepped down while the prompt is too long (RULER's loop). */
static uint64_t sample_size(const NiahData *d, NiahTask task, const Pieces *p, double depth,
                            uint64_t budget, uint64_t n, uint64_t step)
{
    while (prompt_bytes(d, task, p, n, depth) > budget && n > step) n -= step;
    if (prompt_bytes(d, task, p, n, depth) > budget) n = largest_fit(d, task, p, depth, budget, 1);
    return n;
}

static int make_prompt(const NiahData *d, NiahTask task, const Pieces *p, int64_t target,
                       double *depth, uint64_t seed, uint64_t unit, TextSample *out,
                       DataError *err)
{
    Rng r;
    double asked = *depth;
    *depth = draw_depth(task, asked, seed, unit, &r);
    uint64_t budget = (uint64_t)target, n;
    if (probe_size(d, task, target, asked, seed, budget, &n, err)) return -1;
    n = sample_size(d, task, p, *depth, budget, n, size_step(task, target));
    if (n == 0) {
        data_error(err, "target_len %" PRId64 " is too short: this sample needs %" PRIu64,
                   target, prompt_bytes(d, task, p, 1, *depth));
        return -1;
    }
    if (TASKS[task].hay == HAY_ESSAY) {
        out->prompt = essay_prompt(d, p, n, *depth, &out->prompt_len);
    } else {
        uint64_t k = *depth < 0 ? rng_below(&r, n) : insert_index(n, *depth);
        if (*depth < 0) *depth = (double)k / (double)n;
        out->prompt = noise_prompt(p, n, k, &out->prompt_len);
    }
    if (!out->prompt) data_error(err, "out of memory");
    return out->prompt ? 0 : -1;
}

/* The essay tasks need the essays: 0, or -1 with err. */
static int check_haystack(const NiahData *d, NiahTask task, DataError *err)
{
    if (TASKS[task].hay == HAY_ESSAY && !d->essay) {
        data_error(err, "%s needs the essay haystack: load a data directory with %s", TASKS[task].name,
                   NIAH_ESSAYS);
        return -1;
    }
    return 0;
}

/* RULER's template around the context for this key and value; 0, or -1 when out of memory. */
static int make_pieces(NiahTask task, const char *key, const char *value, Pieces *p)
{
    const char *type = TASKS[task].type;
    memset(p, 0, sizeof *p);
    p->head = str_printf("A special magic %s is hidden within the following text. Make sure to "
                         "memorize it. I will quiz you about the %s afterwards.\n",
                         type, type);
    p->needle = str_printf("One of the special magic %ss for %s is: %s.", type, key, value);
    p->tail = str_printf("\nWhat is the special magic %s for %s mentioned in the provided text? "
                         "The special magic %s for %s mentioned in the provided text is",
                         type, key, type, key);
    if (!p->head || !p->needle || !p->tail) return -1;
    p->head_len = strlen(p->head);
    p->needle_len = strlen(p->needle);
    p->tail_len = strlen(p->tail);
    return 0;
}

static void free_pieces(Pieces *p)
{
    free(p->head);
    free(p->needle);
    free(p->tail);
}

static int probe_size(const NiahData *d, NiahTask task, int64_t target, double asked,
                      uint64_t seed, uint64_t budget, uint64_t *n, DataError *err)
{
    Rng r;
    double depth = draw_depth(task, asked, seed, 0, &r);
    char *key = draw_key(d, seed, 0), *value = draw_value(task, seed, 0);
    Pieces p = {0};
    int rc = -1;
    if (!key || !value || make_pieces(task, key, value, &p)) {
        data_error(err, "out of memory");
    } else {
        /* RULER searches from one step up and never finishes when a step does not fit; we take
         * the largest size that fits then */
        *n = largest_fit(d, task, &p, depth, budget, size_step(task, target));
        if (*n == 0) *n = largest_fit(d, task, &p, depth, budget, 1);
        rc = 0;
    }
    free_pieces(&p);
    free(key);
    free(value);
    return rc;
}

static size_t longest_word(const WordList *l)
{
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++) m = strlen(l->w[i]) > m ? strlen(l->w[i]) : m;
    return m;
}

int64_t niah_min_length(const NiahData *d, NiahTask task, DataError *err)
{
    if ((unsigned)task >= NIAH_N_TASKS) {
        data_error(err, "unknown NIAH task %d", (int)task);
        return -1;
    }
    if (check_haystack(d, task, err)) return -1;
    /* the needle and the question grow with the key and the value: the longest of each */
    size_t key_len = longest_word(&d->adj) + 1 + longest_word(&d->noun);
    size_t value_len = task == NIAH_S3 ? NIAH_UUID_LEN : NIAH_NUMBER_LEN;
    char *key = malloc(key_len + 1), *value = malloc(value_len + 1);
    Pieces p = {0};
    int64_t need = -1;
    if (key && value) {
        memset(key, 'k', key_len);
        key[key_len] = 0;
        memset(value, 'v', value_len);
        value[value_len] = 0;
    }
    if (!key || !value || make_pieces(task, key, value, &p)) {
        data_error(err, "out of memory");
    } else {
        /* the least haystack: one noise line or essay word */
        need = (int64_t)prompt_bytes(d, task, &p, 1, 0.0);
    }
    free_pieces(&p);
    free(key);
    free(value);
    return need;
}

int niah_make(const NiahData *d, NiahTask task, int64_t target_len, double depth, uint64_t seed,
              uint64_t unit, TextSample *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)task >= NIAH_N_TASKS) {
        data_error(err, "unknown NIAH task %d", (int)task);
        return -1;
    }
    const char *name = TASKS[task].name;
    if (check_haystack(d, task, err)) return -1;
    if (!(depth <= 1)) { /* also NaN */
        data_error(err, "%s: depth %g is not in [0, 1] (or < 0 for RULER's draw)", name, depth);
        return -1;
    }
    if (target_len <= 0) {
        data_error(err, "%s: target_len %" PRId64 " must be positive", name, target_len);
        return -1;
    }
    char *key = draw_key(d, seed, unit), *value = draw_value(task, seed, unit);
    Pieces p = {0};
    int rc = -1;
    out->answers = malloc(sizeof *out->answers);
    if (!key || !value || !out->answers || make_pieces(task, key, value, &p)) {
        data_error(err, "out of memory");
        goto done;
    }
    if (make_prompt(d, task, &p, target_len, &depth, seed, unit, out, err)) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        data_error(err, "%s: %s", name, msg);
        goto done;
    }
    out->answers[0] = value;
    value = NULL;
    out->n_answers = 1;
    out->depth = depth;
    out->target_len = target_len;
    out->max_new = NIAH_MAX_NEW;
    rc = 0;
done:
    free(key);
    free(value);
    free_pieces(&p);
    if (rc) text_sample_free(out);
    return rc;
}

/* ---- metric ------------------------------------------------------------------------------ */

/* `r.lower() in pred.lower()` for ASCII letters; other bytes compare as they are. */
static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = hay;; h++) {
        size_t i = 0;
        while (i < n && h[i] && lower((unsigned char)h[i]) == lower((unsigned char)needle[i])) i++;
        if (i == n) return 1;
        if (!*h) return 0;
    }
}

double niah_score(const TextSample *s, const char *prediction)
{
    if (s->n_answers == 0) return 0;
    int hit = 0;
    for (int i = 0; i < s->n_answers; i++) hit += contains_nocase(prediction, s->answers[i]);
    return (double)hit / s->n_answers;
}
