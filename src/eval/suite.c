#include "suite.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static const char *const FAMILIES[] = {"sniah", "babilong", "genomics", "forecast"};

const char *family_name(TaskFamily f) { return FAMILIES[f]; }

/* The handler sees no line numbers (Debian's inih is built without them): it writes what is wrong
 * into ctx->why and stops; ini_parse_string then returns the line, and suite_parse joins both. */
typedef struct {
    Suite *s;
    char dir[1024];     /* folder of the suite file, for relative checkpoint paths */
    char why[512];
    char section[128];
    char key[64];       /* the previous key of this section: a list on indented lines goes on */
    int continued;      /* this key repeats the previous one: append to its list */
    int n_sections;
} Ctx;

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

/* "4096", "4k", "1m" (binary: k = 1024, m = 1024^2) */
static int parse_length(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0) return -1;
    long long unit = 1;
    if (*end == 'k' || *end == 'K') unit = 1024, end++;
    else if (*end == 'm' || *end == 'M') unit = 1024 * 1024, end++;
    if (*end || v > LLONG_MAX / unit) return -1; /* "9000000000000000m" would overflow */
    *out = v * unit;
    return 0;
}

static int find_model(const Suite *s, const char *name)
{
    for (int i = 0; i < s->n_models; i++)
        if (!strcmp(s->models[i].name, name)) return i;
    return -1;
}

#define WHY(...) (snprintf(ctx->why, sizeof ctx->why, __VA_ARGS__), 0)

