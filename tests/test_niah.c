/* Unit tests of datasets/niah.c with the built-in data and a tiny data directory made here: exact
 * prompts written out by hand from RULER's templates, length fitting, depth, determinism, the
 * metric and the load errors. The keys and values in the pinned prompts are our Philox draws for
 * (seed 1, unit 0); everything around them is RULER's text. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "niah.h"

#define NOISE                                                                                     \
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again."
#define HEAD(T)                                                                                   \
    "A special magic " T " is hidden within the following text. Make sure to memorize it. I "    \
    "will quiz you about the " T " afterwards.\n"
#define TAIL(T, K)                                                                                \
    "\nWhat is the special magic " T " for " K " mentioned in the provided text? The special "  \
    "magic " T " for " K " mentioned in the provided text is"
#define UUID1 "7f04fcae-f481-4777-8a90-678f518c9ec3" /* (seed 1, unit 0) */
#define NUM1 "6341367"                              /* (seed 1, unit 0) */

/* The tiny corpus: a.txt then b.txt (sorted), NBSP and tab as whitespace, glued at the seam. */
static const char ESSAY_A[] = "First essay here.  Mr. Smith\tsaw it\xc2\xa0" "all!\n";
static const char ESSAY_B[] = "Was it 3. not 4? Second file.\n";
#define CORPUS "First essay here. Mr. Smith saw it all! Was it 3. not 4? Second file."

typedef struct {
    NiahData *builtin, *tiny;
    char root[64]; /* the tiny data directory */
} Fixture;

/* ---- files ------------------------------------------------------------------------------- */

