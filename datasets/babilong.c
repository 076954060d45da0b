#include "babilong.h"

#include "babilong_prompts.h"
#include "babilong_select.h"
#include "dirlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Independent random streams of one sample (common.h), so a change in one leaves the others. */
enum { STREAM_STORY = 1, STREAM_BACKGROUND = 2, STREAM_SLOTS = 3 };
/* A passage window is 10 x budget as in BABILong, but at least MIN_WINDOW: a tiny budget's window
 * would hold no whole sentence and the sampler would never finish. */
enum { MIN_PIECES = 10, WINDOW_FACTOR = 10, MIN_WINDOW = 1 << 16, GENERATE_TRIES = 100 };
/* babilong_min_length's draw of generated stories (any fixed seed: it only measures their sizes) */
enum { PROBE_STORIES = 200, PROBE_SEED = 0x5eed };

/* ---------------------------------------------------------------------------------------------
 * Template (prompts.py DEFAULT_TEMPLATE around the task's prompt, babilong_prompts.c) */

static const char CONTEXT_OPEN[] = "<context>\n";
static const char CONTEXT_CLOSE[] = "\n</context>\n\nQuestion: ";

/* ---------------------------------------------------------------------------------------------
 * Built-in background: neutral prose written for this harness. It names none of the bAbI
 * people, places, objects or directions, so it never hands the model a label. */

static const char BUILTIN_TEXT[] =
    "The harbour town woke slowly on winter mornings, long before the first boats slipped their moorings "
    "and drifted out beyond the breakwater. Fishermen gathered on the quay with mugs of tea, talking "
    "quietly about the tides, the price of fuel and the weather that was coming in across the water. "
    "Gulls circled above the market stalls, waiting for the moment when a crate of herring would be left "
    "unattended for a few careless seconds. By eight o'clock the bakery had sold most of its bread, and "
    "the smell of warm crusts drifted along the narrow street that climbed towards the church. Nobody in "
    "the town was ever in a hurry, yet every task seemed to be finished by noon.\n\n"
    "The lighthouse stood on a low headland of dark rock, and its keeper had kept a careful log of every "
    "storm for more than thirty years. Each entry recorded the direction of the wind, the height of the "
    "swell and the number of ships that passed before sunset. On calm evenings he would climb the spiral "
    "stair, polish the great lens and watch the beam sweep slowly across the empty sea. He said that a "
    "light is only useful if it never fails, and so he checked the lamp three times every night. Visitors "
    "sometimes asked whether he felt lonely, but he always answered that the sea was company enough for "
    "any patient man.\n\n"
    "A wide river wound through the valley above the town, crossed by an old stone bridge with five "
    "arches of unequal size. Engineers had argued for decades about whether the bridge should be "
    "rebuilt, and every report ended with the same cautious recommendation to wait. \"Will it hold?\" "
    "people asked. In spring the water rose almost to the top of the arches, carrying branches, reeds and "
    "the occasional lost rowing boat down to the sea. Children leaned over the parapet to count the "
    "ducks, while older people simply stood and listened to the steady roar of the current. When the "
    "floods receded, a thin layer of silt covered the meadows and made the soil unusually rich for the "
    "rest of the year.\n\n"
    "Farther inland the farms were small and scattered, separated by hedges of hawthorn and long dry "
    "walls built without any mortar at all. Farmers planted barley in the lower fields and kept sheep on "
    "the steep slopes, where the grass was thin but remarkably sweet. Harvest depended entirely on the "
    "weather, and a single week of heavy rain could ruin the work of an entire season. Neighbours helped "
    "one another when the barley was ready, moving from farm to farm with their machines until every "
    "field was cut. Afterwards there was always a long supper in somebody's barn, with music, stories and "
    "far too much food.\n\n"
    "The town library occupied the upper floor of a building that had once been a customs house for the "
    "busy port. Its shelves held local histories, shipping registers, old maps and a surprising number of "
    "novels donated by retired sailors. The librarian catalogued every book by hand on small white cards, "
    "because she trusted paper more than any machine. Students came in the afternoons to read quietly by "
    "the tall windows, and the only sound was the ticking of the clock above the door. That clock had "
    "been made by a local craftsman more than a century ago, and it had stopped only twice since it was "
    "installed.\n\n"
    "When the railway finally reached the valley, the journey to the city shrank from two days to a few "
    "comfortable hours. Merchants welcomed the change at once, because fresh fish could now be sold in "
    "distant markets before it spoiled. Some residents worried that the town would lose its character, "
    "that strangers would arrive and the old customs would slowly disappear. In the end the trains "
    "brought both visitors and opportunities, and the town adapted in its usual unhurried way. The "
    "little station was painted green and cream, and its platform was decorated every summer with "
    "baskets of bright flowers.\n\n"
    "Autumn storms arrived suddenly, with black clouds rolling in from the open sea and rain hammering "
    "against the shutters for hours. Sailors read the signs in the colour of the sky and in the restless "
    "behaviour of the birds along the shore. After a storm the air felt clean and sharp, and the whole "
    "coastline seemed to glitter under a pale and watery sun. On clear winter nights the stars were so "
    "bright that the lighthouse keeper could name the constellations without a chart. He liked to "
    "explain that sailors had once steered by those same stars, long before anyone had invented a "
    "compass.\n\n"
    "Every Saturday the square filled with stalls selling cheese, honey, wool, pottery and vegetables "
    "from the inland farms. Traders called out their prices in loud cheerful voices, and bargaining was "
    "considered a friendly form of conversation rather than a contest. It was noisy. Musicians played at "
    "the corner by the fountain, hoping that a few coins would land in the open case at their feet. By "
    "late afternoon the stalls were packed away, the square was swept clean and the pigeons returned to "
    "claim it once again.\n";

