#include "run.h"

#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

void workspace_init(Workspace *ws, const Suite *s, const char *data_dir, TitansMemoryPath path)
{
    memset(ws, 0, sizeof *ws);
    ws->suite = s;
    ws->data_dir = data_dir && *data_dir ? data_dir : NULL;
    ws->memory_path = path;
}

void workspace_free(Workspace *ws)
{
    for (int i = 0; i < SUITE_MAX_MODELS; i++) {
        titans_state_free(ws->states[i]);
        titans_model_free(ws->models[i]);
    }
    niah_data_free(ws->niah);
    if (ws->have_babilong) babilong_data_free(&ws->babilong);
    for (int i = 0; i < ws->n_genomics; i++) genomics_free(&ws->genomics[i].set);
    for (int i = 0; i < ws->n_forecast; i++) forecast_free(&ws->forecast[i].data);
    memset(ws, 0, sizeof *ws);
}


static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- what a rank loads on first use -------------------------------------------------------- */

/* From the file, or (bytes != NULL) from its image in memory. */
static int load_model(Workspace *ws, int m, const void *bytes, size_t len, DataError *err)
{
    TitansError terr;
    const char *path = ws->suite->models[m].checkpoint;
    int rc = bytes ? titans_model_load_image(bytes, len, path, &ws->models[m], &terr)
                   : titans_model_load(path, &ws->models[m], &terr);
    if (rc != 0 || (ws->bf16 && titans_model_use_bf16(ws->models[m], &terr) != 0) ||
        titans_model_set_memory_path(ws->models[m], ws->memory_path, &terr) != 0 ||
        !(ws->states[m] = titans_state_new(ws->models[m], &terr))) {
        data_error(err, "model '%s': %s", ws->suite->models[m].name, terr.msg);
        return -1;
    }
    return 0;
}

static int model_of(Workspace *ws, int m, DataError *err)
{
    return ws->models[m] ? 0 : load_model(ws, m, NULL, 0, err);
}

int workspace_load_model_image(Workspace *ws, int m, const void *bytes, size_t len, DataError *err)
{
    return ws->models[m] ? 0 : load_model(ws, m, bytes, len, err);
}

static NiahData *niah_of(Workspace *ws, DataError *err)
{
    if (!ws->niah) {
        if (ws->data_dir) {
            if (niah_data_load(ws->data_dir, &ws->niah, err) != 0) return NULL;
        } else if (niah_data_builtin(&ws->niah) != 0) {
            data_error(err, "out of memory for the built-in S-NIAH data");
            return NULL;
        }
    }
    return ws->niah;
}

static BabilongData *babilong_of(Workspace *ws, DataError *err)
{
    if (!ws->have_babilong) {
        int rc = ws->data_dir ? babilong_data_load(ws->data_dir, &ws->babilong, err)
                              : babilong_data_builtin(&ws->babilong, err);
        if (rc != 0) return NULL;
        ws->have_babilong = 1;
    }
    return &ws->babilong;
}

/* A genomics task is a GUE CSV folder (gue_prom_core/<task>/test.csv) or a GenomicBenchmarks
 * folder rebuilt by titans-genomics-rebuild (genomic_benchmarks/<task>/test/<class>/). */
static GenomicsSet *genomics_of(Workspace *ws, const char *task, DataError *err)
{
    for (int i = 0; i < ws->n_genomics; i++)
        if (!strcmp(ws->genomics[i].name, task)) return &ws->genomics[i].set;
    if (!ws->data_dir) {
        data_error(err, "genomics task '%s' needs a data directory (--data-dir or TITANS_DATA)", task);
        return NULL;
    }
    if (ws->n_genomics == SUITE_MAX_TASKS) {
        data_error(err, "more than %d genomics tasks", SUITE_MAX_TASKS);
        return NULL;
    }
    char csv[2048], dir[2048];
    snprintf(csv, sizeof csv, "%s/gue_prom_core/%s/test.csv", ws->data_dir, task);
    snprintf(dir, sizeof dir, "%s/genomic_benchmarks/%s", ws->data_dir, task);
    GenomicsCache *g = &ws->genomics[ws->n_genomics];
    int rc;
    if (exists(csv)) rc = genomics_load_csv(csv, &g->set, err);
    else if (exists(dir)) rc = genomics_load_dir(dir, "test", &g->set, err);
    else {
        data_error(err, "genomics task '%s': neither %s nor %s exists", task, csv, dir);
        return NULL;
    }
    if (rc != 0) return NULL;
    snprintf(g->name, sizeof g->name, "%s", task);
    ws->n_genomics++;
    return &g->set;
}

