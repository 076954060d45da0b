/* BABILong qa1-qa5 and bAbI with the built-in data (no files needed):
 *  - the bAbI parser: stories cut into one sample per question, and its errors on malformed text;
 *  - exact 0k prompts for all five tasks, typed from the templates of booydar/babilong prompts.py
 *    (doc section 3.3), not from this module's output;
 *  - the metric (metrics.py compare_answers) on the answer formats of the prompts' examples;
 *  - lengths 0, 1K, 4K, 64K, 1M: never above the target, at most a few bytes below, fast;
 *  - the context is the facts in order among whole background sentences (the last one may be
 *    cut), and the background cycles through the built-in text;
 *  - determinism in (seed, unit);
 *  - the generator: every answer re-derived by an independent tracker of the story text, every
 *    action valid, and the same check end to end on facts read back from built prompts;
 *  - the sentence splitter's untrained-Punkt decisions on hand-made text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "babi.h"
#include "babilong.h"

#include "pinned_babilong.h"

static BabilongData builtin;

static int setup(void **state)
{
    (void)state;
    DataError err;
    return babilong_data_builtin(&builtin, &err);
}

static int teardown(void **state)
{
    (void)state;
    babilong_data_free(&builtin);
    return 0;
}

static BabiSet parse(const char *text)
{
    BabiSet s;
    DataError err;
    if (babi_parse(text, strlen(text), "test", &s, &err)) fail_msg("%s", err.msg);
    return s;
}

/* ---- the last-mentioned rule -------------------------------------------------------------------- */

/* The label named last in the facts, labels of the question left out, whole words only; NULL when
 * the facts name no label (a yes/no task). */
static void test_last_mentioned(void **state)
{
    (void)state;
    BabiSet s = parse("1 Mary moved to the bathroom.\n"
                      "2 John went to the hallway.\n"
                      "3 Where is Mary? \tbathroom\t1\n"
                      "4 The Kitchen is where Daniel went.\n"
                      "5 Where is Daniel? \tkitchen\t4\n");
    assert_string_equal(babilong_last_mentioned(1, &s.samples[0]), "hallway");
    assert_string_equal(babilong_last_mentioned(1, &s.samples[1]), "kitchen"); /* case, not the end */
    babi_free(&s);
    s = parse("1 The office is north of the bedroom.\n"
              "2 The bedroom is north of the bathroom.\n"
              "3 What is the bedroom north of? \tbathroom\t2\n"
              "4 The gardens are offices.\n"
              "5 What is the bathroom south of? \tbedroom\t2\n");
    assert_string_equal(babilong_last_mentioned(4, &s.samples[0]), "bathroom"); /* bedroom: asked */
    /* "gardens", "offices" are no labels; bedroom is the last one not in the question */
    assert_string_equal(babilong_last_mentioned(4, &s.samples[1]), "bedroom");
    babi_free(&s);
    s = parse("1 Mary moved to the bathroom.\n2 Is Mary in the office? \tno\t1\n");
    assert_null(babilong_last_mentioned(6, &s.samples[0]));
    babi_free(&s);
}

/* ---- parser ------------------------------------------------------------------------------------ */

static void test_parse_story(void **state)
{
    (void)state;
    BabiSet s = parse("1 Mary moved to the bathroom.\n"
                      "2 John went to the hallway.\n"
                      "3 Where is Mary? \tbathroom\t1\n"
                      "4 Daniel went back to the hallway.\n"
                      "5 Sandra moved to the garden.\n"
                      "6 Where is Daniel? \thallway\t4\n"
                      "1 Sandra travelled to the office.\n"
                      "2 Sandra went to the bathroom.\n"
                      "3 Where is Sandra? \tbathroom\t2 1\n");
    assert_int_equal(s.n_samples, 3);
    BabiSample *a = &s.samples[0], *b = &s.samples[1], *c = &s.samples[2];
    assert_int_equal(a->n_facts, 2);
    assert_string_equal(a->facts[1], "John went to the hallway.");
    assert_string_equal(a->question, "Where is Mary? ");
    assert_string_equal(a->answer, "bathroom");
    assert_int_equal(a->n_support, 1);
    assert_int_equal(a->support[0], 0);
    assert_int_equal(a->facts_len, strlen("Mary moved to the bathroom. John went to the hallway."));
    /* the earlier question is left out, so line 4 is fact 2 */
    assert_int_equal(b->n_facts, 4);
    assert_string_equal(b->facts[2], "Daniel went back to the hallway.");
    assert_int_equal(b->support[0], 2);
    assert_int_equal(c->n_facts, 2);
    assert_string_equal(c->facts[0], "Sandra travelled to the office.");
    assert_int_equal(c->n_support, 2);
    assert_int_equal(c->support[0], 1);
    assert_int_equal(c->support[1], 0);
    babi_free(&s);
}

/* babi_load of text written to a temporary file fails with "path:line: <message...>" */
static void expect_file_error(const char *text, size_t len, int line, const char *message)
{
    char path[] = "/tmp/test_babilong_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    BabiSet s;
    DataError err;
    assert_int_equal(babi_load(path, &s, &err), -1);
    unlink(path);
    char want[256];
    snprintf(want, sizeof want, "%s:%d: %s", path, line, message);
    if (strncmp(err.msg, want, strlen(want)) != 0) fail_msg("got \"%s\", want \"%s...\"", err.msg, want);
}