/* ---------------------------------------------------------------------------------------------
 * Sentence splitting: the decisions of NLTK's untrained PunktSentenceTokenizer (babilong.h). */

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_letter(unsigned char c) { return is_lower(c) || is_upper(c) || c >= 0x80; }
static int is_in(unsigned char c, const char *set) { return c && strchr(set, c) != NULL; }
/* Punkt's "non-word" characters: a token ends before them */
static int is_nonword(unsigned char c) { return is_in(c, ")\";}]*:@'({[!?"); }

/* Punkt's orthographic verdict on the token at q after a period, with no training data: 0 = not a
 * sentence start (lower case, or one of ;:,.!?), -1 = unknown (anything else, upper case too). */
static int ortho(const char *t, size_t n, size_t q)
{
    unsigned char c = (unsigned char)t[q];
    int alone = q + 1 >= n || is_space((unsigned char)t[q + 1]) || is_nonword((unsigned char)t[q + 1]);
    if (is_in(c, ";:,") || (is_in(c, ".!?") && alone) || is_lower(c)) return 0;
    return -1;
}

/* t[s..len) is the token before its final period: "^[.]?\d[\d,.-]*" */
static int is_number(const char *s, size_t len)
{
    size_t i = len > 0 && s[0] == '.';
    if (i >= len || !is_digit((unsigned char)s[i])) return 0;
    for (; i < len; i++)
        if (!is_digit((unsigned char)s[i]) && !is_in((unsigned char)s[i], ",.-")) return 0;
    return 1;
}

/* Does the period at p (in the whitespace-free run starting at rs) end a sentence, the next token
 * starting at next? */
static int period_breaks(const char *t, size_t n, size_t rs, size_t p, size_t next)
{
    size_t s = p; /* start of the period's word token */
    while (s > rs && !is_nonword((unsigned char)t[s - 1]) && !(t[s - 1] == '-' && s - 1 > rs && t[s - 2] == '-'))
        s--;
    if (s > rs && is_in((unsigned char)t[s - 1], "'!?")) s--; /* these may start a token */
    while (s < p && is_in((unsigned char)t[s], "`&#-,")) s++; /* these are tokens of their own */
    if (p > s && t[p - 1] == '.') return 0;                   /* ellipsis */
    int v = ortho(t, n, next);
    if (p - s == 1 && (is_lower((unsigned char)t[s]) || is_upper((unsigned char)t[s]))) /* an initial */
        return v == -1 && !is_upper((unsigned char)t[next]);
    if (is_number(t + s, p - s)) return v != 0;
    return 1;
}

typedef struct {
    BabilongSentence *v;
    int n, cap;
} Sentences;

