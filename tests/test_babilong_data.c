/* BABILong and bAbI on the real data in $TITANS_DATA (babi-tasks-v1.2, gutenberg-books); prints a
 * TAP skip without it:
 *  - every bAbI v1.2 file there parses, with known samples of the qa1-qa5 test files;
 *  - the books lose their Project Gutenberg boilerplate and split where untrained Punkt would;
 *  - 0k prompts of real test questions, typed from the doc's templates and the bAbI files;
 *  - unit picks the test questions in file order; lengths fit from 0 to 1M;
 *  - the context is the facts in order among whole book sentences (the last one may be cut);
 *  - a regression pin of one 4K prompt made of real bAbI and book text;
 *  - babilong_data_load_split: the train files of one task, the test split as babilong_data_load. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "babi.h"
#include "babilong.h"
#include "babilong_select.h"

#include "pinned_babilong.h"

static const char *data_dir;
static BabilongData data;

static int setup(void **state)
{
    (void)state;
    DataError err;
    if (babilong_data_load(data_dir, &data, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    babilong_data_free(&data);
    return 0;
}

/* ---- bAbI files -------------------------------------------------------------------------------- */

/* Parses every .txt of a folder; returns how many. */
static int parse_folder(const char *sub)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/babi-tasks-v1.2/%s", data_dir, sub);
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    int files = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        BabiSet s;
        DataError err;
        if (babi_load(path, &s, &err)) fail_msg("%s", err.msg);
        int want = strstr(e->d_name, "_train") && strcmp(sub, "en-10k") == 0 ? 10000 : 1000;
        if (s.n_samples != want) fail_msg("%s: %d questions, want %d", path, s.n_samples, want);
        for (int i = 0; i < s.n_samples; i++) {
            assert_true(s.samples[i].n_facts >= 1 && s.samples[i].n_support >= 1);
            for (int k = 0; k < s.samples[i].n_support; k++)
                assert_true(s.samples[i].support[k] >= 0 && s.samples[i].support[k] < s.samples[i].n_facts);
        }
        babi_free(&s);
        files++;
    }
    closedir(dp);
    return files;
}

static void test_parse_files(void **state)
{
    (void)state;
    assert_int_equal(parse_folder("en"), 40);
    assert_int_equal(parse_folder("en-10k"), 9); /* qa1-qa5 test, qa1 qa2 qa4 qa5 train */
    for (int t = 0; t < BABILONG_TASKS; t++) assert_int_equal(data.babi[t].n_samples, 1000); /* qa6-: en/ */
    const BabiSample *s = &data.babi[0].samples[0]; /* qa1: "1 John travelled to the hallway." ... */
    assert_int_equal(s->n_facts, 2);
    assert_string_equal(s->facts[0], "John travelled to the hallway.");
    assert_string_equal(s->facts[1], "Mary journeyed to the bathroom.");
    assert_string_equal(s->question, "Where is John? ");
    assert_string_equal(s->answer, "hallway");
    assert_int_equal(s->support[0], 0);
    s = &data.babi[1].samples[1]; /* qa2 "8 Where is the football? \thallway\t6 7": question 5 left out */
    assert_int_equal(s->n_facts, 6);
    assert_string_equal(s->facts[4], "John got the football there.");
    assert_string_equal(s->answer, "hallway");
    assert_int_equal(s->n_support, 2);
    assert_int_equal(s->support[0], 4);
    assert_int_equal(s->support[1], 5);
    s = &data.babi[2].samples[0]; /* qa3 "39 Where was the apple before the bathroom? \toffice\t38 25 22" */
    assert_int_equal(s->n_facts, 38);
    assert_string_equal(s->question, "Where was the apple before the bathroom? ");
    assert_string_equal(s->answer, "office");
    assert_int_equal(s->support[0], 37);
    assert_int_equal(s->support[1], 24);
    assert_int_equal(s->support[2], 21);
    s = &data.babi[3].samples[0]; /* qa4 has no space before the tab */
    assert_string_equal(s->question, "What is the bathroom east of?");
    assert_string_equal(s->answer, "bedroom");
    assert_int_equal(s->support[0], 1);
}

/* ---- books --------------------------------------------------------------------------------------- */

/* Index of the sentence of b that starts with prefix, or -1. */
static int sentence_starting(const BabilongBook *b, const char *prefix)
{
    for (int k = 0; k < b->n_sents; k++)
        if (b->sents[k].len >= strlen(prefix) && memcmp(b->text + b->sents[k].off, prefix, strlen(prefix)) == 0)
            return k;
    return -1;
}

