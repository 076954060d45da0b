/* Suite files: a full valid suite, and each kind of mistake reported with the file, the line and
 * the key: the first mistake of the file with its own reason, lengths and counts that do not fit
 * 64 bits, a NUL byte, keys given twice, and names that would become unsafe paths. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "suite.h"

static const char *const GOOD =
    "; a suite\n"
    "[suite]\n"
    "name = quick\n"
    "seed = 42\n"
    "\n"
    "[model.mag]\n"
    "checkpoint = ../ckpt/mag.h5\n"
    "[model.last]\n"
    "forecaster = naive-last\n"
    "column = floor\n"
    "\n"
    "[task.niah]\n"
    "family = sniah\n"
    "variants = s-niah-1, s-niah-2\n"
    "lengths = 1024, 4k, 1m\n"
    "depths = 0, 0.5, 1\n"
    "samples = 3\n"
    "models = mag\n"
    "\n"
    "[task.ett]\n"
    "family = forecast\n"
    "variants = ETTh1\n"
    "lengths = 96, 192\n"
    "models = *\n"
    "without-data = skip\n";

/* A list goes on over indented lines; a later plain key starts afresh. */
static void test_lists_go_on(void **st)
{
    (void)st;
    const char *text = "[suite]\nname = q\n[model.a]\ncheckpoint = a.h5\n[model.b]\ncheckpoint = b.h5\n"
                       "[task.t]\nfamily = sniah\nvariants = s-niah-1,\n  s-niah-2\n"
                       "lengths = 1k, 2k,\n    4k, 8k\nsamples = 1\nmodels = a,\n  b\n";
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse(text, "t.ini", &s, &err), 0);
    const SuiteTask *t = &s.tasks[0];
    assert_int_equal(t->n_variants, 2);
    assert_string_equal(t->variants[1], "s-niah-2");
    assert_int_equal(t->n_lengths, 4);
    assert_true(t->lengths[3] == 8192);
    assert_true(t->n_models == 2 && t->models[1] == 1);
    suite_free(&s);
}

static void test_a_good_suite(void **st)
{
    (void)st;
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse(GOOD, "evals/quick.ini", &s, &err), 0);
    assert_string_equal(s.name, "quick");
    assert_true(s.seed == 42);
    assert_int_equal(s.n_models, 2);
    assert_string_equal(s.models[0].checkpoint, "evals/../ckpt/mag.h5"); /* relative to the suite */
    assert_string_equal(s.models[1].forecaster, "naive-last");
    assert_string_equal(s.models[0].column, "mag"); /* the name unless set */
    assert_string_equal(s.models[1].column, "floor");
    assert_int_equal(s.n_tasks, 2);
    const SuiteTask *t = &s.tasks[0];
    assert_int_equal(t->family, FAMILY_SNIAH);
    assert_int_equal(t->n_variants, 2);
    assert_string_equal(t->variants[1], "s-niah-2");
    assert_int_equal(t->n_lengths, 3);
    assert_true(t->lengths[1] == 4096 && t->lengths[2] == 1048576);
    assert_int_equal(t->n_depths, 3);
    assert_true(t->depths[1] == 0.5);
    assert_true(t->samples == 3 && t->n_models == 1 && t->models[0] == 0);
    assert_true(s.tasks[1].all_models && s.tasks[1].family == FAMILY_FORECAST);
    assert_true(!t->skip_without_data && s.tasks[1].skip_without_data);
    assert_string_equal(s.text, GOOD);
    Suite again;
    assert_int_equal(suite_parse(GOOD, "evals/quick.ini", &again, &err), 0);
    assert_true(again.hash == s.hash && s.hash != 0);
    suite_free(&s);
    suite_free(&again);
}

/* With no data directory the tasks marked `without-data = skip` leave the suite; the rest keep
 * their order. */