static void write_file(const char *root, const char *rel, const char *text, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) { /* mkdir -p */
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *root, const char *rel, const char *text)
{
    write_file(root, rel, text, strlen(text));
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

/* A valid data directory; callers then break one file. */
static void make_data_dir(const char *root)
{
    write_text(root, NIAH_ADJECTIVES, "quick\nlazy \n");
    write_text(root, NIAH_NOUNS, "fox\ndog\nfox\n");
    write_text(root, NIAH_ESSAYS "/a.txt", ESSAY_A);
    write_text(root, NIAH_ESSAYS "/b.txt", ESSAY_B);
    write_text(root, NIAH_ESSAYS "/notes.md", "not an essay.");
    write_text(root, NIAH_ESSAYS "/.hidden.txt", "not an essay either.");
}

static int setup(void **st)
{
    Fixture *f = calloc(1, sizeof *f);
    DataError err;
    if (!f) return -1;
    *st = f;
    strcpy(f->root, "/tmp/test_niah_XXXXXX");
    if (!mkdtemp(f->root)) return -1;
    make_data_dir(f->root);
    if (niah_data_builtin(&f->builtin)) return -1;
    if (niah_data_load(f->root, &f->tiny, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **st)
{
    Fixture *f = *st;
    niah_data_free(f->builtin);
    niah_data_free(f->tiny);
    if (f->root[0]) remove_tree(f->root);
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static TextSample make(const NiahData *d, NiahTask t, int64_t len, double depth, uint64_t seed,
                       uint64_t unit)
{
    TextSample s;
    DataError err;
    if (niah_make(d, t, len, depth, seed, unit, &s, &err)) fail_msg("%s", err.msg);
    assert_int_equal(strlen(s.prompt), s.prompt_len);
    assert_true((int64_t)s.prompt_len <= len);
    assert_int_equal(s.target_len, len);
    assert_int_equal(s.n_answers, 1);
    assert_int_equal(s.max_new, NIAH_MAX_NEW);
    return s;
}

/* The prompt for target_len = its own length must come back byte for byte (unit 0 is the
 * sizing probe, so it gets the largest haystack that fits). */
static void expect_prompt(const NiahData *d, NiahTask t, double depth, const char *expected,
                          const char *answer)
{
    TextSample s = make(d, t, (int64_t)strlen(expected), depth, 1, 0);
    assert_string_equal(s.prompt, expected);
    assert_string_equal(s.answers[0], answer);
    text_sample_free(&s);
}

static void expect_error(const NiahData *d, NiahTask t, int64_t len, double depth,
                         const char *part)
{
    TextSample s;
    DataError err;
    assert_int_equal(niah_make(d, t, len, depth, 1, 0, &s, &err), -1);
    assert_null(s.prompt);
    if (!strstr(err.msg, part)) fail_msg("error '%s' lacks '%s'", err.msg, part);
}

static void expect_too_short(const NiahData *d, NiahTask t, int64_t len, double depth, uint64_t unit)
{
    TextSample s;
    DataError err;
    assert_int_equal(niah_make(d, t, len, depth, 5, unit, &s, &err), -1);
    if (!strstr(err.msg, "is too short")) fail_msg("error '%s' lacks 'is too short'", err.msg);
}

/* Where the needle starts, as a fraction of the context between the template's two lines. */
static double needle_depth(const TextSample *s)
{
    const char *nl = strchr(s->prompt, '\n'), *end = strrchr(s->prompt, '\n');
    const char *needle = strstr(s->prompt, "One of the special magic");
    assert_non_null(needle);
    return (double)(needle - (nl + 1)) / (double)(end - (nl + 1));
}

/* ---- exact prompts ----------------------------------------------------------------------- */

static void test_noise_prompts_are_rulers_template(void **st)
{
    const NiahData *d = ((Fixture *)*st)->builtin;
    const char *needle = "One of the special magic numbers for full-barn is: " NUM1 ".";
    char mid[2048], first[2048], last[2048];
    snprintf(mid, sizeof mid, "%s%s\n%s\n%s%s", HEAD("number"), NOISE, needle, NOISE,
             TAIL("number", "full-barn"));
    snprintf(first, sizeof first, "%s%s\n%s\n%s\n%s%s", HEAD("number"), needle, NOISE, NOISE,
             NOISE, TAIL("number", "full-barn"));
    snprintf(last, sizeof last, "%s%s\n%s%s", HEAD("number"), NOISE, needle,
             TAIL("number", "full-barn"));
    expect_prompt(d, NIAH_S1, 0.5, mid, NUM1);
    expect_prompt(d, NIAH_S1, 0.0, first, NUM1);
    expect_prompt(d, NIAH_S1, 1.0, last, NUM1);

    /* the same prompt while the next line does not fit: 89 spare bytes */
    TextSample s = make(d, NIAH_S1, (int64_t)strlen(mid) + 89, 0.5, 1, 0);
    assert_string_equal(s.prompt, mid);
    text_sample_free(&s);
}

static void test_essay_prompts_are_rulers_template(void **st)
{
    const NiahData *d = ((Fixture *)*st)->tiny;
    const char *num = "One of the special magic numbers for lazy-fox is: " NUM1 ".";
    const char *uuid = "One of the special magic uuids for lazy-fox is: " UUID1 ".";
    char p[2048];

    /* 12 words, 3 sentences ("Mr." and "3." end none): int(3 * 0.5) = 1 */
    snprintf(p, sizeof p, "%sFirst essay here. %s Mr. Smith saw it all! Was it 3. not 4?%s",
             HEAD("number"), num, TAIL("number", "lazy-fox"));
    expect_prompt(d, NIAH_S2, 0.5, p, NUM1);

    /* depth 0: RULER joins an empty first piece, so the context starts with a space */
    snprintf(p, sizeof p, "%s %s %s%s", HEAD("uuid"), uuid, CORPUS, TAIL("uuid", "lazy-fox"));
    expect_prompt(d, NIAH_S3, 0.0, p, UUID1);

    /* 18 words: the word list repeats; 5 sentences, depth 1 = after the last, then a space */
    snprintf(p, sizeof p, "%s%s First essay here. %s %s", HEAD("number"), CORPUS, num,
             TAIL("number", "lazy-fox"));
    expect_prompt(d, NIAH_S2, 1.0, p, NUM1);

    /* the same 18 words, int(5 * 0.75) = 3: before "Second file." */
    snprintf(p, sizeof p,
             "%sFirst essay here. Mr. Smith saw it all! Was it 3. not 4? %s Second file. First "
             "essay here.%s",
             HEAD("number"), num, TAIL("number", "lazy-fox"));
    expect_prompt(d, NIAH_S2, 0.75, p, NUM1);
}

static void test_values_keys_and_streams(void **st)
{
    Fixture *f = *st;
    TextSample a = make(f->builtin, NIAH_S1, 1000, 0.5, 42, 7);
    assert_string_equal(a.answers[0], "9196701");
    assert_non_null(strstr(a.prompt, "for rough-drum is: 9196701.\n"));
    text_sample_free(&a);

    for (uint64_t u = 0; u < 200; u++) {
        TextSample n = make(f->tiny, NIAH_S2, 500, 0.5, 5, u);
        TextSample q = make(f->tiny, NIAH_S3, 500, 0.5, 5, u);
        const char *v = q.answers[0];
        assert_int_equal(strlen(n.answers[0]), 7);
        assert_true(n.answers[0][0] >= '1' && strspn(n.answers[0], "0123456789") == 7);
        assert_int_equal(strlen(v), 36);
        for (int i = 0; i < 36; i++)
            assert_true(i == 8 || i == 13 || i == 18 || i == 23
                            ? v[i] == '-'
                            : strchr("0123456789abcdef", v[i]) != NULL);
        assert_true(v[14] == '4' && strchr("89ab", v[19]));
        /* the key stream is shared: both tasks ask for the same key */
        const char *kn = strstr(n.prompt, "What is the special magic number for ") + 37;
        const char *kq = strstr(q.prompt, "What is the special magic uuid for ") + 35;
        assert_memory_equal(kn, kq, strcspn(kn, " "));
        text_sample_free(&n);
        text_sample_free(&q);
    }
    assert_int_equal(niah_data_key_count(f->tiny), 4); /* lazy, quick x dog, fox */
    assert_int_equal(niah_data_essay_words(f->tiny), 15);
    assert_int_equal(niah_data_essay_words(f->builtin), 0);
    assert_true(niah_data_key_count(f->builtin) > 10000);
}

/* ---- length, depth, determinism ---------------------------------------------------------- */

static void test_length_fits_the_target(void **st)
{
    Fixture *f = *st;
    const int64_t lens[] = {1024, 4096, 65536, 1 << 20};
    for (int i = 0; i < 4; i++) {
        for (int t = NIAH_S1; t <= NIAH_S3; t++) { /* the single-needle tasks */
            const NiahData *d = t == NIAH_S1 ? f->builtin : f->tiny;
            for (double depth = 0; depth <= 1; depth += 0.25) {
                TextSample s = make(d, (NiahTask)t, lens[i], depth, 3, 0);
                /* the probe (unit 0): short by less than one noise line (90 bytes) or the next
                 * word + 2 (<= 8) */
                int64_t spare = lens[i] - (int64_t)s.prompt_len;
                assert_true(spare < (t == NIAH_S1 ? 90 : 8));
                text_sample_free(&s);
            }
        }
    }
    for (uint64_t u = 0; u < 300; u++) { /* odd targets and depths */
        int64_t len = 600 + (int64_t)(u * 7919 % 20000);
        double depth = (double)(u % 101) / 100;
        TextSample s = make(f->builtin, NIAH_S1, len, depth, 9, 0);
        TextSample e = make(f->tiny, NIAH_S3, len, depth, 9, 0);
        assert_true(len - (int64_t)s.prompt_len < 90 && len - (int64_t)e.prompt_len < 8);
        text_sample_free(&s);
        text_sample_free(&e);
    }
}

/* niah_min_length: every sample fits at it (any unit and depth), and it is tight: a sample with the
 * longest key ("quick-" in the tiny list) needs all of it. */
static void test_min_length(void **st)
{
    Fixture *f = *st;
    DataError err;
    for (int t = NIAH_S1; t <= NIAH_S3; t++) { /* the single-needle tasks */
        int64_t min = niah_min_length(f->tiny, (NiahTask)t, &err);
        assert_true(min > 0);
        int tight = 0;
        for (uint64_t u = 0; u < 200; u++) {
            double depth = u % 3 == 0 ? -1.0 : (double)(u % 11) / 10;
            TextSample s = make(f->tiny, (NiahTask)t, min, depth, 5, u);
            if (strstr(s.prompt, "quick-") && !tight++) expect_too_short(f->tiny, (NiahTask)t, min - 1, depth, u);
            text_sample_free(&s);
        }
        assert_true(tight > 0);
    }
    int64_t builtin = niah_min_length(f->builtin, NIAH_S1, &err);
    for (uint64_t u = 0; u < 200; u++) {
        TextSample s = make(f->builtin, NIAH_S1, builtin, -1.0, 7, u);
        text_sample_free(&s);
    }
    assert_int_equal(niah_min_length(f->builtin, NIAH_S2, &err), -1);
    assert_non_null(strstr(err.msg, "s-niah-2 needs the essay haystack"));
}

static void test_one_megabyte_is_fast(void **st)
{
    Fixture *f = *st;
    clock_t t0 = clock();
    TextSample n = make(f->builtin, NIAH_S1, 1000000, 0.3, 1, 0);
    TextSample e = make(f->tiny, NIAH_S2, 1000000, 0.3, 1, 0);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 0.5);
    assert_true(n.prompt_len > 1000000 - 90 && e.prompt_len > 1000000 - 8);
    text_sample_free(&n);
    text_sample_free(&e);
}

static void test_needle_sits_at_the_depth(void **st)
{
    Fixture *f = *st;
    for (int i = 0; i <= 20; i++) {
        double depth = i / 20.0;
        TextSample n = make(f->builtin, NIAH_S1, 65536, depth, 1, (uint64_t)i);
        TextSample e = make(f->tiny, NIAH_S2, 65536, depth, 1, (uint64_t)i);
        assert_true(fabs(needle_depth(&n) - depth) < 0.005); /* one line in ~65K */
        assert_true(fabs(needle_depth(&e) - depth) < 0.01);  /* sentences of 3-5 words */
        assert_true(n.depth == depth && e.depth == depth);
        text_sample_free(&n);
        text_sample_free(&e);
    }
}

static void test_random_depth_is_rulers_draw(void **st)
{
    Fixture *f = *st;
    /* RULER's DEPTHS = round(linspace(0, 100, 40)) */
    static const int depths[40] = {0,  3,  5,  8,  10, 13, 15, 18, 21, 23, 26, 28, 31, 33,
                                   36, 38, 41, 44, 46, 49, 51, 54, 56, 59, 62, 64, 67, 69,
                                   72, 74, 77, 79, 82, 85, 87, 90, 92, 95, 97, 100};
    int seen[40] = {0}, distinct = 0;
    for (uint64_t u = 0; u < 400; u++) {
        TextSample e = make(f->tiny, NIAH_S2, 8192, -1, 2, u);
        int i = 0;
        while (i < 40 && e.depth != depths[i] / 100.0) i++;
        assert_true(i < 40);
        distinct += !seen[i]++;
        TextSample n = make(f->builtin, NIAH_S1, 8192, -1, 2, u);
        assert_true(n.depth >= 0 && n.depth < 1); /* RULER's index is in [0, N) */
        assert_true(fabs(needle_depth(&n) - n.depth) < 0.02);
        text_sample_free(&e);
        text_sample_free(&n);
    }
    assert_true(distinct > 35); /* of the 40 depths */
}

static void test_same_seed_and_unit_give_the_same_bytes(void **st)
{
    Fixture *f = *st;
    for (int t = NIAH_S1; t <= NIAH_S3; t++) { /* the single-needle tasks */
        const NiahData *d = t == NIAH_S1 ? f->builtin : f->tiny;
        TextSample a = make(d, (NiahTask)t, 5000, -1, 11, 3);
        TextSample b = make(d, (NiahTask)t, 5000, -1, 11, 3);
        TextSample c = make(d, (NiahTask)t, 5000, -1, 11, 4);
        TextSample e = make(d, (NiahTask)t, 5000, -1, 12, 3);
        assert_int_equal(a.prompt_len, b.prompt_len);
        assert_memory_equal(a.prompt, b.prompt, a.prompt_len);
        assert_string_equal(a.answers[0], b.answers[0]);
        assert_true(a.depth == b.depth);
        assert_string_not_equal(a.answers[0], c.answers[0]);
        assert_string_not_equal(a.answers[0], e.answers[0]);
        text_sample_free(&a);
        text_sample_free(&b);
        text_sample_free(&c);
        text_sample_free(&e);
    }
}

/* ---- metric and names -------------------------------------------------------------------- */

static void test_score_is_string_match_all(void **st)
{
    (void)st;
    char a0[] = "7F04fcae-f481-4777-8a90-678f518c9ec3", a1[] = "6341367";
    char *answers[] = {a0, a1};
    TextSample s = {.answers = answers, .n_answers = 1};
    assert_true(niah_score(&s, " 7f04fcae-f481-4777-8a90-678f518c9ec3.") == 1.0);
    assert_true(niah_score(&s, "is: 7F04FCAE-F481-4777-8A90-678F518C9EC3\n\nand more") == 1.0);
    assert_true(niah_score(&s, "7f04fcae-f481-4777-8a90-678f518c9ec") == 0.0);
    assert_true(niah_score(&s, "") == 0.0);
    s.n_answers = 2;
    assert_true(niah_score(&s, "6341367 and then 7f04fcae-f481-4777-8a90-678f518c9ec3") == 1.0);
    assert_true(niah_score(&s, " 6341367.") == 0.5);
    assert_true(niah_score(&s, "634 1367") == 0.0);
}

static void test_task_names(void **st)
{
    (void)st;
    NiahTask t;
    DataError err;
    assert_int_equal(niah_task_parse("s-niah-2", &t, &err), 0);
    assert_int_equal(t, NIAH_S2);
    assert_int_equal(niah_task_parse("niah_single_3", &t, &err), 0);
    assert_int_equal(t, NIAH_S3);
    assert_string_equal(niah_task_name(NIAH_S1), "s-niah-1");
    assert_int_equal(niah_task_parse("s-niah-4", &t, &err), -1);
    assert_non_null(strstr(err.msg, "'s-niah-4'"));
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_bad_requests_are_errors(void **st)
{
    Fixture *f = *st;
    expect_error(f->builtin, NIAH_S2, 4096, 0.5, "s-niah-2 needs the essay haystack");
    expect_error(f->builtin, NIAH_S3, 4096, 0.5, NIAH_ESSAYS);
    expect_error(f->builtin, NIAH_S1, 300, 0.5, "s-niah-1: target_len 300 is too short");
    expect_error(f->tiny, NIAH_S2, 250, 0.5, "too short");
    expect_error(f->builtin, NIAH_S1, 4096, 1.5, "depth");
    expect_error(f->builtin, NIAH_S1, 4096, NAN, "depth");
    expect_error(f->builtin, NIAH_S1, 0, 0.5, "target_len");
}

#define LIT(s) s, sizeof s - 1

/* Break one file of a fresh data directory (text NULL: remove it); the error must name it. */
static void expect_load_error(const char *rel, const char *text, size_t len, const char *part)
{
    char root[] = "/tmp/test_niah_bad_XXXXXX";
    assert_non_null(mkdtemp(root));
    make_data_dir(root);
    if (rel) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        if (text) write_file(root, rel, text, len);
        else remove_tree(path);
    }
    NiahData *d = (NiahData *)1;
    DataError err;
    int rc = niah_data_load(root, &d, &err);
    remove_tree(root);
    assert_int_equal(rc, -1);
    assert_null(d);
    if (!strstr(err.msg, part)) fail_msg("error '%s' lacks '%s'", err.msg, part);
}

static void test_bad_data_directories_are_errors(void **st)
{
    (void)st;
    NiahData *d;
    DataError err;
    assert_int_equal(niah_data_load("/nonexistent/titans", &d, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/titans/" NIAH_ADJECTIVES ": cannot open"));

    expect_load_error(NIAH_NOUNS, NULL, 0, NIAH_NOUNS ": cannot open");
    expect_load_error(NIAH_ADJECTIVES, LIT("quick\n\nlazy\n"), "adjectivelist.txt:2: empty line");
    expect_load_error(NIAH_NOUNS, LIT("fox\ndo\x01g\n"), "nounlist.txt:2: control character");
    expect_load_error(NIAH_NOUNS, LIT("f\xffox\n"), "nounlist.txt:1: invalid UTF-8");
    expect_load_error(NIAH_NOUNS, LIT(""), "nounlist.txt: no words");
    expect_load_error(NIAH_ESSAYS, NULL, 0, NIAH_ESSAYS ": cannot open directory");
    expect_load_error(NIAH_ESSAYS "/b.txt", LIT("Was it\0 4?"), "/b.txt:1: NUL byte");
    expect_load_error(NIAH_ESSAYS "/c.txt", LIT("two\nlines \xe2\x80"), "/c.txt:2: invalid UTF-8");

    char root[] = "/tmp/test_niah_bad_XXXXXX"; /* essays that are all whitespace */
    assert_non_null(mkdtemp(root));
    make_data_dir(root);
    write_text(root, NIAH_ESSAYS "/a.txt", " \n\t");
    write_text(root, NIAH_ESSAYS "/b.txt", "\xc2\xa0\n");
    int rc = niah_data_load(root, &d, &err);
    remove_tree(root);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "the essays hold no words"));

    char empty[] = "/tmp/test_niah_bad_XXXXXX"; /* an essay directory without .txt files */
    assert_non_null(mkdtemp(empty));
    make_data_dir(empty);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/%s/a.txt", empty, NIAH_ESSAYS);
    snprintf(b, sizeof b, "%s/%s/b.txt", empty, NIAH_ESSAYS);
    unlink(a);
    unlink(b);
    rc = niah_data_load(empty, &d, &err);
    remove_tree(empty);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, NIAH_ESSAYS ": no .txt essay files"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noise_prompts_are_rulers_template),
        cmocka_unit_test(test_essay_prompts_are_rulers_template),
        cmocka_unit_test(test_values_keys_and_streams),
        cmocka_unit_test(test_length_fits_the_target),
        cmocka_unit_test(test_min_length),
        cmocka_unit_test(test_one_megabyte_is_fast),
        cmocka_unit_test(test_needle_sits_at_the_depth),
        cmocka_unit_test(test_random_depth_is_rulers_draw),
        cmocka_unit_test(test_same_seed_and_unit_give_the_same_bytes),
        cmocka_unit_test(test_score_is_string_match_all),
        cmocka_unit_test(test_task_names),
        cmocka_unit_test(test_bad_requests_are_errors),
        cmocka_unit_test(test_bad_data_directories_are_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