static ForecastData *forecast_of(Workspace *ws, const char *dataset, int lookback, DataError *err)
{
    for (int i = 0; i < ws->n_forecast; i++)
        if (!strcmp(ws->forecast[i].name, dataset) && ws->forecast[i].lookback == lookback)
            return &ws->forecast[i].data;
    if (!ws->data_dir) {
        data_error(err, "forecasting dataset '%s' needs a data directory (--data-dir or TITANS_DATA)", dataset);
        return NULL;
    }
    if (ws->n_forecast == SUITE_MAX_TASKS) {
        data_error(err, "more than %d forecasting datasets", SUITE_MAX_TASKS);
        return NULL;
    }
    ForecastCache *f = &ws->forecast[ws->n_forecast];
    if (forecast_open(ws->data_dir, dataset, lookback, &f->data, err) != 0) return NULL;
    snprintf(f->name, sizeof f->name, "%s", dataset);
    f->lookback = lookback;
    ws->n_forecast++;
    return &f->data;
}

int64_t run_genomics_samples(void *ctx, const char *task, int *n_classes, double *mean_length,
                             DataError *err)
{
    GenomicsSet *g = genomics_of(ctx, task, err);
    if (!g) return -1;
    *n_classes = g->n_classes;
    *mean_length = g->n ? (double)g->offset[g->n] / (double)g->n : 0.0;
    return g->n;
}

int64_t run_forecast_windows(void *ctx, const char *dataset, int lookback, int horizon, int *channels,
                             DataError *err)
{
    ForecastData *d = forecast_of(ctx, dataset, lookback, err);
    ForecastSplit s;
    if (!d || forecast_split(d, FORECAST_TEST, horizon, &s, err) != 0) return -1;
    *channels = d->channels;
    return s.n_windows;
}

int64_t run_text_min_length(void *ctx, TaskFamily family, const char *variant, DataError *err)
{
    Workspace *ws = ctx;
    if (family == FAMILY_SNIAH) {
        NiahTask k;
        NiahData *d = niah_of(ws, err);
        return !d || niah_task_parse(variant, &k, err) ? -1 : niah_min_length(d, k, err);
    }
    BabilongData *d = babilong_of(ws, err);
    return d ? babilong_min_length(d, babilong_task_parse(variant), err) : -1; /* the plan parsed qa1 .. qa20 */
}

PlanData workspace_plan_data(Workspace *ws)
{
    return (PlanData){.genomics_samples = run_genomics_samples, .forecast_windows = run_forecast_windows,
                      .text_min_length = run_text_min_length, .ctx = ws};
}

/* ---- the unit -------------------------------------------------------------------------------- */

/* The key a generated sample is made from: what the cell is, never which model or rank. */
static uint64_t sample_key(const SuiteTask *t, const Unit *u)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s|%s|%lld|%.6f|%lld", t->name, t->variants[u->variant],
                     (long long)u->length, u->depth, (long long)u->sample);
    return XXH3_64bits(buf, (size_t)n);
}

_Static_assert(4 * NIAH_MAX_NEW < RUN_PREDICTION && 4 * BABILONG_MAX_NEW < RUN_PREDICTION,
               "a prediction escaped (4 characters a byte) must fit RUN_PREDICTION whole");

/* Printable ASCII as is, every other byte as \xHH, cut to fit size: records stay valid text.
 * Returns 1 when it cut. */
