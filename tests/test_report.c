/* The tables and results.json from records whose numbers are worked out by hand (report.c,
 * cells.c, results_json.c): every cell with its n and 95% interval at the decimals n supports,
 * BABILong's mean row and most-common-answer floor (each sample once, ties to the first seen),
 * the forecasting rows with the built-in forecaster last as a labelled floor and the average
 * over horizons, headings that do not repeat the family, captions that say what the lengths are
 * (bytes, S-NIAH's reserve; horizons in time steps), and the same cells, each task's length unit
 * and reserve in results.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "report.h"
#include "results_json.h"

static const char SUITE[] = "[suite]\nname = r\n"
                            "[model.naive]\nforecaster = naive-last\n"
                            "[model.a]\ncheckpoint = a.h5\n[model.b]\ncheckpoint = b.h5\n[model.m]\ncheckpoint = m.h5\n"
                            "[task.sniah]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k\nsamples = 20\nmodels = a\n"
                            "[task.bl]\nfamily = babilong\nvariants = qa1, qa2\nlengths = 0, 2k\nsamples = 4\nmodels = a, b\n"
                            "[task.ETTh1]\nfamily = forecast\nvariants = ETTh1\nlengths = 96, 192\nmodels = naive, m\n"
                            "[task.rv]\nfamily = sniah\nvariants = vt, fwe\nlengths = 4k\nsamples = 1\nmodels = a\n"
                            "[task.r0]\nfamily = sniah\nvariants = s-niah-1\nlengths = 512\nreserve = 0\nsamples = 1\nmodels = a\n";

typedef struct {
    Suite s;
    UnitList l;
    Record rec[128];
    char dir[64];
} Fixture;

static void add(Fixture *f, int task, int model, int variant, int64_t length, int64_t sample, double score,
                double mae, const char *target)
{
    const SuiteTask *t = &f->s.tasks[task];
    Unit u = {.task = task, .model = model, .family = t->family, .variant = variant, .length = length,
              .depth = t->family == FAMILY_SNIAH ? 0.5 * (sample % 3) : -1, .sample = sample, .cost = 1};
    assert_int_equal(units_push(&f->l, u), 0);
    Record *r = &f->rec[f->l.n - 1];
    memset(r, 0, sizeof *r);
    r->unit = f->l.n - 1;
    r->r.score = score, r->r.mae = mae;
    snprintf(r->r.target, sizeof r->r.target, "%s", target);
}

/* BABILong: model a (1) right at the 1s, model b (2) never; the targets of each cell's 4
 * samples. qa1's most common answer is kitchen (4 of 8); qa2's is a tie, y and x 4 each: y,
 * seen first. */
static void add_babilong(Fixture *f)
{
    static const int a_right[2][2][4] = {{{1, 1, 1, 0}, {1, 0, 0, 0}}, {{1, 0, 0, 0}, {0, 1, 0, 0}}};
    static const char *const targets[2][2][4] = {
        {{"kitchen", "garden", "garden", "hallway"}, {"kitchen", "kitchen", "kitchen", "office"}},
        {{"y", "y", "y", "x"}, {"x", "x", "x", "y"}}};
    for (int model = 1; model <= 2; model++)
        for (int v = 0; v < 2; v++)
            for (int li = 0; li < 2; li++)
                for (int k = 0; k < 4; k++)
                    add(f, 1, model, v, li ? 2048 : 0, k, model == 1 ? a_right[v][li][k] : 0, 0, targets[v][li][k]);
}

/* Forecasting: m's MSE 1, 2, 3, 4 at 96 and 2 at 192 (MAE 0.5); naive's 9, 10, 11, 10 (MAE 1)
 * and 12 (MAE 2). */
static void add_forecast(Fixture *f)
{
    static const double m96[4] = {1, 2, 3, 4}, naive96[4] = {9, 10, 11, 10};
    for (int k = 0; k < 4; k++) {
        add(f, 2, 0, 0, 96, k, naive96[k], 1, "window");
        add(f, 2, 0, 0, 192, k, 12, 2, "window");
        add(f, 2, 3, 0, 96, k, m96[k], 0.5, "window");
        add(f, 2, 3, 0, 192, k, 2, 0.5, "window");
    }
}

static int setup(void **st)
{
    static Fixture f;
    DataError err;
    memset(&f, 0, sizeof f);
    if (suite_parse(SUITE, "r.ini", &f.s, &err) != 0) return fprintf(stderr, "%s\n", err.msg), -1;
    for (int k = 0; k < 20; k++) add(&f, 0, 1, 0, 1024, k, k < 17, 0, "42"); /* 17 of 20 */
    add_babilong(&f);
    add_forecast(&f);
    snprintf(f.dir, sizeof f.dir, "/tmp/titans-report-XXXXXX");
    if (!mkdtemp(f.dir)) return -1;
    if (report_write(&f.s, &f.l, f.rec, f.dir, "# r\n", &err) != 0) return fprintf(stderr, "%s\n", err.msg), -1;
    Provenance p = {.suite_file = "r.ini", .options = "suite = r.ini\nlimit = 0\n", .git_commit = "abc",
                    .started_utc = "s", .finished_utc = "f", .checkpoints = "", .checkpoint_xxh3 = (uint64_t[4]){0, 1, 2, 3},
                    .command = "titans-eval", .machine = "here", .data_dir = "", .world_size = 2};
    if (results_json_write(f.dir, &f.s, &f.l, f.rec, &p, &err) != 0) return fprintf(stderr, "%s\n", err.msg), -1;
    *st = &f;
    return 0;
}

