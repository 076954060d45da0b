/* RULER's qa_1 (SQuAD) and qa_2 (HotpotQA), datasets/ruler_qa.c: prompts pinned against RULER's
 * own qa.py, string_match_part, lengths, and the reader's errors.
 *
 * The pins are the byte length and FNV-1a 64 hash of what scripts/ruler/qa_reference.py printed
 * running upstream's qa.py (commit c3f5e3b) with a byte tokenizer and our draws on the small
 * files this test writes (RULER_QA_KEEP=1 keeps them and prints where), for the same (seed,
 * pick, unit) at RULER's max_seq_length = target_len + 32:
 *   scripts/ruler/qa_reference.py RULER_GIT squad DIR/ruler-qa/squad.json TARGET SEED PICK UNIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "niah.h"
#include "testhelp.h"

typedef struct {
    NiahTask task;
    uint64_t seed, pick, unit;
    int64_t target;
    size_t len;
    uint64_t hash;
    const char *answers; /* '|'-joined */
} Pin;

/* What each pin takes (N documents; SQuAD here has 17 distinct, HotpotQA 20), as RULER's trace
 * shows: qa_1 DOCS repeated (N 17-52: questions 0, 1, 2, 3, 4, 6), all of a twelve-paragraph
 * article's other paragraphs in a random.sample order (question 2, N 12) and four of them (4,
 * stepped down 15 -> 5), golden + more + additions (the long question 7, stepped down 18 -> 8
 * and 21 -> 11); qa_2 golden + additions (N 11-16), ten golden documents and no draw (1, N
 * 10), DOCS repeated (N 20-29), the long question 5 stepped down (21 -> 11, 29 -> 19). */
static const Pin PINS[] = {
    {NIAH_QA1, 1, 0, 5, 3000, 2897, 0x5e30ffb789fc2c18u, "Denver Broncos|Denver Broncos|The Denver Broncos"},
    {NIAH_QA1, 1, 2, 7, 3000, 2907, 0x48d69cab3443fd6eu, "the river"},
    {NIAH_QA1, 4, 3, 2, 2800, 2797, 0x0817b089fef58e22u, "the silver"},
    {NIAH_QA1, 2, 6, 3, 4500, 4440, 0xf1ec020424da24c8u, "Zeta"},
    {NIAH_QA1, 3, 1, 11, 6000, 5887, 0x80091bad4a45f79eu, "M\xc3\xa9rida"},
    {NIAH_QA1, 4, 4, 2, 9000, 8997, 0xdfc1554398f5c634u, "the market"},
    {NIAH_QA1, 3, 7, 4, 3000, 1895, 0xb9e688e746eaec4au, "Zeta"},
    {NIAH_QA1, 3, 7, 4, 3300, 2284, 0x8122a2c0fc598b57u, "Zeta"},
    {NIAH_QA1, 1, 2, 3, 2300, 2034, 0x1c839e3d60bfc0e4u, "the river"},
    {NIAH_QA1, 2, 4, 5, 2500, 970, 0x6c6076899e62bffau, "the market"},
    {NIAH_QA2, 1, 0, 5, 3500, 2838, 0x49c508b77722ab11u, "yes"},
    {NIAH_QA2, 2, 1, 9, 4000, 3794, 0xb1d78b0edee5014au, "Silver Engine"},
    {NIAH_QA2, 3, 2, 4, 5000, 4796, 0xd748c145130f8450u, "\xc3\x89mile Zola"},
    {NIAH_QA2, 5, 3, 1, 8000, 7907, 0xa2ae39680bb36132u, "no"},
    {NIAH_QA2, 7, 4, 8, 12000, 11562, 0xefb3e832ba5f6493u, "North Valley"},
    {NIAH_QA2, 3, 5, 4, 5800, 3214, 0x5f8ec812910d834au, "Castle 0"},
    {NIAH_QA2, 3, 5, 4, 8000, 5591, 0x436d7dd861daa7cbu, "Castle 0"},
    {NIAH_QA2, 3, 1, 4, 3300, 2690, 0xb098b42cd15be169u, "Silver Engine"},
};