static int model_key(Ctx *ctx, SuiteModel *m, const char *key, const char *value)
{
    if (!strcmp(key, "checkpoint")) {
        int k = value[0] == '/' || !ctx->dir[0]
                    ? snprintf(m->checkpoint, sizeof m->checkpoint, "%s", value)
                    : snprintf(m->checkpoint, sizeof m->checkpoint, "%s/%s", ctx->dir, value);
        if (k < 0 || (size_t)k >= sizeof m->checkpoint)
            return WHY("[%s] checkpoint: the path is longer than %zu bytes", ctx->section, sizeof m->checkpoint - 1);
    } else if (!strcmp(key, "forecaster")) {
        if (strcmp(value, "naive-last") && strcmp(value, "naive-mean"))
            return WHY("[%s] forecaster: '%s' is not naive-last or naive-mean", ctx->section, value);
        snprintf(m->forecaster, sizeof m->forecaster, "%s", value);
    } else if (!strcmp(key, "column")) {
        if (!value[0] || strlen(value) >= sizeof m->column)
            return WHY("[%s] column: must be 1 to %zu characters", ctx->section, sizeof m->column - 1);
        snprintf(m->column, sizeof m->column, "%s", value);
    } else {
        return WHY("[%s] unknown key '%s' (checkpoint, forecaster, column)", ctx->section, key);
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
    char items[SUITE_MAX_LIST][SUITE_NAME];
    int n, c = ctx->continued;
    if (!strcmp(key, "family")) {
        for (int f = 0; f < 4; f++)
            if (!strcmp(value, FAMILIES[f])) {
                t->family = (TaskFamily)f;
                return 1;
            }
        return WHY("[%s] family: '%s' is not sniah, babilong, genomics or forecast", ctx->section, value);
    }
    if (!strcmp(key, "variants")) {
        if ((n = list_items(value, t->variants, c ? t->n_variants : 0, SUITE_MAX_LIST)) < 1)
            return WHY("[%s] variants: expected 1 to %d comma-separated names", ctx->section, SUITE_MAX_LIST);
        t->n_variants = n;
        return 1;
    }
    if (!strcmp(key, "lengths")) {
        int base = c ? t->n_lengths : 0;
        if ((n = list_items(value, items, base, SUITE_MAX_LIST)) < 1)
            return WHY("[%s] lengths: expected 1 to %d comma-separated lengths", ctx->section, SUITE_MAX_LIST);
        for (int i = base; i < n; i++)
            if (parse_length(items[i], &t->lengths[i]) != 0)
                return WHY("[%s] lengths: '%.63s' is not a length (e.g. 4096, 4k, 1m)", ctx->section, items[i]);
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
        if (parse_length(value, &t->samples) != 0)
            return WHY("[%s] samples: '%s' is not a count", ctx->section, value);
        return 1;
    }
    if (!strcmp(key, "models")) {
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
    if (!strcmp(key, "without-data")) {
        if (strcmp(value, "skip") && strcmp(value, "error"))
            return WHY("[%s] without-data: '%s' is not skip or error", ctx->section, value);
        t->skip_without_data = !strcmp(value, "skip");
        return 1;
    }
    return WHY("[%s] unknown key '%s' (family, variants, lengths, depths, samples, models, without-data)",
               ctx->section, key);
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    Ctx *ctx = user;
    Suite *s = ctx->s;
    int new_section = strcmp(section, ctx->section) != 0;
    snprintf(ctx->section, sizeof ctx->section, "%s", section);
    ctx->continued = !new_section && !strcmp(key, ctx->key);
    snprintf(ctx->key, sizeof ctx->key, "%s", key);
    if (!strcmp(section, "suite")) {
        if (!strcmp(key, "name")) {
            if (!*value || strlen(value) >= SUITE_NAME) return WHY("[suite] name: empty or too long");
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
    const char *dot = strchr(section, '.');
    if (!dot || !dot[1] || strlen(dot + 1) >= SUITE_NAME)
        return WHY("[%s]: sections are [suite], [model.NAME] and [task.NAME]", section);
    if (!strncmp(section, "model.", 6)) {
        if (new_section) { /* repeated headers were refused before parsing */
            if (s->n_models == SUITE_MAX_MODELS) return WHY("[%s]: more than %d models", section, SUITE_MAX_MODELS);
            SuiteModel *m = &s->models[s->n_models++];
            memset(m, 0, sizeof *m);
            snprintf(m->name, sizeof m->name, "%s", dot + 1);
        }
        return model_key(ctx, &s->models[s->n_models - 1], key, value);
    }
    if (!strncmp(section, "task.", 5)) {
        if (new_section) {
            if (s->n_tasks == SUITE_MAX_TASKS) return WHY("[%s]: more than %d tasks", section, SUITE_MAX_TASKS);
            SuiteTask *t = &s->tasks[s->n_tasks++];
            memset(t, 0, sizeof *t);
            t->family = (TaskFamily)-1;
            snprintf(t->name, sizeof t->name, "%s", dot + 1);
        }
        return task_key(ctx, &s->tasks[s->n_tasks - 1], key, value);
    }
    return WHY("[%s]: sections are [suite], [model.NAME] and [task.NAME]", section);
}

/* What a whole section needs, checked once the file is read. */
static int check_complete(const Suite *s, char *why, size_t len)
{
    if (!s->name[0]) return snprintf(why, len, "[suite] name: missing"), -1;
    for (int i = 0; i < s->n_models; i++) {
        const SuiteModel *m = &s->models[i];
        if (!m->checkpoint[0] == !m->forecaster[0])
            return snprintf(why, len, "[model.%s]: needs exactly one of checkpoint, forecaster", m->name), -1;
    }
    if (s->n_tasks == 0) return snprintf(why, len, "no [task.NAME] section"), -1;
    for (int i = 0; i < s->n_tasks; i++) {
        const SuiteTask *t = &s->tasks[i];
        if ((int)t->family < 0) return snprintf(why, len, "[task.%s] family: missing", t->name), -1;
        if (t->n_variants == 0) return snprintf(why, len, "[task.%s] variants: missing", t->name), -1;
        if (t->n_models == 0 && !t->all_models) return snprintf(why, len, "[task.%s] models: missing", t->name), -1;
        int needs_lengths = t->family != FAMILY_GENOMICS;
        if (needs_lengths && t->n_lengths == 0) return snprintf(why, len, "[task.%s] lengths: missing", t->name), -1;
        if (!needs_lengths && t->n_lengths) return snprintf(why, len, "[task.%s] lengths: genomics sequences have their own length", t->name), -1;
        if (t->n_depths && t->family != FAMILY_SNIAH) return snprintf(why, len, "[task.%s] depths: only for sniah", t->name), -1;
        if (t->samples == 0 && (t->family == FAMILY_SNIAH || t->family == FAMILY_BABILONG))
            return snprintf(why, len, "[task.%s] samples: missing (generated tasks need a count)", t->name), -1;
    }
    return 0;
}

/* inih reports keys, not section headers, so a header repeated right after its twin would merge
 * into it unseen: find repeated headers first. Returns the line of the repeat, or 0. */
static int repeated_section(const char *text, char *name, size_t cap)
{
    char seen[SUITE_MAX_MODELS + SUITE_MAX_TASKS + 1][128];
    int n = 0, line = 0;
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        line++;
        while (*p == ' ' || *p == '\t') p++;
        const char *close = strchr(p, ']'), *eol = strchr(p, '\n');
        if (*p != '[' || !close || (eol && close > eol) || close - p - 1 >= 128) continue;
        char hdr[128];
        snprintf(hdr, sizeof hdr, "%.*s", (int)(close - p - 1), p + 1);
        for (int i = 0; i < n; i++)
            if (!strcmp(seen[i], hdr)) return snprintf(name, cap, "%s", hdr), line;
        if (n < (int)(sizeof seen / sizeof seen[0])) snprintf(seen[n++], sizeof seen[0], "%s", hdr);
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
    Ctx ctx = {.s = s};
    const char *slash = strrchr(source, '/');
    if (slash) snprintf(ctx.dir, sizeof ctx.dir, "%.*s", (int)(slash - source), source);
    int line = long_line(text);
    if (line) {
        data_error(err, "%s:%d: longer than %d characters: go on with the list on indented lines",
                   source, line, SUITE_MAX_LINE);
        return -1;
    }
    char dup[128];
    line = repeated_section(text, dup, sizeof dup);
    if (line) {
        data_error(err, "%s:%d: [%s]: a second section of that name", source, line, dup);
        return -1;
    }
    line = ini_parse_string(text, handler, &ctx);
    if (line != 0) {
        data_error(err, "%s:%d: %s", source, line, ctx.why[0] ? ctx.why : "not INI syntax");
        return -1;
    }
    char why[512];
    if (check_complete(s, why, sizeof why) != 0) {
        data_error(err, "%s: %s", source, why);
        return -1;
    }
    for (int i = 0; i < s->n_models; i++)
        if (!s->models[i].column[0]) snprintf(s->models[i].column, sizeof s->models[i].column, "%s", s->models[i].name);
    s->text = strdup(text);
    if (!s->text) {
        data_error(err, "%s: out of memory", source);
        return -1;
    }
    s->hash = XXH3_64bits(text, strlen(text));
    return 0;
}

int suite_load(const char *path, Suite *s, DataError *err)
{
    size_t len;
    char *text = data_read_file(path, &len, err);
    if (!text) return -1;
    int rc = suite_parse(text, path, s, err);
    free(text);
    return rc;
}

int suite_skip_data_tasks(Suite *s, char *skipped, size_t len)
{
    int kept = 0, dropped = 0;
    size_t k = 0;
    if (len) skipped[0] = 0;
    for (int i = 0; i < s->n_tasks; i++) {
        if (!s->tasks[i].skip_without_data) {
            if (kept != i) s->tasks[kept] = s->tasks[i];
            kept++;
            continue;
        }
        if (k < len) k += (size_t)snprintf(skipped + k, len - k, "%s%s", dropped ? ", " : "", s->tasks[i].name);
        dropped++;
    }
    s->n_tasks = kept;
    return dropped;
}

void suite_free(Suite *s)
{
    free(s->text);
    s->text = NULL;
}