static int push_sentence(Sentences *ss, size_t start, size_t end)
{
    if (end <= start) return 0;
    if (ss->n == ss->cap) {
        int cap = ss->cap ? 2 * ss->cap : 256;
        BabilongSentence *v = realloc(ss->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        ss->v = v;
        ss->cap = cap;
    }
    ss->v[ss->n++] = (BabilongSentence){(uint32_t)start, (uint32_t)(end - start), 0};
    return 0;
}

/* Punkt's boundary realignment: closing quotes and brackets at from, followed by whitespace, "--"
 * or the end, belong to the sentence before. Returns where they end (from if there are none). */
static size_t closers_end(const char *t, size_t n, size_t from)
{
    size_t k = from;
    while (k < n && is_in((unsigned char)t[k], "\"')]}")) k++;
    if (k > from && (k == n || is_space((unsigned char)t[k]) || (k + 1 < n && t[k] == '-' && t[k + 1] == '-')))
        return k;
    return from;
}

/* Splits t into sentences; a sentence runs from its first token to its final punctuation (plus
 * realigned closing quotes and brackets), inner whitespace kept. */
static int split_sentences(const char *t, size_t n, Sentences *ss)
{
    size_t start = 0;
    while (start < n && is_space((unsigned char)t[start])) start++;
    for (size_t i = start; i < n;) {
        size_t rs = i, re = i;
        while (re < n && !is_space((unsigned char)t[re])) re++;
        i = re;
        while (i < n && is_space((unsigned char)t[i])) i++;
        for (size_t p = re; p-- > rs;) { /* only the rightmost candidate of a run counts */
            if (!is_in((unsigned char)t[p], ".?!")) continue;
            size_t next = p + 1 < re ? p + 1 : i; /* the token after: a non-word character or the next run */
            if ((p + 1 < re && !is_nonword((unsigned char)t[p + 1])) || next >= n) continue;
            if (t[p] == '.' && !period_breaks(t, n, rs, p, next)) break;
            size_t end = p + 1, k = closers_end(t, n, next);
            if (k > next) {
                end = k;
                for (next = k; next < n && is_space((unsigned char)t[next]);) next++;
            }
            if (push_sentence(ss, start, end)) return -1;
            start = next;
            break;
        }
    }
    size_t end = n;
    while (end > start && is_space((unsigned char)t[end - 1])) end--;
    return push_sentence(ss, start, end);
}

/* At least min pieces of GPT-2's pre-tokenizer: runs of letters (an apostrophe may lead one),
 * of digits, or of other non-space bytes. */
static int has_pieces(const char *s, size_t len, int min)
{
    int n = 0;
    for (size_t i = 0; i < len && n < min;) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) {
            i++;
            continue;
        }
        n++;
        if (c == '\'' && i + 1 < len && is_letter((unsigned char)s[i + 1])) c = (unsigned char)s[++i];
        int kind = is_letter(c) ? 1 : is_digit(c) ? 2 : 3;
        while (i < len) {
            unsigned char d = (unsigned char)s[i];
            int k = is_space(d) ? 0 : is_letter(d) ? 1 : is_digit(d) ? 2 : 3;
            if (k != kind) break;
            i++;
        }
    }
    return n >= min;
}

void babilong_book_free(BabilongBook *b)
{
    if (!b) return;
    free(b->text);
    free(b->sents);
    memset(b, 0, sizeof *b);
}

