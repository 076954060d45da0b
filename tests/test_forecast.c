/* Forecasting loader on small synthetic files written to a temp dir: strict CSV errors, TSLib
 * borders (ETT hourly and 15-minute, custom 70/10/20 with Python's float products), train-only
 * z-scores, window contents, and the naive forecasters' exact MSE/MAE on a hand-computed series. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "forecast.h"

/* cmocka 1.1 has no double comparison */
#define assert_near(got, want, tol)                                                            \
    do {                                                                                       \
        double g_ = (got), w_ = (want);                                                        \
        if (!(fabs(g_ - w_) <= (tol))) fail_msg("%s = %.17g, want %.17g", #got, g_, w_);      \
    } while (0)

static char tmpdir[] = "/tmp/titans-test-forecast-XXXXXX";

static const char *tmp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char ETT_HEAD[] = "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\n";

/* ETT-shaped file: train rows alternate base_c -/+ amp_c, so the train mean is base_c and the
 * population std amp_c exactly; later rows are 1000 + r, far away, so any leak of val/test rows
 * into the statistics shows. Column 6 is constant over train (std must become 1). */
static double ett_value(int64_t r, int c, int64_t n_train)
{
    static const double base[7] = {1, -2, 3, 0.5, 10, 7, 42}, amp[7] = {1, 2, 0.5, 4, 3, 0.25, 0};
    if (r >= n_train) return 1000 + (double)r + c;
    return base[c] + (r % 2 ? amp[c] : -amp[c]);
}

static const char *write_ett(const char *name, int64_t rows, int64_t n_train)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(ETT_HEAD, f);
    for (int64_t r = 0; r < rows; r++) {
        fprintf(f, "2016-07-01 00:00:00");
        for (int c = 0; c < 7; c++) fprintf(f, ",%.17g", ett_value(r, c, n_train));
        fputc('\n', f);
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Weather-shaped file (21 channels, OT last) of n rows: channel c is (c+1) * s(r), with s = -/+1
 * alternating over the first n_train rows (mean 0, std c+1) and s(r) = (r - q)^2 afterwards. */
static double weather_value(int64_t r, int c, int64_t n_train, int64_t q)
{
    double s = r < n_train ? (r % 2 ? 1.0 : -1.0) : (double)((r - q) * (r - q));
    return (c + 1) * s;
}

static const char *write_weather(const char *name, int64_t rows, int64_t n_train, int64_t q)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("date", f);
    for (int c = 0; c < 20; c++) fprintf(f, ",w%d", c);
    fputs(",OT\r\n", f); /* the real file is CRLF */
    for (int64_t r = 0; r < rows; r++) {
        fprintf(f, "d%lld", (long long)r);
        for (int c = 0; c < 21; c++) fprintf(f, ",%.17g", weather_value(r, c, n_train, q));
        fputs("\r\n", f);
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_csv_parses_values_and_names(void **st)
{
    (void)st;
    const char *path = write_text("ok.csv", "date,a,b\n"
                                            "x,1.5,-2\n"
                                            "y,+3e2,.25\r\n"
                                            "z,-0.,7E-1\n");
    ForecastTable t;
    DataError err;
    assert_int_equal(forecast_load_csv(path, &t, &err), 0);
    assert_int_equal(t.rows, 3);
    assert_int_equal(t.channels, 2);
    assert_string_equal(t.names[0], "a");
    assert_string_equal(t.names[1], "b");
    double want[6] = {1.5, -2, 300, 0.25, -0.0, 0.7};
    for (int i = 0; i < 6; i++) assert_true(t.values[i] == want[i]);
    forecast_table_free(&t);
}

static void test_csv_errors_name_file_and_line(void **st)
{
    (void)st;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", ": empty file"},
        {"date,a,b\nx,1,2\ny,3", ":3: truncated last line"},
        {"time,a,b\nx,1,2\n", ":1: header mismatch"},
        {"date\nx\n", ":1: header mismatch: no columns"},
        {"date,a,b\n", ":1: header but no data rows"},
        {"date,a,b\nx,1,2\ny,3\n", ":3: wrong field count: expected 3, found 2"},
        {"date,a,b\nx,1,2,4\n", ":2: wrong field count: expected 3, found 4"},
        {"date,a,b\nx,1,2\n\n", ":3: wrong field count"},
        {"date,a,b\nx,1,abc\n", ":2: non-numeric value 'abc' in column 3 (b)"},
        {"date,a,b\nx, 1,2\n", ":2: non-numeric value ' 1'"},
        {"date,a,b\nx,0x10,2\n", ":2: non-numeric value '0x10'"},
        {"date,a,b\nx,1.5e,2\n", ":2: non-numeric value '1.5e'"},
        {"date,a,b\nx,1,2\ny,nan,2\n", ":3: non-finite value 'nan' in column 2 (a)"},
        {"date,a,b\nx,1,-inf\n", ":2: non-finite value '-inf'"},
        {"date,a,b\nx,1,1e999\n", ":2: non-finite value '1e999'"},
        {"date,a,b\nx,,2\n", ":2: empty value in column 2 (a)"},
        {"date,a,b\n,1,2\n", ":2: empty date"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = write_text("bad.csv", cases[i].text);
        ForecastTable t;
        DataError err;
        assert_int_equal(forecast_load_csv(path, &t, &err), -1);
        char want[1024];
        snprintf(want, sizeof want, "%s%s", path, cases[i].msg);
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("got '%s', want '%s'", err.msg, want);
        assert_null(t.values);
        assert_null(t.names);
    }
    ForecastTable t;
    DataError err;
    assert_int_equal(forecast_load_csv(tmp_path("missing.csv"), &t, &err), -1);
    assert_non_null(strstr(err.msg, "missing.csv: cannot open"));

    /* a NUL byte (a binary or zero-filled copy) is named, not taken for the end of a line */
    static const char nul[] = "date,a,b\nx,1,2\ny,\0,2\n";
    const char *path = tmp_path("nul.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(forecast_load_csv(path, &t, &err), -1);
    assert_non_null(strstr(err.msg, "nul.csv:3: NUL byte at byte 3 of the line"));
}

static void test_dataset_header_and_name_checks(void **st)
{
    (void)st;
    ForecastData d;
    DataError err;
    const char *path =
        write_text("h.csv", "date,HUFL,HULL,MUFL,MULL,LUFL,OT,LULL\nx,1,2,3,4,5,6,7\n");
    assert_int_equal(forecast_open_file(path, "ETTh1", 96, &d, &err), -1);
    assert_non_null(strstr(err.msg, ":1: header mismatch: the last column must be OT"));
    path = write_text("h.csv", "date,HUFL,HULL,MUFL,MULL,LUFL,LUL,OT\nx,1,2,3,4,5,6,7\n");
    assert_int_equal(forecast_open_file(path, "ETTh1", 96, &d, &err), -1);
    assert_non_null(strstr(err.msg, ":1: header mismatch: column 7 is 'LUL', expected 'LULL'"));
    path = write_text("h.csv", "date,a,OT\nx,1,2\n");
    assert_int_equal(forecast_open_file(path, "weather", 96, &d, &err), -1);
    assert_non_null(strstr(err.msg, "weather has 21 columns after 'date', found 2"));
    path = write_text("h.csv", "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\nx,1,2,3,4,5,6,7\n");
    assert_int_equal(forecast_open_file(path, "ETTm2", 96, &d, &err), -1);
    assert_non_null(strstr(err.msg, "ETTm2 needs at least 57600 rows, found 1"));
    assert_int_equal(forecast_open_file(path, "ECL", 96, &d, &err), -1);
    assert_non_null(strstr(err.msg, "unknown forecasting dataset 'ECL'"));
    assert_null(d.data);
}

static void test_ett_hour_borders_train_only_zscore_windows(void **st)
{
    (void)st;
    const char *path = write_ett("etth.csv", 14400 + 5, 8640); /* extra rows are never used */
    ForecastData d;
    DataError err;
    assert_int_equal(forecast_open_file(path, "etth2", 96, &d, &err), 0);
    assert_string_equal(d.name, "ETTh2");
    assert_int_equal(d.rows, 14405);
    assert_int_equal(d.channels, 7);
    assert_string_equal(d.names[6], "OT");
    int64_t b[3] = {0, 8544, 11424}, e[3] = {8640, 11520, 14400};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(d.begin[k], b[k]);
        assert_int_equal(d.end[k], e[k]);
    }
    static const double base[7] = {1, -2, 3, 0.5, 10, 7, 42}, sd[7] = {1, 2, 0.5, 4, 3, 0.25, 1};
    for (int c = 0; c < 7; c++) {
        assert_true(d.mean[c] == base[c]);
        assert_true(d.std[c] == sd[c]);
    }
    int64_t want[3] = {8449, 2785, 2785};
    ForecastSplit s;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(forecast_split(&d, (ForecastSplitKind)k, 96, &s, &err), 0);
        assert_int_equal(s.n_windows, want[k]);
    }
    /* last test window: input rows 14400-96-96 .., target ends at row 14399 */
    float in[96 * 7], tgt[96 * 7];
    forecast_window(&s, s.n_windows - 1, in, tgt);
    for (int t = 0; t < 96; t++)
        for (int c = 0; c < 7; c++) {
            int64_t ri = 14400 - 192 + t, rt = 14400 - 96 + t;
            assert_true(in[t * 7 + c] == (float)((ett_value(ri, c, 8640) - base[c]) / sd[c]));
            assert_true(tgt[t * 7 + c] == (float)((ett_value(rt, c, 8640) - base[c]) / sd[c]));
        }
    /* the first val window reads the last 96 train rows, its target starts at the border */
    assert_int_equal(forecast_split(&d, FORECAST_VAL, 1, &s, &err), 0);
    forecast_window(&s, 0, in, tgt);
    assert_true(in[0] == (float)((ett_value(8544, 0, 8640) - 1) / 1));
    assert_true(tgt[6] == (float)(ett_value(8640, 6, 8640) - 42));
    assert_int_equal(forecast_split(&d, FORECAST_TEST, 2881, &s, &err), -1);
    assert_non_null(strstr(err.msg, "ETTh2 test: no window of lookback 96 and horizon 2881"));
    forecast_free(&d);
}

static void test_ett_minute_borders(void **st)
{
    (void)st;
    const char *path = write_ett("ettm.csv", 57600, 34560);
    ForecastData d;
    DataError err;
    assert_int_equal(forecast_open_file(path, "ETTm1", 96, &d, &err), 0);
    int64_t b[3] = {0, 34464, 45984}, e[3] = {34560, 46080, 57600};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(d.begin[k], b[k]);
        assert_int_equal(d.end[k], e[k]);
    }
    assert_true(d.mean[3] == 0.5 && d.std[3] == 4);
    ForecastSplit s;
    int64_t want[3] = {33745, 10801, 10801}; /* H = 720 */
    for (int k = 0; k < 3; k++) {
        assert_int_equal(forecast_split(&d, (ForecastSplitKind)k, 720, &s, &err), 0);
        assert_int_equal(s.n_windows, want[k]);
    }
    forecast_free(&d);
}

static void test_custom_borders_use_python_float_products(void **st)
{
    (void)st;
    /* 90 * 0.7 = 62.99999999999999 in double, so n_train is 62, not 63; n_test 18, n_val 10 */
    const char *path = write_weather("w90.csv", 90, 62, 0);
    ForecastData d;
    DataError err;
    assert_int_equal(forecast_open_file(path, "Weather", 4, &d, &err), 0);
    int64_t b[3] = {0, 58, 68}, e[3] = {62, 72, 90};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(d.begin[k], b[k]);
        assert_int_equal(d.end[k], e[k]);
    }
    forecast_free(&d);
    assert_int_equal(forecast_open_file(path, "weather", 62, &d, &err), -1);
    assert_non_null(strstr(err.msg, "lookback 62 does not fit the train split"));
}

