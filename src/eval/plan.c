#include "plan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "babilong_prompts.h"
#include "niah.h"

/* What a unit costs besides its model's FLOPs (building the sample, its record, its journal
 * entry), in FLOP-equivalents: about 20 us on this machine, measured on forecast windows with a
 * built-in forecaster. Without it, 95k cheap units looked like nothing to the progress ETA. */
#define PLAN_UNIT_OVERHEAD 2e5
#define GIB (1024.0 * 1024.0 * 1024.0)

double plan_cost(const TitansConfig *c, int64_t n)
{
    if (!c) return PLAN_UNIT_OVERHEAD; /* a built-in forecaster or answerer: next to nothing */
    /* attention grows with the position: the mean position stands for the whole sequence */
    return PLAN_UNIT_OVERHEAD + (double)n * titans_token_flops(c, (double)n / 2.0);
}

int64_t plan_machine_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (int64_t)pages * size : 0;
}

double plan_token_bytes(const TitansConfig *c)
{
    /* 1 prompt byte, a 4-byte token, under 2 bytes of background pieces (16 bytes per sentence of
     * 10 words or more), and the attention cache: keys and values, grown by doubling */
    double bytes = 1 + 4 + 2;
    for (int i = 0; c && i < c->n_layers; i++) /* c NULL: a built-in answerer */
        if (c->layer_kinds[i] == TITANS_LAYER_ATTN) bytes += 2.0 * 2.0 * sizeof(float) * c->d_model;
    return bytes;
}

/* "suite:LINE: [task.NAME] KEY: message" (the section's line when the key has none); -1. The
 * arguments may point into err. */
