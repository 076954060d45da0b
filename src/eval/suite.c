#include "suite.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xxhash.h>

#include "forecast.h"
#include "niah.h"

static const char *const FAMILIES[] = {"sniah", "babilong", "genomics", "forecast"};
/* What titans-eval writes into its output folder besides <task>.csv (report.c: units.csv,
 * tables.md; records.c: results.h5 and its .tmp; journal.c: journal/): a task named so would
 * write over one of them, or look like it. */
static const char *const OUTPUT_NAMES[] = {"units", "tables", "results", "journal"};

const char *family_name(TaskFamily f) { return FAMILIES[f]; }

/* The handler sees no line numbers (Debian's inih is built without them), so inih reads the text
 * through read_line, which counts the lines. The first mistake ends the reading: its line and its
 * reason are reported together. */
typedef struct {
    Suite *s;
    const char *at, *end; /* what read_line has not given to inih yet */
    int line;             /* the line read_line gave last */
    int indented;         /* it starts with a space or tab: inih's continuation of the last key */
    int header_line;      /* the latest [section] line */
    char dir[1024];       /* folder of the suite file, for relative checkpoint paths */
    char why[512];        /* the first mistake */
    int why_line;         /* the line inih read when it was seen; 0 while there is none */
    int why_at;           /* the line it is about: that line, or its section's header */
    char section[128];
    char key[64];         /* the previous key of this section: a list on indented lines goes on */
    int continued;        /* this line goes on with the previous key's list */
    char seen[12][64];    /* the keys of this section so far: each is given once */
    int n_seen;
} Ctx;

static char *read_line(char *str, int num, void *stream)
{
    Ctx *ctx = stream;
    if (ctx->why_line || ctx->at >= ctx->end) return NULL;
    const char *eol = memchr(ctx->at, '\n', (size_t)(ctx->end - ctx->at));
    size_t len = eol ? (size_t)(eol - ctx->at) + 1 : (size_t)(ctx->end - ctx->at);
    if (len > (size_t)num - 1) len = (size_t)num - 1; /* not reached: long lines are refused first */
    memcpy(str, ctx->at, len);
    str[len] = 0;
    ctx->at += len;
    ctx->line++;
    ctx->indented = str[0] == ' ' || str[0] == '\t';
    if (str[strspn(str, " \t")] == '[') ctx->header_line = ctx->line;
    return str;
}

/* Keeps the first mistake and the line it is about; returns 0, inih's "stop here". */
static int why(Ctx *ctx, int at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why(Ctx *ctx, int at, const char *fmt, ...)
{
    if (ctx->why_line) return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->why, sizeof ctx->why, fmt, ap);
    va_end(ap);
    ctx->why_line = ctx->line;
    ctx->why_at = at;
    return 0;
}
#define WHY(...) why(ctx, ctx->line, __VA_ARGS__)          /* about this key's line */
#define WHY_SECTION(...) why(ctx, ctx->header_line, __VA_ARGS__) /* about the section header */

static int is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* Why name cannot be a suite, model, task, variant or column name (NULL if it can): it becomes a
 * file or folder name, a CSV field and a table header. */
const char *suite_bad_name(const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    if (n == 0 || n >= SUITE_NAME) return snprintf(buf, len, "must be 1 to %d characters", SUITE_NAME - 1), buf;
    if (!is_alnum(name[0])) return "must start with a letter or a digit";
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (is_alnum((char)c) || strchr("._-", c)) continue;
        if (c > 0x20 && c < 0x7f) snprintf(buf, len, "'%c' is not allowed", c);
        else snprintf(buf, len, "byte 0x%02x is not allowed", c);
        snprintf(buf + strlen(buf), len - strlen(buf), " (letters, digits, '.', '_', '-': it names files)");
        return buf;
    }
    return NULL;
}

/* A task writes <out>/<name>.csv: not one of titans-eval's own files, nor another task's on a file
 * system that ignores case. */
