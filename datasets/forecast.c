#include "forecast.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- reading the file ------------------------------------------------------------------- */

/* Whole file into a NUL-terminated buffer. */

/* End of a plain decimal number starting at p ([+-]d+[.d*][eE[+-]d+] or [+-].d+...), or NULL.
 * Stricter than strtod, which would also take "inf", "nan", hex and leading blanks. */
static const char *number_end(const char *p)
{
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (!digits) return NULL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return NULL;
        while (*p >= '0' && *p <= '9') p++;
    }
    return p;
}

/* One line [p, eol): eol points at '\n'; a '\r' before it belongs to the line ending. */
static const char *line_end(const char *p, const char *eol)
{
    return (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
}

static int count_fields(const char *p, const char *end)
{
    int n = 1;
    for (; p < end; p++) n += *p == ',';
    return n;
}

static int parse_header(const char *path, const char *p, const char *end, ForecastTable *t,
                        DataError *err)
{
    int fields = count_fields(p, end);
    if (end - p < 4 || strncmp(p, "date", 4) != 0 || (p[4] != ',' && p + 4 != end)) {
        data_error(err, "%s:1: header mismatch: the first column must be 'date'", path);
        return -1;
    }
    if (fields < 2) {
        data_error(err, "%s:1: header mismatch: no columns after 'date'", path);
        return -1;
    }
    t->channels = fields - 1;
    t->names = calloc((size_t)t->channels, sizeof *t->names);
    if (!t->names) {
        data_error(err, "%s: out of memory", path);
        return -1;
    }
    p += 5;
    for (int c = 0; c < t->channels; c++) {
        const char *q = p;
        while (q < end && *q != ',') q++;
        if (q == p) {
            data_error(err, "%s:1: header mismatch: column %d has an empty name", path, c + 2);
            return -1;
        }
        t->names[c] = strndup(p, (size_t)(q - p));
        if (!t->names[c]) {
            data_error(err, "%s: out of memory", path);
            return -1;
        }
        p = q + 1;
    }
    return 0;
}

static int parse_row(const char *path, int64_t line, const char *p, const char *end,
                     const ForecastTable *t, double *row, DataError *err)
{
    int fields = count_fields(p, end);
    if (fields != t->channels + 1) {
        data_error(err, "%s:%lld: wrong field count: expected %d, found %d", path,
                   (long long)line, t->channels + 1, fields);
        return -1;
    }
    if (*p == ',') {
        data_error(err, "%s:%lld: empty date", path, (long long)line);
        return -1;
    }
    while (*p != ',') p++;
    for (int c = 0; c < t->channels; c++) {
        p++; /* the comma */
        const char *q = p;
        while (q < end && *q != ',') q++;
        int len = (int)(q - p);
        if (len == 0) {
            data_error(err, "%s:%lld: empty value in column %d (%s)", path, (long long)line,
                       c + 2, t->names[c]);
            return -1;
        }
        char *stop;
        double v = strtod(p, &stop);
        if (stop == q && !isfinite(v)) {
            data_error(err, "%s:%lld: non-finite value '%.*s' in column %d (%s)", path,
                       (long long)line, len, p, c + 2, t->names[c]);
            return -1;
        }
        if (number_end(p) != q || stop != q) {
            data_error(err, "%s:%lld: non-numeric value '%.*s' in column %d (%s)", path,
                       (long long)line, len, p, c + 2, t->names[c]);
            return -1;
        }
        row[c] = v;
        p = q;
    }
    return 0;
}

int forecast_load_csv(const char *path, ForecastTable *t, DataError *err)
{
    memset(t, 0, sizeof *t);
    size_t len;
    char *buf = data_read_file(path, &len, err);
    if (!buf) return -1;
    int64_t lines = 0;
    for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))); p++) lines++;
    int rc = -1;
    if (len == 0) {
        data_error(err, "%s: empty file", path);
        goto done;
    }
    if (data_check_text(path, buf, len, err)) goto done; /* lines end at '\n', never at a NUL */
    if (buf[len - 1] != '\n') { /* a cut download or copy: its last row may be partial */
        data_error(err, "%s:%lld: truncated last line (no newline at end of file)", path,
                   (long long)lines + 1);
        goto done;
    }
    const char *p = buf, *eol = strchr(p, '\n');
    if (parse_header(path, p, line_end(p, eol), t, err)) goto done;
    t->rows = lines - 1;
    if (t->rows == 0) {
        data_error(err, "%s:1: header but no data rows", path);
        goto done;
    }
    t->values = malloc((size_t)t->rows * (size_t)t->channels * sizeof *t->values);
    if (!t->values) {
        data_error(err, "%s: out of memory", path);
        goto done;
    }
    for (int64_t r = 0; r < t->rows; r++) {
        p = eol + 1;
        eol = strchr(p, '\n');
        if (parse_row(path, r + 2, p, line_end(p, eol), t, t->values + r * t->channels, err))
            goto done;
    }
    rc = 0;