static void test_parse_errors(void **state)
{
    (void)state;
#define BAD(text, line, message) expect_file_error(text, sizeof(text) - 1, line, message)
    BAD("1 Mary moved to the bathroom.\n3 Where is Mary? \tbathroom\t1\n", 2,
        "expected id 2 (or 1 to start a story), got 3");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? bathroom 1\n", 2,
        "question without tab-separated answer and supporting ids");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom 1\n", 2, "a question line needs exactly 2 tabs");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1\t\n", 2,
        "a question line needs exactly 2 tabs");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \t\t1\n", 2, "empty answer");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t\n", 2, "bad supporting fact ids");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t2\n", 2,
        "supporting fact 2 is not an earlier statement of this story");
    BAD("1 Mary moved.\n2 Where is Mary? \toffice\t1\n3 Where is Mary? \toffice\t2\n", 3,
        "supporting fact 2 is not an earlier statement");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1", 2, "truncated file");
    BAD("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1\n3 John left.\n", 3,
        "the last story ends without a question");
    BAD("1 Mary moved.\n2 Where is Mary? \toffice\t1\n3 John left.\n"
        "1 John moved.\n2 Where is John? \toffice\t1\n", 4,
        "the story before this line ends without a question");
    BAD("Mary moved to the bathroom.\n", 1, "expected \"<id> <text>\"");
    BAD("01 Mary moved to the bathroom.\n", 1, "expected \"<id> <text>\"");
    BAD("1 \n2 Where is Mary? \toffice\t1\n", 1, "empty sentence");
    BAD("", 1, "empty file");
