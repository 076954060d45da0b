/* Fuzz target `babilong`: the BABILong build from files (datasets/babilong.c) the way the harness
 * runs it: babilong_data_load_split over a data folder holding one bAbI task file and one Project
 * Gutenberg book (load_book's markers, BOM and CRLF handling, the sentence splitter), then
 * babilong_make for a few units and babilong_score of a prediction against each sample.
 *
 * Input: a first line "TASK TARGET_LEN SEED UNIT" (numbers; task 1..5, target_len below 64K),
 * then the parts, each starting at a line "=== babi", "=== book" or "=== prediction":
 *
 *   2 1500 7 0
 *   === babi
 *   1 Mary went to the kitchen.
 *   ...
 *   === book
 *   *** START OF THE PROJECT GUTENBERG EBOOK ...
 *   ...
 *   === prediction
 *   The apple is in the kitchen.
 *
 * A sample it makes must be a prompt of at most target_len bytes (when target_len > 0) whose
 * context holds every fact, with one answer. */
#include "fuzz.h"

#include "babilong.h"

static const char *const TASK_FILES[5] = {
    "qa1_single-supporting-fact", "qa2_two-supporting-facts", "qa3_three-supporting-facts",
    "qa4_two-arg-relations", "qa5_three-arg-relations",
};

/* The part after the line "=== name" up to the next "=== " line (or the end); NULL if absent. */
static const uint8_t *part(const uint8_t *data, size_t size, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    const uint8_t *end = data + size;
    for (const uint8_t *p = data; p < end;) {
        const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *next = eol ? eol + 1 : end;
        if ((size_t)(end - p) >= 4 + nl && !memcmp(p, "=== ", 4) && !memcmp(p + 4, name, nl) &&
            (p + 4 + nl == end || p[4 + nl] == '\n')) {
            const uint8_t *q = next;
            while (q < end && !((size_t)(end - q) >= 4 && !memcmp(q, "=== ", 4))) {
                const uint8_t *e = memchr(q, '\n', (size_t)(end - q));
                q = e ? e + 1 : end;
            }
            *len = (size_t)(q - next);
            return next;
        }
        p = next;
    }
    return NULL;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(p, 1, n, f) != n) abort();
    if (fclose(f)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the parameters */
    char head[128];
    const uint8_t *eol = memchr(data, '\n', size);
    size_t hl = eol ? (size_t)(eol - data) : size;
    snprintf(head, sizeof head, "%.*s", (int)(hl < sizeof head ? hl : sizeof head - 1), (const char *)data);
    unsigned task = 1, target = 0;
    unsigned long long seed = 0, unit = 0;
    if (sscanf(head, "%u %u %llu %llu", &task, &target, &seed, &unit) < 1) return 0;
    task = (task + 4) % 5 + 1; /* 1..5 stay, anything else wraps */
    target %= 65536;
    /* the data folder */
    size_t babi_len = 0, book_len = 0, pred_len = 0;
    const uint8_t *babi = part(data, size, "babi", &babi_len), *book = part(data, size, "book", &book_len),
                  *pred = part(data, size, "prediction", &pred_len);
    if (!babi || !book) return 0;
    const char *root = fuzz_tree_reset();
    char path[PATH_MAX], name[256];
    mkdir(fuzz_join(path, root, "babi-tasks-v1.2"), 0777);
    mkdir(fuzz_join(path, root, "babi-tasks-v1.2/en-10k"), 0777);
    mkdir(fuzz_join(path, root, "gutenberg-books"), 0777);
    snprintf(name, sizeof name, "babi-tasks-v1.2/en-10k/%s_test.txt", TASK_FILES[task - 1]);
    write_file(fuzz_join(path, root, name), babi, babi_len);
    write_file(fuzz_join(path, root, "gutenberg-books/pg1.txt"), book, book_len);

    BabilongData d;
    DataError err;
    err.msg[0] = '\0';
    if (babilong_data_load_split(root, "test", (int)task, &d, &err) != 0) {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(err.msg[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(d.have_babi && d.n_books == 1 && d.babi[task - 1].n_samples >= 1);
    char *prediction = pred ? fuzz_string(pred, pred_len) : NULL;
    for (uint64_t u = unit; u < unit + 3; u++) {
        TextSample s;
        if (babilong_make(&d, (int)task, (int64_t)target, seed, u, &s, &err) != 0) {
            FUZZ_NOTE("%s", err.msg);
            FUZZ_CHECK(err.msg[0] != '\0');
            continue;
        }
        FUZZ_CHECK(s.prompt && strlen(s.prompt) == s.prompt_len && s.n_answers == 1 && s.answers[0]);
        FUZZ_CHECK(target == 0 || s.prompt_len <= target);
        FUZZ_CHECK(s.depth >= 0.0 && s.depth <= 1.0);
        FUZZ_NOTE("qa%u unit %llu: prompt of %zu bytes", task, (unsigned long long)u, s.prompt_len);
        double score = babilong_score(&s, (int)task, prediction ? prediction : s.answers[0]);
        FUZZ_CHECK(score == 0.0 || score == 1.0);
        text_sample_free(&s);
    }
    free(prediction);
    babilong_data_free(&d);
    return 0;
}