static int task_name(Ctx *ctx, const char *name)
{
    char buf[160];
    const char *bad = suite_bad_name(name, buf, sizeof buf);
    if (bad) return WHY_SECTION("[%s]: task name %s", ctx->section, bad);
    for (size_t i = 0; i < sizeof OUTPUT_NAMES / sizeof *OUTPUT_NAMES; i++)
        if (!strcasecmp(name, OUTPUT_NAMES[i]))
            return WHY_SECTION("[%s]: '%s' is the name of an output of titans-eval (units, tables, results, journal)",
                       ctx->section, name);
    for (int i = 0; i < ctx->s->n_tasks; i++)
        if (!strcasecmp(name, ctx->s->tasks[i].name))
            return WHY_SECTION("[%s]: differs from [task.%s] (line %d) only in case: one table file for both",
                       ctx->section, ctx->s->tasks[i].name, ctx->s->tasks[i].line);
    return 1;
}

static void trim(char *s)
{
    char *a = s, *e;
    while (*a == ' ' || *a == '\t') a++;
    memmove(s, a, strlen(a) + 1);
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = 0;
}

/* Splits a comma-separated list into trimmed items; -1 when it has too many or an empty item. */
static int split_list(const char *value, char items[][SUITE_NAME], int max)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", value);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        trim(tok);
        if (!*tok || n == max || strlen(tok) >= SUITE_NAME) return -1;
        snprintf(items[n++], SUITE_NAME, "%s", tok);
    }
    return n;
}

/* "4096", "4k", "1m" (binary: k = 1024, m = 1024^2). 0, -1 when it is not one, -2 when it is
 * more than INT64_MAX. */
static int parse_length(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9') return -1; /* strtoll would take a sign or spaces */
    long long v = strtoll(s, &end, 10), scale = 1;
    if (*end == 'k' || *end == 'K') scale = 1024, end++;
    else if (*end == 'm' || *end == 'M') scale = 1024 * 1024, end++;
    if (*end) return -1;
    if (errno == ERANGE || __builtin_mul_overflow(v, scale, &v)) return -2;
    *out = v;
    return 0;
}

/* The message for parse_length's -1 or -2 about item of key. */
static int bad_length(Ctx *ctx, const char *key, const char *item, int rc, const char *what)
{
    if (rc == -2) return WHY("[%s] %s: '%.63s' is more than %lld", ctx->section, key, item, (long long)INT64_MAX);
    return WHY("[%s] %s: '%.63s' is not %s", ctx->section, key, item, what);
}

static int find_model(const Suite *s, const char *name)
{
    for (int i = 0; i < s->n_models; i++)
        if (!strcmp(s->models[i].name, name)) return i;
    return -1;
}

static int model_key(Ctx *ctx, SuiteModel *m, const char *key, const char *value)
{
    char buf[160];
    const char *bad;
    if (!strcmp(key, "checkpoint")) {
        int k = value[0] == '/' || !ctx->dir[0]
                    ? snprintf(m->checkpoint, sizeof m->checkpoint, "%s", value)
                    : snprintf(m->checkpoint, sizeof m->checkpoint, "%s/%s", ctx->dir, value);
        if (k < 0 || (size_t)k >= sizeof m->checkpoint)
            return WHY("[%s] checkpoint: the path is longer than %zu bytes", ctx->section, sizeof m->checkpoint - 1);
    } else if (!strcmp(key, "forecaster")) {
        ForecastNaive kind;
        if (forecast_naive_parse(value, &kind))
            return WHY("[%s] forecaster: '%s' is not " FORECAST_NAIVE_NAMES, ctx->section, value);
        snprintf(m->forecaster, sizeof m->forecaster, "%s", value);
    } else if (!strcmp(key, "answerer")) {
        if (strcmp(value, SUITE_ANSWERERS))
            return WHY("[%s] answerer: '%s' is not " SUITE_ANSWERERS, ctx->section, value);
        snprintf(m->answerer, sizeof m->answerer, "%s", value);
    } else if (!strcmp(key, "column")) {
        if ((bad = suite_bad_name(value, buf, sizeof buf))) return WHY("[%s] column: %s", ctx->section, bad);
        snprintf(m->column, sizeof m->column, "%s", value);
    } else {
        return WHY("[%s] unknown key '%s' (checkpoint, forecaster, answerer, column)", ctx->section, key);
    }
    return 1;
}