done:
    free(buf);
    if (rc) forecast_table_free(t);
    return rc;
}

void forecast_table_free(ForecastTable *t)
{
    if (t->names)
        for (int c = 0; c < t->channels; c++) free(t->names[c]);
    free(t->names);
    free(t->values);
    memset(t, 0, sizeof *t);
}

/* ---- datasets --------------------------------------------------------------------------- */

typedef struct {
    const char *name, *file;
    ForecastBorders borders;
    int channels;
    const char *header; /* every channel name, or NULL: then only the last must be OT */
} Spec;

static const char ETT_HEADER[] = "HUFL,HULL,MUFL,MULL,LUFL,LULL,OT";

static const Spec SPECS[] = {
    {"ETTh1", "ETT-small/ETTh1.csv", FORECAST_ETT_HOUR, 7, ETT_HEADER},
    {"ETTh2", "ETT-small/ETTh2.csv", FORECAST_ETT_HOUR, 7, ETT_HEADER},
    {"ETTm1", "ETT-small/ETTm1.csv", FORECAST_ETT_MINUTE, 7, ETT_HEADER},
    {"ETTm2", "ETT-small/ETTm2.csv", FORECAST_ETT_MINUTE, 7, ETT_HEADER},
    /* three Weather names hold U+FFFD bytes: check by position (21 channels, OT last) */
    {"weather", "weather/weather.csv", FORECAST_CUSTOM, 21, NULL},
};

static const Spec *find_spec(const char *name, DataError *err)
{
    for (size_t i = 0; i < sizeof SPECS / sizeof SPECS[0]; i++)
        if (strcasecmp(name, SPECS[i].name) == 0) return &SPECS[i];
    data_error(err, "unknown forecasting dataset '%s' (known: ETTh1 ETTh2 ETTm1 ETTm2 weather)",
               name);
    return NULL;
}

static int check_header(const char *path, const Spec *sp, const ForecastTable *t,
                        DataError *err)
{
    if (t->channels != sp->channels) {
        data_error(err, "%s:1: header mismatch: %s has %d columns after 'date', found %d", path,
                   sp->name, sp->channels, t->channels);
        return -1;
    }
    if (strcmp(t->names[t->channels - 1], "OT") != 0) {
        data_error(err, "%s:1: header mismatch: the last column must be OT, found '%s'", path,
                   t->names[t->channels - 1]);
        return -1;
    }
    if (!sp->header) return 0;
    const char *h = sp->header;
    for (int c = 0; c < t->channels; c++) {
        size_t n = strcspn(h, ",");
        if (strlen(t->names[c]) != n || strncmp(t->names[c], h, n) != 0) {
            data_error(err, "%s:1: header mismatch: column %d is '%s', expected '%.*s'", path,
                       c + 2, t->names[c], (int)n, h);
            return -1;
        }
        h += n + (h[n] == ',');
    }
    return 0;
}