static void test_books(void **state)
{
    (void)state;
    /* name order: pg1342, pg1661, pg2701, pg345, pg84, pg98 */
    assert_int_equal(data.n_books, 6);
    for (int i = 0; i < data.n_books; i++) {
        const BabilongBook *b = &data.books[i];
        assert_true(b->len > 400000 && b->n_sents > 2000);
        assert_null(strstr(b->text, "*** START OF"));
        assert_null(strstr(b->text, "*** END OF"));
        assert_null(strchr(b->text, '\r'));
        assert_true(memcmp(b->text, "\xef\xbb\xbf", 3) != 0);
    }
    const BabilongBook *pride = &data.books[0], *moby = &data.books[2];
    assert_null(strstr(pride->text, "End of the Project Gutenberg"));
    /* Pride and Prejudice: the first sentence keeps its line break; the credit line, title and
     * heading before it have no period, so untrained Punkt runs them into the sentence */
    int k = sentence_starting(pride, "Produced by Anonymous Volunteers\n");
    assert_int_equal(k, 0);
    const char *first = "It is a truth universally acknowledged, that a single man in possession\n"
                        "of a good fortune, must be in want of a wife.";
    const BabilongSentence *s = &pride->sents[k];
    assert_true(s->len > strlen(first));
    assert_memory_equal(pride->text + s->off + s->len - strlen(first), first, strlen(first));
    assert_int_equal(sentence_starting(pride, "However little known the feelings"), k + 1);
    /* Moby Dick: "CHAPTER 1." ends at the number before a capital; "Call me Ishmael." is whole */
    k = sentence_starting(moby, "Call me Ishmael.");
    assert_true(k > 0);
    assert_int_equal(moby->sents[k].len, strlen("Call me Ishmael."));
    const char *next = "Some years ago\xe2\x80\x94never mind how long precisely\xe2\x80\x94having\n"
                       "little or no money";
    assert_int_equal(sentence_starting(moby, next), k + 1);
    assert_int_equal(moby->sents[k - 1].len, strlen("Loomings."));
}

/* ---- prompts ------------------------------------------------------------------------------------- */

static const char QA1_0K[] =
    QA1_HEAD
    "John travelled to the hallway. Mary journeyed to the bathroom.\n"
    "</context>\n"
    "\n"
    "Question: Where is John?";

static const char QA4_0K[] =
    "I will give you context with the facts about different people, their location and actions, hidden in some "
    "random text and a question. You need to answer the question based only on the information from the facts.\n"
    "\n"
    "<example>\n"
    "The hallway is south of the kitchen. The bedroom is north of the kitchen. What is the kitchen south of?\n"
    "Answer: bedroom\n"
    "</example>\n"
    "<example>\n"
    "The garden is west of the bedroom. The bedroom is west of the kitchen. What is west of the bedroom?\n"
    "Answer: garden\n"
    "</example>\n"
    "\n"
    "Your answer should contain only one word - location. Do not write anything else after that.\n"
    "\n"
    "<context>\n"
    "The hallway is east of the bathroom. The bedroom is west of the bathroom.\n"
    "</context>\n"
    "\n"
    "Question: What is the bathroom east of?";