static void test_skip_data_tasks(void **st)
{
    (void)st;
    const char *text = "[suite]\nname = q\n[model.a]\ncheckpoint = a.h5\n"
                       "[task.dna]\nfamily = genomics\nvariants = tata\nmodels = a\nwithout-data = skip\n"
                       "[task.niah]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k\nsamples = 1\nmodels = a\n"
                       "[task.ett]\nfamily = forecast\nvariants = ETTh1\nlengths = 96\nmodels = a\nwithout-data = skip\n"
                       "[task.qa]\nfamily = babilong\nvariants = qa1\nlengths = 0\nsamples = 1\nmodels = a\n";
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse(text, "t.ini", &s, &err), 0);
    char skipped[64];
    assert_int_equal(suite_skip_data_tasks(&s, skipped, sizeof skipped), 2);
    assert_string_equal(skipped, "dna, ett");
    assert_int_equal(s.n_tasks, 2);
    assert_string_equal(s.tasks[0].name, "niah");
    assert_string_equal(s.tasks[1].name, "qa");
    assert_int_equal(s.tasks[1].family, FAMILY_BABILONG);
    assert_int_equal(suite_skip_data_tasks(&s, skipped, sizeof skipped), 0);
    assert_string_equal(skipped, "");
    suite_free(&s);
}

/* Replaces the first occurrence of `from` in GOOD by `to`, parses, and checks the message. */
static void expect(const char *from, const char *to, const char *want)
{
    char text[4096];
    const char *at = strstr(GOOD, from);
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse(text, "bad.ini", &s, &err), -1);
    printf("# %s\n", err.msg);
    if (!strstr(err.msg, want)) fail_msg("'%s' does not contain '%s'", err.msg, want);
}

static void test_mistakes_name_line_and_key(void **st)
{
    (void)st;
    expect("seed = 42", "sead = 42", "bad.ini:4: [suite] unknown key 'sead'");
    expect("seed = 42", "seed = -3", "bad.ini:4: [suite] seed");
    expect("family = sniah", "family = needle", "bad.ini:13: [task.niah] family: 'needle'");
    expect("lengths = 1024, 4k, 1m", "lengths = 1024, 4q", "bad.ini:15: [task.niah] lengths: '4q'");
    expect("depths = 0, 0.5, 1", "depths = 0, 1.5", "bad.ini:16: [task.niah] depths: '1.5'");
    expect("models = mag", "models = mac", "bad.ini:18: [task.niah] models: no section [model.mac]");
    expect("without-data = skip", "without-data = maybe", "bad.ini:25: [task.ett] without-data: 'maybe'");
    expect("forecaster = naive-last", "forecaster = arima", "bad.ini:9: [model.last] forecaster");
    expect("column = floor", "column = ", "bad.ini:10: [model.last] column: must be 1 to");
    char long_list[400] = "models = mag";
    for (int i = 0; i < 40; i++) strcat(long_list, ", mag");
    expect("models = mag", long_list, "bad.ini:18: longer than 190 characters: go on with the list on indented lines");
    expect("[model.last]", "[modl.last]", "bad.ini:8: [modl.last]: sections are"); /* the header's line */
    expect("name = quick\n", "", "bad.ini: [suite] name: missing");
    expect("forecaster = naive-last", "forecaster = naive-last\ncheckpoint = x.h5",
           "bad.ini:8: [model.last]: needs exactly one of checkpoint, forecaster");
    expect("forecaster = naive-last", "answerer = last-mentioned\nforecaster = naive-last",
           "bad.ini:8: [model.last]: needs exactly one of checkpoint, forecaster, answerer");
    expect("forecaster = naive-last", "answerer = first-mentioned",
           "bad.ini:9: [model.last] answerer: 'first-mentioned' is not last-mentioned");
    expect("samples = 3\n", "", "bad.ini:12: [task.niah] samples: missing");
    expect("samples = 3\n", "samples = 0\n", "bad.ini:17: [task.niah] samples: 0 (generated tasks need a count");
    expect("variants = ETTh1\n", "", "bad.ini:20: [task.ett] variants: missing");
    expect("[task.ett]", "[task.niah]", "[task.niah]: a second section of that name");
    expect("[suite]", "suite]", "bad.ini:2:");
}