static int copy_text(char *dst, size_t size, const char *src, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        int printable = c >= 0x20 && c < 0x7f && c != '\\';
        if (k + (printable ? 1 : 4) >= size) {
            dst[k] = 0;
            return 1;
        }
        if (printable) dst[k++] = (char)c;
        else k += (size_t)snprintf(dst + k, size - k, "\\x%02x", c);
    }
    dst[k] = 0;
    return 0;
}

/* The answers '|'-joined into the target; 1 when cut. */
static int copy_answers(char *dst, const TextSample *smp)
{
    char joined[4 * RUN_TARGET];
    size_t k = 0;
    for (int a = 0; a < smp->n_answers && k < sizeof joined; a++)
        k += (size_t)snprintf(joined + k, sizeof joined - k, a ? "|%s" : "%s", smp->answers[a]);
    int cut = k >= sizeof joined;
    return copy_text(dst, RUN_TARGET, joined, cut ? sizeof joined - 1 : k) | cut;
}

uint64_t run_sample_key(const Suite *s, const Unit *u)
{
    return sample_key(&s->tasks[u->task], u);
}

/* The sample of a text unit (S-NIAH, BABILong): the same for every model and rank. */
static int make_text_sample(Workspace *ws, const Unit *u, TextSample *smp, DataError *err)
{
    const Suite *s = ws->suite;
    const SuiteTask *t = &s->tasks[u->task];
    if (u->family == FAMILY_SNIAH) {
        NiahTask k;
        NiahData *d = niah_of(ws, err);
        /* the sample number picks qa_1/qa_2's question, as RULER's sample index; the prompt leaves
         * the unit's reserve of its length to the answer */
        return !d || niah_task_parse(t->variants[u->variant], &k, err) ||
                       niah_make_reserved(d, k, u->length, u->reserve, u->depth, s->seed, (uint64_t)u->sample,
                                          sample_key(t, u), smp, err)
                   ? -1
                   : 0;
    }
    BabilongData *d = babilong_of(ws, err);
    /* the cell's sample number picks the question, as upstream's list order */
    return !d || babilong_make_at(d, babilong_task_parse(t->variants[u->variant]), u->length, s->seed,
                                  (uint64_t)u->sample, sample_key(t, u), smp, err)
               ? -1
               : 0;
}

/* Where a unit's prompt starts: 0 from the prefix state, or the position of its saved state
 * (restored into st) when an earlier attempt left one. */
static int64_t resume_position(Workspace *ws, const TitansModel *m, TitansState *st, int64_t n)
{
    titans_state_reset(m, st);
    int64_t pos = unitstate_restore(&ws->saver, st);
    if (pos > 0 && pos < n && pos % UNITSTATE_PIECE == 0) return ws->saver.resumed = pos;
    if (pos) titans_state_reset(m, st); /* not a state this prompt can continue from */
    return 0;
}

/* A built-in answerer's unit (plan.c admits them on BABILong only): the last-mentioned rule's
 * answer to the sample, scored as a model's would be. */
static int run_answerer(Workspace *ws, const Unit *u, UnitResult *r, DataError *err)
{
    const SuiteTask *t = &ws->suite->tasks[u->task];
    TextSample smp = {0};
    if (make_text_sample(ws, u, &smp, err) != 0) return -1;
    const char *text = smp.rule ? smp.rule : "";
    r->score = babilong_score(&smp, babilong_task_parse(t->variants[u->variant]), text);
    r->truncated = copy_text(r->prediction, sizeof r->prediction, text, strlen(text)) | copy_answers(r->target, &smp);
    text_sample_free(&smp);
    return 0;
}