#undef BAD
    BabiSet s;
    DataError err;
    assert_int_equal(babi_load("/nonexistent/qa1_test.txt", &s, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/qa1_test.txt: "));
    /* CRLF line ends are read like LF, as Python's text mode does */
    s = parse("1 Mary moved to the bathroom.\r\n2 Where is Mary? \tbathroom\t1\r\n");
    assert_string_equal(s.samples[0].answer, "bathroom");
    assert_string_equal(s.samples[0].facts[0], "Mary moved to the bathroom.");
    babi_free(&s);
}

/* ---- exact prompts ---------------------------------------------------------------------------- */

static const char *const STORIES_0K[5] = {
    "1 Mary moved to the bathroom.\n2 John went to the hallway.\n3 Where is Mary? \tbathroom\t1\n",
    "1 Mary got the milk there.\n2 John moved to the bedroom.\n3 Mary travelled to the hallway.\n"
    "4 Where is the milk? \thallway\t1 3\n",
    "1 John picked up the apple.\n2 John went to the office.\n3 John journeyed to the kitchen.\n"
    "4 Where was the apple before the kitchen? \toffice\t1 3 2\n",
    "1 The hallway is east of the bathroom.\n2 The bedroom is west of the bathroom.\n"
    "3 What is the bathroom east of?\tbedroom\t2\n",
    "1 Fred picked up the football there.\n2 Fred gave the football to Jeff.\n"
    "3 What did Fred give to Jeff? \tfootball\t2\n",
};

/* doc section 3.3: instruction, examples and post_prompt of each task in DEFAULT_TEMPLATE */
static const char *const PROMPTS_0K[5] = {
    QA1_HEAD
    "Mary moved to the bathroom. John went to the hallway.\n"
    "</context>\n"
    "\n"
    "Question: Where is Mary?",

    "I give you context with the facts about locations and actions of different persons hidden in some random text "
    "and a question.You need to answer the question based only on the information from the facts.\n"
    "If a person got an item in the first location and travelled to the second location the item is also in the "
    "second location. If a person dropped an item in the first location and moved to the second location the item "
    "remains in the first location.\n"
    "\n"
    "<example>\n"
    "Charlie went to the kitchen. Charlie got a bottle. Charlie moved to the balcony. Where is the bottle?\n"
    "Answer: The bottle is in the balcony.\n"
    "</example>\n"
    "<example>\n"
    "Alan moved to the garage. Alan got a screw driver. Alan moved to the kitchen. Where is the screw driver?\n"
    "Answer: The screw driver is in the kitchen.\n"
    "</example>\n"
    "\n"
    "Always return your answer in the following format: The " RSQ "item" RSQ " is in " RSQ "location" RSQ
    ". Do not write anything else after that.\n"
    "\n"
    "<context>\n"
    "Mary got the milk there. John moved to the bedroom. Mary travelled to the hallway.\n"
    "</context>\n"
    "\n"
    "Question: Where is the milk?",

    "I give you context with the facts about locations and actions of different persons hidden in some random text "
    "and a question. You need to answer the question based only on the information from the facts.\n"
    "If a person got an item in the first location and travelled to the second location the item is also in the "
    "second location. If a person dropped an item in the first location and moved to the second location the item "
    "remains in the first location.\n"
    "\n"
    "<example>\n"
    "John journeyed to the bedroom. Mary grabbed the apple. Mary went back to the bathroom. Daniel journeyed to the "
    "bedroom. Daniel moved to the garden. Mary travelled to the kitchen. Where was the apple before the kitchen?\n"
    "Answer: Before the kitchen the apple was in the bathroom.\n"
    "</example>\n"
    "<example>\n"
    "John went back to the bedroom. John went back to the garden. John went back to the kitchen. Sandra took the "
    "football. Sandra travelled to the garden. Sandra journeyed to the bedroom. Where was the football before the "
    "bedroom?\n"
    "Answer: Before the bedroom the football was in the garden.\n"
    "</example>\n"
    "\n"
    "Always return your answer in the following format: Before the $location_1$ the $item$ was in the $location_2$. "
    "Do not write anything else after that.\n"
    "\n"
    "<context>\n"
    "John picked up the apple. John went to the office. John journeyed to the kitchen.\n"
    "</context>\n"
    "\n"
    "Question: Where was the apple before the kitchen?",

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
    "Question: What is the bathroom east of?",

    "I will give you context with the facts about locations and their relations hidden in some random text and a "
    "question. You need to answer the question based only on the information from the facts.\n"
    "\n"
    "<example>\n"
    "Mary picked up the apple there. Mary gave the apple to Fred. Mary moved to the bedroom. Bill took the milk "
    "there. Who did Mary give the apple to?\n"
    "Answer: Fred\n"
    "</example>\n"
    "<example>\n"
    "Jeff took the football there. Jeff passed the football to Fred. Jeff got the milk there. Bill travelled to the "
    "bedroom. Who gave the football?\n"
    "Answer: Jeff\n"
    "</example>\n"
    "<example>\n"
    "Fred picked up the apple there. Fred handed the apple to Bill. Bill journeyed to the bedroom. Jeff went back "
    "to the garden. What did Fred give to Bill?\n"
    "Answer: apple\n"
    "</example>\n"
    "\n"
    "Your answer should contain only one word. Do not write anything else after that. Do not explain your "
    "answer.\n"
    "\n"
    "<context>\n"
    "Fred picked up the football there. Fred gave the football to Jeff.\n"
    "</context>\n"
    "\n"
    "Question: What did Fred give to Jeff?",
};

static const char *const LABELS_0K[5] = {"bathroom", "hallway", "office", "bedroom", "football"};

static void test_prompts_0k(void **state)
{
    (void)state;
    for (int t = 1; t <= 5; t++) {
        BabiSet set = parse(STORIES_0K[t - 1]);
        TextSample s;
        DataError err;
        assert_int_equal(babilong_build(&builtin, t, &set.samples[0], 0, 1, 2, &s, &err), 0);
        assert_string_equal(s.prompt, PROMPTS_0K[t - 1]);
        assert_int_equal(s.prompt_len, strlen(PROMPTS_0K[t - 1]));
        assert_int_equal(s.n_answers, 1);
        assert_string_equal(s.answers[0], LABELS_0K[t - 1]);
        assert_int_equal(s.max_new, 80);
        assert_int_equal(s.target_len, 0);
        assert_true(s.depth >= 0.0 && s.depth <= 1.0);
        text_sample_free(&s);
        babi_free(&set);
    }
}

/* ---- metric ------------------------------------------------------------------------------------ */

/* A 0k sample of task t for the question and label given, to score predictions against. */
static double score(int t, const char *story, const char *prediction)
{
    BabiSet set = parse(story);
    TextSample s;
    DataError err;
    assert_int_equal(babilong_build(&builtin, t, &set.samples[0], 0, 1, 0, &s, &err), 0);
    double v = babilong_score(&s, t, prediction);
    text_sample_free(&s);
    babi_free(&set);
    return v;
}

/* metrics.py compare_answers with TASK_LABELS, run by upstream's own Python on these cases: a
 * list target (qa8) needs every part and nothing else, qa7's "none" also names "one", qa19's
 * "s,e" is one label, not a list. */
static void test_metric_upstream(void **state)
{
    (void)state;
    static const struct {
        int task;
        const char *target, *question, *output;
        int want;
    } cases[] = {
        {8, "apple,milk", "What is Daniel carrying?", "apple, milk", 1},
        {8, "apple,milk", "What is Daniel carrying?", "apple", 0},
        {8, "apple,milk", "What is Daniel carrying?", "milk and apple and football", 0},
        {8, "milk", "What is Mary carrying?", "milk", 1},
        {8, "nothing", "What is Sandra carrying?", "Nothing.", 1},
        {7, "none", "How many objects is Mary carrying?", "none", 0},
        {7, "one", "How many objects is Mary carrying?", "one", 1},
        {7, "two", "How many objects is Mary carrying?", "Two", 1},
        {19, "s,e", "How do you go from the kitchen to the garden?", "s,e", 1},
        {19, "s,e", "How do you go from the kitchen to the garden?", "s,e then w,w", 0},
        {10, "maybe", "Is Mary in the school?", "maybe", 1},
        {6, "no", "Is John in the garden?", "No, he is not", 1},
        {6, "yes", "Is John in the garden?", "yes", 1},
        {20, "hungry", "Why did yann go to the kitchen?", "hungry", 1},
        {15, "wolf", "What is gertrude afraid of?", "Wolf", 1},
        {14, "office", "Where was Julie before the school?", "office", 1},
        {16, "white", "What color is Brian?", "white", 1},
        {5, "Fred", "Who did Mary give the apple to?", "Fred", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char prompt[256], *answers[1] = {(char *)cases[i].target};
        snprintf(prompt, sizeof prompt, "<context>\nx\n</context>\n\nQuestion: %s", cases[i].question);
        TextSample smp = {.prompt = prompt, .prompt_len = strlen(prompt), .answers = answers, .n_answers = 1};
        double v = babilong_score(&smp, cases[i].task, cases[i].output);
        if (v != cases[i].want)
            fail_msg("qa%d target '%s' output '%s': %g, upstream %d", cases[i].task, cases[i].target,
                     cases[i].output, v, cases[i].want);
    }
}

static void test_metric(void **state)
{
    (void)state;
    const char *qa1 = STORIES_0K[0], *qa3 = STORIES_0K[2], *qa4 = STORIES_0K[3];
    /* the answer formats the post_prompts ask for */
    assert_true(score(1, qa1, "The most recent location of Mary is bathroom.") == 1.0);
    assert_true(score(2, STORIES_0K[1], "The milk is in the hallway.") == 1.0);
    /* the label in the question (kitchen) never counts */
    assert_true(score(3, qa3, "Before the kitchen the apple was in the office.") == 1.0);
    assert_true(score(4, qa4, "bedroom") == 1.0);
    assert_true(score(5, STORIES_0K[4], "football") == 1.0);
    /* case does not matter; only the text before the first '.' counts */
    assert_true(score(1, qa1, " BATHROOM") == 1.0);
    assert_true(score(1, qa1, "I know. bathroom") == 0.0);
    assert_true(score(1, qa1, "bathroom. Or the kitchen.") == 1.0);
    /* two labels, a wrong one, none, nothing */
    assert_true(score(1, qa1, "bathroom or kitchen") == 0.0);
    assert_true(score(1, qa1, "The most recent location of Mary is hallway.") == 0.0);
    assert_true(score(1, qa1, "Mary is somewhere") == 0.0);
    assert_true(score(1, qa1, "") == 0.0);
    /* imitated prompt parts are cut off */
    assert_true(score(1, qa1, "bathroom<example>\nkitchen") == 1.0);
    assert_true(score(1, qa1, "<context>bathroom") == 0.0);
    assert_true(score(1, qa1, "bathroom <CONTEXT> hallway") == 1.0);
    /* labels match as substrings, as in Python's `in` */
    assert_true(score(4, qa4, "bedrooms") == 1.0);
    assert_true(score(4, qa4, "bedroom, not the bathroom") == 1.0); /* bathroom is in the question */
    /* qa5 labels: names and objects; "summary" holds "mary" */
    assert_true(score(5, STORIES_0K[4], "the Football") == 1.0);
    assert_true(score(5, STORIES_0K[4], "in summary, football") == 0.0);
    assert_true(score(5, STORIES_0K[4], "Fred gave the football to Jeff") == 1.0); /* both names asked */
    /* Python lowercases U+212A KELVIN SIGN to 'k' */
    assert_true(score(3, "1 John got the milk.\n2 John went to the kitchen.\n3 John went to the office.\n"
                         "4 Where was the milk before the office? \tkitchen\t1 3 2\n",
                      "\xe2\x84\xaaitchen") == 1.0);
}

/* Non-ASCII and non-UTF-8 outputs against compare_answers (booydar/babilong metrics.py, copied
 * into /usr/bin/python3) with qa1's TASK_LABELS and the question "Where is Mary?", the output's
 * bytes b read as b.decode('utf-8', 'surrogateescape'), as data_lower reads them. */
static void test_metric_unicode(void **state)
{
    (void)state;
    static const struct {
        const char *target, *output;
        int want;
    } cases[] = {
        {"kitchen", "\xe2\x84\xaaITCHEN", 1},                /* '\u212aITCHEN'.lower() == 'kitchen' */
        {"kitchen", "K\xc4\xb0TCHEN", 0},                     /* 'KİTCHEN'.lower() == 'ki\u0307tchen' */
        {"kitchen", "kitchen\xff", 1},                         /* a stray byte after the label */
        {"office", "\xff" "OFF\xc3ICE", 0},                   /* one inside it */
        {"office", "\xc3\x96\xe2 Office", 1},                /* 'Ö', a cut character, 'Office' */
        {"garden", "\xce\xa3GARDEN \xce\xa3\xce\x91", 1}, /* 'ΣGARDEN ΣΑ' */
        {"garden", "GARDEN<\xe2\x84\xaaONTEXT>", 1},         /* '<\u212aONTEXT>' is no '<context>' */
        {"garden", "<CONTEXT>GARDEN", 0},                     /* '<CONTEXT>' is */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char prompt[] = "<context>\nx\n</context>\n\nQuestion: Where is Mary?";
        char *answers[1] = {(char *)cases[i].target};
        TextSample smp = {.prompt = prompt, .prompt_len = strlen(prompt), .answers = answers, .n_answers = 1};
        double v = babilong_score(&smp, 1, cases[i].output);
        if (v != cases[i].want) fail_msg("case %zu: %g, Python %d", i, v, cases[i].want);
    }
}

/* ---- context structure ------------------------------------------------------------------------ */

/* Length of the usable built-in sentence that ctx[i..n) starts with, followed by a space or the
 * end; 0 if none. */
static size_t whole_sentence(const BabilongBook *b, const char *ctx, size_t i, size_t n)
{
    for (int k = 0; k < b->n_sents; k++) {
        size_t len = b->sents[k].len;
        if (!b->sents[k].ok || len > n - i || memcmp(ctx + i, b->text + b->sents[k].off, len) != 0) continue;
        if (i + len == n || ctx[i + len] == ' ') return len;
    }
    return 0;
}

/* Length of the longest proper prefix of a usable sentence at ctx[i..n), without trailing space,
 * followed by a space or the end; 0 if none. */
static size_t cut_sentence(const BabilongBook *b, const char *ctx, size_t i, size_t n)
{
    size_t best = 0;
    for (int k = 0; k < b->n_sents; k++) {
        const char *sent = b->text + b->sents[k].off;
        size_t len = 0;
        while (len < b->sents[k].len && i + len < n && ctx[i + len] == sent[len]) len++;
        while (len > 0 && ctx[i + len - 1] == ' ') len--;
        if (b->sents[k].ok && len < b->sents[k].len && (i + len == n || ctx[i + len] == ' ') && len > best)
            best = len;
    }
    return best;
}

/* bAbI facts start with a person or "The <place> is"; the built-in text has neither. */
static int is_fact(const char *s)
{
    static const char *const starts[] = {"Mary ", "John ", "Sandra ", "Daniel ", "Bill ", "Fred ", "Jeff ",
                                         "The bathroom is ", "The bedroom is ", "The garden is ",
                                         "The hallway is ", "The kitchen is ", "The office is "};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        if (strncmp(s, starts[i], strlen(starts[i])) == 0) return 1;
    return 0;
}

/* The context between the prompt's <context> lines. */
static const char *context_of(const char *prompt, size_t *n)
{
    const char *ctx = strstr(prompt, "\n\n<context>\n");
    assert_non_null(ctx);
    ctx += strlen("\n\n<context>\n");
    const char *end = strstr(ctx, "\n</context>\n\nQuestion: ");
    assert_non_null(end);
    *n = (size_t)(end - ctx);
    return ctx;
}

/* Reads the context as pieces separated by single spaces: facts (one period, at their end), whole
 * usable sentences of book b, and at most one cut sentence, after which only facts follow. The
 * facts are returned in order (pointers into *copy, which the caller frees with *facts). Returns
 * the number of background pieces. */
static int read_context(const BabilongBook *b, const char *prompt, char ***facts, int *n_facts, char **copy)
{
    size_t n;
    const char *ctx = context_of(prompt, &n);
    *copy = malloc(n + 1);
    memcpy(*copy, ctx, n);
    (*copy)[n] = '\0';
    *facts = calloc(n / 2 + 1, sizeof **facts);
    *n_facts = 0;
    int pieces = 0, cut = 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        if (is_fact(ctx + i)) {
            len = (size_t)(strchr(ctx + i, '.') + 1 - (ctx + i));
            (*facts)[(*n_facts)++] = *copy + i;
            (*copy)[i + len] = '\0';
        } else {
            assert_false(cut);
            len = whole_sentence(b, ctx, i, n);
            if (!len) {
                len = cut_sentence(b, ctx, i, n);
                cut = 1;
            }
            assert_true(len > 0);
            pieces++;
        }
        i += len;
        if (i < n) {
            assert_int_equal(ctx[i], ' ');
            assert_true(ctx[i + 1] != ' ');
            i++;
        }
    }
    return pieces;
}

static BabiSet long_story(void)
{
    return parse("1 Mary moved to the bathroom.\n2 John went to the hallway.\n3 Daniel went back to the office.\n"
                 "4 Sandra journeyed to the kitchen.\n5 Mary travelled to the garden.\n"
                 "6 John moved to the bedroom.\n"
                 "7 Where is Mary? \tgarden\t5\n");
}

static void test_context_structure(void **state)
{
    (void)state;
    BabiSet set = long_story();
    const BabiSample *q = &set.samples[0];
    const BabilongBook *b = &builtin.books[0];
    int at_start = 0, at_end = 0, trials = 0;
    for (int64_t target = 2000; target <= 70000; target += 4100)
        for (uint64_t unit = 0; unit < 4; unit++, trials++) {
            TextSample s;
            DataError err;
            assert_int_equal(babilong_build(&builtin, 1, q, target, 5, unit, &s, &err), 0);
            char **facts, *copy;
            int n_facts;
            int pieces = read_context(b, s.prompt, &facts, &n_facts, &copy);
            assert_true(pieces > 0);
            assert_int_equal(n_facts, q->n_facts); /* every fact, once, in order */
            for (int f = 0; f < n_facts; f++) assert_string_equal(facts[f], q->facts[f]);
            size_t n;
            const char *ctx = context_of(s.prompt, &n);
            size_t last = strlen(q->facts[5]);
            at_start += strncmp(ctx, q->facts[0], strlen(q->facts[0])) == 0;
            at_end += memcmp(ctx + n - last, q->facts[5], last) == 0;
            /* the background cycles: 64K of context from a text of a few KB */
            if (target > 60000) assert_true(n > 10 * b->len);
            /* depth: where the supporting fact (fact 4) starts */
            const char *sup = strstr(ctx, q->facts[4]);
            assert_true(s.depth > 0.0 && s.depth < 1.0);
            double at = s.depth * (double)n - (double)(sup - ctx);
            assert_true(at > -1.0 && at < 1.0);
            free(facts);
            free(copy);
            text_sample_free(&s);
        }
    /* slots are random: facts are not all pushed to one end */
    assert_true(at_start < trials && at_end < trials);
    babi_free(&set);
}

/* ---- lengths ------------------------------------------------------------------------------------ */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_lengths(void **state)
{
    (void)state;
    static const int64_t targets[] = {0, 1024, 4096, 65536, 1 << 20};
    for (int t = 1; t <= 5; t++)
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
            TextSample s;
            DataError err;
            double t0 = seconds();
            int rc = babilong_make(&builtin, t, targets[i], 11, 3, &s, &err);
            double dt = seconds() - t0;
            if (t == 3 && targets[i] == 1024) { /* qa3's template alone is longer than 1K */
                assert_int_equal(rc, -1);
                assert_non_null(strstr(err.msg, "qa3: no generated story fits in 1024 bytes"));
                continue;
            }
            if (rc) fail_msg("qa%d at %lld: %s", t, (long long)targets[i], err.msg);
            assert_int_equal(strlen(s.prompt), s.prompt_len);
            assert_int_equal(s.target_len, targets[i]);
            if (targets[i] > 0) {
                assert_true((int64_t)s.prompt_len <= targets[i]);
                assert_true((int64_t)s.prompt_len >= targets[i] - 8);
            } else { /* facts only */
                char **facts, *copy;
                int n_facts;
                assert_int_equal(read_context(&builtin.books[0], s.prompt, &facts, &n_facts, &copy), 0);
                assert_true(n_facts > 0);
                free(facts);
                free(copy);
            }
            assert_true(dt < 1.0); /* 1M takes milliseconds; this bound holds under valgrind */
            text_sample_free(&s);
        }
}