/* Two mistakes: the first one is reported, its line with its own reason (not the last one's). */
static void test_first_mistake_wins(void **st)
{
    (void)st;
    const char *two = "[suite]\nname = q\nsead = 1\n[model.a]\ncheckpoint = a.h5\n[task.t]\nfamily = needle\n";
    const char *syntax_first = "[suite]\nname = q\nthis line has no equals sign\n[task.t]\nfamily = needle\n";
    const char *handler_first = "[suite]\nname = q\nsead = 1\nno equals sign here\n";
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse(two, "two.ini", &s, &err), -1);
    assert_string_equal(err.msg, "two.ini:3: [suite] unknown key 'sead' (name, seed)");
    assert_int_equal(suite_parse(syntax_first, "syn.ini", &s, &err), -1);
    if (!strstr(err.msg, "syn.ini:3: not INI syntax") || strstr(err.msg, "needle")) fail_msg("%s", err.msg);
    assert_int_equal(suite_parse(handler_first, "h.ini", &s, &err), -1);
    assert_string_equal(err.msg, "h.ini:3: [suite] unknown key 'sead' (name, seed)");
}

/* A NUL byte in the file is an error naming its line, not the silent end of the suite. */
static void test_nul_byte(void **st)
{
    (void)st;
    char text[512];
    int n = snprintf(text, sizeof text, "%s", GOOD);
    char *at = strstr(text, "[task.ett]");
    *at = 0; /* what follows would be lost if the parser stopped at the NUL */
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse_bytes(text, (size_t)n, "nul.ini", &s, &err), -1);
    printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, "nul.ini:20: NUL byte"));
    *at = '[';
    assert_int_equal(suite_parse_bytes(text, (size_t)n, "nul.ini", &s, &err), 0);
    assert_int_equal(s.n_tasks, 2);
    suite_free(&s);
}

/* Lengths and counts past 64 bits are refused, never wrapped; signs and spaces are not numbers. */
static void test_numbers_do_not_wrap(void **st)
{
    (void)st;
    const char *lengths = "lengths = 1024, 4k, 1m";
    expect(lengths, "lengths = 9007199254740992k", "bad.ini:15: [task.niah] lengths: '9007199254740992k' is more than 9223372036854775807");
    expect(lengths, "lengths = 8796093022208m", "bad.ini:15: [task.niah] lengths: '8796093022208m' is more than");
    expect(lengths, "lengths = 99999999999999999999", "bad.ini:15: [task.niah] lengths: '99999999999999999999' is more than");
    expect(lengths, "lengths = -5", "bad.ini:15: [task.niah] lengths: '-5' is not a length");
    expect(lengths, "lengths = +5", "bad.ini:15: [task.niah] lengths: '+5' is not a length");
    expect("samples = 3", "samples = 9223372036854775808", "bad.ini:17: [task.niah] samples: '9223372036854775808' is more than");
    expect("samples = 3", "samples = 1e9", "bad.ini:17: [task.niah] samples: '1e9' is not a count");
    /* the largest that fits is read exactly (the plan then weighs it against the machine) */
    char text[1024];
    const char *at = strstr(GOOD, lengths);
    snprintf(text, sizeof text, "%.*slengths = 8796093022207m%s", (int)(at - GOOD), GOOD, at + strlen(lengths));
    Suite s;
    DataError err;
    assert_int_equal(suite_parse(text, "t.ini", &s, &err), 0);
    assert_true(s.tasks[0].lengths[0] == 8796093022207LL * 1048576);
    assert_int_equal(s.tasks[0].line_lengths, 15);
    assert_true(s.tasks[0].line == 12 && s.tasks[0].line_samples == 17 && s.tasks[0].line_models == 18);
    assert_true(s.tasks[0].line_variants == 14 && s.models[1].line == 8);
    suite_free(&s);
}

/* A key given twice in a section would silently replace or extend the first. */
static void test_keys_once(void **st)
{
    (void)st;
    expect("samples = 3\n", "samples = 3\nsamples = 5\n", "bad.ini:18: [task.niah] samples: given twice");
    expect("models = mag\n", "models = mag\nmodels = mag\n", "bad.ini:19: [task.niah] models: given twice");
    expect("seed = 42\n", "seed = 42\nseed = 43\n", "bad.ini:5: [suite] seed: given twice");
}

