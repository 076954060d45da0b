/* Long-term multivariate forecasting data (ETTh1, ETTh2, ETTm1, ETTm2, Weather), loaded the way
 * thuml/Time-Series-Library (TSLib: Dataset_ETT_hour, Dataset_ETT_minute, Dataset_Custom) loads
 * them, so that MSE/MAE are comparable with the iTransformer table that Titans (Table 3) copies.
 *
 * Protocol (shared/research/benchmarks-genomics-timeseries.md, Part 1):
 *  - File: a header `date,<name>,...`, then one row per time step: a date string and C numbers.
 *    Features mode M: every column after `date` is a channel, in file order (OT is last in all
 *    five files; the loader checks that instead of moving it, as TSLib's custom loader would).
 *  - Splits are row slices [begin, end) of the whole file, L = lookback (96 in the benchmark):
 *      ETT hourly   train [0, 8640)   val [8640-L, 11520)   test [11520-L, 14400)
 *      ETT 15-min   train [0, 34560)  val [34560-L, 46080)  test [46080-L, 57600)
 *      Weather      n_train = (int)(N*0.7), n_test = (int)(N*0.2), n_val = N-n_train-n_test
 *                   train [0, n_train)  val [n_train-L, n_train+n_val)  test [N-n_test-L, N)
 *    (the products are computed in double, as Python's int(len*0.7) does). ETT rows after 14400
 *    (57600) are never used; the file only has to be at least that long. The -L overlap is the
 *    lookback of the first val/test window: its targets start exactly at the split border.
 *  - Normalisation: per channel z = (x - mean) / std with mean and std over the TRAIN slice only,
 *    applied to the whole file (sklearn StandardScaler: population std, dividing by n; a column
 *    constant over the train slice gets std 1, as sklearn's _handle_zeros_in_scale does). It is
 *    computed in double and stored as float32, which is what the models read in TSLib
 *    (batch_x.float()). Weather's -9999 sentinels are kept: they are in the benchmark's data.
 *  - Windows: stride 1. Window i of a split reads rows begin+i .. begin+i+L-1 as input [L, C] and
 *    the next H rows as target [H, C]; there are (end - begin) - L - H + 1 windows.
 *  - Every window is kept, no drop_last. TSLib's test loader dropped the trailing
 *    (windows mod batch_size) test windows between commit 76a9938 (2024-04-18) and bdec492
 *    (2024-07-10), e.g. ETTh1 H=336 at batch 32 kept 2528 of 2545; iTransformer (batch 1) and
 *    current TSLib keep all of them, as this harness does. Numbers from the quirky TSLib
 *    versions are on a slightly smaller test set.
 *  - Metrics on normalised values (TSLib --inverse off): MSE = mean of (pred - true)^2 and MAE =
 *    mean of |pred - true|, one flat mean over windows x H x C elements (no per-channel or
 *    per-window weighting), summed in double. The benchmark figure per dataset is the mean of the
 *    four horizons 96, 192, 336, 720, taken by the caller.
 *  - Model-free forecasters: naive-zero forecasts 0, the training mean after scaling (TSLib's
 *    usual floor); naive-last repeats the last input row (LTSF-Linear's "Repeat"); window-mean
 *    repeats the per-channel mean of the input window ("naive-mean", its old name, is still
 *    accepted). naive-last does not depend on
 *    L (test targets start at the border whatever L is), so its test MSE/MAE can be compared
 *    with the "Repeat" row of the DLinear paper (ETTh1 H=96: 1.295 / 0.713 as recalled; this
 *    loader gives 1.2944 / 0.7132, tests/test_forecast_data.c). */
#ifndef TITANS_DATASETS_FORECAST_H
#define TITANS_DATASETS_FORECAST_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* A parsed CSV: the date column is checked (non-empty) and dropped. */
typedef struct {
    int64_t rows;
    int channels;
    char **names;   /* [channels] header fields after `date` */
    double *values; /* [rows, channels] as written in the file */
} ForecastTable;

/* Strict: errors "path:line: problem" for an empty file, a last line without its newline, a
 * header not starting with `date`, a row with the wrong field count, an empty, non-numeric
 * (anything but [+-]digits[.digits][e[+-]digits]) or non-finite value. Accepts LF and CRLF. */
int forecast_load_csv(const char *path, ForecastTable *t, DataError *err);
void forecast_table_free(ForecastTable *t);

typedef enum { FORECAST_ETT_HOUR, FORECAST_ETT_MINUTE, FORECAST_CUSTOM } ForecastBorders;
typedef enum { FORECAST_TRAIN, FORECAST_VAL, FORECAST_TEST } ForecastSplitKind;

typedef struct {
    char name[16];           /* canonical: ETTh1 ETTh2 ETTm1 ETTm2 weather */
    ForecastBorders borders;
    int lookback;
    int64_t rows;
    int channels;
    char **names;            /* [channels] */
    int64_t begin[3], end[3]; /* row slices, indexed by ForecastSplitKind */
    double *mean, *std;      /* [channels], train slice only */
    float *data;             /* [rows, channels], normalised */
} ForecastData;

/* name (case-insensitive) -> its file under root (ETT-small/ETTh1.csv, weather/weather.csv). */
int forecast_open(const char *root, const char *name, int lookback, ForecastData *d,
                  DataError *err);
/* The same with an explicit file; name still picks the borders and the expected header. */
int forecast_open_file(const char *path, const char *name, int lookback, ForecastData *d,
                       DataError *err);
void forecast_free(ForecastData *d);

typedef struct {
    const ForecastData *data;
    ForecastSplitKind kind;
    int64_t begin, end;
    int lookback, horizon;
    int64_t n_windows;
} ForecastSplit;

/* Fails if the split is too short for one window. */
int forecast_split(const ForecastData *d, ForecastSplitKind kind, int horizon, ForecastSplit *s,
                   DataError *err);
/* Window i (0 <= i < n_windows): input [lookback, C], target [horizon, C], both row-major. */
void forecast_window(const ForecastSplit *s, int64_t i, float *input, float *target);

typedef enum { FORECAST_NAIVE_LAST, FORECAST_WINDOW_MEAN, FORECAST_NAIVE_ZERO } ForecastNaive;

/* "naive-zero", "naive-last", "window-mean" (or its old name "naive-mean"); 0 on success, -1 for
 * another name. FORECAST_NAIVE_NAMES lists them for messages. */
#define FORECAST_NAIVE_NAMES "naive-zero, naive-last or window-mean"
int forecast_naive_parse(const char *name, ForecastNaive *kind);
/* input [lookback, channels] -> pred [horizon, channels]. */
void forecast_naive(ForecastNaive kind, const float *input, int lookback, int channels,
                    int horizon, float *pred);

/* Sums in double; MSE = sse / n and MAE = sae / n with n = every element added. */
typedef struct {
    double sse, sae;
    int64_t n;
} ForecastMetrics;

void forecast_metrics_add(ForecastMetrics *m, const float *pred, const float *target, size_t n);
double forecast_mse(const ForecastMetrics *m);
double forecast_mae(const ForecastMetrics *m);

/* Runs a naive forecaster over every window of s and adds to m (zero it first). */
int forecast_eval_naive(const ForecastSplit *s, ForecastNaive kind, ForecastMetrics *m,
                        DataError *err);

#endif