/* babilong_min_length. Generated: about 1 in 5 questions fit at it (their prompt without background,
 * which length 0 gives), and every unit finds one. With data: the shortest question's prompt;
 * every unit runs at it and one byte less fits none. */
static void test_min_length(void **state)
{
    (void)state;
    DataError err;
    for (int t = 1; t <= 5; t++) {
        int64_t min = babilong_min_length(&builtin, t, &err);
        int fit = 0;
        for (uint64_t u = 0; u < 500; u++) {
            TextSample s;
            assert_int_equal(babilong_make(&builtin, t, 0, 13, u, &s, &err), 0);
            fit += (int64_t)s.prompt_len <= min;
            text_sample_free(&s);
            if (u % 5) continue;
            if (babilong_make(&builtin, t, min, 13, u, &s, &err)) fail_msg("qa%d at %lld: %s", t, (long long)min, err.msg);
            text_sample_free(&s);
        }
        printf("# qa%d: %lld bytes, %d of 500 generated questions fit\n", t, (long long)min, fit);
        assert_true(fit >= 50 && fit <= 200);
    }
    BabilongData d = builtin; /* the built-in books, two questions of qa1 (train: those that fit) */
    d.have_babi = 1;
    snprintf(d.split, sizeof d.split, "train");
    d.babi[0] = parse("1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1\n"
                      "1 John went to the hallway.\n2 Daniel went to the garden.\n3 Where is John? \thallway\t1\n");
    int64_t min = babilong_min_length(&d, 1, &err);
    TextSample s;
    for (uint64_t u = 0; u < 4; u++) { /* unit picks among the questions that fit: the first one */
        assert_int_equal(babilong_make(&d, 1, min, 3, u, &s, &err), 0);
        assert_non_null(strstr(s.prompt, "Where is Mary?"));
        text_sample_free(&s);
    }
    assert_int_equal(babilong_make(&d, 1, min - 1, 3, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "no train question fits"));
    assert_int_equal(babilong_min_length(&d, 2, &err), -1); /* qa2 not loaded */
    assert_non_null(strstr(err.msg, "no train questions loaded"));
    /* the generator makes qa1-qa5 only */
    assert_int_equal(babilong_min_length(&builtin, 6, &err), -1);
    assert_non_null(strstr(err.msg, "qa6: needs the bAbI files"));
    assert_int_equal(babilong_make(&builtin, 20, 0, 3, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "qa20: needs the bAbI files"));
    assert_int_equal(babilong_make(&builtin, 21, 0, 3, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "bad task 21"));
    babi_free(&d.babi[0]);
}