/* Names become paths and file names: refused at parse time with the line and why. */
static void test_names_are_safe(void **st)
{
    (void)st;
    expect("[task.ett]", "[task.units]", "bad.ini:20: [task.units]: 'units' is the name of an output of titans-eval");
    expect("[task.ett]", "[task.Journal]", "bad.ini:20: [task.Journal]: 'Journal' is the name of an output");
    expect("[task.ett]", "[task.tables]", "bad.ini:20: [task.tables]: 'tables' is the name");
    expect("[task.ett]", "[task.results]", "bad.ini:20: [task.results]: 'results' is the name");
    expect("[task.ett]", "[task.NIAH]", "bad.ini:20: [task.NIAH]: differs from [task.niah] (line 12) only in case");
    expect("[task.ett]", "[task.../escaped]", "bad.ini:20: [task.../escaped]: task name must start with a letter or a digit");
    expect("[task.ett]", "[task.a/b]", "bad.ini:20: [task.a/b]: task name '/' is not allowed (letters, digits");
    expect("[task.ett]", "[task.a b]", "bad.ini:20: [task.a b]: task name byte 0x20 is not allowed");
    expect("[task.ett]", "[task.]", "bad.ini:20: [task.]: task name must be 1 to 63 characters");
    expect("[task.ett]", "[task.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]",
           "bad.ini:20: [task.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]: a section name is at most 49");
    expect("[model.last]", "[model.x\\y]", "bad.ini:8: [model.x\\y]: model name '\\' is not allowed");
    expect("[model.last]", "[model..hidden]", "bad.ini:8: [model..hidden]: model name must start with a letter");
    expect("name = quick", "name = ../up", "bad.ini:3: [suite] name: must start with a letter");
    expect("name = quick", "name = a/b", "bad.ini:3: [suite] name: '/' is not allowed");
    expect("variants = s-niah-1, s-niah-2", "variants = s-niah-1, ../../etc",
           "bad.ini:14: [task.niah] variants: '../../etc': must start with a letter");
    expect("variants = ETTh1", "variants = x/y", "bad.ini:22: [task.ett] variants: 'x/y': '/' is not allowed");
    expect("column = floor", "column = a|b", "bad.ini:10: [model.last] column: '|' is not allowed");
    /* the longest header libinih keeps whole: a task name of 49 - 5 characters, read in full */
    char text[1024], name[64];
    memset(name, 'n', 44);
    name[44] = 0;
    const char *at = strstr(GOOD, "[task.ett]");
    snprintf(text, sizeof text, "%.*s[task.%s]%s", (int)(at - GOOD), GOOD, name, at + strlen("[task.ett]"));
    Suite s;
    DataError err;
    assert_int_equal(suite_parse(text, "t.ini", &s, &err), 0);
    assert_string_equal(s.tasks[1].name, name);
    suite_free(&s);
}