/* ---- the files ---------------------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
} Buf;

static void put(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    while (b->n + (size_t)k + 1 > b->cap) {
        b->cap = b->cap ? 2 * b->cap : 4096;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

static const char *const WORDS[] = {"river", "stone", "north", "castle", "early", "silver", "empire",
                                    "garden", "lantern", "harbor", "winter", "market", "treaty",
                                    "valley", "engine", "council", "orchard", "signal"};

/* A sentence-like text of some words from an LCG: JSON-safe ASCII. */
static void words(Buf *b, uint64_t *x, int n)
{
    for (int i = 0; i < n; i++) {
        *x = (*x * 6364136223846793005u + 1442695040888963407u);
        put(b, "%s%s", i ? " " : "", WORDS[(*x >> 33) % (sizeof WORDS / sizeof *WORDS)]);
    }
    put(b, ".");
}

static void squad_question(Buf *b, int first, const char *question, const char *answers, int impossible)
{
    put(b, "%s{\"question\": \"%s\", \"id\": \"x\", \"answers\": [%s], \"is_impossible\": %s}", first ? "" : ", ",
        question, answers, impossible ? "true" : "false");
}

/* SQuAD 2.0's layout: articles, paragraphs (one repeated inside an article, one across two),
 * answerable and impossible questions, JSON escapes and non-ASCII text. */
static char *squad_json(void)
{
    Buf b = {0};
    uint64_t x = 7;
    put(&b, "{\"version\": \"v2.0\", \"data\": [");
    /* article 0: paragraph 2 repeats paragraph 0 */
    put(&b, "{\"title\": \"Denver\", \"paragraphs\": [");
    put(&b, "{\"context\": \"The Denver Broncos won the game in Santa Clara. ");
    words(&b, &x, 20);
    put(&b, "\", \"qas\": [");
    squad_question(&b, 1, "Which team won the game?",
                   "{\"text\": \"Denver Broncos\", \"answer_start\": 4}, {\"text\": \"Denver Broncos\", \"answer_start\": 4}, "
                   "{\"text\": \"The Denver Broncos\", \"answer_start\": 0}", 0);
    squad_question(&b, 0, "Which team lost the final?", "", 1);
    put(&b, "]}, {\"context\": \"The city of M\\u00e9rida hosted the \\\"second\\\" meeting.\\n");
    words(&b, &x, 12);
    put(&b, "\", \"qas\": [");
    squad_question(&b, 1, "Which city hosted the second meeting?", "{\"text\": \"M\\u00e9rida\", \"answer_start\": 12}", 0);
    put(&b, "]}, {\"context\": \"The Denver Broncos won the game in Santa Clara. ");
    x = 7;
    words(&b, &x, 20);
    put(&b, "\", \"qas\": []}]}, ");
    /* article 1: twelve paragraphs */
    put(&b, "{\"title\": \"Big\", \"paragraphs\": [");
    for (int p = 0; p < 12; p++) {
        put(&b, "%s{\"context\": \"Big paragraph %d tells of the %s. ", p ? ", " : "", p, WORDS[p]);
        words(&b, &x, 8 + 3 * (p % 5));
        put(&b, "\", \"qas\": [");
        if (p == 0 || p == 5 || p == 11) {
            char q[128], a[128];
            snprintf(q, sizeof q, "What does big paragraph %d tell of?", p);
            snprintf(a, sizeof a, "{\"text\": \"the %s\", \"answer_start\": 1}", WORDS[p]);
            squad_question(&b, 1, q, a, 0);
        }
        put(&b, "]}");
    }
    put(&b, "]}, ");
    /* article 2: escapes, a character beyond the BMP */
    put(&b, "{\"title\": \"Small\", \"paragraphs\": [{\"context\": \"A tab\\there, a smile \\ud83d\\ude00. ");
    words(&b, &x, 10);
    put(&b, "\", \"qas\": []}, {\"context\": \"The \\\"Harbor Treaty\\\" was signed in 1848. ");
    words(&b, &x, 16);
    put(&b, "\", \"qas\": [");
    squad_question(&b, 1, "When was the Harbor Treaty signed?", "{\"text\": \"1848\", \"answer_start\": 40}", 0);
    put(&b, "]}]}, ");
    /* article 3: a paragraph of its own, and article 0's first again (one document) */
    put(&b, "{\"title\": \"Again\", \"paragraphs\": [{\"context\": \"Zeta is last in order. ");
    words(&b, &x, 14);
    put(&b, "\", \"qas\": [");
    squad_question(&b, 1, "What is last in order?", "{\"text\": \"Zeta\", \"answer_start\": 0}", 0);
    /* a question longer than a document: its sample steps down from the probe's size */
    put(&b, ", {\"question\": \"");
    for (int i = 0; i < 12; i++) put(&b, "Leaving aside every other paragraph, ");
    put(&b, "what is last?\", \"answers\": [{\"text\": \"Zeta\"}], \"is_impossible\": false}");
    put(&b, "]}, {\"context\": \"The Denver Broncos won the game in Santa Clara. ");
    x = 7;
    words(&b, &x, 20);
    put(&b, "\", \"qas\": []}]}");
    put(&b, "]}\n");
    return b.s;
}

