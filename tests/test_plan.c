/* From a suite to units: counts and order of the expansion, which models fit which families,
 * head/task mismatches named clearly, evenly spread sample subsets, and costs; and the plan-time
 * refusals, each with the suite's file, line and key and the limit: unit lists and samples that
 * would not fit in memory (counted before anything is allocated), text lengths no sample fits,
 * horizons past an int, and data errors. The data counts, the memory and the model configs are
 * fakes, so no file is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "run.h" /* UnitResult: PLAN_UNIT_BYTES must cover what the run holds per unit */

static TitansConfig lm, lm_big, dna, series;

static void config(TitansConfig *c, TitansHead head, int d)
{
    memset(c, 0, sizeof *c);
    c->head = head;
    c->input = head == TITANS_HEAD_LM ? TITANS_INPUT_BYTES : head == TITANS_HEAD_CLS ? TITANS_INPUT_DNA : TITANS_INPUT_SERIES;
    c->d_model = d, c->n_layers = 2, c->n_heads = 2, c->ffn_dim = 2 * d, c->window = 64, c->segment = 32;
    c->mem_heads = 2, c->mem_depth = 2, c->mem_expansion = 2, c->mem_chunk = 16;
    c->layer_kinds[0] = TITANS_LAYER_MAG, c->layer_kinds[1] = TITANS_LAYER_SWA;
    c->d_head = d / 2, c->d_mem = d / 2, c->mem_hidden = d;
    c->n_classes = head == TITANS_HEAD_CLS ? 2 : 0;
    c->lookback = head == TITANS_HEAD_FORECAST ? 96 : 0;
    c->horizon = head == TITANS_HEAD_FORECAST ? 96 : 0;
    c->n_patch = head == TITANS_HEAD_FORECAST ? 12 : 0;
}

static int64_t fake_genomics(void *ctx, const char *task, int *n_classes, double *mean_length,
                             DataError *err)
{
    (void)ctx;
    if (strcmp(task, "prom")) return data_error(err, "no genomics task '%s'", task), -1;
    *n_classes = 2;
    *mean_length = 70.0;
    return 10;
}

static int64_t fake_windows(void *ctx, const char *dataset, int lookback, int horizon, int *channels,
                            DataError *err)
{
    (void)ctx, (void)err;
    assert_int_equal(lookback, 96);
    *channels = 7;
    return strcmp(dataset, "ETTh1") ? 50 : 100 - horizon / 96; /* 99 at H=96, 98 at H=192 */
}

static int text_calls;

/* s-niah-1's samples fit from 400 bytes on, s-niah-2's from 450, s-niah-3 has no data here,
 * BABILong's from 900 */
static int64_t fake_text(void *ctx, TaskFamily f, const char *variant, DataError *err)
{
    (void)ctx;
    text_calls++;
    if (f == FAMILY_BABILONG) return 900;
    if (!strcmp(variant, "s-niah-3")) return data_error(err, "s-niah-3 needs the essay haystack"), -1;
    return strcmp(variant, "s-niah-1") ? 450 : 400;
}

static const char *const SUITE =
    "[suite]\nname = t\n"
    "[model.a]\ncheckpoint = a.h5\n"     /* 0: lm */
    "[model.b]\ncheckpoint = b.h5\n"     /* 1: lm, larger */
    "[model.dna]\ncheckpoint = d.h5\n"   /* 2: cls */
    "[model.fc]\ncheckpoint = f.h5\n"    /* 3: forecast, H = 96 */
    "[model.last]\nforecaster = naive-last\n" /* 4 */
    "[task.niah]\nfamily = sniah\nvariants = s-niah-1, s-niah-2\nlengths = 1k, 4k\ndepths = 0, 0.5, 1\nsamples = 2\nmodels = *\n"
    "[task.gen]\nfamily = genomics\nvariants = prom\nsamples = 4\nmodels = dna\n"
    "[task.ett]\nfamily = forecast\nvariants = ETTh1\nlengths = 96, 192\nsamples = 0\nmodels = *\n";

#define GIB ((int64_t)1 << 30)

/* Plans text against `memory` bytes of memory. */
static int plan_in(const char *text, int64_t memory, UnitList *l, DataError *err)
{
    Suite s;
    if (suite_parse(text, "t.ini", &s, err) != 0) fail_msg("%s", err->msg);
    PlanData pd = {.configs = {&lm, &lm_big, &dna, &series, NULL}, .genomics_samples = fake_genomics,
                   .forecast_windows = fake_windows, .text_min_length = fake_text, .memory = memory};
    int rc = plan_expand(&s, &pd, l, err);
    suite_free(&s);
    return rc;
}

