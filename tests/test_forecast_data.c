/* Forecasting loader on the real files under $TITANS_DATA (ETT-small/, weather/): rows, split
 * slices and window counts of section 1.3/1.5 of shared/research/benchmarks-genomics-timeseries.md,
 * train means and stds, and the model-free self-check of section 1.8 at lookback 96, H = 96.
 *
 * Reference means/stds and naive MSE/MAE were computed independently of this C code by a Python
 * stdlib script (csv + math.fsum, float64 throughout) following the same TSLib borders. */
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

#define assert_near(got, want, tol)                                                            \
    do {                                                                                       \
        double g_ = (got), w_ = (want);                                                        \
        if (!(fabs(g_ - w_) <= (tol))) fail_msg("%s = %.17g, want %.17g", #got, g_, w_);      \
    } while (0)

typedef struct {
    const char *name, *file;
    int64_t rows;
    int channels;
    int64_t begin[3], end[3];
    int64_t windows[4][3]; /* H = 96 192 336 720; train val test */
    double mean[21], std[21];
    double last_mse, last_mae, mean_mse, mean_mae; /* naive-last, window-mean on test, H = 96 */
} Expect;

static const Expect EXPECT[] = {
    {"ETTh1", "ETT-small/ETTh1.csv", 17420, 7, {0, 8544, 11424}, {8640, 11520, 14400},
     {{8449, 2785, 2785}, {8353, 2689, 2689}, {8209, 2545, 2545}, {7825, 2161, 2161}},
     {7.9377422456595079, 2.0210386567335163, 5.0797706011579269, 0.74618587999570152,
      2.7817623863755552, 0.78845312355400965, 17.128261698227099},
     {5.8127494091437706, 2.0901046504076, 5.5187935790362452, 1.9263792741329819,
      1.0235226594952191, 0.63023663622519233, 9.1764910249443332},
     1.2943705948, 0.7131813544, 0.7008387382, 0.5580875876},
    {"ETTh2", "ETT-small/ETTh2.csv", 17420, 7, {0, 8544, 11424}, {8640, 11520, 14400},
     {{8449, 2785, 2785}, {8353, 2689, 2689}, {8209, 2545, 2545}, {7825, 2161, 2161}},
     {41.536834960789591, 12.273452896210882, 46.609773299649909, 10.526153112865156,
      1.1869920139097505, -2.3732179137291731, 26.872023494265697},
     {10.448841072588488, 4.5871125665319594, 16.858190332598404, 3.0186055666829184,
      4.641011217319063, 8.4609107792796419, 11.584718923414682},
     0.4316573908, 0.4216213778, 0.3529839684, 0.3872158978},
    {"ETTm1", "ETT-small/ETTm1.csv", 69680, 7, {0, 34464, 45984}, {34560, 46080, 57600},
     {{34369, 11425, 11425}, {34273, 11329, 11329}, {34129, 11185, 11185}, {33745, 10801, 10801}},
     {7.9900134819611495, 2.0387478002096975, 5.109928063464273, 0.75622416169951778,
      2.8047020844880199, 0.79118602298085872, 17.124950244899459},
     {5.8330926691886082, 2.0896456935496084, 5.5190427162377889, 1.9241610579070023,
      1.0405540563014364, 0.63244206136672099, 9.1730352739086971},
     1.2138966105, 0.6647846127, 0.6930398752, 0.5475876946},
    {"ETTm2", "ETT-small/ETTm2.csv", 69680, 7, {0, 34464, 45984}, {34560, 46080, 57600},
     {{34369, 11425, 11425}, {34273, 11329, 11329}, {34129, 11185, 11185}, {33745, 10801, 10801}},
     {41.563521036533295, 12.296357093737633, 46.635320321415307, 10.545372991001717,
      1.1863941557532935, -2.3657672772184015, 26.872426852797744},
     {10.46825026894747, 4.6041455218773688, 16.854365739799043, 3.0248120612465823,
      4.6530410432456559, 8.4634253838074827, 11.580746075971575},
     0.2664621779, 0.3277646632, 0.2294120456, 0.3070887077},
    {"weather", "weather/weather.csv", 52696, 21, {0, 36791, 42061}, {36887, 42157, 52696},
     {{36696, 5175, 10444}, {36600, 5079, 10348}, {36456, 4935, 10204}, {36072, 4551, 9820}},
     {990.64246184292574, 11.978743188657251, 285.90949982378618, 5.4744085992355034,
      67.529991053758778, 15.683926315504108, 9.8444470951825842, 5.8394114457668014,
      6.2157185458291533, 9.9479507685634498, 1206.7523290047984, 1.9474169761704665,
      3.7608498929162035, 175.98528397538428, 0.011481009569767126, 23.287065903977012,
      160.64175752975302, 318.04036896467591, 378.48158700897335, 22.811720389297044,
      411.05434163797543},
     {8.6307098335460477, 7.7184221867769809, 7.9166763087675305, 6.4644057780188691,
      18.755159326241408, 8.1090815059180059, 4.396184747169019, 5.9027169583600418,
      2.7998813345512694, 4.4619356418716061, 38.068159995158084, 52.09941335817868,
      2.5959868098469028, 86.964032316814553, 0.1227842954291551, 105.34730507960829,
      238.7777925095574, 468.05555224674595, 643.35269220781947, 7.9779941945883825,
      383.95709796587892},
     0.2591330203, 0.2542202760, 0.2154903466, 0.2710987507},
};
enum { N_EXPECT = sizeof EXPECT / sizeof EXPECT[0] };

static const char *data_dir;

static void test_dataset(void **st)
{
    const Expect *x = *st;
    static const int horizons[4] = {96, 192, 336, 720};
    ForecastData d;
    DataError err;
    if (forecast_open(data_dir, x->name, 96, &d, &err)) fail_msg("%s", err.msg);
    assert_int_equal(d.rows, x->rows);
    assert_int_equal(d.channels, x->channels);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(d.begin[k], x->begin[k]);
        assert_int_equal(d.end[k], x->end[k]);
    }
    for (int c = 0; c < d.channels; c++) {
        assert_near(d.mean[c], x->mean[c], 1e-10 * fabs(x->mean[c]) + 1e-12);
        assert_near(d.std[c], x->std[c], 1e-10 * x->std[c]);
    }
    ForecastSplit s;
    for (int h = 0; h < 4; h++)
        for (int k = 0; k < 3; k++) {
            if (forecast_split(&d, (ForecastSplitKind)k, horizons[h], &s, &err))
                fail_msg("%s", err.msg);
            assert_int_equal(s.n_windows, x->windows[h][k]);
        }
    assert_int_equal(forecast_split(&d, FORECAST_TEST, 96, &s, &err), 0);
    ForecastMetrics last = {0}, mean = {0};
    assert_int_equal(forecast_eval_naive(&s, FORECAST_NAIVE_LAST, &last, &err), 0);
    assert_int_equal(forecast_eval_naive(&s, FORECAST_WINDOW_MEAN, &mean, &err), 0);
    printf("# %s test H=96 (%lld windows): naive-last MSE %.6f MAE %.6f; window-mean MSE %.6f "
           "MAE %.6f\n",
           d.name, (long long)s.n_windows, forecast_mse(&last), forecast_mae(&last),
           forecast_mse(&mean), forecast_mae(&mean));
    /* float32 data against the float64 reference */
    assert_near(forecast_mse(&last), x->last_mse, 2e-6);
    assert_near(forecast_mae(&last), x->last_mae, 2e-6);
    assert_near(forecast_mse(&mean), x->mean_mse, 2e-6);
    assert_near(forecast_mae(&mean), x->mean_mae, 2e-6);
    forecast_free(&d);
}