/* HotpotQA's dev distractor layout: titles shared between questions, a document twice in one
 * question, one with ten documents. */
static char *hotpot_json(void)
{
    static const int CTX[6][10] = {{0, 1, 2, 3, -1}, {0, 4, 5, 6, 7, 8, 9, 10, 11, 12},
                                   {13, 14, -1}, {15, 16, 16, -1}, {17, 18, 19, 1, -1}, {0, 2, -1}};
    static const char *const Q[6][2] = {{"Are Castle Zero and Castle One in the same country?", "yes"},
                                        {"Which engine did Castle Four use?", "Silver Engine"},
                                        {"Who wrote about Castle Thirteen?", "\\u00c9mile Zola"},
                                        {"Is Castle Fifteen older than Castle Sixteen?", "no"},
                                        {"Where is Castle Seventeen?", "North Valley"},
                                        {"Leaving aside the other castles, and the rivers, and the valleys, and the "
                                         "engines, and the treaties, and the markets, and every council that met in "
                                         "any of them, which castle stands by the river?", "Castle 0"}};
    Buf b = {0};
    put(&b, "[");
    for (int i = 0; i < 6; i++) {
        put(&b, "%s{\"_id\": \"h%d\", \"answer\": \"%s\", \"question\": \"%s\", \"supporting_facts\": [], \"context\": [",
            i ? ", " : "", i, Q[i][1], Q[i][0]);
        for (int c = 0; c < 10 && CTX[i][c] >= 0; c++) {
            int t = CTX[i][c];
            uint64_t x = 1000 + (uint64_t)t; /* the same title, the same sentences */
            put(&b, "%s[\"Castle %d\", [", c ? ", " : "", t);
            for (int s = 0; s < 1 + t % 4; s++) {
                put(&b, "%s\"%sCastle %d stands by the %s. ", s ? ", " : "", s ? " " : "", t, WORDS[(t + s) % 18]);
                words(&b, &x, 5 + (t * 7 + s) % 9);
                put(&b, "\"");
            }
            put(&b, "]]");
        }
        put(&b, "]}");
    }
    put(&b, "]\n");
    return b.s;
}

/* ---- fixture ------------------------------------------------------------------------------ */

typedef struct {
    char dir[64];
    NiahData *data;
} Fixture;