static int run_text(Workspace *ws, const Unit *u, UnitResult *r, DataError *err)
{
    const Suite *s = ws->suite;
    const SuiteTask *t = &s->tasks[u->task];
    if (s->models[u->model].answerer[0]) return run_answerer(ws, u, r, err);
    TextSample smp = {0};
    int rc = make_text_sample(ws, u, &smp, err);
    if (rc != 0) return -1;
    if (model_of(ws, u->model, err) != 0) {
        text_sample_free(&smp);
        return -1;
    }
    int32_t *tokens = malloc(sizeof *tokens * (smp.prompt_len ? smp.prompt_len : 1));
    int32_t *out = malloc(sizeof *out * (size_t)(smp.max_new > 0 ? smp.max_new : 1));
    char *text = malloc((size_t)smp.max_new + 1);
    if (!tokens || !out || !text) {
        data_error(err, "out of memory for a %zu-byte prompt", smp.prompt_len);
        rc = -1;
    }
    int n_out = 0;
    if (rc == 0) {
        for (size_t i = 0; i < smp.prompt_len; i++) tokens[i] = (unsigned char)smp.prompt[i];
        TitansError terr;
        TitansModel *m = ws->models[u->model];
        TitansState *st = ws->states[u->model];
        int64_t n = (int64_t)smp.prompt_len, pos = resume_position(ws, m, st, n);
        /* all but the last piece through the model, the state saved between pieces when due
         * (unitstate.h); the answer is one line: generation stops at a newline or the budget */
        for (; rc == 0 && !ws->saver.stopped && n - pos > UNITSTATE_PIECE; pos += UNITSTATE_PIECE)
            rc = titans_forward(m, st, tokens + pos, UNITSTATE_PIECE, NULL, NULL, NULL, &terr) != 0 ? -2
               : unitstate_maybe_save(&ws->saver, st, pos + UNITSTATE_PIECE, err);
        if (rc == 0 && !ws->saver.stopped && titans_generate_greedy(m, st, tokens + pos, n - pos, smp.max_new, '\n', out, &n_out, NULL, &terr) != 0)
            rc = -2;
        if (rc == -2) {
            data_error(err, "model '%s': %s", s->models[u->model].name, terr.msg);
            rc = -1;
        }
    }
    if (rc == 0) {
        for (int i = 0; i < n_out; i++) text[i] = (char)out[i];
        text[n_out] = 0;
        r->score = u->family == FAMILY_SNIAH ? niah_score(&smp, text)
                                             : babilong_score(&smp, babilong_task_parse(t->variants[u->variant]), text);
        r->truncated = copy_text(r->prediction, sizeof r->prediction, text, (size_t)n_out) |
                       copy_answers(r->target, &smp);
        r->tokens = (int64_t)smp.prompt_len + n_out;
    }
    free(tokens);
    free(out);
    free(text);
    text_sample_free(&smp);
    return rc;
}

static int run_genomics(Workspace *ws, const Unit *u, UnitResult *r, DataError *err)
{
    const SuiteTask *t = &ws->suite->tasks[u->task];
    GenomicsSet *g = genomics_of(ws, t->variants[u->variant], err);
    if (!g || model_of(ws, u->model, err) != 0) return -1;
    int64_t n = genomics_length(g, u->sample);
    int32_t *tokens = malloc(sizeof *tokens * (size_t)(n ? n : 1));
    float *logits = malloc(sizeof *logits * (size_t)g->n_classes);
    int rc = 0;
    TitansError terr;
    if (!tokens || !logits) rc = (data_error(err, "out of memory"), -1);
    if (rc == 0) {
        genomics_tokens(g, u->sample, tokens);
        if (titans_classify(ws->models[u->model], ws->states[u->model], tokens, n, logits, &terr) != 0)
            rc = (data_error(err, "model '%s': %s", ws->suite->models[u->model].name, terr.msg), -1);
    }
    if (rc == 0) {
        int pred = genomics_argmax(logits, g->n_classes), label = g->label[u->sample];
        r->score = pred == label;
        const char *p = g->class_names[pred], *l = g->class_names[label];
        r->truncated = copy_text(r->prediction, sizeof r->prediction, p, strlen(p)) |
                       copy_text(r->target, sizeof r->target, l, strlen(l));
        r->tokens = n;
    }
    free(tokens);
    free(logits);
    return rc;
}

