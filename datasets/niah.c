/* RULER NIAH data: the word lists and the essay corpus with its sentence boundaries, and the
 * metric; niah.h says what is RULER's and what is ours. Samples are made in niah_sample.c. */
#include "dirlist.h"
#include "niah_impl.h"
#include "pyrandom.h"
#include "ruler_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void niah_data_free(NiahData *d)
{
    if (!d) return;
    free(d->dir);
    ruler_qa_cache_free(d->qa);
    free(d->adj.buf);
    free(d->adj.w);
    free(d->noun.buf);
    free(d->noun.w);
    free(d->verb.buf);
    free(d->verb.w);
    free(d->cwe);
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
    if (!d || ruler_qa_cache_new(&d->qa) || words_builtin(BUILTIN_ADJ, sizeof BUILTIN_ADJ / sizeof *BUILTIN_ADJ, &d->adj) ||
        words_builtin(BUILTIN_NOUN, sizeof BUILTIN_NOUN / sizeof *BUILTIN_NOUN, &d->noun)) {
        niah_data_free(d);
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- essays ------------------------------------------------------------------------------ */

/* Python's sorted(glob("*.txt")): names ending in .txt, not hidden, in code point order. */
static int essay_names(const char *dir, char ***names, int *n, DataError *err)
{
    if (data_list_dir(dir, ".txt", names, n, err)) return -1;
    if (*n > 0) return 0;
    data_free_names(*names, *n);
    *names = NULL;
    data_error(err, "%s: no .txt essay files", dir);
    return -1;
}

/* RULER's text: the files back to back, read as one string. */
static int essay_read(const char *dir, char **text, size_t *len, DataError *err)
{
    char **names;
    int n;
    if (essay_names(dir, &names, &n, err)) return -1;
    *text = NULL;
    *len = 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
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
    data_free_names(names, n);
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

/* CWE's words: sorted(set(nouns + adjectives + verbs)), random.Random(42).shuffle'd; without
 * the verb list (or with a bad one) cwe_err says why. -1: out of memory. */
static int cwe_words(const char *data_dir, NiahData *d)
{
    DataError e;
    if (words_load(data_dir, NIAH_VERBS, &d->verb, &e)) {
        data_error(&d->cwe_err, "needs wonderwords' verb list (%s in the data directory): %s", NIAH_VERBS, e.msg);
        return 0;
    }
    size_t n = d->adj.n + d->noun.n + d->verb.n, m = 0;
    if (!(d->cwe = malloc(n * sizeof *d->cwe))) return -1;
    const WordList *lists[3] = {&d->noun, &d->adj, &d->verb};
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < lists[l]->n; i++) d->cwe[m++] = lists[l]->w[i];
    WordList all = {.w = d->cwe, .n = n};
    words_sort_unique(&all);
    d->n_cwe = all.n;
    if (d->n_cwe < 40) {
        data_error(&d->cwe_err, "%s and the other two lists hold %zu distinct words: cwe needs 40 or more", NIAH_VERBS, d->n_cwe);
        free(d->cwe);
        d->cwe = NULL;
        return 0;
    }
    pyrandom_shuffle(RULER_SEED, d->cwe, d->n_cwe, sizeof *d->cwe);
    return 0;
}

int niah_data_load(const char *data_dir, NiahData **out, DataError *err)
{
    *out = NULL;
    NiahData *d = calloc(1, sizeof *d);
    if (!d) {
        data_error(err, "out of memory");
        return -1;
    }
    if (!(d->dir = strdup(data_dir)) || ruler_qa_cache_new(&d->qa)) {
        data_error(err, "out of memory");
        niah_data_free(d);
        return -1;
    }
    if (words_load(data_dir, NIAH_ADJECTIVES, &d->adj, err) ||
        words_load(data_dir, NIAH_NOUNS, &d->noun, err) || essay_load(data_dir, d, err)) {
        niah_data_free(d);
        return -1;
    }
    if (cwe_words(data_dir, d)) {
        data_error(err, "out of memory for the CWE word list");
        niah_data_free(d);
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- metric ------------------------------------------------------------------------------ */

/* RULER's postprocess_pred: strip(), control characters to "\n", strip() (Python's whitespace,
 * str.isspace, which "\n" is): the bytes [*from, *to) of p that are left (controls still to map). */
static void post_bounds(const char *p, size_t n, size_t *from, size_t *to)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t a = 0, end = 0;
    for (size_t k; a < n && (k = u[a] < 0x20 ? 1 : space_len(u + a, n - a));) a += k;
    for (size_t i = a; i < n;) {
        size_t k = u[i] < 0x20 ? 1 : space_len(u + i, n - i);
        if (k) {
            i += k;
        } else {
            size_t c = utf8_len(u + i, n - i);
            i += c ? c : 1;
            end = i;
        }
    }
    *from = a;
    *to = end > a ? end : a;
}

/* RULER: pred = postprocess_pred(pred), then string_match_all (the fraction of the answers r with
 * `r.lower() in pred.lower()`) or, for qa_1/qa_2, string_match_part (1 when any is). Control
 * characters become "\n" after the lowering here: lowering leaves them alone, makes no others, and
 * they are neither cased nor case-ignorable (no Final_Sigma context differs). */
double niah_score(const TextSample *s, const char *prediction)
{
    if (s->n_answers == 0) return 0;
    size_t a, b;
    post_bounds(prediction, strlen(prediction), &a, &b);
    char pbuf[DATA_LOWER_BUF], rbuf[DATA_LOWER_BUF];
    char *pred = data_lowered(prediction + a, b - a, pbuf);
    for (char *c = pred; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '\n';
    int hit = 0;
    for (int i = 0; i < s->n_answers && !(s->match_part && hit); i++) {
        char *r = data_lowered(s->answers[i], strlen(s->answers[i]), rbuf);
        hit += strstr(pred, r) != NULL;
        data_lower_free(r, rbuf);
    }
    data_lower_free(pred, pbuf);
    return s->match_part ? hit > 0 : (double)hit / s->n_answers;
}