static int setup(void **st)
{
    Fixture *fx = calloc(1, sizeof *fx);
    const char *const dirs[] = {"ruler-niah", "ruler-niah/wonderwords-v2.2.0", "paul-graham-essays",
                                "paul-graham-essays/essays", "ruler-qa"};
    assert_int_equal(make_data_dir(fx->dir, "test_ruler_qa", dirs, 5), 0);
    write_data_file(fx->dir, "ruler-niah/wonderwords-v2.2.0/adjectivelist.txt", "red\nblue\n");
    write_data_file(fx->dir, "ruler-niah/wonderwords-v2.2.0/nounlist.txt", "cat\ndog\n");
    write_data_file(fx->dir, "paul-graham-essays/essays/a.txt", "One sentence here. Another one there.\n");
    char *squad = squad_json(), *hotpot = hotpot_json();
    write_data_file(fx->dir, "ruler-qa/squad.json", squad);
    write_data_file(fx->dir, "ruler-qa/hotpotqa.json", hotpot);
    free(squad);
    free(hotpot);
    if (getenv("RULER_QA_KEEP")) fprintf(stderr, "files kept in %s\n", fx->dir);
    DataError err;
    if (niah_data_load(fx->dir, &fx->data, &err)) fail_msg("%s", err.msg);
    *st = fx;
    return 0;
}

static int teardown(void **st)
{
    Fixture *fx = *st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (!getenv("RULER_QA_KEEP") && system(cmd) != 0) return -1;
    niah_data_free(fx->data);
    free(fx);
    return 0;
}

