/* Fuzz target `forecast_csv`: the forecasting CSV loader (datasets/forecast.c) on any file:
 * forecast_load_csv, then forecast_open_file as the weather dataset (the only one whose borders
 * fit a small file: 70/10/20 % of the rows) with a lookback from the input's size, its splits,
 * windows and the naive forecasters over them. */
#include "fuzz.h"

#include <math.h>

#include "forecast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    DataError err;
    ForecastTable t;
    if (forecast_load_csv(path, &t, &err) == 0) {
        FUZZ_CHECK(t.rows >= 1 && t.channels >= 1 && t.names && t.values);
        for (int c = 0; c < t.channels; c++) FUZZ_CHECK(t.names[c] && t.names[c][0]);
        for (int64_t i = 0; i < t.rows * t.channels; i++) FUZZ_CHECK(isfinite(t.values[i]));
        FUZZ_NOTE("table: %lld rows, %d channels", (long long)t.rows, t.channels);
        forecast_table_free(&t);
    } else {
        FUZZ_NOTE("%s", err.msg);
    }
    ForecastData d;
    int lookback = 1 + (int)(size % 7);
    if (forecast_open_file(path, "weather", lookback, &d, &err) == 0) {
        FUZZ_CHECK(d.rows >= 1 && d.channels == 21 && d.lookback == lookback);
        for (int k = 0; k < 3; k++) FUZZ_CHECK(0 <= d.begin[k] && d.begin[k] < d.end[k] && d.end[k] <= d.rows);
        for (int horizon = 1; horizon <= 3; horizon++)
            for (int k = 0; k < 3; k++) {
                ForecastSplit s;
                if (forecast_split(&d, (ForecastSplitKind)k, horizon, &s, &err)) continue;
                FUZZ_NOTE("weather split %d, horizon %d: %lld windows", k, horizon, (long long)s.n_windows);
                FUZZ_CHECK(s.n_windows >= 1 && s.begin + s.n_windows - 1 + lookback + horizon <= d.rows);
                ForecastMetrics m = {0};
                ForecastNaive kind = horizon & 1 ? FORECAST_NAIVE_LAST : FORECAST_NAIVE_MEAN;
                FUZZ_CHECK(forecast_eval_naive(&s, kind, &m, &err) == 0);
                FUZZ_CHECK(m.n == s.n_windows * horizon * d.channels);
            }
        forecast_free(&d);
    } else {
        FUZZ_NOTE("as weather: %s", err.msg);
    }
    return 0;
}