/* ---- determinism -------------------------------------------------------------------------------- */

static void test_determinism(void **state)
{
    (void)state;
    for (int t = 1; t <= 5; t++) {
        TextSample a, b, c, e;
        DataError err;
        assert_int_equal(babilong_make(&builtin, t, 8192, 42, 7, &a, &err), 0);
        assert_int_equal(babilong_make(&builtin, t, 8192, 42, 7, &b, &err), 0);
        assert_int_equal(babilong_make(&builtin, t, 8192, 42, 8, &c, &err), 0);
        assert_int_equal(babilong_make(&builtin, t, 8192, 43, 7, &e, &err), 0);
        assert_string_equal(a.prompt, b.prompt);
        assert_true(strcmp(a.prompt, c.prompt) != 0);
        assert_true(strcmp(a.prompt, e.prompt) != 0);
        text_sample_free(&a);
        text_sample_free(&b);
        text_sample_free(&c);
        text_sample_free(&e);
        Rng r1, r2;
        rng_init(&r1, 9, 1, 5);
        rng_init(&r2, 9, 1, 5);
        BabiSet s1, s2;
        assert_int_equal(babi_generate(t, &r1, &s1, &err), 0);
        assert_int_equal(babi_generate(t, &r2, &s2, &err), 0);
        assert_int_equal(s1.n_samples, s2.n_samples);
        BabiSample *l1 = &s1.samples[s1.n_samples - 1], *l2 = &s2.samples[s2.n_samples - 1];
        assert_int_equal(l1->n_facts, l2->n_facts);
        for (int f = 0; f < l1->n_facts; f++) assert_string_equal(l1->facts[f], l2->facts[f]);
        babi_free(&s1);
        babi_free(&s2);
    }
}