static void test_pinned_0k(void **state)
{
    (void)state;
    TextSample s;
    DataError err;
    assert_int_equal(babilong_build(&data, 1, &data.babi[0].samples[0], 0, 1, 0, &s, &err), 0);
    assert_string_equal(s.prompt, QA1_0K);
    assert_string_equal(s.answers[0], "hallway");
    assert_true(babilong_score(&s, 1, "The most recent location of John is hallway.") == 1.0);
    assert_true(babilong_score(&s, 1, "The most recent location of John is bathroom.") == 0.0);
    text_sample_free(&s);
    assert_int_equal(babilong_build(&data, 4, &data.babi[3].samples[0], 0, 1, 0, &s, &err), 0);
    assert_string_equal(s.prompt, QA4_0K);
    assert_true(babilong_score(&s, 4, "bedroom") == 1.0);
    text_sample_free(&s);
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

/* The 0k prompt of each task's first test question, against upstream's own Python: prompts.py
 * get_formatted_input(' '.join(facts), question, **DEFAULT_PROMPTS[task]) hashed with FNV-1a. */
static void test_pinned_upstream(void **state)
{
    (void)state;
    static const struct {
        int task;
        uint64_t fnv;
        size_t len;
        const char *answer;
    } pins[] = {
        {1, 0x6995573221064ca5ull, 925, "hallway"},     {2, 0x1f1753a30685dd44ull, 1077, "hallway"},
        {3, 0xcc6ddab01f983efaull, 2317, "office"},     {4, 0xee9fe7bd26cad398ull, 719, "bedroom"},
        {5, 0xe223620a41a74362ull, 978, "football"},    {6, 0x3831d79c2768b298ull, 818, "no"},
        {7, 0x292c4842c241b6efull, 909, "one"},         {8, 0xe58970cee4fb278aull, 975, "milk"},
        {9, 0x517b83357fc7cd56ull, 781, "no"},          {10, 0x794efe687c32e92dull, 916, "no"},
        {11, 0x2b963a9017c4fee0ull, 1106, "garden"},    {12, 0xf3db9a9ce7022fe7ull, 1202, "bedroom"},
        {13, 0x074c54b9a205ab51ull, 1189, "bathroom"},  {14, 0xc3d6e613f62a6a97ull, 1417, "kitchen"},
        {15, 0x6da81d5fb802e203ull, 1253, "wolf"},      {16, 0x334c6d42fc326c3dull, 1179, "white"},
        {17, 0xf794c87b38ee64a5ull, 1044, "no"},        {18, 0xbb174765d9764952ull, 1607, "no"},
        {19, 0x23c33075c7205211ull, 1425, "s,s"},       {20, 0x2cae9e8de1b1ea32ull, 947, "kitchen"},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        int t = pins[i].task;
        TextSample s;
        DataError err;
        if (babilong_build(&data, t, &data.babi[t - 1].samples[0], 0, 1, 0, &s, &err)) fail_msg("%s", err.msg);
        if (s.prompt_len != pins[i].len || fnv1a(s.prompt, s.prompt_len) != pins[i].fnv)
            fail_msg("qa%d 0k: %zu bytes fnv1a %016llx, upstream %zu bytes %016llx", t, s.prompt_len,
                     (unsigned long long)fnv1a(s.prompt, s.prompt_len), pins[i].len, (unsigned long long)pins[i].fnv);
        assert_string_equal(s.answers[0], pins[i].answer);
        assert_true(babilong_score(&s, t, pins[i].answer) == 1.0);
        text_sample_free(&s);
    }
}

/* Pick k of a cell is the (k mod m)-th listed question that passes the line filter, list order:
 * qa1-qa5 upstream's test_100_idxs.json (spot values pinned from the file), qa6-qa20 a fixed draw. */
static void test_selection(void **state)
{
    (void)state;
    static const int first[5][3] = {{1, 4, 10}, {8, 17, 20}, {15, 37, 50}, {0, 8, 10}, {3, 13, 36}};
    for (int t = 1; t <= BABILONG_TASKS; t++) {
        int list[BABILONG_SAMPLES];
        DataError err;
        assert_int_equal(babilong_test_list(t, &data.babi[t - 1], list, &err), BABILONG_SAMPLES);
        for (int i = 1; i < BABILONG_SAMPLES; i++) assert_true(list[i - 1] < list[i] && list[i] < 1000);
        if (t <= 5)
            for (int i = 0; i < 3; i++) assert_int_equal(list[i], first[t - 1][i]);
        for (uint64_t pick = 0; pick < 250; pick += 49) { /* 0k: every listed question, wrapping */
            TextSample a, b;
            assert_int_equal(babilong_make_at(&data, t, 0, 3, pick, 77, &a, &err), 0);
            const BabiSample *q = &data.babi[t - 1].samples[list[pick % BABILONG_SAMPLES]];
            assert_int_equal(babilong_build(&data, t, q, 0, 3, 77, &b, &err), 0);
            assert_string_equal(a.prompt, b.prompt);
            text_sample_free(&a);
            text_sample_free(&b);
        }
        /* at 2K: only questions of at most (2048 - template) / 8 lines, each of them in turn */
        size_t template = babilong_template_len(t);
        int64_t max = babilong_max_lines(2048, template);
        int m = 0;
        for (int i = 0; i < BABILONG_SAMPLES; i++) m += babilong_lines(&data.babi[t - 1].samples[list[i]]) <= max;
        const BabiSample *prev = NULL;
        for (int k = 0; k < m + 1 && m > 0; k++) {
            const BabiSample *q = babilong_select(t, &data.babi[t - 1], 2048, template, (uint64_t)k, &err);
            assert_non_null(q);
            assert_true(babilong_lines(q) <= max);
            assert_true(k == m ? q == babilong_select(t, &data.babi[t - 1], 2048, template, 0, &err) : q != prev);
            prev = q;
        }
        if (t == 3) printf("# qa3 at 2K: %d of 100 listed questions pass (max %lld lines)\n", m, (long long)max);
    }
}

/* ---- lengths and structure ------------------------------------------------------------------------ */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A prompt is the target length (a cut sentence: up to 16 bytes less), or, when the facts alone
 * overflow the budget, the facts without background (upstream's filter admits such samples). */
static void test_lengths(void **state)
{
    (void)state;
    static const int64_t targets[] = {0, 2048, 4096, 65536, 1 << 20};
    int over = 0;
    for (int t = 1; t <= BABILONG_TASKS; t++)
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
            TextSample s, bare;
            DataError err;
            double t0 = seconds();
            if (babilong_make_at(&data, t, targets[i], 5, 9, 9, &s, &err)) fail_msg("%s", err.msg);
            assert_true(seconds() - t0 < 1.0);
            assert_int_equal(strlen(s.prompt), s.prompt_len);
            const BabiSample *q =
                babilong_select(t, &data.babi[t - 1], targets[i], babilong_template_len(t), 9, &err);
            assert_int_equal(babilong_build(&data, t, q, 0, 5, 9, &bare, &err), 0);
            if (targets[i] > 0 && bare.prompt_len <= (size_t)targets[i]) {
                assert_true((int64_t)s.prompt_len <= targets[i]);
                assert_true((int64_t)s.prompt_len >= targets[i] - 16);
            } else if (targets[i] > 0) {
                assert_string_equal(s.prompt, bare.prompt);
                over++;
            }
            text_sample_free(&s);
            text_sample_free(&bare);
        }
    assert_true(over > 0 && over < 20); /* some long stories overflow 2K and 4K, none beyond */
    /* qa3's template alone is longer than 1K: no question passes */
    TextSample s;
    DataError err;
    assert_int_equal(babilong_make_at(&data, 3, 1024, 5, 9, 9, &s, &err), -1);
    assert_non_null(strstr(err.msg, "qa3: none of the 100 listed test questions has at most 0 lines"));
}

/* babilong_data_load_split: the train files for one task; the test split is babilong_data_load's. */
static void test_split(void **state)
{
    (void)state;
    BabilongData d;
    DataError err;
    TextSample s;
    if (babilong_data_load_split(data_dir, "train", 1, &d, &err)) fail_msg("%s", err.msg);
    assert_string_equal(d.split, "train");
    assert_int_equal(d.babi[0].n_samples, 10000);
    assert_int_equal(d.babi[1].n_samples, 0);
    assert_int_equal(d.n_books, data.n_books);
    /* unit 0 at 0k: the first train question ("3 Where is Mary? \tbathroom\t1") */
    assert_int_equal(babilong_make(&d, 1, 0, 5, 0, &s, &err), 0);
    assert_string_equal(s.answers[0], "bathroom");
    assert_non_null(strstr(s.prompt, "<context>\nMary moved to the bathroom. John went to the hallway.\n</context>"));
    assert_true(babilong_score(&s, 1, " bathroom.") == 1.0);
    text_sample_free(&s);
    assert_int_equal(babilong_make(&d, 2, 0, 5, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "qa2: no train questions loaded"));
    babilong_data_free(&d);

    if (babilong_data_load_split(data_dir, "test", 0, &d, &err)) fail_msg("%s", err.msg);
    for (int t = 0; t < BABILONG_TASKS; t++) assert_int_equal(d.babi[t].n_samples, data.babi[t].n_samples);
    assert_string_equal(d.split, "test");
    assert_string_equal(data.split, "test");
    babilong_data_free(&d);

    assert_int_equal(babilong_data_load_split(data_dir, "validation", 0, &d, &err), -1);
    assert_non_null(strstr(err.msg, "split 'validation' is not train or test"));
    assert_int_equal(babilong_data_load_split(data_dir, "train", 21, &d, &err), -1);
    assert_non_null(strstr(err.msg, "bad task 21"));
}

/* Length of the longest whole (or, when cut, proper prefix of a) usable book sentence at ctx[i..n)
 * followed by a space or the end. */
static size_t book_sentence(const char *ctx, size_t i, size_t n, int cut)
{
    size_t best = 0;
    for (int b = 0; b < data.n_books; b++) {
        const BabilongBook *bk = &data.books[b];
        for (int k = 0; k < bk->n_sents; k++) {
            const char *sent = bk->text + bk->sents[k].off;
            size_t len = bk->sents[k].len;
            if (!bk->sents[k].ok || ctx[i] != sent[0]) continue;
            if (cut) {
                size_t m = 0;
                while (m < len && i + m < n && ctx[i + m] == sent[m]) m++;
                while (m > 0 && (ctx[i + m - 1] == ' ' || ctx[i + m - 1] == '\n')) m--;
                if (m < len && (i + m == n || ctx[i + m] == ' ') && m > best) best = m;
            } else if (len <= n - i && memcmp(ctx + i, sent, len) == 0 && (i + len == n || ctx[i + len] == ' ')) {
                return len;
            }
        }
    }
    return best;
}

/* The facts of q, in order, among whole book sentences; one cut sentence at most, after which
 * only facts follow. */
static void check_context(const char *prompt, const BabiSample *q)
{
    const char *ctx = strstr(prompt, "\n\n<context>\n") + strlen("\n\n<context>\n");
    size_t n = (size_t)(strstr(ctx, "\n</context>\n\nQuestion: ") - ctx);
    int f = 0, cut = 0, pieces = 0;
    for (size_t i = 0; i < n;) {
        size_t len = f < q->n_facts ? strlen(q->facts[f]) : 0;
        if (len && len <= n - i && memcmp(ctx + i, q->facts[f], len) == 0 && (i + len == n || ctx[i + len] == ' ')) {
            f++;
        } else {
            assert_false(cut);
            len = book_sentence(ctx, i, n, 0);
            if (!len) {
                len = book_sentence(ctx, i, n, 1);
                cut = 1;
            }
            if (!len) fail_msg("not a book sentence: \"%.60s\"", ctx + i);
            pieces++;
        }
        i += len;
        if (i < n) {
            assert_int_equal(ctx[i], ' ');
            i++;
        }
    }
    assert_int_equal(f, q->n_facts);
    assert_true(pieces > 0);
}

static void test_context_structure(void **state)
{
    (void)state;
    for (int t = 1; t <= 5; t++)
        for (uint64_t unit = 0; unit < 3; unit++) {
            const BabiSample *q = &data.babi[t - 1].samples[unit * 7];
            TextSample s;
            DataError err;
            if (babilong_build(&data, t, q, 16384, 21, unit, &s, &err)) fail_msg("%s", err.msg);
            check_context(s.prompt, q);
            text_sample_free(&s);
        }
}

/* 64-bit FNV-1a */
/* Regression pin, computed by this implementation: a change means the samples changed. */
static void test_regression_pin(void **state)
{
    (void)state;
    TextSample s;
    DataError err;
    assert_int_equal(babilong_make_at(&data, 2, 4096, 1, 0, 0, &s, &err), 0);
    check_context(s.prompt, &data.babi[1].samples[8]); /* the list's first: test question 8 */
    assert_int_equal(s.prompt_len, 4096);
    uint64_t h = fnv1a(s.prompt, s.prompt_len);
    if (h != 0x38fd74017af12f6dull) fail_msg("qa2 4K seed 1 pick 0 key 0: fnv1a %016llx", (unsigned long long)h);
    text_sample_free(&s);
}

/* The files this test needs, under dir. */
static int have_data(const char *dir)
{
    static const char *const need[] = {
        "babi-tasks-v1.2/en/qa1_single-supporting-fact_test.txt",
        "babi-tasks-v1.2/en-10k/qa1_single-supporting-fact_test.txt",
        "babi-tasks-v1.2/en-10k/qa5_three-arg-relations_test.txt",
        "gutenberg-books/pg2701_moby_dick.txt",
        "gutenberg-books/pg1342_pride_and_prejudice.txt",
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        char path[8192];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, need[i]);
        if (stat(path, &st) != 0) return 0;
    }
    return 1;
}

int main(void)
{
    data_dir = getenv("TITANS_DATA");
    if (!data_dir || !have_data(data_dir)) {
        printf("1..0 # SKIP no data directory (set TITANS_DATA)\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_files),       cmocka_unit_test(test_books),
        cmocka_unit_test(test_pinned_0k),         cmocka_unit_test(test_pinned_upstream),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_lengths),           cmocka_unit_test(test_context_structure),
        cmocka_unit_test(test_regression_pin),    cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests_name("babilong_data", tests, setup, teardown);
}
