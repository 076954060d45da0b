/* From a suite to units: counts and order of the expansion, which models fit which families,
 * head/task mismatches named clearly, evenly spread sample subsets, and costs. The data counts
 * and model configs are fakes, so no file is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

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

static int plan(const char *text, UnitList *l, DataError *err)
{
    Suite s;
    if (suite_parse(text, "t.ini", &s, err) != 0) fail_msg("%s", err->msg);
    PlanData pd = {{&lm, &lm_big, &dna, &series, NULL}, fake_genomics, fake_windows, NULL};
    int rc = plan_expand(&s, &pd, l, err);
    suite_free(&s);
    return rc;
}

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
    assert_true(u->depth == 0.0 && u->sample == 0);
    assert_true(l.v[1].sample == 1 && l.v[2].depth == 0.5 && l.v[6].length == 4096);
    assert_true(l.v[24].model == 1); /* model b after all of a */
    /* genomics: 4 samples spread over 10 */
    const int64_t want[4] = {0, 2, 5, 7};
    for (int k = 0; k < 4; k++) assert_true(l.v[48 + k].sample == want[k] && l.v[48 + k].family == FAMILY_GENOMICS);
    /* costs: longer is dearer, the larger model dearer, a naive forecaster the fixed overhead only */
    assert_true(l.v[6].cost > l.v[0].cost && l.v[24].cost > l.v[0].cost);
    assert_true(l.v[l.n - 1].cost == plan_cost(NULL, 0) && l.v[l.n - 1].model == 4 && l.v[l.n - 1].length == 192);
    for (int64_t i = 0; i < l.n; i++) assert_true(l.v[i].id == i);
    units_free(&l);
}

static void expect_error(const char *from, const char *to, const char *want)
{
    char text[4096];
    const char *at = strstr(SUITE, from);
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - SUITE), SUITE, to, at + strlen(from));
    UnitList l;
    DataError err = {{0}};
    assert_int_equal(plan(text, &l, &err), -1);
    printf("# %s\n", err.msg);
    if (!strstr(err.msg, want)) fail_msg("'%s' does not contain '%s'", err.msg, want);
}

static void test_mismatches(void **st)
{
    (void)st;
    expect_error("samples = 4\nmodels = dna", "samples = 4\nmodels = a",
                 "[task.gen] model 'a': genomics needs a dna/cls checkpoint");
    expect_error("lengths = 96, 192\nsamples = 0\nmodels = *", "lengths = 192, 336\nsamples = 0\nmodels = fc",
                 "[task.ett] model 'fc': its head forecasts 96 steps, none of the task's horizons");
    expect_error("variants = prom", "variants = enhancers", "no genomics task 'enhancers'");
    expect_error("variants = s-niah-1, s-niah-2", "variants = s-niah-4", "s-niah-4");
    expect_error("family = genomics\nvariants = prom\nsamples = 4\nmodels = dna",
                 "family = babilong\nvariants = qa6\nlengths = 0\nsamples = 1\nmodels = a", "'qa6' is not qa1 .. qa5");
    expect_error("models = dna", "models = last", "[task.gen] model 'last': genomics needs");
    dna.n_classes = 3;
    expect_error("[suite]", "[suite]", "its head has 3 classes, task prom has 2");
    dna.n_classes = 2;
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
    };
    return cmocka_run_group_tests_name("plan", tests, setup, NULL);
}