static void joined(const TextSample *s, char *out, size_t cap)
{
    out[0] = '\0';
    for (int a = 0; a < s->n_answers; a++) {
        strncat(out, a ? "|" : "", cap - strlen(out) - 1);
        strncat(out, s->answers[a], cap - strlen(out) - 1);
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_pinned_against_ruler(void **st)
{
    Fixture *fx = *st;
    if (getenv("RULER_QA_PRINT")) { /* RULER_QA_PRINT="task target seed pick unit" */
        int task;
        long long target;
        unsigned long long seed, pick, unit;
        assert_int_equal(sscanf(getenv("RULER_QA_PRINT"), "%d %lld %llu %llu %llu", &task, &target, &seed, &pick, &unit), 5);
        TextSample s;
        DataError err;
        if (niah_make_at(fx->data, task ? NIAH_QA2 : NIAH_QA1, target, -1, seed, pick, unit, &s, &err))
            fail_msg("%s", err.msg);
        char a[1024];
        joined(&s, a, sizeof a);
        printf("%zu %016llx\n%s\n", s.prompt_len, (unsigned long long)fnv1a(s.prompt, s.prompt_len), a);
        fwrite(s.prompt, 1, s.prompt_len, stdout);
        printf("\n");
        text_sample_free(&s);
    }
    for (size_t i = 0; i < sizeof PINS / sizeof *PINS; i++) {
        const Pin *p = &PINS[i];
        if (!p->len) continue;
        TextSample s;
        DataError err;
        if (niah_make_at(fx->data, p->task, p->target, -1, p->seed, p->pick, p->unit, &s, &err)) fail_msg("%s", err.msg);
        char a[1024];
        joined(&s, a, sizeof a);
        if (s.prompt_len != p->len || fnv1a(s.prompt, s.prompt_len) != p->hash || strcmp(a, p->answers))
            fail_msg("pin %zu (%s %lld): %zu bytes, %016llx, '%s'", i, niah_task_name(p->task), (long long)p->target,
                     s.prompt_len, (unsigned long long)fnv1a(s.prompt, s.prompt_len), a);
        assert_true((int64_t)s.prompt_len <= p->target);
        assert_int_equal(s.max_new, 32);
        assert_true(s.depth == -1);
        assert_int_equal(s.match_part, 1);
        /* each answer alone is a hit */
        for (int k = 0; k < s.n_answers; k++) assert_true(niah_score(&s, s.answers[k]) == 1.0);
        text_sample_free(&s);
    }
}

/* RULER's string_match_part: any answer, case-folded, after postprocess_pred. */
static void test_string_match_part(void **st)
{
    (void)st;
    char *answers[] = {"Denver Broncos", "the Broncos ", "M\xc3\xa9rida"};
    TextSample s = {.answers = answers, .n_answers = 3, .match_part = 1};
    assert_true(niah_score(&s, " denver BRONCOS.") == 1.0);
    assert_true(niah_score(&s, "It was M\xc3\xa9rida") == 1.0);
    assert_true(niah_score(&s, "Denver") == 0.0);
    assert_true(niah_score(&s, "") == 0.0);
    /* strip() then controls to "\n": a trailing space of the prediction is gone, so the answer
     * "the Broncos " is not in "the broncos", but is in "the broncos x" */
    assert_true(niah_score(&s, "the broncos ") == 0.0);
    assert_true(niah_score(&s, "the broncos x") == 1.0);
    assert_true(niah_score(&s, "the broncos\tx") == 0.0);
    /* a control character in an answer's place becomes "\n" */
    char *nl[] = {"a\nb"};
    TextSample t = {.answers = nl, .n_answers = 1, .match_part = 1};
    assert_true(niah_score(&t, "xa\x01" "by") == 1.0);
    assert_true(niah_score(&t, "xa\x7f" "by") == 0.0);
    /* Python's strip() knows U+00A0 and the control-made "\n" at the ends */
    char *sp[] = {"x "};
    TextSample u = {.answers = sp, .n_answers = 1, .match_part = 1};
    assert_true(niah_score(&u, "x\xc2\xa0") == 0.0);
    assert_true(niah_score(&u, "\x02x \x03") == 0.0);
    assert_true(niah_score(&u, "x y") == 1.0);
    /* Python's lower() folds non-ASCII case too: 'Émile'.lower() in 'ÉMILE'.lower() and in
     * 'émile' (more in test_lower.c) */
    char *e[] = {"\xc3\x89mile"};
    TextSample v = {.answers = e, .n_answers = 1, .match_part = 1};
    assert_true(niah_score(&v, "\xc3\x89MILE") == 1.0);
    assert_true(niah_score(&v, "\xc3\xa9mile") == 1.0);
    /* string_match_all is the fraction, as before */
    s.match_part = 0;
    assert_true(niah_score(&s, "Denver Broncos") > 0.33 && niah_score(&s, "Denver Broncos") < 0.34);
}

/* From niah_min_length every question fits, at several lengths and units; below it, an error;
 * below 10 documents (RULER would retry for ever) the prompt keeps the golden documents. */
static void test_lengths(void **st)
{
    Fixture *fx = *st;
    for (int t = 0; t < 2; t++) {
        NiahTask task = t ? NIAH_QA2 : NIAH_QA1;
        DataError err;
        int64_t need = niah_min_length(fx->data, task, &err);
        if (need < 0) fail_msg("%s", err.msg);
        for (uint64_t pick = 0; pick < 8; pick++)
            for (int64_t len = need; len < need + 3000; len += 577) {
                TextSample s;
                if (niah_make_at(fx->data, task, len, -1, 3, pick, 100 + pick, &s, &err)) fail_msg("%s", err.msg);
                assert_true((int64_t)s.prompt_len <= len);
                assert_non_null(strstr(s.prompt, "Document 1:\n"));
                assert_true(s.n_answers >= 1);
                text_sample_free(&s);
            }
        TextSample s;
        /* a question with fewer golden bytes fits below the least length; the longest does not */
        int fails = 0;
        for (uint64_t pick = 0; pick < 8; pick++) {
            if (niah_make_at(fx->data, task, need - 1, -1, 3, pick, 1, &s, &err) == 0) {
                text_sample_free(&s);
                continue;
            }
            assert_non_null(strstr(err.msg, "too short"));
            fails++;
        }
        assert_true(fails > 0);
        assert_int_equal(niah_make(fx->data, task, need, 0.5, 1, 0, &s, &err), -1);
        assert_non_null(strstr(err.msg, "depth"));
    }
    /* SQuAD at its least length: one document, the golden one, for the longest question */
    DataError err;
    TextSample s;
    int64_t need = niah_min_length(fx->data, NIAH_QA1, &err);
    int found = 0;
    for (uint64_t pick = 0; pick < 8; pick++) {
        assert_int_equal(niah_make_at(fx->data, NIAH_QA1, need, -1, 3, pick, 9, &s, &err), 0);
        found += strstr(s.prompt, "Document 2:") == NULL;
        text_sample_free(&s);
    }
    assert_true(found > 0);
    /* the question follows the pick, mod the count (8 answerable SQuAD questions) */
    assert_int_equal(niah_make_at(fx->data, NIAH_QA1, 20000, -1, 3, 3, 9, &s, &err), 0);
    assert_non_null(strstr(s.prompt, "Question: What does big paragraph 5 tell of? Answer:"));
    assert_string_equal(s.answers[0], "the silver");
    text_sample_free(&s);
    assert_int_equal(niah_make_at(fx->data, NIAH_QA1, 20000, -1, 3, 11, 9, &s, &err), 0);
    assert_non_null(strstr(s.prompt, "Question: What does big paragraph 5 tell of? Answer:"));
    text_sample_free(&s);
    assert_int_equal(niah_make_at(fx->data, NIAH_QA2, 20000, -1, 3, 2, 9, &s, &err), 0);
    assert_string_equal(s.answers[0], "\xc3\x89mile Zola");
    text_sample_free(&s);
}

/* reserve auto keeps RULER's 32 generated bytes: the prompt is at most length - 32 and, as RULER's
 * max_seq_length is the bound + 32, the sample is niah_make_at's at length - 32. */
static void test_reserve(void **st)
{
    Fixture *fx = *st;
    for (int t = 0; t < 2; t++) {
        NiahTask task = t ? NIAH_QA2 : NIAH_QA1;
        DataError err;
        int64_t need = niah_min_length(fx->data, task, &err) + 32;
        assert_int_equal(niah_ruler_reserve(task), 32);
        for (int64_t len = need; len < need + 2000; len += 499) {
            TextSample a, b;
            if (niah_make_reserved(fx->data, task, len, NIAH_RESERVE_AUTO, -1, 3, 2, 7, &a, &err) ||
                niah_make_at(fx->data, task, len - 32, -1, 3, 2, 7, &b, &err))
                fail_msg("%s", err.msg);
            assert_true((int64_t)a.prompt_len <= len - 32 && a.max_new == 32);
            assert_int_equal(a.prompt_len, b.prompt_len);
            assert_memory_equal(a.prompt, b.prompt, a.prompt_len);
            text_sample_free(&a);
            text_sample_free(&b);
        }
    }
}

/* Without the files: the data directory loads and the task names the missing file. */
static void test_missing(void **st)
{
    Fixture *fx = *st;
    rename_in(fx->dir, "ruler-qa", "qa-moved");
    NiahData *d;
    DataError err;
    TextSample s;
    if (niah_data_load(fx->dir, &d, &err)) fail_msg("%s", err.msg);
    assert_true(niah_min_length(d, NIAH_QA1, &err) < 0);
    assert_non_null(strstr(err.msg, "ruler-qa/squad.json"));
    assert_int_equal(niah_make(d, NIAH_QA2, 20000, -1, 1, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "ruler-qa/hotpotqa.json"));
    assert_true(niah_min_length(d, NIAH_S2, &err) > 0);
    niah_data_free(d);
    rename_in(fx->dir, "qa-moved", "ruler-qa");
    assert_int_equal(niah_data_builtin(&d), 0);
    assert_int_equal(niah_make(d, NIAH_QA1, 20000, -1, 1, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "needs a data directory with ruler-qa/squad.json"));
    niah_data_free(d);
    NiahTask k;
    assert_int_equal(niah_task_parse("qa_1", &k, &err), 0);
    assert_int_equal(k, NIAH_QA1);
    assert_int_equal(niah_task_parse("qa_2", &k, &err), 0);
    assert_int_equal(k, NIAH_QA2);
    assert_string_equal(niah_task_name(NIAH_QA2), "qa_2");
}

/* A bad file is an error naming the file and the field, given again at the next use. */
static void test_malformed(void **st)
{
    Fixture *fx = *st;
    static const struct {
        int hotpot;
        const char *text, *msg;
    } CASES[] = {
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"abc\", ", "squad.json:1:"},
        {0, "", "squad.json:1:0: not valid JSON"},
        {0, "[1, 2]", "squad.json: the top level: not an object"},
        {0, "{\"version\": 2}", "squad.json: data: missing"},
        {0, "{\"data\": {}}", "squad.json: data: not an array"},
        {0, "{\"data\": []}", "squad.json: no answerable questions"},
        {0, "{\"data\": [7]}", "squad.json: data[0]: not an object"},
        {0, "{\"data\": [{\"title\": \"x\"}]}", "squad.json: data[0].paragraphs: missing"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": 5, \"qas\": []}]}]}",
         "squad.json: data[0].paragraphs[0].context: not a string"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\"}]}]}", "data[0].paragraphs[0].qas: missing"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"question\": \"q\", \"answers\": []}]}]}]}",
         "data[0].paragraphs[0].qas[0].is_impossible: missing"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"is_impossible\": \"no\"}]}]}]}",
         "qas[0].is_impossible: not true or false"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"is_impossible\": false, \"question\": \"q\", "
            "\"answers\": {}}]}]}]}",
         "data[0].paragraphs[0].qas[0].answers: not an array"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"is_impossible\": false, \"question\": \"q\", "
            "\"answers\": []}]}]}]}",
         "qas[0].answers: empty for an answerable question"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"is_impossible\": false, \"question\": \"q\", "
            "\"answers\": [{\"text\": \"a\"}, {\"text\": 3}]}]}]}]}",
         "qas[0].answers[1].text: not a string"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"is_impossible\": false, "
            "\"answers\": [{\"text\": \"a\"}]}]}]}]}",
         "qas[0].question: missing"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"a\\u0000b\", \"qas\": []}]}]}", "not valid JSON"},
        {0, "{\"data\": [{\"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"is_impossible\": true}]}]}]}",
         "no answerable questions"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": [[\"T\", [\"s\"]]]", "hotpotqa.json:1:"},
        {1, "{\"data\": []}", "hotpotqa.json: the top level: not an array"},
        {1, "[]", "hotpotqa.json: no questions"},
        {1, "[{\"answer\": \"a\", \"context\": []}]", "hotpotqa.json: [0].question: missing"},
        {1, "[{\"question\": \"q\", \"answer\": 1, \"context\": []}]", "[0].answer: not a string"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": []}]", "[0].context: no documents"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": [[\"T\"]]}]", "[0].context[0]: not a [title, sentences] pair"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": [\"T\"]}]", "[0].context[0]: not an array"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": [[\"T\", \"s\"]]}]", "[0].context[0][1]: not an array"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": [[\"T\", [\"s\", null]]]}]",
         "[0].context[0][1][1]: not a string"},
        {1, "[{\"question\": \"q\", \"answer\": \"a\", \"context\": [[2, [\"s\"]]]}]", "[0].context[0][0]: not a string"},
    };
    char path[256];
    snprintf(path, sizeof path, "%s/ruler-qa", fx->dir);
    rename_in(fx->dir, "ruler-qa", "ruler-qa-good");
    assert_int_equal(mkdir(path, 0700), 0);
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        const char *name = CASES[i].hotpot ? "ruler-qa/hotpotqa.json" : "ruler-qa/squad.json";
        NiahTask task = CASES[i].hotpot ? NIAH_QA2 : NIAH_QA1;
        write_data_file(fx->dir, name, CASES[i].text);
        NiahData *d;
        DataError err;
        TextSample s;
        if (niah_data_load(fx->dir, &d, &err)) fail_msg("%s", err.msg);
        if (niah_min_length(d, task, &err) >= 0 || !strstr(err.msg, CASES[i].msg) || !strstr(err.msg, name))
            fail_msg("case %zu: '%s', not '%s'", i, err.msg, CASES[i].msg);
        assert_int_equal(niah_make(d, task, 20000, -1, 1, 0, &s, &err), -1);
        assert_non_null(strstr(err.msg, CASES[i].msg));
        niah_data_free(d);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
    rename_in(fx->dir, "ruler-qa-good", "ruler-qa");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_against_ruler),
        cmocka_unit_test(test_string_match_part),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