/* TSLib's border1s/border2s. */
static int set_borders(const char *path, ForecastData *d, DataError *err)
{
    int64_t L = d->lookback, need;
    if (d->borders == FORECAST_CUSTOM) {
        int64_t n = d->rows;
        int64_t n_train = (int64_t)((double)n * 0.7), n_test = (int64_t)((double)n * 0.2);
        int64_t n_val = n - n_train - n_test;
        int64_t b[3] = {0, n_train - L, n - n_test - L};
        int64_t e[3] = {n_train, n_train + n_val, n};
        memcpy(d->begin, b, sizeof b);
        memcpy(d->end, e, sizeof e);
        need = n;
    } else {
        int64_t month = 30 * 24 * (d->borders == FORECAST_ETT_MINUTE ? 4 : 1);
        int64_t b[3] = {0, 12 * month - L, 16 * month - L};
        int64_t e[3] = {12 * month, 16 * month, 20 * month};
        memcpy(d->begin, b, sizeof b);
        memcpy(d->end, e, sizeof e);
        need = 20 * month;
    }
    if (d->rows < need) {
        data_error(err, "%s: %s needs at least %lld rows, found %lld (TSLib's splits: train %lld, "
                        "val %lld, test %lld rows)", path, d->name, (long long)need, (long long)d->rows,
                   (long long)d->end[0], (long long)(d->end[1] - d->end[0]),
                   (long long)(d->end[2] - d->end[1]));
        return -1;
    }
    for (int k = 0; k < 3; k++)
        if (d->begin[k] < 0 || d->end[k] - d->begin[k] <= L) {
            data_error(err, "%s: lookback %d does not fit the %s split of %s (%lld rows)", path,
                       d->lookback, k == 0 ? "train" : k == 1 ? "val" : "test", d->name,
                       (long long)d->rows);
            return -1;
        }
    return 0;
}

/* z-score every row with the train slice's mean and population std. */
static void normalise(ForecastData *d, const double *x)
{
    int C = d->channels;
    int64_t n = d->end[FORECAST_TRAIN];
    for (int c = 0; c < C; c++) {
        double sum = 0, lo = x[c], hi = x[c];
        for (int64_t r = 0; r < n; r++) {
            double v = x[r * C + c];
            sum += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        double mean = sum / (double)n, ss = 0;
        for (int64_t r = 0; r < n; r++) ss += (x[r * C + c] - mean) * (x[r * C + c] - mean);
        d->mean[c] = mean;
        /* a constant column would divide by (almost) 0: sklearn uses 1 there */
        d->std[c] = lo == hi ? 1.0 : sqrt(ss / (double)n);
    }
    for (int64_t r = 0; r < d->rows; r++)
        for (int c = 0; c < C; c++)
            d->data[r * C + c] = (float)((x[r * C + c] - d->mean[c]) / d->std[c]);
}

int forecast_open_file(const char *path, const char *name, int lookback, ForecastData *d,
                       DataError *err)
{
    memset(d, 0, sizeof *d);
    const Spec *sp = find_spec(name, err);
    if (!sp) return -1;
    if (lookback < 1) {
        data_error(err, "lookback must be >= 1, got %d", lookback);
        return -1;
    }
    ForecastTable t;
    if (forecast_load_csv(path, &t, err)) return -1;
    int rc = -1;
    if (check_header(path, sp, &t, err)) goto done;
    snprintf(d->name, sizeof d->name, "%s", sp->name);
    d->borders = sp->borders;
    d->lookback = lookback;
    d->rows = t.rows;
    d->channels = t.channels;
    if (set_borders(path, d, err)) goto done;
    d->mean = malloc((size_t)d->channels * sizeof *d->mean);
    d->std = malloc((size_t)d->channels * sizeof *d->std);
    d->data = malloc((size_t)d->rows * (size_t)d->channels * sizeof *d->data);
    if (!d->mean || !d->std || !d->data) {
        data_error(err, "%s: out of memory", path);
        goto done;
    }
    normalise(d, t.values);
    d->names = t.names; /* moved */
    t.names = NULL;
    rc = 0;
done:
    forecast_table_free(&t);
    if (rc) forecast_free(d);
    return rc;
}

int forecast_open(const char *root, const char *name, int lookback, ForecastData *d,
                  DataError *err)
{
    const Spec *sp = find_spec(name, err);
    if (!sp) return -1;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", root, sp->file) >= (int)sizeof path) {
        data_error(err, "%s: path too long", root);
        return -1;
    }
    return forecast_open_file(path, name, lookback, d, err);
}