static int plan(const char *text, UnitList *l, DataError *err) { return plan_in(text, 24 * GIB, l, err); }

static void test_expansion(void **st)
{
    (void)st;
    UnitList l;
    DataError err;
    assert_int_equal(plan(SUITE, &l, &err), 0);
    /* niah: 2 lm models x 2 variants x 2 lengths x 3 depths x 2 samples = 48;
     * gen: 4 of 10; ett: the series model at H=96 (99 windows), naive-last at 96 and 192 */
    assert_int_equal(l.n, 48 + 4 + 99 + 99 + 98);
    const Unit *u = &l.v[0];
    assert_true(u->id == 0 && u->task == 0 && u->model == 0 && u->variant == 0 && u->length == 1024);
    assert_true(u->depth == 0.0 && u->sample == 0 && u->reserve == 128); /* reserve = auto: RULER's 128 */
    assert_true(l.v[1].sample == 1 && l.v[2].depth == 0.5 && l.v[6].length == 4096);
    assert_true(l.v[24].model == 1); /* model b after all of a */
    /* genomics: 4 samples spread over 10 */
    const int64_t want[4] = {0, 2, 5, 7};
    for (int k = 0; k < 4; k++) assert_true(l.v[48 + k].sample == want[k] && l.v[48 + k].family == FAMILY_GENOMICS);
    /* costs: longer is dearer, the larger model dearer, a naive forecaster the fixed overhead only */
    assert_true(l.v[6].cost > l.v[0].cost && l.v[24].cost > l.v[0].cost);
    assert_true(l.v[l.n - 1].cost == plan_cost(NULL, 0) && l.v[l.n - 1].model == 4 && l.v[l.n - 1].length == 192);
    for (int64_t i = 0; i < l.n; i++) assert_true(l.v[i].id == i && l.v[i].reserve == (i < 48 ? 128 : 0));
    units_free(&l);
}

/* text = SUITE with its first `from` replaced by `to` */
static void edit(const char *from, const char *to, char *text, size_t len)
{
    const char *at = strstr(SUITE, from);
    assert_non_null(at);
    snprintf(text, len, "%.*s%s%s", (int)(at - SUITE), SUITE, to, at + strlen(from));
}

/* SUITE with the first `from` replaced by `to`, planned against `memory` bytes: refused with want. */
static void expect_error_in(int64_t memory, const char *from, const char *to, const char *want)
{
    char text[4096];
    edit(from, to, text, sizeof text);
    UnitList l = {0};
    DataError err = {{0}};
    assert_int_equal(plan_in(text, memory, &l, &err), -1);
    assert_null(l.v); /* nothing left allocated */
    printf("# %s\n", err.msg);
    if (!strstr(err.msg, want)) fail_msg("'%s' does not contain '%s'", err.msg, want);
}

static void expect_error(const char *from, const char *to, const char *want)
{
    expect_error_in(24 * GIB, from, to, want);
}

static void test_mismatches(void **st)
{
    (void)st;
    /* lines: 13 [task.niah] 15 variants 16 lengths 18 samples 19 models, 20 [task.gen] 22 variants
     * 23 samples 24 models, 25 [task.ett] 27 variants 28 lengths 29 samples 30 models */
    expect_error("samples = 4\nmodels = dna", "samples = 4\nmodels = a",
                 "t.ini:24: [task.gen] models: model 'a': genomics needs a dna/cls checkpoint");
    expect_error("lengths = 96, 192\nsamples = 0\nmodels = *", "lengths = 192, 336\nsamples = 0\nmodels = fc",
                 "t.ini:30: [task.ett] models: model 'fc': its head forecasts 96 steps, none of the task's horizons");
    expect_error("variants = prom", "variants = enhancers", "t.ini:22: [task.gen] variants: 'enhancers': no genomics task 'enhancers'");
    expect_error("variants = s-niah-1, s-niah-2", "variants = s-niah-4", "t.ini:15: [task.niah] variants: unknown NIAH task 's-niah-4'");
    expect_error("family = genomics\nvariants = prom\nsamples = 4\nmodels = dna",
                 "family = babilong\nvariants = qa21\nlengths = 0\nsamples = 1\nmodels = a",
                 "t.ini:22: [task.gen] variants: 'qa21' is not qa1 .. qa20");
    expect_error("models = dna", "models = last", "t.ini:24: [task.gen] models: model 'last': genomics needs");
    expect_error("models = *\n[task.gen]", "models = dna\n[task.gen]", "t.ini:19: [task.niah] models: model 'dna': text tasks need");
    dna.n_classes = 3;
    expect_error("[suite]", "[suite]", "t.ini:24: [task.gen] models: model 'dna': its head has 3 classes, task prom has 2");
    dna.n_classes = 2;
}