/* 20 rows: n_train 14, n_val 2, n_test 4; with L = 2 the test slice is rows [14, 20), where every
 * channel normalises to s(r) = (r - 14)^2 = 0 1 4 9 16 25. H = 2 gives 3 windows:
 *   inputs (0,1) (1,4) (4,9), targets (4,9) (9,16) (16,25).
 * naive-last errors 3 8, 5 12, 7 16:        MSE 547/6,   MAE 51/6
 * window-mean errors 3.5 8.5, 6.5 13.5, 9.5 18.5: MSE 741.5/6, MAE 60/6
 * naive-zero errors 4 9, 9 16, 16 25:     MSE 1315/6,  MAE 79/6 */
static void test_naive_forecasters_exact_metrics(void **st)
{
    (void)st;
    const char *path = write_weather("w20.csv", 20, 14, 14);
    ForecastData d;
    DataError err;
    assert_int_equal(forecast_open_file(path, "weather", 2, &d, &err), 0);
    for (int c = 0; c < 21; c++) assert_true(d.mean[c] == 0 && d.std[c] == c + 1);
    ForecastSplit s;
    assert_int_equal(forecast_split(&d, FORECAST_TEST, 2, &s, &err), 0);
    assert_int_equal(s.begin, 14);
    assert_int_equal(s.n_windows, 3);
    ForecastNaive kind;
    ForecastMetrics m = {0};
    assert_int_equal(forecast_naive_parse("naive-last", &kind), 0);
    assert_int_equal(forecast_eval_naive(&s, kind, &m, &err), 0);
    assert_int_equal(m.n, 3 * 2 * 21);
    assert_near(forecast_mse(&m), 547.0 / 6, 1e-12);
    assert_near(forecast_mae(&m), 51.0 / 6, 1e-12);
    m = (ForecastMetrics){0};
    assert_int_equal(forecast_naive_parse("window-mean", &kind), 0);
    assert_int_equal(forecast_eval_naive(&s, kind, &m, &err), 0);
    assert_near(forecast_mse(&m), 741.5 / 6, 1e-12);
    assert_near(forecast_mae(&m), 60.0 / 6, 1e-12);
    ForecastNaive alias;
    assert_int_equal(forecast_naive_parse("naive-mean", &alias), 0); /* the old name, for old suites */
    assert_int_equal(alias, kind);
    m = (ForecastMetrics){0};
    assert_int_equal(forecast_naive_parse("naive-zero", &kind), 0);
    assert_int_equal(forecast_eval_naive(&s, kind, &m, &err), 0);
    assert_near(forecast_mse(&m), 1315.0 / 6, 1e-12);
    assert_near(forecast_mae(&m), 79.0 / 6, 1e-12);
    assert_int_equal(forecast_naive_parse("naive-median", &kind), -1);
    forecast_free(&d);
}