void forecast_free(ForecastData *d)
{
    if (d->names)
        for (int c = 0; c < d->channels; c++) free(d->names[c]);
    free(d->names);
    free(d->mean);
    free(d->std);
    free(d->data);
    memset(d, 0, sizeof *d);
}

/* ---- windows ---------------------------------------------------------------------------- */

int forecast_split(const ForecastData *d, ForecastSplitKind kind, int horizon, ForecastSplit *s,
                   DataError *err)
{
    static const char *names[] = {"train", "val", "test"};
    memset(s, 0, sizeof *s);
    int64_t n = d->end[kind] - d->begin[kind] - d->lookback - horizon + 1;
    if (horizon < 1 || n < 1) {
        data_error(err, "%s %s: no window of lookback %d and horizon %d fits %lld rows", d->name,
                   names[kind], d->lookback, horizon, (long long)(d->end[kind] - d->begin[kind]));
        return -1;
    }
    *s = (ForecastSplit){d, kind, d->begin[kind], d->end[kind], d->lookback, horizon, n};
    return 0;
}

void forecast_window(const ForecastSplit *s, int64_t i, float *input, float *target)
{
    size_t C = (size_t)s->data->channels;
    const float *row = s->data->data + (size_t)(s->begin + i) * C;
    memcpy(input, row, (size_t)s->lookback * C * sizeof *input);
    memcpy(target, row + (size_t)s->lookback * C, (size_t)s->horizon * C * sizeof *target);
}

/* ---- model-free forecasters and metrics ------------------------------------------------- */

int forecast_naive_parse(const char *name, ForecastNaive *kind)
{
    if (strcmp(name, "naive-last") == 0) *kind = FORECAST_NAIVE_LAST;
    else if (strcmp(name, "naive-zero") == 0) *kind = FORECAST_NAIVE_ZERO;
    else if (strcmp(name, "window-mean") == 0 || strcmp(name, "naive-mean") == 0) *kind = FORECAST_WINDOW_MEAN;
    else return -1;
    return 0;
}

void forecast_naive(ForecastNaive kind, const float *input, int lookback, int channels,
                    int horizon, float *pred)
{
    for (int c = 0; c < channels; c++) {
        float v = input[(size_t)(lookback - 1) * channels + c];
        if (kind == FORECAST_NAIVE_ZERO) v = 0.0f;
        if (kind == FORECAST_WINDOW_MEAN) {
            double sum = 0;
            for (int t = 0; t < lookback; t++) sum += input[(size_t)t * channels + c];
            v = (float)(sum / lookback);
        }
        for (int h = 0; h < horizon; h++) pred[(size_t)h * channels + c] = v;
    }
}

void forecast_metrics_add(ForecastMetrics *m, const float *pred, const float *target, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double e = (double)pred[i] - (double)target[i];
        m->sse += e * e;
        m->sae += fabs(e);
    }
    m->n += (int64_t)n;
}

double forecast_mse(const ForecastMetrics *m) { return m->n ? m->sse / (double)m->n : NAN; }
double forecast_mae(const ForecastMetrics *m) { return m->n ? m->sae / (double)m->n : NAN; }

int forecast_eval_naive(const ForecastSplit *s, ForecastNaive kind, ForecastMetrics *m,
                        DataError *err)
{
    size_t C = (size_t)s->data->channels;
    float *in = malloc((size_t)s->lookback * C * sizeof *in);
    float *tgt = malloc((size_t)s->horizon * C * sizeof *tgt);
    float *pred = malloc((size_t)s->horizon * C * sizeof *pred);
    int rc = -1;
    if (!in || !tgt || !pred) {
        data_error(err, "%s: out of memory", s->data->name);
        goto done;
    }
    for (int64_t i = 0; i < s->n_windows; i++) {
        forecast_window(s, i, in, tgt);
        forecast_naive(kind, in, s->lookback, (int)C, s->horizon, pred);
        forecast_metrics_add(m, pred, tgt, (size_t)s->horizon * C);
    }
    rc = 0;
done:
    free(in);
    free(tgt);
    free(pred);
    return rc;
}