int babilong_book_init(BabilongBook *b, const char *name, const char *body, size_t len, DataError *err)
{
    memset(b, 0, sizeof *b);
    if (len >= UINT32_MAX) {
        data_error(err, "%s: text too long (%zu bytes)", name, len);
        return -1;
    }
    Sentences ss = {0};
    b->text = malloc(len + 1);
    if (!b->text || split_sentences(body, len, &ss)) {
        free(ss.v);
        babilong_book_free(b);
        data_error(err, "%s: out of memory", name);
        return -1;
    }
    memcpy(b->text, body, len);
    b->text[len] = '\0';
    b->len = len;
    b->sents = ss.v;
    b->n_sents = ss.n;
    /* A passage keeps a sentence only after the one it starts in and before the last one its
     * window reaches: some usable sentence must fit in a window with its neighbours. */
    int usable = 0;
    for (int k = 0; k < ss.n; k++) {
        ss.v[k].ok = has_pieces(b->text + ss.v[k].off, ss.v[k].len, MIN_PIECES);
        usable |= ss.v[k].ok && k > 0 && k < ss.n - 1 &&
                  ss.v[k + 1].off - (ss.v[k - 1].off + ss.v[k - 1].len) + 1 < MIN_WINDOW;
    }
    if (!usable) {
        data_error(err, "%s: no usable sentence (%d or more words, not the first or last)", name, MIN_PIECES);
        babilong_book_free(b);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Data */

void babilong_data_free(BabilongData *d)
{
    if (!d) return;
    for (int t = 0; t < BABILONG_TASKS; t++) babi_free(&d->babi[t]);
    for (int i = 0; i < d->n_books; i++) babilong_book_free(&d->books[i]);
    free(d->books);
    memset(d, 0, sizeof *d);
}

int babilong_data_builtin(BabilongData *d, DataError *err)
{
    memset(d, 0, sizeof *d);
    d->books = calloc(1, sizeof *d->books);
    if (!d->books) {
        data_error(err, "babilong: out of memory");
        return -1;
    }
    d->n_books = 1;
    if (babilong_book_init(&d->books[0], "built-in background", BUILTIN_TEXT, sizeof BUILTIN_TEXT - 1, err)) {
        babilong_data_free(d);
        return -1;
    }
    return 0;
}

/* Offset of the first line at or after from that starts with one of the prefixes, or len. */
static size_t find_line(const char *t, size_t len, size_t from, const char *const *prefixes, int n)
{
    for (size_t i = from; i < len; i++) {
        if (i > 0 && t[i - 1] != '\n') continue;
        for (int k = 0; k < n; k++)
            if (strncmp(t + i, prefixes[k], strlen(prefixes[k])) == 0) return i;
    }
    return len;
}

/* A Project Gutenberg file as a book: BOM dropped, CRLF made LF, the body between the markers. */
static int load_book(const char *path, BabilongBook *b, DataError *err)
{
    static const char *const start_marks[] = {"*** START OF"};
    static const char *const end_marks[] = {"*** END OF", "End of the Project Gutenberg",
                                            "End of Project Gutenberg"};
    size_t len;
    char *t = data_read_file(path, &len, err);
    if (!t) return -1;
    if (data_check_text(path, t, len, err)) { /* a NUL would end the prompt early for C strings */
        free(t);
        return -1;
    }
    size_t n = 0, i = len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    for (; i < len; i++) {
        if (t[i] == '\r' && i + 1 < len && t[i + 1] == '\n') continue; /* CRLF: keep the LF */
        t[n++] = t[i] == '\r' ? '\n' : t[i];
    }
    t[n] = '\0';
    int rc = -1;
    size_t start = find_line(t, n, 0, start_marks, 1);
    size_t body = start < n ? strcspn(t + start, "\n") + start + 1 : n;
    size_t end = body < n ? find_line(t, n, body, end_marks, 3) : n;
    if (start == n)
        data_error(err, "%s: no \"*** START OF\" line (not a Project Gutenberg text?)", path);
    else if (end == n)
        data_error(err, "%s: no \"*** END OF\" line after the start (truncated file?)", path);
    else
        rc = babilong_book_init(b, path, t + body, end - body, err);
    free(t);
    return rc;
}

enum { PATH_SIZE = 4096 };

/* Every pg*.txt of dir, in name order. */
static int load_books(const char *dir, BabilongData *d, DataError *err)
{
    char **names;
    int n, k = 0, rc = -1;
    if (data_list_dir(dir, ".txt", &names, &n, err)) return -1;
    for (int i = 0; i < n; i++) /* keep the pg*.txt names, in order */
        if (strncmp(names[i], "pg", 2) == 0 && strlen(names[i]) >= 6) names[k++] = names[i];
        else free(names[i]);
    if (k == 0) {
        data_error(err, "%s: no pg*.txt book", dir);
        goto done;
    }
    d->books = calloc((size_t)k, sizeof *d->books);
    if (!d->books) {
        data_error(err, "%s: out of memory", dir);
        goto done;
    }
    for (; d->n_books < k; d->n_books++) {
        char path[PATH_SIZE];
        if (data_join(path, PATH_SIZE, dir, names[d->n_books], err) || load_book(path, &d->books[d->n_books], err))
            goto done;
    }
    rc = 0;
done:
    data_free_names(names, k);
    return rc;
}

/* en-10k/<task>_<split>.txt; a test file missing there is read from en/, whose test files are the
 * same bytes (the 10k release only grew the training sets). */
static int babi_path(char *path, const char *data_dir, const char *task, const char *split, DataError *err)
{
    char name[128];
    snprintf(name, sizeof name, "babi-tasks-v1.2/en-10k/%s_%s.txt", task, split);
    if (data_join(path, PATH_SIZE, data_dir, name, err)) return -1;
    if (strcmp(split, "test") || access(path, F_OK) == 0) return 0;
    snprintf(name, sizeof name, "babi-tasks-v1.2/en/%s_test.txt", task);
    char alt[PATH_SIZE];
    if (data_join(alt, PATH_SIZE, data_dir, name, err)) return -1;
    if (access(alt, F_OK) == 0) memcpy(path, alt, PATH_SIZE);
    return 0; /* neither: babi_load names the en-10k path */
}

int babilong_data_load_split(const char *data_dir, const char *split, int task, BabilongData *d,
                             DataError *err)
{
    static const char *const tasks[BABILONG_TASKS] = {
        "qa1_single-supporting-fact", "qa2_two-supporting-facts", "qa3_three-supporting-facts",
        "qa4_two-arg-relations", "qa5_three-arg-relations", "qa6_yes-no-questions", "qa7_counting",
        "qa8_lists-sets", "qa9_simple-negation", "qa10_indefinite-knowledge", "qa11_basic-coreference",
        "qa12_conjunction", "qa13_compound-coreference", "qa14_time-reasoning", "qa15_basic-deduction",
        "qa16_basic-induction", "qa17_positional-reasoning", "qa18_size-reasoning", "qa19_path-finding",
        "qa20_agents-motivations",
    };
    memset(d, 0, sizeof *d);
    if (!split || (strcmp(split, "train") && strcmp(split, "test"))) {
        data_error(err, "babilong: split '%s' is not train or test", split ? split : "(null)");
        return -1;
    }
    if (task < 0 || task > BABILONG_TASKS) {
        data_error(err, "babilong: bad task %d (1..20, or 0 for all twenty)", task);
        return -1;
    }
    snprintf(d->split, sizeof d->split, "%s", split);
    char path[PATH_SIZE];
    for (int t = 0; t < BABILONG_TASKS; t++) {
        if (task && t != task - 1) continue;
        if (babi_path(path, data_dir, tasks[t], split, err)) goto fail;
        /* qa6-qa20 are optional when all are loaded: a folder of qa1-qa5 still serves those */
        if (!task && t >= BABI_GENERATED_TASKS && access(path, F_OK) != 0) continue;
        if (babi_load(path, &d->babi[t], err)) goto fail;
    }
    d->have_babi = 1;
    if (data_join(path, PATH_SIZE, data_dir, "gutenberg-books", err) || load_books(path, d, err)) goto fail;
    return 0;
fail:
    babilong_data_free(d);
    return -1;
}

int babilong_data_load(const char *data_dir, BabilongData *d, DataError *err)
{
    return babilong_data_load_split(data_dir, "test", 0, d, err);
}

/* ---------------------------------------------------------------------------------------------
 * Samples */

typedef struct {
    const char *p;
    size_t len;
} Piece;

typedef struct {
    Piece *v;
    size_t n, cap;
} Pieces;

static int push_piece(Pieces *ps, const char *p, size_t len)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 256;
        Piece *v = realloc(ps->v, cap * sizeof *v);
        if (!v) return -1;
        ps->v = v;
        ps->cap = cap;
    }
    ps->v[ps->n++] = (Piece){p, len};
    return 0;
}

