#include "select.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void select_suite_path(const char *arg, const char *evals_dir, char *path, size_t len)
{
    struct stat st;
    if (stat(arg, &st) == 0 || strchr(arg, '/') || strstr(arg, ".ini")) snprintf(path, len, "%s", arg);
    else snprintf(path, len, "%s/%s.ini", evals_dir, arg);
}

/* ---- -O section.key=value ------------------------------------------------------------------ */

typedef struct {
    char *buf;
    size_t n, cap;
} Buf;

static int put(Buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = 2 * (b->n + n + 1);
        char *nb = realloc(b->buf, cap);
        if (!nb) return -1;
        b->buf = nb, b->cap = cap;
    }
    memcpy(b->buf + b->n, s, n);
    b->n += n;
    b->buf[b->n] = 0;
    return 0;
}

/* "[name]" line -> name in out; 1 if the line is a section header. */
static int header(const char *line, size_t n, char *out, size_t len)
{
    while (n && (*line == ' ' || *line == '\t')) line++, n--;
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r')) n--;
    if (n < 2 || line[0] != '[' || line[n - 1] != ']') return 0;
    snprintf(out, len, "%.*s", (int)(n - 2), line + 1);
    return 1;
}

/* Whether line sets key ("key = ..." or "key: ..."). */
static int sets_key(const char *line, size_t n, const char *key)
{
    size_t k = strlen(key);
    if (n <= k || strncmp(line, key, k)) return 0;
    for (size_t i = k; i < n; i++) {
        if (line[i] == '=' || line[i] == ':') return 1;
        if (line[i] != ' ' && line[i] != '\t') return 0;
    }
    return 0;
}

/* One override on text: the key's line (and its indented continuation lines) replaced, or the key
 * added right after its section's header. */
static char *override_one(const char *text, const char *section, const char *key, const char *value, DataError *err)
{
    Buf b = {0};
    char cur[256] = "", line_kv[1200];
    int in = 0, done = 0, skipping = 0, found_section = 0, oom = 0;
    snprintf(line_kv, sizeof line_kv, "%s = %s\n", key, value);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p), whole = n + (nl != NULL);
        int cont = n && (p[0] == ' ' || p[0] == '\t'); /* libinih's continuation line */
        if (skipping && cont) {
            p += whole;
            continue;
        }
        skipping = 0;
        if (header(p, n, cur, sizeof cur)) {
            in = !strcmp(cur, section);
            oom |= put(&b, p, whole);
            found_section |= in;
        } else if (in && !done && sets_key(p, n, key)) {
            oom |= put(&b, line_kv, strlen(line_kv));
            done = skipping = 1;
        } else {
            oom |= put(&b, p, whole);
        }
        p += whole;
    }
    if (!oom && found_section && !done) { /* add the key after the header, in a second pass */
        free(b.buf);
        b = (Buf){0};
        for (const char *p = text; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p), whole = n + (nl != NULL);
            oom |= put(&b, p, whole);
            if (!done && header(p, n, cur, sizeof cur) && !strcmp(cur, section)) {
                if (!nl) oom |= put(&b, "\n", 1);
                oom |= put(&b, line_kv, strlen(line_kv));
                done = 1;
            }
            p += whole;
        }
    }
    if (oom || !found_section) {
        free(b.buf);
        if (oom) data_error(err, "-O %s.%s: out of memory", section, key);
        else data_error(err, "-O %s.%s=%s: the suite has no section [%s]", section, key, value, section);
        return NULL;
    }
    return b.buf;
}

char *select_override(const char *text, size_t n, const char *overrides, size_t *len, DataError *err)
{
    char *cur = malloc(n + 1);
    if (!cur) return data_error(err, "out of memory for the suite text"), NULL;
    memcpy(cur, text, n);
    cur[n] = 0;
    *len = n;
    if (memchr(text, 0, n)) return cur; /* the parser names the NUL byte's line */
    for (const char *p = overrides; cur && *p;) {
        const char *nl = strchr(p, '\n');
        size_t k = nl ? (size_t)(nl - p) : strlen(p);
        char item[1100], *eq, *dot;
        snprintf(item, sizeof item, "%.*s", (int)k, p);
        p += k + (nl != NULL);
        if (!(eq = strchr(item, '=')) || (*eq = 0, !(dot = strrchr(item, '.'))) || dot == item || !dot[1]) {
            if (eq) *eq = '=';
            data_error(err, "-O '%s': expected SECTION.KEY=VALUE, e.g. task.niah.samples=5", item);
            free(cur);
            return NULL;
        }
        *dot = 0;
        char *next = override_one(cur, item, dot + 1, eq + 1, err);
        free(cur);
        cur = next;
    }
    if (cur && *overrides) *len = strlen(cur);
    return cur;
}