static int teardown(void **st)
{
    Fixture *f = *st;
    const char *names[] = {"units.csv", "tables.md", "sniah.csv", "bl.csv", "ETTh1.csv", "rv.csv", "r0.csv", "results.json"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        unlink(path);
    }
    rmdir(f->dir);
    units_free(&f->l);
    suite_free(&f->s);
    return 0;
}

static char *slurp(const Fixture *f, const char *name)
{
    char path[128];
    size_t n;
    DataError err;
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    char *text = data_read_file(path, &n, &err);
    assert_non_null(text);
    return text;
}

static void expect_text(const Fixture *f, const char *name, const char *want)
{
    char *text = slurp(f, name);
    if (!strstr(text, want)) fail_msg("%s lacks:\n%s\n--- it holds:\n%s", name, want, text);
    free(text);
}

static void test_sniah_cell(void **st)
{
    expect_text(*st, "tables.md", "\n### sniah\n\n| model | s-niah-1 1K |\n|---|---:|\n| a | 85 [64, 95] n=20 |\n");
    expect_text(*st, "sniah.csv", "model,s-niah-1 1K,s-niah-1 1K lo,s-niah-1 1K hi,s-niah-1 1K n\na,85,64,95,20\n");
}

/* Each caption says what the lengths are: the models' tokens (bytes), and for S-NIAH the
 * reserve the prompt leaves of them (auto: RULER's, per variant when they differ; or the count). */
static void test_length_captions(void **st)
{
    const char *bytes = "Lengths in bytes = tokens of these byte-level models";
    char want[512];
    snprintf(want, sizeof want, "Wilson score interval. %s, RULER's max_seq_length: the prompt is at most length - "
             "reserve (reserve = auto, RULER's 128 bytes).\n\n### bl (babilong)", bytes);
    expect_text(*st, "tables.md", want);
    snprintf(want, sizeof want, "the story's facts (no model). %s: the prompt's bound (0: the facts alone, no "
             "background). Background: the data folder's Project Gutenberg books (upstream's PG19 test split is "
             "not available here), or the built-in text without a data folder.\n", bytes);
    expect_text(*st, "tables.md", want);
    expect_text(*st, "tables.md", "floor: a built-in forecaster. Horizons in time steps.\n");
    expect_text(*st, "tables.md", "(reserve = auto, RULER's tokens_to_generate: vt 30, fwe 50 bytes).\n\n### r0");
    expect_text(*st, "tables.md", "the prompt is at most length - reserve (reserve = 0).\n");
}

static void test_babilong_rows(void **st)
{
    expect_text(*st, "tables.md",
                "\n### bl (babilong)\n\n"
                "| model | task | 0 | 2K |\n|---|---|---:|---:|\n"
                "| a | qa1 | 75 [30, 95] n=4 | 25 [5, 70] n=4 |\n"
                "| a | qa2 | 25 [5, 70] n=4 | 25 [5, 70] n=4 |\n"
                "| a | mean | 50 [22, 78] n=8 | 25 [7, 59] n=8 |\n"
                "| b | qa1 | 0 [0, 49] n=4 | 0 [0, 49] n=4 |\n"
                "| b | qa2 | 0 [0, 49] n=4 | 0 [0, 49] n=4 |\n"
                "| b | mean | 0 [0, 32] n=8 | 0 [0, 32] n=8 |\n"
                "| floor: most common answer | qa1 | 25 [5, 70] n=4 | 75 [30, 95] n=4 |\n"
                "| floor: most common answer | qa2 | 75 [30, 95] n=4 | 25 [5, 70] n=4 |\n"
                "| floor: most common answer | mean | 50 [22, 78] n=8 | 50 [22, 78] n=8 |\n");
    expect_text(*st, "bl.csv", "model,task,0,0 lo,0 hi,0 n,2K,2K lo,2K hi,2K n\na,qa1,75,30,95,4,25,5,70,4\n");
    expect_text(*st, "bl.csv", "\nfloor: most common answer,mean,50,22,78,8,50,22,78,8\n");
}