/* Splits value into items after the first `base` ones (base: what earlier lines of the same
 * list gave); returns the new total, or -1 when empty or over max. */
static int list_items(const char *value, char items[][SUITE_NAME], int base, int max)
{
    int n = split_list(value, items + base, max - base);
    return n < 1 ? -1 : base + n;
}

static int task_key(Ctx *ctx, SuiteTask *t, const char *key, const char *value)
{
    char items[SUITE_MAX_LIST][SUITE_NAME], buf[160];
    int n, c = ctx->continued, rc;
    if (!strcmp(key, "family")) {
        for (int f = 0; f < 4; f++)
            if (!strcmp(value, FAMILIES[f])) {
                t->family = (TaskFamily)f;
                return 1;
            }
        return WHY("[%s] family: '%s' is not sniah, babilong, genomics or forecast", ctx->section, value);
    }
    if (!strcmp(key, "variants")) {
        int base = c ? t->n_variants : 0;
        if (!c) t->line_variants = ctx->line;
        if ((n = list_items(value, t->variants, base, SUITE_MAX_LIST)) < 1)
            return WHY("[%s] variants: expected 1 to %d comma-separated names", ctx->section, SUITE_MAX_LIST);
        for (int i = base; i < n; i++) {
            const char *bad = suite_bad_name(t->variants[i], buf, sizeof buf);
            if (bad) return WHY("[%s] variants: '%s': %s", ctx->section, t->variants[i], bad);
        }
        t->n_variants = n;
        return 1;
    }
    if (!strcmp(key, "lengths")) {
        int base = c ? t->n_lengths : 0;
        if (!c) t->line_lengths = ctx->line;
        if ((n = list_items(value, items, base, SUITE_MAX_LIST)) < 1)
            return WHY("[%s] lengths: expected 1 to %d comma-separated lengths", ctx->section, SUITE_MAX_LIST);
        for (int i = base; i < n; i++)
            if ((rc = parse_length(items[i], &t->lengths[i])) != 0)
                return bad_length(ctx, "lengths", items[i], rc, "a length (e.g. 4096, 4k, 1m)");
        t->n_lengths = n;
        return 1;
    }
    if (!strcmp(key, "depths")) {
        int base = c ? t->n_depths : 0;
        if ((n = list_items(value, items, base, SUITE_MAX_LIST)) < 1)
            return WHY("[%s] depths: expected 1 to %d comma-separated depths", ctx->section, SUITE_MAX_LIST);
        for (int i = base; i < n; i++) {
            char *end;
            t->depths[i] = strtod(items[i], &end);
            if (*end || !(t->depths[i] >= 0.0 && t->depths[i] <= 1.0))
                return WHY("[%s] depths: '%.63s' is not a number in [0, 1]", ctx->section, items[i]);
        }
        t->n_depths = n;
        return 1;
    }
    if (!strcmp(key, "samples")) {
        t->line_samples = ctx->line;
        if ((rc = parse_length(value, &t->samples)) != 0) return bad_length(ctx, "samples", value, rc, "a count");
        return 1;
    }
    if (!strcmp(key, "models")) {
        if (!c) t->line_models = ctx->line;
        if (!strcmp(value, "*")) {
            t->all_models = 1;
            return 1;
        }
        int base = c ? t->n_models : 0;
        if ((n = list_items(value, items, base, SUITE_MAX_LIST)) < 1)
            return WHY("[%s] models: expected 1 to %d names of [model.*] sections, or *", ctx->section,
                       SUITE_MAX_LIST);
        for (int i = base; i < n; i++)
            if ((t->models[i] = find_model(ctx->s, items[i])) < 0)
                return WHY("[%s] models: no section [model.%s] above this task", ctx->section, items[i]);
        t->n_models = n;
        return 1;
    }
    if (!strcmp(key, "reserve")) {
        t->line_reserve = ctx->line;
        if (!strcmp(value, "auto")) t->reserve = SUITE_RESERVE_AUTO;
        else if ((rc = parse_length(value, &t->reserve)) != 0)
            return bad_length(ctx, "reserve", value, rc, "auto or a count of bytes");
        return 1;
    }
    if (!strcmp(key, "without-data")) {
        if (strcmp(value, "skip") && strcmp(value, "error"))
            return WHY("[%s] without-data: '%s' is not skip or error", ctx->section, value);
        t->skip_without_data = !strcmp(value, "skip");
        return 1;
    }
    return WHY("[%s] unknown key '%s' (family, variants, lengths, depths, reserve, samples, models, without-data)",
               ctx->section, key);
}