/* The units are counted before any is allocated: a list (with its records) over 1/4 of the
 * memory is refused at the task that crosses the limit, with the limit; counts cannot wrap. */
static void test_unit_count_limit(void **st)
{
    (void)st;
    UnitList l;
    DataError err;
    /* SUITE is 48 + 4 + 99 + 99 + 98 = 348 units: a memory of exactly 348 units passes, one less fails */
    int64_t exact = (int64_t)PLAN_MEMORY_SHARE * PLAN_UNIT_BYTES * 348;
    assert_int_equal(plan_in(SUITE, exact, &l, &err), 0);
    assert_int_equal(l.n, 348);
    units_free(&l);
    expect_error_in(exact - 1, "[suite]", "[suite]",
                    "t.ini:29: [task.ett] samples: the suite comes to 348 units with this task, more than the 347 "
                    "that fit in 1/4 of this machine's 0.0 GiB of memory (3072 bytes a unit)");
    /* issue 10: samples = 40000000 overflowed the count of the unit-list broadcast */
    expect_error("samples = 2\n", "samples = 40000000\n",
                 "t.ini:18: [task.niah] samples: the suite comes to 960000000 units with this task, more than the "
                 "2097152 that fit in 1/4 of this machine's 24.0 GiB of memory");
    expect_error("samples = 2\n", "samples = 9223372036854775807\n",
                 "t.ini:18: [task.niah] samples: the suite comes to over 9223372036854775807 units");
    /* data tasks take at most what the data has: 10 genomics samples, not 10^9 */
    char text[4096];
    edit("samples = 4\n", "samples = 1000000000\n", text, sizeof text);
    assert_int_equal(plan(text, &l, &err), 0);
    assert_int_equal(l.n, 348 - 4 + 10);
    units_free(&l);
}

/* One text sample must fit in 1/4 of the memory: prompt, tokens and the attention cache. */
static void test_sample_memory_limit(void **st)
{
    (void)st;
    /* lm and lm_big have no full-attention layer: 7 bytes a token; with 4 GiB, 1 GiB / 7 bytes */
    assert_true(plan_token_bytes(&lm) == 7.0);
    int64_t most = GIB / 7;
    char to[128];
    snprintf(to, sizeof to, "lengths = 1k, %lld\n", (long long)most);
    UnitList l;
    DataError err;
    char text[4096];
    edit("lengths = 1k, 4k\n", to, text, sizeof text);
    assert_int_equal(plan_in(text, 4 * GIB, &l, &err), 0);
    units_free(&l);
    snprintf(to, sizeof to, "lengths = 1k, %lld\n", (long long)most + 1);
    char want[256];
    snprintf(want, sizeof want, "t.ini:16: [task.niah] lengths: %lld bytes: one sample would take 1 GiB (prompt, "
             "tokens and the attention cache of model 'a', 7 bytes a token), more than 1/4 of this machine's 4.0 GiB "
             "of memory: at most %lld here", (long long)most + 1, (long long)most);
    expect_error_in(4 * GIB, "lengths = 1k, 4k\n", to, want);
    /* issue 10: a BABILong length of 10^12 */
    expect_error("family = genomics\nvariants = prom\nsamples = 4\nmodels = dna",
                 "family = babilong\nvariants = qa1\nlengths = 1000000000000\nsamples = 1\nmodels = a",
                 "t.ini:23: [task.gen] lengths: 1000000000000 bytes: one sample would take 6.52e+03 GiB");
    /* a full-attention model pays its cache per token: 2 x 2 x 4 bytes x d_model per layer */
    TitansConfig attn = lm;
    attn.layer_kinds[1] = TITANS_LAYER_ATTN;
    assert_true(plan_token_bytes(&attn) == 7.0 + 16.0 * attn.d_model);
}