/* ---- an independent tracker of bAbI stories ----------------------------------------------------- */

enum { MAX_NAMES = 16, MAX_TRAIL = 1024 };

typedef struct {
    const char *names[MAX_NAMES];
    int n;
} Names;

static int name_id(Names *ns, const char *w)
{
    for (int i = 0; i < ns->n; i++)
        if (strcmp(ns->names[i], w) == 0) return i;
    assert_true(ns->n < MAX_NAMES);
    ns->names[ns->n] = w;
    return ns->n++;
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

typedef struct {
    Names people, things, places;
    int where[MAX_NAMES];             /* person -> place, -1 unknown */
    int holder[MAX_NAMES];            /* thing -> person, -1 none */
    int lies[MAX_NAMES];              /* thing -> place when dropped, -1 unknown */
    int trail[MAX_NAMES][MAX_TRAIL];  /* thing -> places its holders took it to */
    int n_trail[MAX_NAMES];
    int gives[MAX_TRAIL][3];          /* giver, thing, receiver */
    int n_gives;
    int pos[MAX_NAMES][2];            /* qa4: coordinates */
    int placed[MAX_NAMES];
} Tracker;

static char *words_of(const char *sentence, char **w, int *n)
{
    char *copy = strdup(sentence);
    *n = 0;
    for (char *tok = strtok(copy, " ."); tok; tok = strtok(NULL, " .")) w[(*n)++] = tok;
    return copy;
}

static const char *const DIRS[4] = {"north", "east", "south", "west"};
static const int DX[4] = {0, 1, 0, -1}, DY[4] = {1, 0, -1, 0};

static int dir_id(const char *w)
{
    for (int d = 0; d < 4; d++)
        if (strcmp(w, DIRS[d]) == 0) return d;
    fail_msg("no direction %s", w);
    return -1;
}

/* Applies one fact; asserts the action is valid. Words stay owned by the caller's copies. */
static void track(Tracker *k, char **w, int n)
{
    if (strcmp(w[0], "The") == 0) { /* qa4: The A is D of the B */
        int a = name_id(&k->places, w[1]), d = dir_id(w[3]), b = name_id(&k->places, w[6]);
        if (!k->placed[b] && !k->placed[a]) k->placed[b] = 1;
        if (k->placed[b]) {
            k->pos[a][0] = k->pos[b][0] + DX[d], k->pos[a][1] = k->pos[b][1] + DY[d], k->placed[a] = 1;
        } else {
            k->pos[b][0] = k->pos[a][0] - DX[d], k->pos[b][1] = k->pos[a][1] - DY[d], k->placed[b] = 1;
        }
        return;
    }
    int a = name_id(&k->people, w[0]);
    const char *verb = w[1];
    if (strcmp(verb, "gave") == 0 || strcmp(verb, "handed") == 0 || strcmp(verb, "passed") == 0) {
        int o = name_id(&k->things, w[3]), b = name_id(&k->people, w[5]);
        assert_int_equal(k->holder[o], a);
        assert_true(a != b);
        if (k->where[a] >= 0 && k->where[b] >= 0) assert_int_equal(k->where[a], k->where[b]);
        k->holder[o] = b;
        k->gives[k->n_gives][0] = a, k->gives[k->n_gives][1] = o, k->gives[k->n_gives++][2] = b;
    } else if (strcmp(verb, "picked") == 0 || strcmp(verb, "got") == 0 || strcmp(verb, "grabbed") == 0 ||
               strcmp(verb, "took") == 0) {
        int o = name_id(&k->things, w[strcmp(verb, "picked") == 0 ? 4 : 3]);
        assert_int_equal(k->holder[o], -1);
        if (k->lies[o] >= 0 && k->where[a] >= 0) assert_int_equal(k->lies[o], k->where[a]);
        k->holder[o] = a;
    } else if (strcmp(verb, "dropped") == 0 || strcmp(verb, "discarded") == 0 || strcmp(verb, "put") == 0 ||
               strcmp(verb, "left") == 0) {
        int o = name_id(&k->things, w[strcmp(verb, "put") == 0 ? 4 : 3]);
        assert_int_equal(k->holder[o], a);
        k->holder[o] = -1;
        k->lies[o] = k->where[a];
    } else { /* a move: the place is the last word */
        assert_true(starts(verb, "went") || starts(verb, "journeyed") || starts(verb, "travelled") ||
                    starts(verb, "moved"));
        int l = name_id(&k->places, w[n - 1]);
        assert_true(k->where[a] != l); /* never to where one already is */
        k->where[a] = l;
        for (int o = 0; o < k->things.n; o++)
            if (k->holder[o] == a) k->trail[o][k->n_trail[o]++] = l;
    }
}

/* The answer to question q after facts, derived from the text alone. */
static const char *derive_answer(int t, char *const *facts, int n_facts, const char *q)
{
    static Tracker k;
    memset(&k, 0, sizeof k);
    memset(k.where, -1, sizeof k.where);
    memset(k.holder, -1, sizeof k.holder);
    memset(k.lies, -1, sizeof k.lies);
    char *copies[MAX_TRAIL], *w[16];
    int n;
    assert_true(n_facts <= MAX_TRAIL);
    for (int f = 0; f < n_facts; f++) {
        copies[f] = words_of(facts[f], w, &n);
        track(&k, w, n);
    }
    char *qcopy = words_of(q, w, &n);
    const char *answer = NULL;
    w[n - 1][strcspn(w[n - 1], "?")] = '\0';
    if (t == 1) { /* Where is A? */
        int a = name_id(&k.people, w[2]);
        assert_true(k.where[a] >= 0);
        answer = k.places.names[k.where[a]];
    } else if (t == 2) { /* Where is the O? */
        int o = name_id(&k.things, w[3]);
        int l = k.holder[o] >= 0 ? k.where[k.holder[o]] : k.lies[o];
        assert_true(l >= 0);
        answer = k.places.names[l];
    } else if (t == 3) { /* Where was the O before the L? the place before its latest visit */
        int o = name_id(&k.things, w[3]), l = name_id(&k.places, w[6]), i = k.n_trail[o] - 1;
        while (i >= 0 && k.trail[o][i] != l) i--;
        assert_true(i >= 1);
        answer = k.places.names[k.trail[o][i - 1]];
    } else if (t == 4) { /* What is D of the B? | What is the B D of? */
        int of_b = strcmp(w[2], "the") != 0;
        int b = name_id(&k.places, of_b ? w[5] : w[3]), d = dir_id(of_b ? w[2] : w[4]);
        int x = k.pos[b][0] + (of_b ? DX[d] : -DX[d]), y = k.pos[b][1] + (of_b ? DY[d] : -DY[d]);
        for (int p = 0; p < k.places.n; p++)
            if (k.placed[p] && k.pos[p][0] == x && k.pos[p][1] == y) answer = k.places.names[p];
    } else { /* the latest give that matches the question's known parts */
        int want[3] = {-1, -1, -1}, asked;
        if (strcmp(w[0], "What") == 0) /* What did A give to B */
            want[0] = name_id(&k.people, w[2]), want[2] = name_id(&k.people, w[5]), asked = 1;
        else if (strcmp(w[1], "received") == 0) /* Who received the O */
            want[1] = name_id(&k.things, w[3]), asked = 2;
        else if (strcmp(w[1], "did") == 0) /* Who did A give the O to */
            want[0] = name_id(&k.people, w[2]), want[1] = name_id(&k.things, w[5]), asked = 2;
        else if (n == 6) /* Who gave the O to B */
            want[1] = name_id(&k.things, w[3]), want[2] = name_id(&k.people, w[5]), asked = 0;
        else /* Who gave the O */
            want[1] = name_id(&k.things, w[3]), asked = 0;
        for (int g = k.n_gives - 1; g >= 0 && !answer; g--) {
            int ok = 1;
            for (int r = 0; r < 3; r++) ok &= want[r] < 0 || want[r] == k.gives[g][r];
            if (ok) answer = asked == 1 ? k.things.names[k.gives[g][1]] : k.people.names[k.gives[g][asked]];
        }
    }
    assert_non_null(answer);
    static char out[32];
    snprintf(out, sizeof out, "%s", answer);
    for (int f = 0; f < n_facts; f++) free(copies[f]);
    free(qcopy);
    return out;
}

static void test_generator(void **state)
{
    (void)state;
    for (int t = 1; t <= 5; t++) {
        int questions = 0;
        for (uint64_t unit = 0; unit < 300; unit++) {
            Rng r;
            rng_init(&r, 2024, 1, unit);
            BabiSet set;
            DataError err;
            if (babi_generate(t, &r, &set, &err))
                fail_msg("qa%d unit %llu: %s", t, (unsigned long long)unit, err.msg);
            assert_int_equal(set.n_samples, t == 4 ? 1 : 5);
            for (int i = 0; i < set.n_samples; i++) {
                const BabiSample *s = &set.samples[i];
                assert_string_equal(derive_answer(t, s->facts, s->n_facts, s->question), s->answer);
                assert_int_equal(s->n_support, t <= 3 ? t : 1);
                int names_answer = 0; /* some supporting fact names the answer */
                for (int k = 0; k < s->n_support; k++) {
                    assert_true(s->support[k] >= 0 && s->support[k] < s->n_facts);
                    names_answer |= strstr(s->facts[s->support[k]], s->answer) != NULL;
                }
                assert_true(names_answer);
                questions++;
            }
            babi_free(&set);
        }
        assert_int_equal(questions, t == 4 ? 300 : 1500);
    }
}

/* The same end to end: facts read back from built prompts answer the question to the label. */
static void test_generated_prompts(void **state)
{
    (void)state;
    for (int t = 1; t <= 5; t++)
        for (uint64_t unit = 0; unit < 20; unit++) {
            TextSample s;
            DataError err;
            assert_int_equal(babilong_make(&builtin, t, 6000 + 500 * (int64_t)unit, 77, unit, &s, &err), 0);
            char **facts, *copy;
            int n_facts;
            read_context(&builtin.books[0], s.prompt, &facts, &n_facts, &copy);
            const char *q = strstr(s.prompt, "\nQuestion: ") + strlen("\nQuestion: ");
            assert_string_equal(derive_answer(t, facts, n_facts, q), s.answers[0]);
            free(facts);
            free(copy);
            text_sample_free(&s);
        }
}

/* ---- background text ---------------------------------------------------------------------------- */

static void test_builtin_text(void **state)
{
    (void)state;
    static const char *const avoid[] = {"bathroom", "bedroom", "garden", "hallway", "kitchen", "office", "apple",
                                        "football", "milk", "mary", "john", "sandra", "daniel", "bill", "fred",
                                        "jeff", "north", "south", "east", "west"};
    const BabilongBook *b = &builtin.books[0];
    assert_int_equal(builtin.n_books, 1);
    assert_true(b->len > 3000);
    char *lower = strdup(b->text);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p += 32;
    for (size_t i = 0; i < sizeof avoid / sizeof avoid[0]; i++)
        if (strstr(lower, avoid[i])) fail_msg("built-in text contains \"%s\"", avoid[i]);
    free(lower);
    int usable = 0; /* most sentences serve; a few short ones are skipped, as in BABILong */
    for (int k = 0; k < b->n_sents; k++) usable += b->sents[k].ok;
    assert_true(usable >= 35 && usable < b->n_sents);
}

/* The splitter decides as untrained Punkt does (babilong.h). */
static void test_sentences(void **state)
{
    (void)state;
    static const char text[] =
        "He met Mr. Darcy at noon. \"Stop!\" he cried. They waited... Then J. Smith arrived.\n"
        "The harbour was quiet all through the long grey winter afternoon. It cost 5. dollars. It was 1850. \") "
        "He said \xe2\x80\x9cno.\xe2\x80\x9d She left, and I don't think it will rain today, said the man.\n\n"
        "(It rained.) The end.\n";
    static const char *const want[] = {
        "He met Mr.",
        "Darcy at noon.",
        "\"Stop!\"",
        "he cried.",
        "They waited... Then J. Smith arrived.",
        "The harbour was quiet all through the long grey winter afternoon.",
        "It cost 5. dollars.",
        "It was 1850. \")", /* closers that open the next sentence move back */
        "He said \xe2\x80\x9cno.\xe2\x80\x9d She left, and I don't think it will rain today, said the man.",
        "(It rained.)",
        "The end.",
    };
    static const int ok[] = {0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
    BabilongBook b;
    DataError err;
    assert_int_equal(babilong_book_init(&b, "test", text, sizeof text - 1, &err), 0);
    assert_int_equal(b.n_sents, (int)(sizeof want / sizeof want[0]));
    for (int k = 0; k < b.n_sents; k++) {
        assert_int_equal(b.sents[k].len, strlen(want[k]));
        assert_memory_equal(b.text + b.sents[k].off, want[k], b.sents[k].len);
        assert_int_equal(b.sents[k].ok, ok[k]);
    }
    babilong_book_free(&b);
    /* a text without a usable inner sentence is refused */
    assert_int_equal(babilong_book_init(&b, "short", "One. Two. Three.", 16, &err), -1);
    assert_non_null(strstr(err.msg, "short: no usable sentence"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_story),      cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_prompts_0k),       cmocka_unit_test(test_metric),
        cmocka_unit_test(test_metric_upstream), cmocka_unit_test(test_metric_unicode),
        cmocka_unit_test(test_context_structure), cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_min_length),
        cmocka_unit_test(test_determinism),      cmocka_unit_test(test_generator),
        cmocka_unit_test(test_generated_prompts), cmocka_unit_test(test_builtin_text),
        cmocka_unit_test(test_sentences),        cmocka_unit_test(test_last_mentioned),
    };
    return cmocka_run_group_tests_name("babilong", tests, setup, teardown);
}