/* A key given twice in one section would silently replace (or, for a list, extend) the first. */
static int first_time(Ctx *ctx, const char *key)
{
    for (int i = 0; i < ctx->n_seen; i++)
        if (!strcmp(ctx->seen[i], key)) return 0;
    if (ctx->n_seen < (int)(sizeof ctx->seen / sizeof ctx->seen[0]))
        snprintf(ctx->seen[ctx->n_seen++], sizeof ctx->seen[0], "%s", key);
    return 1;
}

static int suite_key(Ctx *ctx, Suite *s, const char *key, const char *value)
{
    char buf[160];
    const char *bad;
    if (!strcmp(key, "name")) {
        if ((bad = suite_bad_name(value, buf, sizeof buf))) return WHY("[suite] name: %s", bad);
        snprintf(s->name, sizeof s->name, "%s", value);
    } else if (!strcmp(key, "seed")) {
        char *end;
        errno = 0;
        s->seed = strtoull(value, &end, 10);
        if (end == value || *end || errno || value[0] == '-') return WHY("[suite] seed: '%s' is not a non-negative integer", value);
    } else {
        return WHY("[suite] unknown key '%s' (name, seed)", key);
    }
    return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    Ctx *ctx = user;
    Suite *s = ctx->s;
    char buf[160];
    int new_section = strcmp(section, ctx->section) != 0;
    ctx->continued = !new_section && ctx->indented && !strcmp(key, ctx->key);
    snprintf(ctx->section, sizeof ctx->section, "%s", section);
    snprintf(ctx->key, sizeof ctx->key, "%s", key);
    if (new_section) ctx->n_seen = 0;
    if (!ctx->continued && !first_time(ctx, key))
        return WHY("[%s] %s: given twice in this section (go on with a list on indented lines)", section, key);
    if (!strcmp(section, "suite")) return suite_key(ctx, s, key, value);
    const char *dot = strchr(section, '.');
    int is_model = !strncmp(section, "model.", 6), is_task = !strncmp(section, "task.", 5);
    if (!dot || (!is_model && !is_task)) return WHY_SECTION("[%s]: sections are [suite], [model.NAME] and [task.NAME]", section);
    const char *bad = suite_bad_name(dot + 1, buf, sizeof buf);
    if (new_section && is_model) {
        if (bad) return WHY_SECTION("[%s]: model name %s", section, bad);
        if (s->n_models == SUITE_MAX_MODELS) return WHY_SECTION("[%s]: more than %d models", section, SUITE_MAX_MODELS);
        SuiteModel *m = &s->models[s->n_models++]; /* repeated headers were refused before parsing */
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", dot + 1);
        m->line = ctx->header_line;
    }
    if (new_section && is_task) {
        if (!task_name(ctx, dot + 1)) return 0;
        if (s->n_tasks == SUITE_MAX_TASKS) return WHY_SECTION("[%s]: more than %d tasks", section, SUITE_MAX_TASKS);
        SuiteTask *t = &s->tasks[s->n_tasks++];
        memset(t, 0, sizeof *t);
        t->family = (TaskFamily)-1;
        t->reserve = SUITE_RESERVE_AUTO;
        snprintf(t->name, sizeof t->name, "%s", dot + 1);
        t->line = ctx->header_line;
    }
    return is_model ? model_key(ctx, &s->models[s->n_models - 1], key, value)
                    : task_key(ctx, &s->tasks[s->n_tasks - 1], key, value);
}

/* "source:line: message" ("source: message" for line 0); returns -1. */
static int fail_at(const Suite *s, int line, DataError *err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(const Suite *s, int line, DataError *err, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line) data_error(err, "%s:%d: %s", s->source, line, msg);
    else data_error(err, "%s: %s", s->source, msg);
    return -1;
}