/* Lengths no sample fits are refused at plan time, with what the samples need. */
static void test_text_lengths(void **st)
{
    (void)st;
    text_calls = 0;
    UnitList l;
    DataError err;
    expect_error("variants = s-niah-1, s-niah-2", "variants = s-niah-1, s-niah-3",
                 "t.ini:15: [task.niah] variants: 's-niah-3': s-niah-3 needs the essay haystack");
    assert_true(text_calls > 0); /* the data is asked at plan time */
    expect_error("variants = s-niah-1, s-niah-2\nlengths = 1k, 4k", "variants = s-niah-1\nlengths = 399, 4k",
                 "t.ini:16: [task.niah] lengths: 399 bytes is too short for s-niah-1: a sample needs up to 400");
    expect_error("family = genomics\nvariants = prom\nsamples = 4\nmodels = dna",
                 "family = babilong\nvariants = qa1, qa2\nlengths = 0, 899\nsamples = 1\nmodels = a",
                 "t.ini:23: [task.gen] lengths: 899 bytes is too short for qa1: its questions need 900 or more");
    const char *fits = "[suite]\nname = t\n[model.a]\ncheckpoint = a.h5\n"
                       "[task.n]\nfamily = sniah\nvariants = s-niah-1, s-niah-2\nlengths = 450\nreserve = 0\nsamples = 1\nmodels = a\n"
                       "[task.q]\nfamily = babilong\nvariants = qa5\nlengths = 0, 900\nsamples = 1\nmodels = a\n";
    assert_int_equal(plan(fits, &l, &err), 0);
    assert_int_equal(l.n, 2 + 2);
    assert_true(l.v[0].reserve == 0 && l.v[3].reserve == 0);
    units_free(&l);
}

/* A length keeps the reserve for the answer: auto is RULER's number of each variant, and a length
 * whose prompt (length - reserve) no sample fits is refused naming the task, length and reserve. */
static void test_reserve(void **st)
{
    (void)st;
    expect_error("lengths = 1k, 4k", "lengths = 577, 4k",
                 "t.ini:16: [task.niah] lengths: 577 bytes is too short for s-niah-2: a sample needs up to 450 (its "
                 "template, key, value and the least haystack) and reserve = auto keeps 128 bytes of the length for the "
                 "answer (RULER's tokens_to_generate of s-niah-2), so the lengths start at 578 (reserve = 0");
    expect_error("lengths = 1k, 4k", "lengths = 1k, 4k\nreserve = 600",
                 "t.ini:16: [task.niah] lengths: 1024 bytes is too short for s-niah-2: a sample needs up to 450 (its "
                 "template, key, value and the least haystack) and reserve = 600 keeps 600 bytes of the length for "
                 "the answer, so");
    expect_error("lengths = 1k, 4k", "lengths = 1k, 4k\nreserve = 9223372036854775807",
                 "the lengths start at 9223372036854775807");
    UnitList l;
    DataError err;
    char text[4096];
    edit("lengths = 1k, 4k", "lengths = 578, 4k", text, sizeof text);
    assert_int_equal(plan(text, &l, &err), 0);
    assert_true(l.v[0].length == 578 && l.v[0].reserve == 128);
    units_free(&l);
    edit("lengths = 1k, 4k", "lengths = 1k\nreserve = 1k", text, sizeof text);
    assert_int_equal(plan(text, &l, &err), -1); /* 1024 - 1024 leaves 0 for 400 */
    edit("lengths = 1k, 4k", "lengths = 1500\nreserve = 1k", text, sizeof text);
    assert_int_equal(plan(text, &l, &err), 0);
    assert_true(l.v[0].reserve == 1024);
    units_free(&l);
}

/* A horizon is an int: 4294967392 was read as 96 and labelled 4294967392. */
static void test_horizons(void **st)
{
    (void)st;
    expect_error("lengths = 96, 192", "lengths = 96, 4294967392",
                 "t.ini:28: [task.ett] lengths: horizon 4294967392 is not in 1 .. 2147483647");
    expect_error("lengths = 96, 192", "lengths = 0", "t.ini:28: [task.ett] lengths: horizon 0 is not in 1 .. 2147483647");
}

/* What PLAN_UNIT_BYTES stands for: two Unit copies, owner and done flag, three records. */
static void test_unit_bytes(void **st)
{
    (void)st;
    size_t record = sizeof(int64_t) + sizeof(int64_t) + sizeof(UnitResult);
    assert_true(2 * sizeof(Unit) + sizeof(int) + 1 + 3 * record <= PLAN_UNIT_BYTES);
    assert_true(plan_machine_memory() > 0);
}

static int setup(void **st)
{
    (void)st;
    config(&lm, TITANS_HEAD_LM, 32);
    config(&lm_big, TITANS_HEAD_LM, 64);
    config(&dna, TITANS_HEAD_CLS, 32);
    config(&series, TITANS_HEAD_FORECAST, 32);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expansion),
        cmocka_unit_test(test_mismatches),
        cmocka_unit_test(test_unit_count_limit),
        cmocka_unit_test(test_sample_memory_limit),
        cmocka_unit_test(test_text_lengths),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_horizons),
        cmocka_unit_test(test_unit_bytes),
    };
    return cmocka_run_group_tests_name("plan", tests, setup, NULL);
}