static void test_naive_and_metrics_on_arrays(void **st)
{
    (void)st;
    const float in[3 * 2] = {1, 10, 2, 20, 6, 30}; /* [L=3, C=2] */
    float pred[2 * 2];
    forecast_naive(FORECAST_NAIVE_LAST, in, 3, 2, 2, pred);
    const float last[4] = {6, 30, 6, 30};
    assert_memory_equal(pred, last, sizeof last);
    forecast_naive(FORECAST_WINDOW_MEAN, in, 3, 2, 2, pred);
    const float mean[4] = {3, 20, 3, 20};
    assert_memory_equal(pred, mean, sizeof mean);
    ForecastMetrics m = {0};
    assert_true(isnan(forecast_mse(&m)));
    const float target[4] = {4, 20, 0, 21};
    forecast_metrics_add(&m, pred, target, 2);     /* errors -1, 0 */
    forecast_metrics_add(&m, pred + 2, target + 2, 2); /* errors 3, -1 */
    assert_near(forecast_mse(&m), 11.0 / 4, 0);
    assert_near(forecast_mae(&m), 5.0 / 4, 0);
}

static int setup(void **st)
{
    (void)st;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    DIR *dir = opendir(tmpdir);
    if (!dir) return -1;
    struct dirent *e;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(tmp_path(e->d_name));
    closedir(dir);
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_parses_values_and_names),
        cmocka_unit_test(test_csv_errors_name_file_and_line),
        cmocka_unit_test(test_dataset_header_and_name_checks),
        cmocka_unit_test(test_ett_hour_borders_train_only_zscore_windows),
        cmocka_unit_test(test_ett_minute_borders),
        cmocka_unit_test(test_custom_borders_use_python_float_products),
        cmocka_unit_test(test_naive_forecasters_exact_metrics),
        cmocka_unit_test(test_naive_and_metrics_on_arrays),
    };
    return cmocka_run_group_tests_name("forecast", tests, setup, teardown);
}