static int task_error(const Suite *s, const SuiteTask *t, int line, const char *key, DataError *err,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int task_error(const Suite *s, const SuiteTask *t, int line, const char *key, DataError *err,
                      const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    data_error(err, "%s:%d: [task.%s] %s: %s", s->source, line ? line : t->line, t->name, key, msg);
    return -1;
}

/* Whether a model (c: its checkpoint's config, NULL for a built-in) can run a task family, and
 * why not. */
static const char *misfit(const SuiteModel *sm, const TitansConfig *c, TaskFamily f)
{
    if (sm->answerer[0]) return f == FAMILY_BABILONG ? NULL : "a built-in answerer answers BABILong only";
    switch (f) {
    case FAMILY_SNIAH:
    case FAMILY_BABILONG:
        return c && c->head == TITANS_HEAD_LM ? NULL : "text tasks need a bytes/lm checkpoint";
    case FAMILY_GENOMICS:
        return c && c->head == TITANS_HEAD_CLS ? NULL : "genomics needs a dna/cls checkpoint";
    case FAMILY_FORECAST:
        return !c || c->head == TITANS_HEAD_FORECAST ? NULL : "forecasting needs a series/forecast checkpoint or a built-in forecaster";
    }
    return "unknown family";
}

static int parse_variant(const Suite *s, const SuiteTask *t, int v, DataError *err)
{
    const char *name = t->variants[v];
    NiahTask k;
    if (t->family == FAMILY_SNIAH && niah_task_parse(name, &k, err) != 0)
        return task_error(s, t, t->line_variants, "variants", err, "%s", err->msg);
    if (t->family == FAMILY_BABILONG && !babilong_task_parse(name))
        return task_error(s, t, t->line_variants, "variants", err, "'%s' is not qa1 .. qa20", name);
    return 0;
}

int plan_task_has_model(const Suite *s, const SuiteTask *t, const PlanData *pd)
{
    for (int i = 0; i < (t->all_models ? s->n_models : t->n_models); i++) {
        int m = t->all_models ? i : t->models[i];
        if (!s->models[m].excluded && !misfit(&s->models[m], pd->configs[m], t->family)) return 1;
    }
    return 0;
}

/* The models of the task that fit its family (models = * skips the others, a listed one that
 * does not fit is an error). Returns how many, or -1. */
static int fitting_models(const Suite *s, const SuiteTask *t, const PlanData *pd, int *models, DataError *err)
{
    int n = 0;
    for (int i = 0; i < (t->all_models ? s->n_models : t->n_models); i++) {
        int m = t->all_models ? i : t->models[i];
        if (s->models[m].excluded) continue; /* --models left it out */
        const char *why = misfit(&s->models[m], pd->configs[m], t->family);
        if (!why) models[n++] = m;
        else if (!t->all_models)
            return task_error(s, t, t->line_models, "models", err, "model '%s': %s", s->models[m].name, why);
    }
    if (n == 0)
        return task_error(s, t, t->line_models, "models", err, "no model in the suite fits family %s",
                          family_name(t->family));
    return n;
}

/* An S-NIAH length whose prompt (length - reserve) is shorter than need: the error names the
 * length, the reserve in effect and the length that would do. */
static int too_short(const Suite *s, const SuiteTask *t, int v, int64_t len, int64_t need, DataError *err)
{
    int64_t reserve = suite_task_reserve(t, v);
    if (reserve == 0)
        return task_error(s, t, t->line_lengths, "lengths", err,
                          "%lld bytes is too short for %s: a sample needs up to %lld (its template, key, value and "
                          "the least haystack)", (long long)len, t->variants[v], (long long)need);
    char setting[24] = "auto", why[SUITE_NAME + 48] = "";
    if (t->reserve == SUITE_RESERVE_AUTO) snprintf(why, sizeof why, " (RULER's tokens_to_generate of %s)", t->variants[v]);
    else snprintf(setting, sizeof setting, "%lld", (long long)reserve);
    int64_t from = reserve > INT64_MAX - need ? INT64_MAX : need + reserve;
    return task_error(s, t, t->line_lengths, "lengths", err,
                      "%lld bytes is too short for %s: a sample needs up to %lld (its template, key, value and "
                      "the least haystack) and reserve = %s keeps %lld bytes of the length for the answer%s, so "
                      "the lengths start at %lld (reserve = 0 lets the prompt take the whole length)",
                      (long long)len, t->variants[v], (long long)need, setting,
                      (long long)reserve, why, (long long)from);
}

/* A text length must hold one sample in memory, and every sample of every variant must fit in it
 * (the data is loaded now for that). */
static int check_text_lengths(const Suite *s, const SuiteTask *t, const PlanData *pd, const int *models,
                              int n_models, int64_t memory, DataError *err)
{
    double budget = (double)memory / PLAN_MEMORY_SHARE, worst = 0;
    int wm = models[0];
    for (int i = 0; i < n_models; i++)
        if (plan_token_bytes(pd->configs[models[i]]) > worst) worst = plan_token_bytes(pd->configs[models[i]]), wm = models[i];
    for (int li = 0; li < t->n_lengths; li++)
        if ((double)t->lengths[li] * worst > budget)
            return task_error(s, t, t->line_lengths, "lengths", err,
                              "%lld bytes: one sample would take %.3g GiB (prompt, tokens and the attention cache "
                              "of model '%s', %.0f bytes a token), more than 1/%d of this machine's %.1f GiB of "
                              "memory: at most %lld here",
                              (long long)t->lengths[li], (double)t->lengths[li] * worst / GIB, s->models[wm].name,
                              worst, PLAN_MEMORY_SHARE, (double)memory / GIB, (long long)(budget / worst));
    for (int v = 0; v < t->n_variants; v++) {
        int64_t need = pd->text_min_length(pd->ctx, t->family, t->variants[v], err);
        if (need < 0) return task_error(s, t, t->line_variants, "variants", err, "'%s': %s", t->variants[v], err->msg);
        for (int li = 0; li < t->n_lengths; li++) {
            int64_t len = t->lengths[li], reserve = suite_task_reserve(t, v);
            if ((len >= need && len - need >= reserve) || (t->family == FAMILY_BABILONG && len == 0)) continue;
            if (t->family == FAMILY_SNIAH) return too_short(s, t, v, len, need, err);
            return task_error(s, t, t->line_lengths, "lengths", err,
                              "%lld bytes is too short for %s: its questions need %lld or more without "
                              "background (0 runs them without background)", (long long)len, t->variants[v],
                              (long long)need);
        }
    }
    return 0;
}

/* A horizon is a count of steps the data must hold: 1 to INT_MAX before any dataset is asked. */
static int check_horizons(const Suite *s, const SuiteTask *t, DataError *err)
{
    for (int li = 0; li < t->n_lengths; li++)
        if (t->lengths[li] < 1 || t->lengths[li] > INT_MAX)
            return task_error(s, t, t->line_lengths, "lengths", err, "horizon %lld is not in 1 .. %d",
                              (long long)t->lengths[li], INT_MAX);
    return 0;
}

/* The samples of a cell: generated tasks run 0 .. samples-1; data tasks take every sample when
 * samples is 0, else `samples` of them spread evenly over the data (index k * n / samples). */
static int64_t cell_sample(int64_t k, int64_t take, int64_t available)
{
    return take == available ? k : (int64_t)((double)k * (double)available / (double)take);
}

/* Where the cells go: counted (out NULL, n saturating at INT64_MAX), or pushed onto out. */
typedef struct {
    UnitList *out;
    int64_t n;
} Emit;

static int emit_cell(Emit *e, Unit u, int64_t take, int64_t available, double cost, DataError *err)
{
    if (!e->out) {
        e->n = take > INT64_MAX - e->n ? INT64_MAX : e->n + take;
        return 0;
    }
    for (int64_t k = 0; k < take; k++) {
        u.sample = available < 0 ? k : cell_sample(k, take, available);
        u.cost = cost;
        if (units_push(e->out, u) != 0) {
            data_error(err, "out of memory for the unit list");
            return -1;
        }
    }
    return 0;
}

static int emit_text(const SuiteTask *t, const TitansConfig *c, Unit u, Emit *e, DataError *err)
{
    int n_depths = t->family == FAMILY_SNIAH && t->n_depths ? t->n_depths : 1;
    for (int li = 0; li < t->n_lengths; li++)
        for (int di = 0; di < n_depths; di++) {
            u.length = t->lengths[li];
            u.depth = t->family == FAMILY_SNIAH && t->n_depths ? t->depths[di] : -1;
            u.reserve = suite_task_reserve(t, u.variant); /* a known variant: parse_variant */
            if (emit_cell(e, u, t->samples, -1, plan_cost(c, u.length), err)) return -1;
        }
    return 0;
}

static int emit_genomics(const Suite *s, const SuiteTask *t, const PlanData *pd, Unit u, Emit *e, DataError *err)
{
    const TitansConfig *c = pd->configs[u.model];
    const char *variant = t->variants[u.variant];
    int n_classes = 0;
    double mean_length = 0;
    int64_t n = pd->genomics_samples(pd->ctx, variant, &n_classes, &mean_length, err);
    if (n < 0) return task_error(s, t, t->line_variants, "variants", err, "'%s': %s", variant, err->msg);
    if (c->n_classes != n_classes)
        return task_error(s, t, t->line_models, "models", err, "model '%s': its head has %d classes, task %s has %d",
                          s->models[u.model].name, c->n_classes, variant, n_classes);
    int64_t take = t->samples && t->samples < n ? t->samples : n;
    return emit_cell(e, u, take, n, plan_cost(c, (int64_t)mean_length + 1), err);
}

static int emit_forecast(const Suite *s, const SuiteTask *t, const PlanData *pd, Unit u, Emit *e, DataError *err)
{
    const TitansConfig *c = pd->configs[u.model];
    const char *variant = t->variants[u.variant];
    int fits = 0;
    for (int li = 0; li < t->n_lengths; li++) {
        u.length = t->lengths[li]; /* the horizon, 1 .. INT_MAX (check_horizons) */
        if (c && c->horizon != u.length) continue; /* a checkpoint of another horizon */
        fits = 1;
        int channels = 1;
        int64_t n = pd->forecast_windows(pd->ctx, variant, c ? c->lookback : PLAN_NAIVE_LOOKBACK, (int)u.length,
                                         &channels, err);
        if (n < 0)
            return task_error(s, t, t->line_variants, "variants", err, "'%s' at horizon %lld: %s", variant,
                              (long long)u.length, err->msg);
        int64_t take = t->samples && t->samples < n ? t->samples : n;
        double cost = c ? channels * plan_cost(c, c->n_patch) : plan_cost(NULL, 0);
        if (emit_cell(e, u, take, n, cost, err)) return -1;
    }
    if (!fits && !t->all_models)
        return task_error(s, t, t->line_models, "models", err,
                          "model '%s': its head forecasts %d steps, none of the task's horizons",
                          s->models[u.model].name, c->horizon);
    return 0;
}

/* Checks task ti against the models and the data (when counting), then emits its cells. */
static int expand_task(const Suite *s, int ti, const PlanData *pd, int64_t memory, Emit *e, DataError *err)
{
    const SuiteTask *t = &s->tasks[ti];
    int models[SUITE_MAX_MODELS], n_models = fitting_models(s, t, pd, models, err);
    if (n_models < 0) return -1;
    for (int v = 0; v < t->n_variants; v++)
        if (parse_variant(s, t, v, err) != 0) return -1;
    int text = t->family == FAMILY_SNIAH || t->family == FAMILY_BABILONG;
    if (!e->out && text && check_text_lengths(s, t, pd, models, n_models, memory, err) != 0) return -1;
    if (t->family == FAMILY_FORECAST && check_horizons(s, t, err) != 0) return -1;
    for (int mi = 0; mi < n_models; mi++)
        for (int v = 0; v < t->n_variants; v++) {
            Unit u = {.task = ti, .model = models[mi], .family = t->family, .variant = v, .depth = -1};
            int rc = text ? emit_text(t, pd->configs[u.model], u, e, err)
                     : t->family == FAMILY_GENOMICS ? emit_genomics(s, t, pd, u, e, err)
                                                    : emit_forecast(s, t, pd, u, e, err);
            if (rc != 0) return -1;
        }
    return 0;
}

/* Counts the units, task by task, and refuses a suite whose list would not fit in memory. */
static int count_units(const Suite *s, const PlanData *pd, int64_t memory, int64_t *n, DataError *err)
{
    int64_t limit = memory / PLAN_MEMORY_SHARE / PLAN_UNIT_BYTES;
    Emit e = {NULL, 0};
    for (int ti = 0; ti < s->n_tasks; ti++) {
        const SuiteTask *t = &s->tasks[ti];
        if (expand_task(s, ti, pd, memory, &e, err) != 0) return -1;
        if (e.n > limit)
            return task_error(s, t, t->line_samples, "samples", err,
                              "the suite comes to %s%lld units with this task, more than the %lld that fit in 1/%d "
                              "of this machine's %.1f GiB of memory (%d bytes a unit)",
                              e.n == INT64_MAX ? "over " : "", (long long)e.n, (long long)limit, PLAN_MEMORY_SHARE,
                              (double)memory / GIB, PLAN_UNIT_BYTES);
    }
    *n = e.n;
    return 0;
}

int plan_expand(const Suite *s, const PlanData *pd, UnitList *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    int64_t memory = pd->memory ? pd->memory : plan_machine_memory(), n = 0;
    if (memory <= 0) {
        data_error(err, "%s: cannot tell this machine's memory (sysconf), which bounds the plan", s->source);
        return -1;
    }
    if (count_units(s, pd, memory, &n, err) != 0) return -1;
    out->v = malloc(sizeof *out->v * (size_t)(n ? n : 1));
    if (!out->v) {
        data_error(err, "%s: out of memory for %lld units", s->source, (long long)n);
        return -1;
    }
    out->cap = n ? n : 1;
    Emit e = {out, 0};
    for (int ti = 0; ti < s->n_tasks; ti++)
        if (expand_task(s, ti, pd, memory, &e, err) != 0) {
            units_free(out);
            return -1;
        }
    return 0;
}