/* What a whole section needs, checked once the file is read; a mistake names the section's line. */
static int check_complete(const Suite *s, DataError *err)
{
    if (!s->name[0]) return fail_at(s, 0, err, "[suite] name: missing");
    for (int i = 0; i < s->n_models; i++) {
        const SuiteModel *m = &s->models[i];
        if (!!m->checkpoint[0] + !!m->forecaster[0] + !!m->answerer[0] != 1)
            return fail_at(s, m->line, err, "[model.%s]: needs exactly one of checkpoint, forecaster, answerer",
                           m->name);
    }
    if (s->n_tasks == 0) return fail_at(s, 0, err, "no [task.NAME] section");
    for (int i = 0; i < s->n_tasks; i++) {
        const SuiteTask *t = &s->tasks[i];
        const char *n = t->name;
        int needs_lengths = t->family != FAMILY_GENOMICS;
        if ((int)t->family < 0) return fail_at(s, t->line, err, "[task.%s] family: missing", n);
        if (t->n_variants == 0) return fail_at(s, t->line, err, "[task.%s] variants: missing", n);
        if (t->n_models == 0 && !t->all_models) return fail_at(s, t->line, err, "[task.%s] models: missing", n);
        if (needs_lengths && t->n_lengths == 0) return fail_at(s, t->line, err, "[task.%s] lengths: missing", n);
        if (!needs_lengths && t->n_lengths)
            return fail_at(s, t->line_lengths, err, "[task.%s] lengths: genomics sequences have their own length", n);
        if (t->n_depths && t->family != FAMILY_SNIAH)
            return fail_at(s, t->line, err, "[task.%s] depths: only for sniah", n);
        if (t->line_reserve && t->family != FAMILY_SNIAH)
            return fail_at(s, t->line_reserve, err, "[task.%s] reserve: only for sniah (the room its lengths keep "
                           "for RULER's answer)", n);
        if (t->samples == 0 && (t->family == FAMILY_SNIAH || t->family == FAMILY_BABILONG))
            return fail_at(s, t->line_samples ? t->line_samples : t->line, err,
                           "[task.%s] samples: %s (generated tasks need a count of 1 or more)", n,
                           t->line_samples ? "0" : "missing");
    }
    return 0;
}

/* inih reports keys, not section headers, and keeps only the first SUITE_MAX_SECTION bytes of a
 * header's name: a header repeated right after its twin, or two long names with the same
 * beginning, would merge unseen. So the headers are checked first: returns the line of the first
 * bad one with why filled, or 0. */
static int bad_header(const char *text, char *why, size_t len)
{
    char seen[SUITE_MAX_MODELS + SUITE_MAX_TASKS + 1][SUITE_MAX_SECTION + 1];
    int n = 0, line = 0;
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        line++;
        while (*p == ' ' || *p == '\t') p++;
        const char *close = strchr(p, ']'), *eol = strchr(p, '\n');
        if (*p != '[' || !close || (eol && close > eol)) continue;
        int k = (int)(close - p - 1);
        if (k > SUITE_MAX_SECTION)
            return snprintf(why, len, "[%.*s]: a section name is at most %d characters", k < 128 ? k : 128, p + 1,
                            SUITE_MAX_SECTION), line;
        for (int i = 0; i < n; i++)
            if (strlen(seen[i]) == (size_t)k && !strncmp(seen[i], p + 1, (size_t)k))
                return snprintf(why, len, "[%s]: a second section of that name", seen[i]), line;
        if (n < (int)(sizeof seen / sizeof seen[0])) snprintf(seen[n++], sizeof seen[0], "%.*s", k, p + 1);
    }
    return 0;
}

/* libinih cuts lines at INI_MAX_LINE bytes and reads the rest as a line of its own: a long
 * `models =` list would lose names unseen. Returns the first line that long, or 0. */
static int long_line(const char *text)
{
    int line = 1;
    for (const char *p = text; *p; line++) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > SUITE_MAX_LINE) return line;
        p += len + (eol != NULL);
    }
    return 0;
}