static void test_forecast_rows(void **st)
{
    expect_text(*st, "tables.md",
                "\n### ETTh1 (forecast)\n\n"
                "| dataset | horizon | model | n | MSE | MAE |\n|---|---:|---|---:|---:|---:|\n"
                "| ETTh1 | 96 | m | 4 | 2.5 [1.2, 3.8] | 0.500 [0.500, 0.500] |\n"
                "| ETTh1 | 96 | floor: naive | 4 | 10.00 [9.20, 10.80] | 1.000 [1.000, 1.000] |\n"
                "| ETTh1 | 192 | m | 4 | 2.000 [2.000, 2.000] | 0.500 [0.500, 0.500] |\n"
                "| ETTh1 | 192 | floor: naive | 4 | 12.000 [12.000, 12.000] | 2.000 [2.000, 2.000] |\n"
                "| ETTh1 | avg | m | 8 | 2.250 | 0.500 |\n"
                "| ETTh1 | avg | floor: naive | 8 | 11.000 | 1.500 |\n");
    expect_text(*st, "ETTh1.csv", "dataset,horizon,model,n,MSE,MSE lo,MSE hi,MAE,MAE lo,MAE hi\n"
                                  "ETTh1,96,m,4,2.5,1.2,3.8,0.500,0.500,0.500\n");
    expect_text(*st, "ETTh1.csv", "\nETTh1,avg,floor: naive,8,11.000,,,1.500,,\n");
}

static json_t *task_cells(json_t *doc, int ti)
{
    json_t *cells = json_object_get(json_array_get(json_object_get(doc, "tasks"), (size_t)ti), "cells");
    assert_non_null(cells);
    return cells;
}

static void test_json(void **st)
{
    Fixture *f = *st;
    char path[128];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/results.json", f->dir);
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc) fail_msg("results.json: line %d: %s", jerr.line, jerr.text);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "suite"), "name")), "r");
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 2);
    /* each task's length unit; S-NIAH's reserve: the setting and the bytes per variant */
    static const char *const unit[] = {"bytes", "bytes", "time steps", "bytes", "bytes"};
    json_t *tasks = json_object_get(doc, "tasks");
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, i), "length_unit")), unit[i]);
    json_t *r = json_object_get(json_array_get(tasks, 3), "reserve");
    assert_string_equal(json_string_value(json_object_get(r, "setting")), "auto");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "bytes"), "vt")), 30);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "bytes"), "fwe")), 50);
    r = json_object_get(json_array_get(tasks, 4), "reserve");
    assert_string_equal(json_string_value(json_object_get(r, "setting")), "0");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "bytes"), "s-niah-1")), 0);
    r = json_object_get(json_array_get(tasks, 0), "reserve");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "bytes"), "s-niah-1")), 128);
    assert_true(json_is_null(json_object_get(json_array_get(tasks, 1), "reserve")));
    assert_true(json_is_null(json_object_get(json_array_get(tasks, 2), "reserve")));
    assert_true(json_is_null(json_object_get(doc, "data_dir")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "options"), "limit")), "0");
    json_t *m = json_array_get(json_object_get(doc, "models"), 3);
    assert_string_equal(json_string_value(json_object_get(m, "xxh3")), "0000000000000003");
    /* sniah: one cell, 17/20 with the Wilson interval */
    json_t *c = json_array_get(task_cells(doc, 0), 0);
    assert_int_equal(json_array_size(task_cells(doc, 0)), 1);
    assert_string_equal(json_string_value(json_object_get(c, "metric")), "accuracy");
    assert_true(json_real_value(json_object_get(c, "value")) == 0.85);
    assert_int_equal(json_integer_value(json_object_get(c, "n")), 20);
    double lo = json_real_value(json_array_get(json_object_get(c, "ci95"), 0));
    double hi = json_real_value(json_array_get(json_object_get(c, "ci95"), 1));
    assert_true(lo > 0.63955 && lo < 0.63965 && hi > 0.94755 && hi < 0.94765);
    /* babilong: 2 models x 2 tasks x 2 lengths, then the floor's 4 cells */
    assert_int_equal(json_array_size(task_cells(doc, 1)), 12);
    c = json_array_get(task_cells(doc, 1), 8);
    assert_string_equal(json_string_value(json_object_get(c, "model")), "most-common-answer");
    assert_true(json_is_true(json_object_get(c, "floor")) && json_real_value(json_object_get(c, "value")) == 0.25);
    /* forecast: 2 columns x 2 horizons x mse, mae; naive (first in the suite) is a floor */
    assert_int_equal(json_array_size(task_cells(doc, 2)), 8);
    c = json_array_get(task_cells(doc, 2), 0);
    assert_string_equal(json_string_value(json_object_get(c, "model")), "naive");
    assert_true(json_is_true(json_object_get(c, "floor")));
    assert_string_equal(json_string_value(json_object_get(c, "metric")), "mse");
    assert_true(json_real_value(json_object_get(c, "value")) == 10.0);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniah_cell),
        cmocka_unit_test(test_length_captions),
        cmocka_unit_test(test_babilong_rows),
        cmocka_unit_test(test_forecast_rows),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