/* ---- -t, -M, -S, -c -------------------------------------------------------------------------- */

/* Whether name matches one of the comma-separated globs. */
static int matches(const char *globs, const char *name)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", globs);
    for (char *save = NULL, *g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
        while (*g == ' ') g++;
        if (!fnmatch(g, name, 0)) return 1;
    }
    return 0;
}

/* Every glob of the list matches some name: a typo is an error, not an empty run. */
static int every_glob_used(const char *opt, const char *globs, const char *names, size_t stride, int n,
                           DataError *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", globs);
    for (char *save = NULL, *g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
        while (*g == ' ') g++;
        int hit = 0;
        for (int i = 0; i < n && !hit; i++) hit = !fnmatch(g, names + (size_t)i * stride, 0);
        if (!hit) {
            char all[600] = "";
            for (int i = 0; i < n && strlen(all) < 500; i++)
                snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? ", " : "", names + (size_t)i * stride);
            return data_error(err, "%s '%s': matches nothing in the suite (it has: %s)", opt, g, all), -1;
        }
    }
    return 0;
}

/* -c: the given checkpoints become the suite's models, and every task runs those that fit. */
static int use_checkpoints(Suite *s, const char *list, DataError *err)
{
    s->n_models = 0;
    for (const char *p = list; *p;) {
        const char *nl = strchr(p, '\n');
        size_t k = nl ? (size_t)(nl - p) : strlen(p);
        char item[1100], name[SUITE_NAME], why[160];
        snprintf(item, sizeof item, "%.*s", (int)k, p);
        p += k + (nl != NULL);
        char *eq = strchr(item, '='), *file = eq ? eq + 1 : item;
        if (eq) snprintf(name, sizeof name, "%.*s", (int)(eq - item), item);
        else {
            const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
            size_t bn = strlen(base);
            if (bn > 3 && !strcmp(base + bn - 3, ".h5")) bn -= 3;
            snprintf(name, sizeof name, "%.*s", (int)bn, base);
        }
        const char *bad = suite_bad_name(name, why, sizeof why);
        if (bad) return data_error(err, "--checkpoint '%s': the model name '%s' %s (give NAME=FILE)", item, name, bad), -1;
        if (s->n_models == SUITE_MAX_MODELS) return data_error(err, "--checkpoint: more than %d", SUITE_MAX_MODELS), -1;
        if (strlen(file) >= sizeof s->models[0].checkpoint)
            return data_error(err, "--checkpoint '%.200s...': path longer than %zu bytes", file, sizeof s->models[0].checkpoint - 1), -1;
        for (int m = 0; m < s->n_models; m++)
            if (!strcmp(s->models[m].name, name))
                return data_error(err, "--checkpoint '%s': a second model named '%s' (give NAME=FILE)", item, name), -1;
        SuiteModel *m = &s->models[s->n_models++];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", name);
        snprintf(m->column, sizeof m->column, "%s", name);
        memcpy(m->checkpoint, file, strlen(file) + 1);
    }
    for (int t = 0; t < s->n_tasks; t++) s->tasks[t].all_models = 1, s->tasks[t].n_models = 0;
    return 0;
}

static void keep_tasks(Suite *s, const char *globs)
{
    int kept = 0;
    for (int t = 0; t < s->n_tasks; t++)
        if (matches(globs, s->tasks[t].name)) s->tasks[kept++] = s->tasks[t];
    s->n_tasks = kept;
}

int select_apply(Suite *s, const EvalOptions *o, DataError *err)
{
    if (o->checkpoints[0] && use_checkpoints(s, o->checkpoints, err) != 0) return -1;
    if (o->tasks[0]) {
        if (every_glob_used("--tasks", o->tasks, s->tasks[0].name, sizeof s->tasks[0], s->n_tasks, err) != 0) return -1;
        keep_tasks(s, o->tasks);
    }
    if (o->models[0]) {
        if (every_glob_used("--models", o->models, s->models[0].name, sizeof s->models[0], s->n_models, err) != 0)
            return -1;
        for (int m = 0; m < s->n_models; m++) s->models[m].excluded = !matches(o->models, s->models[m].name);
    }
    for (int t = 0; o->samples && t < s->n_tasks; t++)
        if (!s->tasks[t].samples || s->tasks[t].samples > o->samples) s->tasks[t].samples = o->samples;
    return 0;
}

int select_narrows_models(const EvalOptions *o) { return o->checkpoints[0] || o->models[0]; }