int suite_parse(const char *text, const char *source, Suite *s, DataError *err)
{
    memset(s, 0, sizeof *s);
    s->seed = 1;
    snprintf(s->source, sizeof s->source, "%s", source);
    Ctx ctx = {.s = s, .at = text, .end = text + strlen(text)};
    const char *slash = strrchr(source, '/');
    if (slash) snprintf(ctx.dir, sizeof ctx.dir, "%.*s", (int)(slash - source), source);
    int line = long_line(text);
    if (line) return fail_at(s, line, err, "longer than %d characters: go on with the list on indented lines", SUITE_MAX_LINE);
    char why[256];
    if ((line = bad_header(text, why, sizeof why))) return fail_at(s, line, err, "%s", why);
    line = ini_parse_stream(read_line, &ctx, handler, &ctx);
    if (line < 0) return fail_at(s, 0, err, "out of memory");
    if (line > 0) /* inih's own complaint comes before any mistake the handler saw later */
        return fail_at(s, line == ctx.why_line ? ctx.why_at : line, err, "%s", line == ctx.why_line ? ctx.why
                                         : "not INI syntax (expected [section], key = value, or an indented "
                                           "line going on with a list)");
    if (check_complete(s, err) != 0) return -1;
    for (int i = 0; i < s->n_models; i++)
        if (!s->models[i].column[0]) snprintf(s->models[i].column, sizeof s->models[i].column, "%s", s->models[i].name);
    s->text = strdup(text);
    if (!s->text) return fail_at(s, 0, err, "out of memory");
    s->hash = XXH3_64bits(text, strlen(text));
    return 0;
}

int suite_parse_bytes(const char *text, size_t len, const char *source, Suite *s, DataError *err)
{
    memset(s, 0, sizeof *s);
    if (data_check_text(source, text, len, err) != 0) return -1;
    return suite_parse(text, source, s, err);
}

int suite_load(const char *path, Suite *s, DataError *err)
{
    size_t len;
    memset(s, 0, sizeof *s);
    char *text = data_read_file(path, &len, err);
    if (!text) return -1;
    int rc = suite_parse_bytes(text, len, path, s, err);
    free(text);
    return rc;
}

int suite_drop_tasks(Suite *s, const uint8_t *drop, char *dropped, size_t len)
{
    int kept = 0, n = 0;
    size_t k = 0;
    if (len) dropped[0] = 0;
    for (int i = 0; i < s->n_tasks; i++) {
        if (!drop[i]) {
            if (kept != i) s->tasks[kept] = s->tasks[i];
            kept++;
            continue;
        }
        if (k < len) k += (size_t)snprintf(dropped + k, len - k, "%s%s", n ? ", " : "", s->tasks[i].name);
        n++;
    }
    s->n_tasks = kept;
    return n;
}

int suite_skip_data_tasks(Suite *s, char *skipped, size_t len)
{
    uint8_t drop[SUITE_MAX_TASKS];
    for (int i = 0; i < s->n_tasks; i++) drop[i] = (uint8_t)s->tasks[i].skip_without_data;
    return suite_drop_tasks(s, drop, skipped, len);
}

const char *suite_task_missing_file(const SuiteTask *t, const char *data_dir)
{
    NiahTask k;
    DataError err;
    char path[PATH_MAX];
    if (t->family != FAMILY_SNIAH) return NULL;
    for (int v = 0; v < t->n_variants; v++) {
        const char *file = niah_task_parse(t->variants[v], &k, &err) ? NULL : niah_task_optional_file(k);
        if (!file) continue;
        int n = snprintf(path, sizeof path, "%s/%s", data_dir, file);
        if (n > 0 && (size_t)n < sizeof path && access(path, F_OK) != 0 && errno == ENOENT) return file;
    }
    return NULL;
}

int64_t suite_task_reserve(const SuiteTask *t, int v)
{
    NiahTask k;
    DataError err;
    if (t->family != FAMILY_SNIAH) return 0;
    if (t->reserve != SUITE_RESERVE_AUTO) return t->reserve;
    return niah_task_parse(t->variants[v], &k, &err) ? -1 : niah_ruler_reserve(k);
}

void suite_free(Suite *s)
{
    free(s->text);
    s->text = NULL;
}