/* Section 1.2: -9999 sentinels stay in (wv x1, max. PAR x30, OT x50), all in the train rows. */
static void test_weather_sentinels_kept(void **st)
{
    (void)st;
    char path[4096];
    snprintf(path, sizeof path, "%s/weather/weather.csv", data_dir);
    ForecastTable t;
    DataError err;
    if (forecast_load_csv(path, &t, &err)) fail_msg("%s", err.msg);
    int count[21] = {0};
    int64_t last_row = -1;
    for (int64_t r = 0; r < t.rows; r++)
        for (int c = 0; c < t.channels; c++)
            if (t.values[r * t.channels + c] == -9999.0) count[c]++, last_row = r;
    int want[21] = {0};
    want[11] = 1, want[18] = 30, want[20] = 50; /* variates 12, 19, 21 counting from 1 */
    assert_memory_equal(count, want, sizeof want);
    assert_true(last_row < 36887);
    forecast_table_free(&t);
}

static int have_files(void)
{
    data_dir = getenv("TITANS_DATA");
    if (!data_dir) return 0;
    char path[4096];
    for (int i = 0; i < N_EXPECT; i++) {
        snprintf(path, sizeof path, "%s/%s", data_dir, EXPECT[i].file);
        if (access(path, R_OK)) return 0;
    }
    return 1;
}

int main(void)
{
    if (!have_files()) {
        printf("1..0 # SKIP no data directory (set TITANS_DATA)\n");
        return 0;
    }
    struct CMUnitTest tests[N_EXPECT + 1];
    for (int i = 0; i < N_EXPECT; i++)
        tests[i] = (struct CMUnitTest){EXPECT[i].name, test_dataset, NULL, NULL,
                                       (void *)&EXPECT[i]};
    tests[N_EXPECT] = (struct CMUnitTest)cmocka_unit_test(test_weather_sentinels_kept);
    return cmocka_run_group_tests_name("forecast_data", tests, NULL, NULL);
}