static int run_forecast(Workspace *ws, const Unit *u, UnitResult *r, DataError *err)
{
    const Suite *s = ws->suite;
    const SuiteTask *t = &s->tasks[u->task];
    const SuiteModel *sm = &s->models[u->model];
    int is_model = sm->checkpoint[0] != 0;
    if (is_model && model_of(ws, u->model, err) != 0) return -1;
    int lookback = is_model ? titans_model_config(ws->models[u->model])->lookback : 96;
    ForecastData *d = forecast_of(ws, t->variants[u->variant], lookback, err);
    ForecastSplit sp;
    if (!d || forecast_split(d, FORECAST_TEST, (int)u->length, &sp, err) != 0) return -1;
    int C = d->channels, H = (int)u->length;
    float *in = malloc(sizeof(float) * (size_t)lookback * C), *target = malloc(sizeof(float) * (size_t)H * C),
          *pred = malloc(sizeof(float) * (size_t)H * C);
    int rc = 0;
    if (!in || !target || !pred) rc = (data_error(err, "out of memory"), -1);
    if (rc == 0) {
        forecast_window(&sp, u->sample, in, target);
        if (!is_model) {
            ForecastNaive kind;
            forecast_naive_parse(sm->forecaster, &kind);
            forecast_naive(kind, in, lookback, C, H, pred);
        } else {
            TitansError terr;
            if (titans_forecast(ws->models[u->model], ws->states[u->model], in, C, pred, NULL, &terr) != 0)
                rc = (data_error(err, "model '%s': %s", sm->name, terr.msg), -1);
            r->tokens = (int64_t)titans_model_config(ws->models[u->model])->n_patch * C;
        }
    }
    if (rc == 0) {
        ForecastMetrics mt = {0};
        forecast_metrics_add(&mt, pred, target, (size_t)H * C);
        r->score = forecast_mse(&mt);
        r->mae = forecast_mae(&mt);
        snprintf(r->target, sizeof r->target, "window %lld", (long long)u->sample);
    }
    free(in);
    free(target);
    free(pred);
    return rc;
}

int run_prompt(Workspace *ws, const Unit *u, char **prompt, size_t *len, DataError *err)
{
    *prompt = NULL;
    *len = 0;
    if (u->family == FAMILY_FORECAST) return 1;
    if (u->family == FAMILY_GENOMICS) {
        GenomicsSet *g = genomics_of(ws, ws->suite->tasks[u->task].variants[u->variant], err);
        if (!g) return -1;
        int64_t n = genomics_length(g, u->sample);
        if (!(*prompt = malloc((size_t)n + 1))) return data_error(err, "out of memory for a sequence"), -1;
        for (int64_t i = 0; i < n; i++) (*prompt)[i] = "ACGTN"[g->bases[g->offset[u->sample] + i]];
        (*prompt)[n] = 0;
        *len = (size_t)n;
        return 0;
    }
    TextSample smp = {0};
    if (make_text_sample(ws, u, &smp, err) != 0) return -1;
    *prompt = smp.prompt, *len = smp.prompt_len;
    smp.prompt = NULL; /* the caller's now */
    text_sample_free(&smp);
    return 0;
}

int run_unit(Workspace *ws, const Unit *u, UnitResult *r, DataError *err)
{
    memset(r, 0, sizeof *r);
    double t0 = clock_seconds();
    int rc;
    switch (u->family) {
    case FAMILY_SNIAH:
    case FAMILY_BABILONG: rc = run_text(ws, u, r, err); break;
    case FAMILY_GENOMICS: rc = run_genomics(ws, u, r, err); break;
    default: rc = run_forecast(ws, u, r, err); break;
    }
    r->seconds = clock_seconds() - t0;
    char where[SUITE_NAME + 8];
    snprintf(where, sizeof where, "[task.%s]", ws->suite->tasks[u->task].name);
    if (rc != 0 && !strstr(err->msg, where)) {
        DataError inner = *err;
        data_error(err, "unit %lld %s: %s", (long long)u->id, where, inner.msg);
    }
    return rc;
}