/* reserve: auto by default, RULER's number per variant; 0 or a count of bytes; sniah only. */
static void test_reserve(void **st)
{
    (void)st;
    const char *text = "[suite]\nname = r\n[model.a]\ncheckpoint = a.h5\n"
                       "[task.auto]\nfamily = sniah\nvariants = s-niah-1, niah_multikey_3, vt, fwe, cwe, qa_1, qa_2\n"
                       "lengths = 4k\nsamples = 1\nmodels = a\n"
                       "[task.none]\nfamily = sniah\nvariants = s-niah-2\nlengths = 512\nreserve = 0\nsamples = 1\nmodels = a\n"
                       "[task.some]\nfamily = sniah\nvariants = vt\nlengths = 4k\nreserve = 1k\nsamples = 1\nmodels = a\n"
                       "[task.bl]\nfamily = babilong\nvariants = qa1\nlengths = 0\nsamples = 1\nmodels = a\n";
    Suite s;
    DataError err;
    if (suite_parse(text, "r.ini", &s, &err)) fail_msg("%s", err.msg);
    static const int64_t ruler[] = {128, 128, 30, 50, 120, 32, 32};
    assert_true(s.tasks[0].reserve == SUITE_RESERVE_AUTO && s.tasks[0].line_reserve == 0);
    for (int v = 0; v < 7; v++) assert_int_equal(suite_task_reserve(&s.tasks[0], v), ruler[v]);
    assert_int_equal(suite_task_reserve(&s.tasks[1], 0), 0);
    assert_int_equal(s.tasks[1].line_reserve, 15);
    assert_int_equal(suite_task_reserve(&s.tasks[2], 0), 1024);
    assert_int_equal(suite_task_reserve(&s.tasks[3], 0), 0); /* babilong keeps none */
    snprintf(s.tasks[0].variants[0], SUITE_NAME, "s-niah-9");
    assert_int_equal(suite_task_reserve(&s.tasks[0], 0), -1);
    suite_free(&s);
    expect("depths = 0, 0.5, 1", "depths = 0, 0.5, 1\nreserve = -3", "bad.ini:17: [task.niah] reserve: '-3' is not auto or a count of bytes");
    expect("depths = 0, 0.5, 1", "depths = 0, 0.5, 1\nreserve = AUTO", "bad.ini:17: [task.niah] reserve: 'AUTO' is not auto or a count");
    expect("without-data = skip", "without-data = skip\nreserve = 0", "bad.ini:26: [task.ett] reserve: only for sniah");
    expect("depths = 0, 0.5, 1", "depths = 0, 0.5, 1\nreserve = 0\nreserve = 0", "bad.ini:18: [task.niah] reserve: given twice");
}

/* The shipped S-NIAH/RULER suites keep RULER's reserve (auto), but sniah-512.ini: its 512-byte
 * prompts are the checkpoints' training length (reserve = 0); every prompt bound is 512 or more. */
static void check_shipped_reserve(const char *name, const Suite *s)
{
    for (int i = 0; i < s->n_tasks; i++) {
        const SuiteTask *t = &s->tasks[i];
        if (t->family != FAMILY_SNIAH) continue;
        int64_t want = strcmp(name, "sniah-512.ini") ? SUITE_RESERVE_AUTO : 0;
        if (t->reserve != want) fail_msg("%s: [task.%s] reserve %lld", name, t->name, (long long)t->reserve);
        for (int v = 0; v < t->n_variants; v++)
            for (int li = 0; li < t->n_lengths; li++)
                if (t->lengths[li] - suite_task_reserve(t, v) < 512)
                    fail_msg("%s: [task.%s] %s at %lld leaves less than 512 bytes", name, t->name, t->variants[v],
                             (long long)t->lengths[li]);
    }
}

/* Every suite the project ships parses, and names checkpoints under checkpoints/ or the fixtures. */
static void test_shipped_suites(void **st)
{
    (void)st;
    const char *fixtures = getenv("TITANS_FIXTURES");
    assert_non_null(fixtures);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../../evals", fixtures);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        Suite s;
        DataError err = {{0}};
        if (suite_load(path, &s, &err) != 0) fail_msg("%s", err.msg);
        for (int m = 0; m < s.n_models; m++)
            if (s.models[m].checkpoint[0] && !strstr(s.models[m].checkpoint, "/../checkpoints/") &&
                !strstr(s.models[m].checkpoint, "/../tests/fixtures/"))
                fail_msg("%s: [model.%s] checkpoint %s", path, s.models[m].name, s.models[m].checkpoint);
        printf("# %s: %d models, %d tasks\n", e->d_name, s.n_models, s.n_tasks);
        check_shipped_reserve(e->d_name, &s);
        suite_free(&s);
        n++;
    }
    closedir(d);
    assert_true(n >= 7); /* quick, one per family, the paper tables */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_good_suite),
        cmocka_unit_test(test_skip_data_tasks),
        cmocka_unit_test(test_lists_go_on),
        cmocka_unit_test(test_mistakes_name_line_and_key),
        cmocka_unit_test(test_first_mistake_wins),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_numbers_do_not_wrap),
        cmocka_unit_test(test_keys_once),
        cmocka_unit_test(test_names_are_safe),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_shipped_suites),
    };
    return cmocka_run_group_tests_name("suite", tests, NULL, NULL);
}
