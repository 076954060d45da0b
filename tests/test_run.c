/* One unit end to end on real (fixture) checkpoints with the built-in data: S-NIAH and BABILong
 * greedy generation scored by their metrics, genomics classification from a GUE-style folder the
 * test writes, determinism, the same sample for every model of a cell, and clear errors when
 * data is missing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plan.h"
#include "run.h"
#include "testhelp.h"

static char suite_text[4096];

static void make_suite(const char *extra)
{
    char a[1024], b[1024], dna[1024];
    snprintf(a, sizeof a, "%s", fixture_path("mixed.h5"));
    snprintf(b, sizeof b, "%s", fixture_path("mag.h5"));
    snprintf(dna, sizeof dna, "%s", fixture_path("dna_cls.h5"));
    snprintf(suite_text, sizeof suite_text,
             "[suite]\nname = t\nseed = 7\n"
             "[model.a]\ncheckpoint = %s\n[model.b]\ncheckpoint = %s\n[model.dna]\ncheckpoint = %s\n"
             "[task.niah]\nfamily = sniah\nvariants = s-niah-1\nlengths = 600\ndepths = 0.5\nsamples = 2\nmodels = a, b\n"
             "[task.bl]\nfamily = babilong\nvariants = qa1, qa2\nlengths = 0, 1500\nsamples = 1\nmodels = a\n%s",
             a, b, dna, extra);
}

static int64_t no_data_genomics(void *ctx, const char *t, int *n, double *len, DataError *e)
{
    (void)ctx, (void)t, (void)n, (void)len;
    return data_error(e, "no genomics here"), -1;
}

static void test_text_units(void **st)
{
    (void)st;
    make_suite("");
    Suite s;
    DataError err;
    assert_int_equal(suite_parse(suite_text, "t.ini", &s, &err), 0);
    TitansConfig cfg[2];
    TitansError terr;
    assert_int_equal(titans_config_load(s.models[0].checkpoint, &cfg[0], &terr), 0);
    assert_int_equal(titans_config_load(s.models[1].checkpoint, &cfg[1], &terr), 0);
    PlanData pd = {{&cfg[0], &cfg[1], NULL}, no_data_genomics, NULL, NULL};
    UnitList l;
    assert_int_equal(plan_expand(&s, &pd, &l, &err), 0);
    assert_int_equal(l.n, 2 * 2 + 2 * 2); /* niah: 2 models x 2 samples; babilong: 2 qa x 2 lengths */
    Workspace ws;
    workspace_init(&ws, &s, NULL, TITANS_MEMORY_CHUNKED);
    UnitResult r[8], again;
    for (int i = 0; i < l.n; i++) {
        if (run_unit(&ws, &l.v[i], &r[i], &err) != 0) fail_msg("%s", err.msg);
        assert_true(r[i].score >= 0.0 && r[i].score <= 1.0);
        assert_true(r[i].tokens > 0 && r[i].seconds >= 0.0 && r[i].target[0]);
        printf("# unit %d: %s len %lld -> '%s' (target %s) score %.2f\n", i,
               family_name(l.v[i].family), (long long)l.v[i].length, r[i].prediction, r[i].target, r[i].score);
    }
    /* the same cell gives the same sample to both models: same needle, different predictions ok */
    assert_string_equal(r[0].target, r[2].target);
    assert_string_equal(r[1].target, r[3].target);
    assert_true(strcmp(r[0].target, r[1].target) != 0); /* another sample, another needle */
    assert_true(l.v[4].length == 0 && r[4].tokens < r[5].tokens); /* 0K vs 1500 bytes */
    /* determinism: a fresh workspace gives the identical result */
    Workspace ws2;
    workspace_init(&ws2, &s, NULL, TITANS_MEMORY_CHUNKED);
    assert_int_equal(run_unit(&ws2, &l.v[3], &again, &err), 0);
    assert_string_equal(again.prediction, r[3].prediction);
    assert_true(again.score == r[3].score && again.tokens == r[3].tokens);
    workspace_free(&ws2);
    workspace_free(&ws);
    units_free(&l);
    suite_free(&s);
}

static void test_genomics_unit(void **st)
{
    (void)st;
    /* a GUE-style folder: <data>/gue_prom_core/toy/test.csv, labels 0..2 like dna_cls.h5 */
    char dir[] = "/tmp/titans_run_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/gue_prom_core", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/gue_prom_core/toy", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/gue_prom_core/toy/test.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("sequence,label\nACGTACGTNNACGT,0\nGGGGCCCCAAAATTTT,1\nACACACACAC,2\nTTTTGGGG,1\n", f);
    fclose(f);
    make_suite("[task.gen]\nfamily = genomics\nvariants = toy\nsamples = 0\nmodels = dna\n");
    Suite s;
    DataError err;
    assert_int_equal(suite_parse(suite_text, "t.ini", &s, &err), 0);
    Workspace ws;
    workspace_init(&ws, &s, dir, TITANS_MEMORY_CHUNKED);
    TitansConfig cfg[3];
    TitansError terr;
    for (int m = 0; m < 3; m++) assert_int_equal(titans_config_load(s.models[m].checkpoint, &cfg[m], &terr), 0);
    PlanData pd = {{&cfg[0], &cfg[1], &cfg[2]}, run_genomics_samples, run_forecast_windows, &ws};
    UnitList l;
    assert_int_equal(plan_expand(&s, &pd, &l, &err), 0);
    int got = 0;
    for (int i = 0; i < l.n; i++) {
        if (l.v[i].family != FAMILY_GENOMICS) continue;
        UnitResult r;
        assert_int_equal(run_unit(&ws, &l.v[i], &r, &err), 0);
        assert_true(r.score == 0.0 || r.score == 1.0);
        assert_true(strlen(r.prediction) == 1 && strchr("012", r.prediction[0])); /* class names */
        got++;
    }
    assert_int_equal(got, 4);
    workspace_free(&ws);
    units_free(&l);
    suite_free(&s);
    remove(path);
    snprintf(path, sizeof path, "%s/gue_prom_core/toy", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/gue_prom_core", dir);
    rmdir(path);
    rmdir(dir);
}

static void test_missing_data_is_a_clear_error(void **st)
{
    (void)st;
    make_suite("");
    char *at = strstr(suite_text, "s-niah-1");
    at[7] = '2'; /* S-NIAH-2 needs the essays */
    Suite s;
    DataError err = {{0}};
    assert_int_equal(suite_parse(suite_text, "t.ini", &s, &err), 0);
    Workspace ws;
    workspace_init(&ws, &s, NULL, TITANS_MEMORY_CHUNKED);
    Unit u = {.task = 0, .model = 0, .family = FAMILY_SNIAH, .variant = 0, .length = 600, .depth = 0.5};
    UnitResult r;
    assert_int_equal(run_unit(&ws, &u, &r, &err), -1);
    printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, "[task.niah]"));
    assert_int_equal(run_genomics_samples(&ws, "toy", &(int){0}, &(double){0}, &err), -1);
    assert_non_null(strstr(err.msg, "needs a data directory"));
    workspace_free(&ws);
    suite_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_units),
        cmocka_unit_test(test_genomics_unit),
        cmocka_unit_test(test_missing_data_is_a_clear_error),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