/* Index of the first sentence ending after offset c (n_sents if none). */
static int first_ending_after(const BabilongBook *b, size_t c)
{
    int lo = 0, hi = b->n_sents;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if ((size_t)b->sents[mid].off + b->sents[mid].len > c) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* Index of the last sentence starting before offset w (-1 if none). */
static int last_starting_before(const BabilongBook *b, size_t w)
{
    int lo = 0, hi = b->n_sents;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (b->sents[mid].off < w) lo = mid + 1;
        else hi = mid;
    }
    return lo - 1;
}

/* Background sentences worth `budget` bytes, each counted with the space before it, the last one
 * cut so the total is exactly the budget (SentenceSampler.get_sample with shuffle). */
static int sample_background(const BabilongData *d, int64_t budget, Rng *r, Pieces *out)
{
    int64_t total = 0;
    while (total < budget) {
        const BabilongBook *b = &d->books[rng_below(r, (uint64_t)d->n_books)];
        size_t c = (size_t)rng_below(r, b->len);
        uint64_t window = (uint64_t)budget * WINDOW_FACTOR;
        if (window < MIN_WINDOW) window = MIN_WINDOW;
        size_t w = b->len - c > window ? c + (size_t)window : b->len;
        int last = last_starting_before(b, w); /* the window's last sentence is cut: dropped */
        for (int k = first_ending_after(b, c) + 1; k < last && total < budget; k++) {
            if (!b->sents[k].ok) continue;
            if (push_piece(out, b->text + b->sents[k].off, b->sents[k].len)) return -1;
            total += b->sents[k].len + 1;
        }
    }
    if (total == budget) return 0;
    /* Cut the last sentence to the budget, on a whole UTF-8 character, without trailing space. */
    Piece *p = &out->v[out->n - 1];
    int64_t keep = (int64_t)p->len - (total - budget);
    while (keep > 0 && ((unsigned char)p->p[keep] & 0xc0) == 0x80) keep--;
    while (keep > 0 && is_space((unsigned char)p->p[keep - 1])) keep--;
    if (keep > 0) p->len = (size_t)keep;
    else out->n--;
    return 0;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static size_t prefix_len(const BabilongPrompt *pr)
{
    return strlen(pr->instruction) + 2 + strlen(pr->examples) + 2 + strlen(pr->post_prompt) + 2 +
           strlen(CONTEXT_OPEN);
}

/* The question without its trailing whitespace (the prompt is stripped). */
static size_t question_len(const BabiSample *s)
{
    size_t n = strlen(s->question);
    while (n > 0 && is_space((unsigned char)s->question[n - 1])) n--;
    return n;
}

size_t babilong_template_len(int task) { return prefix_len(babilong_prompt(task)) + strlen(CONTEXT_CLOSE); }

/* Bytes of the prompt without background. */
static size_t bare_len(size_t template, const BabiSample *s) { return template + s->facts_len + question_len(s); }

static char *put(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

/* prefix, then the facts at their slots among the background pieces, then the question */
/* Where the last whole-word, case-insensitive (ASCII) occurrence of label (lower case) in t[0..n)
 * ends, plus one; 0 when there is none. */
static size_t last_word_end(const char *t, size_t n, const char *label)
{
    size_t m = strlen(label);
    for (size_t i = n >= m ? n - m + 1 : 0; i-- > 0;) {
        size_t k = 0;
        while (k < m && (is_upper((unsigned char)t[i + k]) ? t[i + k] + 32 : t[i + k]) == label[k]) k++;
        if (k == m && (i == 0 || !is_letter((unsigned char)t[i - 1])) &&
            (i + m == n || !is_letter((unsigned char)t[i + m])))
            return i + m + 1;
    }
    return 0;
}

const char *babilong_last_mentioned(int task, const BabiSample *s)
{
    const char *const *labels = babilong_labels(task);
    const char *best = NULL;
    int best_fact = -1;
    size_t best_end = 0;
    if (!labels) return NULL;
    for (const char *const *l = labels; *l; l++) {
        if (last_word_end(s->question, strlen(s->question), *l)) continue; /* the question's own */
        for (int f = s->n_facts - 1; f > best_fact - 1 && f >= 0; f--) {
            size_t end = last_word_end(s->facts[f], strlen(s->facts[f]), *l);
            if (!end) continue;
            if (f > best_fact || end > best_end) best = *l, best_fact = f, best_end = end;
            break;
        }
    }
    return best;
}

static int assemble(int task, const BabiSample *s, const Pieces *bg, const int *slot, TextSample *out)
{
    const BabilongPrompt *pr = babilong_prompt(task);
    size_t ctx = s->facts_len;
    for (size_t k = 0; k < bg->n; k++) ctx += bg->v[k].len + 1;
    size_t qlen = question_len(s), total = prefix_len(pr) + ctx + strlen(CONTEXT_CLOSE) + qlen;
    out->prompt = malloc(total + 1);
    out->answers = calloc(1, sizeof *out->answers);
    if (!out->prompt || !out->answers || !(out->answers[0] = strdup(s->answer))) return -1;
    out->n_answers = 1;
    int newest = s->support[0];
    for (int i = 1; i < s->n_support; i++) newest = s->support[i] > newest ? s->support[i] : newest;
    char *w = out->prompt;
    w = put(w, pr->instruction, strlen(pr->instruction));
    w = put(w, "\n\n", 2);
    w = put(w, pr->examples, strlen(pr->examples));
    w = put(w, "\n\n", 2);
    w = put(w, pr->post_prompt, strlen(pr->post_prompt));
    w = put(w, "\n\n", 2);
    w = put(w, CONTEXT_OPEN, strlen(CONTEXT_OPEN));
    char *context = w;
    int f = 0;
    for (size_t k = 0; k <= bg->n; k++) {
        for (; f < s->n_facts && (size_t)slot[f] == k; f++) {
            if (w > context) *w++ = ' ';
            if (f == newest) out->depth = ctx ? (double)(w - context) / (double)ctx : 0.0;
            w = put(w, s->facts[f], strlen(s->facts[f]));
        }
        if (k == bg->n) break;
        if (w > context) *w++ = ' ';
        w = put(w, bg->v[k].p, bg->v[k].len);
    }
    w = put(w, CONTEXT_CLOSE, strlen(CONTEXT_CLOSE));
    w = put(w, s->question, qlen);
    *w = '\0';
    out->prompt_len = total;
    out->max_new = BABILONG_MAX_NEW;
    out->rule = babilong_last_mentioned(task, s);
    return 0;
}

int babilong_build(const BabilongData *d, int task, const BabiSample *s, int64_t target_len, uint64_t seed,
                   uint64_t unit, TextSample *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    if (task < 1 || task > BABILONG_TASKS || target_len < 0) {
        data_error(err, "babilong: bad task %d or target_len %lld", task, (long long)target_len);
        return -1;
    }
    if (s->n_facts < 1 || s->n_support < 1) {
        data_error(err, "babilong qa%d: a sample needs facts and supporting facts", task);
        return -1;
    }
    int64_t bare = (int64_t)bare_len(babilong_template_len(task), s);
    Pieces bg = {0};
    int *slot = malloc((size_t)s->n_facts * sizeof *slot);
    int rc = -1;
    if (!slot) goto done;
    if (target_len > bare) {
        Rng bg_rng;
        rng_init(&bg_rng, seed, STREAM_BACKGROUND, unit);
        if (sample_background(d, target_len - bare, &bg_rng, &bg)) goto done;
    }
    Rng slot_rng;
    rng_init(&slot_rng, seed, STREAM_SLOTS, unit);
    for (int f = 0; f < s->n_facts; f++) slot[f] = (int)rng_below(&slot_rng, bg.n + 1);
    qsort(slot, (size_t)s->n_facts, sizeof *slot, compare_ints);
    out->target_len = target_len;
    rc = assemble(task, s, &bg, slot, out);
done:
    if (rc) {
        text_sample_free(out);
        data_error(err, "babilong: out of memory");
    }
    free(bg.v);
    free(slot);
    return rc;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Generated stories: the length at which 1 in 5 of PROBE_STORIES questions, drawn as babilong_make
 * draws them with a fixed seed, fit without background. */
static int64_t generated_min_length(int task, DataError *err)
{
    int64_t need[PROBE_STORIES];
    Rng r;
    rng_init(&r, PROBE_SEED, STREAM_STORY, 0);
    for (int i = 0; i < PROBE_STORIES; i++) {
        BabiSet set;
        if (babi_generate(task, &r, &set, err)) return -1;
        need[i] = (int64_t)bare_len(babilong_template_len(task), &set.samples[rng_below(&r, (uint64_t)set.n_samples)]);
        babi_free(&set);
    }
    qsort(need, PROBE_STORIES, sizeof *need, compare_int64);
    return need[PROBE_STORIES / 5];
}

static int is_test(const BabilongData *d) { return strcmp(d->split, "test") == 0; }

/* The loaded questions of the task, or NULL with err (the generator is qa1-qa5 only). */
static const BabiSet *task_set(const BabilongData *d, int task, DataError *err)
{
    if (task < 1 || task > BABILONG_TASKS) {
        data_error(err, "babilong: bad task %d (1..20)", task);
        return NULL;
    }
    if (!d->have_babi && task > BABI_GENERATED_TASKS) {
        data_error(err, "babilong qa%d: needs the bAbI files (the built-in generator makes qa1-qa5 only)", task);
        return NULL;
    }
    if (d->have_babi && d->babi[task - 1].n_samples == 0) {
        data_error(err, "babilong qa%d: no %s questions loaded for this task (its bAbI file is missing from "
                   "babi-tasks-v1.2/en-10k%s)", task, d->split, strcmp(d->split, "test") ? "" : " and en");
        return NULL;
    }
    return d->have_babi ? &d->babi[task - 1] : NULL;
}

int64_t babilong_min_length(const BabilongData *d, int task, DataError *err)
{
    DataError e = {{0}};
    const BabiSet *set = task_set(d, task, &e);
    if (e.msg[0]) {
        *err = e;
        return -1;
    }
    if (!set) return generated_min_length(task, err);
    if (is_test(d)) return babilong_select_min_length(task, set, babilong_template_len(task), err);
    int64_t min = INT64_MAX;
    for (int i = 0; i < set->n_samples; i++) {
        int64_t n = (int64_t)bare_len(babilong_template_len(task), &set->samples[i]);
        min = n < min ? n : min;
    }
    return min;
}

/* Training questions: the (pick mod n)-th of the split that fits without background, file order. */
static const BabiSample *pick_fitting(const BabiSet *set, int task, int64_t target_len, uint64_t pick,
                                      const char *split, DataError *err)
{
    size_t template = babilong_template_len(task);
    uint64_t n = 0;
    for (int i = 0; i < set->n_samples; i++)
        n += target_len == 0 || (int64_t)bare_len(template, &set->samples[i]) <= target_len;
    for (int i = 0, k = 0; n && i < set->n_samples; i++) {
        if (target_len > 0 && (int64_t)bare_len(template, &set->samples[i]) > target_len) continue;
        if ((uint64_t)k++ == pick % n) return &set->samples[i];
    }
    data_error(err, "babilong qa%d: no %s question fits in %lld bytes (the template alone takes %zu)", task, split,
               (long long)target_len, template);
    return NULL;
}

/* Generated: stories drawn from the key's stream until a picked question fits. */
static int make_generated(const BabilongData *d, int task, int64_t target_len, uint64_t seed, uint64_t key,
                          TextSample *out, DataError *err)
{
    size_t template = babilong_template_len(task);
    Rng r;
    rng_init(&r, seed, STREAM_STORY, key);
    for (int attempt = 0; attempt < GENERATE_TRIES; attempt++) {
        BabiSet set;
        if (babi_generate(task, &r, &set, err)) return -1;
        const BabiSample *s = &set.samples[rng_below(&r, (uint64_t)set.n_samples)];
        int rc = 1; /* does not fit: draw another story */
        if (target_len == 0 || (int64_t)bare_len(template, s) <= target_len)
            rc = babilong_build(d, task, s, target_len, seed, key, out, err);
        babi_free(&set);
        if (rc <= 0) return rc;
    }
    data_error(err, "babilong qa%d: no generated story fits in %lld bytes (the template alone takes %zu)", task,
               (long long)target_len, template);
    return -1;
}

int babilong_make_at(const BabilongData *d, int task, int64_t target_len, uint64_t seed, uint64_t pick,
                     uint64_t key, TextSample *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    DataError e = {{0}};
    const BabiSet *set = task_set(d, task, &e);
    if (e.msg[0] || target_len < 0) {
        if (!e.msg[0]) data_error(&e, "babilong: bad target_len %lld", (long long)target_len);
        *err = e;
        return -1;
    }
    if (!set) return make_generated(d, task, target_len, seed, key, out, err);
    const BabiSample *s = is_test(d) ? babilong_select(task, set, target_len, babilong_template_len(task), pick, err)
                                     : pick_fitting(set, task, target_len, pick, d->split, err);
    return s ? babilong_build(d, task, s, target_len, seed, key, out, err) : -1;
}

int babilong_make(const BabilongData *d, int task, int64_t target_len, uint64_t seed, uint64_t unit,
                  TextSample *out, DataError *err)
{
    return babilong_make_at(d, task, target_len, seed, unit, unit, out, err);
}

/* ---------------------------------------------------------------------------------------------
 * Metric (metrics.py compare_answers) */

/* Is label one of the target's parts (target lower-cased): its comma-separated pieces when it is a
 * list, else the whole target? */
static int is_target_part(const char *target, int list, const char *label)
{
    size_t m = strlen(label);
    for (const char *p = target;;) {
        size_t n = list ? strcspn(p, ",") : strlen(p);
        if (n == m && memcmp(p, label, m) == 0) return 1;
        if (!p[n]) return 0;
        p += n + 1;
    }
}

double babilong_score(const TextSample *s, int task, const char *prediction)
{
    const char *const *labels = babilong_labels(task);
    if (!labels || !s || !s->prompt || s->n_answers < 1 || !prediction) return 0.0;
    const char *question = s->prompt;
    for (const char *q; (q = strstr(question, "\nQuestion: "));) question = q + strlen("\nQuestion: ");
    /* preprocess_output: output.lower(), then the first sentence, and nothing from an imitated
     * <context> or <example> (its split at 'Question' never cuts: the output is lower case) */
    char pbuf[DATA_LOWER_BUF], qbuf[DATA_LOWER_BUF], tbuf[DATA_LOWER_BUF];
    char *out = data_lowered(prediction, strlen(prediction), pbuf);
    char *q = data_lowered(question, strlen(question), qbuf);
    char *target = data_lowered(s->answers[0], strlen(s->answers[0]), tbuf);
    out[strcspn(out, ".")] = 0;
    char *cut = strstr(out, "<context>");
    if (cut) *cut = 0;
    if ((cut = strstr(out, "<example>"))) *cut = 0;
    /* a target with a comma and over 3 characters is a list (qa8 "apple,milk"; not qa19's "s,e"):
     * every part and nothing else must be named */
    int list = strchr(target, ',') && strlen(target) > 3, parts = 1;
    for (const char *c = target; list && (c = strchr(c, ',')); c++) parts++;
    int found = 0, hits = 0;
    for (const char *const *l = labels; *l; l++) {
        if (strstr(q, *l) || !strstr(out, *l)) continue;
        found++;
        hits += is_target_part(target, list, *l);
    }
    data_lower_free(out, pbuf);
    data_lower_free(q, qbuf);
    data_lower_free(target, tbuf);
    return hits == parts && found == parts ? 1.0 : 0.0;
}
