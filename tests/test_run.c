/* One unit end to end on real (fixture) checkpoints with the built-in data: S-NIAH and BABILong
 * greedy generation scored by their metrics, genomics classification from a GUE-style folder the
 * test writes, determinism, the same sample for every model of a cell, and clear errors when
 * data is missing; the plan loads and checks the text data through the workspace (a broken word
 * list or bAbI file fails the plan, not the first unit) and the shortest length it allows runs. */
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
    Workspace ws;
    workspace_init(&ws, &s, NULL, TITANS_MEMORY_CHUNKED);
    PlanData pd = workspace_plan_data(&ws);
    pd.configs[0] = &cfg[0], pd.configs[1] = &cfg[1], pd.genomics_samples = no_data_genomics;
    UnitList l;
    assert_int_equal(plan_expand(&s, &pd, &l, &err), 0);
    assert_int_equal(l.n, 2 * 2 + 2 * 2); /* niah: 2 models x 2 samples; babilong: 2 qa x 2 lengths */
    assert_true(ws.niah && ws.have_babilong); /* loaded by the plan, before any unit */
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
    /* the folder has no text data, which the plan would load: keep the models and the genomics task */
    char *text_tasks = strstr(suite_text, "[task.niah]"), *gen = strstr(suite_text, "[task.gen]");
    memmove(text_tasks, gen, strlen(gen) + 1);
    Suite s;
    DataError err;
    assert_int_equal(suite_parse(suite_text, "t.ini", &s, &err), 0);
    Workspace ws;
    workspace_init(&ws, &s, dir, TITANS_MEMORY_CHUNKED);
    TitansConfig cfg[3];
    TitansError terr;
    for (int m = 0; m < 3; m++) assert_int_equal(titans_config_load(s.models[m].checkpoint, &cfg[m], &terr), 0);
    PlanData pd = workspace_plan_data(&ws);
    for (int m = 0; m < 3; m++) pd.configs[m] = &cfg[m];
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

/* Plans suite_text (one text task of `family`, `variant` at `length`) on the fixture model with
 * data_dir; 0, or -1 with err. */
static int plan_text(const char *data_dir, const char *family, const char *variant, int64_t length, DataError *err)
{
    snprintf(suite_text, sizeof suite_text, "[suite]\nname = t\n[model.a]\ncheckpoint = %s\n"
             "[task.t]\nfamily = %s\nvariants = %s\nlengths = %lld\nsamples = 3\nmodels = a\n",
             fixture_path("mixed.h5"), family, variant, (long long)length);
    Suite s;
    assert_int_equal(suite_parse(suite_text, "t.ini", &s, err), 0);
    TitansConfig cfg;
    TitansError terr;
    assert_int_equal(titans_config_load(s.models[0].checkpoint, &cfg, &terr), 0);
    Workspace ws;
    workspace_init(&ws, &s, data_dir, TITANS_MEMORY_CHUNKED);
    PlanData pd = workspace_plan_data(&ws);
    pd.configs[0] = &cfg;
    UnitList l;
    int rc = plan_expand(&s, &pd, &l, err);
    for (int64_t i = 0; rc == 0 && i < l.n; i++) { /* what the plan allows runs */
        UnitResult r;
        if (run_unit(&ws, &l.v[i], &r, err) != 0) fail_msg("unit %lld: %s", (long long)i, err->msg);
    }
    if (rc == 0) units_free(&l);
    workspace_free(&ws);
    suite_free(&s);
    return rc;
}

/* The shortest S-NIAH and BABILong lengths the plan allows run every sample; one byte less is
 * refused at plan time with the line, the key and what the samples need. */
static void test_text_lengths_at_plan_time(void **st)
{
    (void)st;
    NiahData *nd;
    BabilongData bd;
    DataError err;
    assert_int_equal(niah_data_builtin(&nd), 0);
    assert_int_equal(babilong_data_builtin(&bd, &err), 0);
    int64_t niah = niah_min_length(nd, NIAH_S1, &err), qa2 = babilong_min_length(&bd, 2, &err);
    niah_data_free(nd);
    babilong_data_free(&bd);
    assert_true(niah > 0 && qa2 > 0);
    /* the length keeps RULER's 128 bytes for the answer (reserve = auto) */
    assert_int_equal(plan_text(NULL, "sniah", "s-niah-1", niah + NIAH_MAX_NEW, &err), 0);
    assert_int_equal(plan_text(NULL, "sniah", "s-niah-1", niah + NIAH_MAX_NEW - 1, &err), -1);
    printf("# %s\n", err.msg);
    char want[256];
    snprintf(want, sizeof want, "t.ini:8: [task.t] lengths: %lld bytes is too short for s-niah-1: a sample needs up to %lld",
             (long long)niah + NIAH_MAX_NEW - 1, (long long)niah);
    if (!strstr(err.msg, want)) fail_msg("'%s' does not contain '%s'", err.msg, want);
    assert_int_equal(plan_text(NULL, "babilong", "qa2", qa2, &err), 0);
    assert_int_equal(plan_text(NULL, "babilong", "qa2", qa2 - 1, &err), -1);
    printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, "t.ini:8: [task.t] lengths: "));
    assert_non_null(strstr(err.msg, "too short for qa2"));
    assert_int_equal(plan_text(NULL, "sniah", "s-niah-2", 4096, &err), -1); /* no essays without data */
    assert_non_null(strstr(err.msg, "t.ini:7: [task.t] variants: 's-niah-2': s-niah-2 needs the essay haystack"));
}

/* dir/rel holds text (folders made as needed). */
static void put_file(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A broken word list or bAbI file fails the plan (issue 10: they surfaced at the first unit that
 * read them), named with its line, under the suite's line and key. */
static void test_data_errors_at_plan_time(void **st)
{
    (void)st;
    char dir[] = "/tmp/titans_plan_XXXXXX", cmd[64];
    assert_non_null(mkdtemp(dir));
    put_file(dir, NIAH_ADJECTIVES, "able\n\nbold\n");
    put_file(dir, NIAH_NOUNS, "apple\n");
    put_file(dir, NIAH_ESSAYS "/a.txt", "Words. More words here.\n");
    put_file(dir, "babi-tasks-v1.2/en-10k/qa1_single-supporting-fact_test.txt", "1 Mary went to the office.\n2 Where is Mary?\toffice\n");
    DataError err;
    assert_int_equal(plan_text(dir, "sniah", "s-niah-1", 4096, &err), -1);
    printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, "t.ini:7: [task.t] variants: 's-niah-1': "));
    assert_non_null(strstr(err.msg, "adjectivelist.txt:2: empty line"));
    assert_int_equal(plan_text(dir, "babilong", "qa1", 4096, &err), -1);
    printf("# %s\n", err.msg);
    assert_non_null(strstr(err.msg, "t.ini:7: [task.t] variants: 'qa1': "));
    assert_non_null(strstr(err.msg, "qa1_single-supporting-fact_test.txt:2: a question line needs exactly 2 tabs"));
    snprintf(cmd, sizeof cmd, "rm -r %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_units),
        cmocka_unit_test(test_genomics_unit),
        cmocka_unit_test(test_missing_data_is_a_clear_error),
        cmocka_unit_test(test_text_lengths_at_plan_time),
        cmocka_unit_test(test_data_errors_at_plan_time),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
