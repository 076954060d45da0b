#include "identity.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "titans.h"

static uint64_t hash_words(const uint64_t *w, size_t n)
{
    return XXH3_64bits(w, n * sizeof *w);
}

uint64_t identity_plan_hash(const UnitList *units)
{
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    for (int64_t i = 0; i < units->n; i++) {
        const Unit *u = &units->v[i];
        int64_t key[6] = {u->id, u->task, u->model, u->variant, u->length, u->sample};
        XXH3_64bits_update(st, key, sizeof key);
        XXH3_64bits_update(st, &u->depth, sizeof u->depth);
        /* only when set: plans without a reserve keep their hash, and a journal written before
         * `reserve = auto` was the default is not taken for one with it */
        if (u->reserve) XXH3_64bits_update(st, &u->reserve, sizeof u->reserve);
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

uint64_t identity_of_unit(const Identity *id, const Unit *u)
{
    uint64_t kernels = XXH3_64bits(id->kernels, strnlen(id->kernels, sizeof id->kernels));
    uint64_t w[8] = {id->suite, id->plan, id->data, id->options, id->engine, kernels,
                     id->checkpoint[u->model], (uint64_t)u->id};
    return hash_words(w, 8);
}

/* ---- the data files read while planning ---------------------------------------------------- */

typedef struct {
    char *path;
    uint64_t size, hash;
} Input;

static struct {
    Input *v;
    size_t n, cap;
    int oom;        /* an entry could not be kept: the hash says so */
    char root[1024]; /* the data folder: a path is kept relative to it */
} inputs;

static void note_input(const char *path, const void *bytes, size_t len)
{
    size_t r = strlen(inputs.root);
    if (r && !strncmp(path, inputs.root, r) && path[r] == '/')
        for (path += r; *path == '/';) path++;
    for (size_t i = 0; i < inputs.n; i++)
        if (!strcmp(inputs.v[i].path, path)) { /* read again: the last read counts */
            inputs.v[i].size = len;
            inputs.v[i].hash = XXH3_64bits(bytes, len);
            return;
        }
    if (inputs.n == inputs.cap) {
        size_t cap = inputs.cap ? 2 * inputs.cap : 64;
        Input *v = realloc(inputs.v, cap * sizeof *v);
        if (!v) {
            inputs.oom = 1;
            return;
        }
        inputs.v = v, inputs.cap = cap;
    }
    char *p = strdup(path);
    if (!p) {
        inputs.oom = 1;
        return;
    }
    inputs.v[inputs.n++] = (Input){p, len, XXH3_64bits(bytes, len)};
}

void identity_inputs_start(const char *data_dir)
{
    snprintf(inputs.root, sizeof inputs.root, "%s", data_dir ? data_dir : "");
    size_t r = strlen(inputs.root);
    while (r > 1 && inputs.root[r - 1] == '/') inputs.root[--r] = 0;
    data_set_input_hook(note_input);
}
void identity_inputs_stop(void) { data_set_input_hook(NULL); }

static int by_path(const void *a, const void *b)
{
    return strcmp(((const Input *)a)->path, ((const Input *)b)->path);
}

uint64_t identity_inputs_hash(void)
{
    if (inputs.n) qsort(inputs.v, inputs.n, sizeof *inputs.v, by_path);
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, &inputs.oom, sizeof inputs.oom);
    for (size_t i = 0; i < inputs.n; i++) {
        XXH3_64bits_update(st, inputs.v[i].path, strlen(inputs.v[i].path) + 1);
        XXH3_64bits_update(st, &inputs.v[i].size, sizeof inputs.v[i].size);
        XXH3_64bits_update(st, &inputs.v[i].hash, sizeof inputs.v[i].hash);
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

void identity_inputs_free(void)
{
    for (size_t i = 0; i < inputs.n; i++) free(inputs.v[i].path);
    free(inputs.v);
    memset(&inputs, 0, sizeof inputs);
}

/* ---- the readable description ---------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t n, cap;
} Text;

static void add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(Text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = t->buf ? vsnprintf(t->buf + t->n, t->cap - t->n, fmt, ap) : -1;
        va_end(ap);
        if (k >= 0 && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        size_t cap = t->cap ? 2 * t->cap : 4096;
        char *b = realloc(t->buf, cap);
        if (!b) return; /* a shorter description; the hashes are unaffected */
        t->buf = b, t->cap = cap;
    }
}

/* "name = value" lines as "option<TAB>name<TAB>value" lines */
static void option_lines(Text *t, const char *options)
{
    for (const char *p = options; p && *p;) {
        const char *nl = strchr(p, '\n'), *eq = strstr(p, " = ");
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (eq && eq < p + n) add(t, "option\t%.*s\t%.*s\n", (int)(eq - p), p, (int)(p + n - eq - 3), eq + 3);
        p += n + (nl != NULL);
    }
}

char *identity_describe(const Identity *id, const Suite *s, const char *options, const char *selection)
{
    Text t = {0};
    add(&t, "suite\tname\t%s\n", s->name);
    add(&t, "suite\ttext\txxh3 %016llx\n", (unsigned long long)id->suite);
    add(&t, "plan\tunits\txxh3 %016llx\n", (unsigned long long)id->plan);
    add(&t, "engine\tnumerics version\t%llu\n", (unsigned long long)id->engine);
    add(&t, "engine\tkernels\t%.*s\n", (int)sizeof id->kernels, id->kernels);
    option_lines(&t, options);
    option_lines(&t, selection);
    for (int m = 0; m < s->n_models; m++)
        if (s->models[m].checkpoint[0])
            add(&t, "checkpoint\t%s\txxh3 %016llx of %s\n", s->models[m].name,
                (unsigned long long)id->checkpoint[m], s->models[m].checkpoint);
    for (size_t i = 0; i < inputs.n; i++)
        add(&t, "data\t%s\t%llu bytes, xxh3 %016llx\n", inputs.v[i].path,
            (unsigned long long)inputs.v[i].size, (unsigned long long)inputs.v[i].hash);
    return t.buf;
}

/* The value of the line "kind<TAB>name<TAB>" in desc, or NULL; *n its length. */
static const char *value_of(const char *desc, const char *key, size_t key_len, size_t *n)
{
    for (const char *p = desc; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= key_len && !strncmp(p, key, key_len)) {
            *n = len - key_len;
            return p + key_len;
        }
        p += len + (nl != NULL);
    }
    return NULL;
}

/* Appends "kind name: old -> new" for each line of a whose value differs in b (or is absent). */
static void diff_one_way(const char *a, const char *b, int a_is_old, char *buf, size_t len, size_t *k)
{
    for (const char *p = a; p && *p && *k < len;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *tab1 = memchr(p, '\t', n), *tab2 = tab1 ? memchr(tab1 + 1, '\t', (size_t)(p + n - tab1 - 1)) : NULL;
        if (tab2) {
            size_t key_len = (size_t)(tab2 - p) + 1, vn = 0;
            const char *v = value_of(b, p, key_len, &vn);
            size_t an = n - key_len;
            if (!v || vn != an || strncmp(v, tab2 + 1, an)) {
                if (!a_is_old && v) { /* reported from the other side already */
                } else {
                    const char *old = a_is_old ? tab2 + 1 : "(none)", *now = a_is_old ? (v ? v : "(none)") : tab2 + 1;
                    int on = a_is_old ? (int)an : 6, nn = a_is_old ? (v ? (int)vn : 6) : (int)an;
                    *k += (size_t)snprintf(buf + *k, len - *k, "%s%.*s %.*s: %.*s -> %.*s", *k ? "; " : "",
                                           (int)(tab1 - p), p, (int)(tab2 - tab1 - 1), tab1 + 1, on, old, nn, now);
                }
            }
        }
        p += n + (nl != NULL);
    }
}

void identity_diff(const char *old, const char *now, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    diff_one_way(old, now, 1, buf, len, &k);
    diff_one_way(now, old, 0, buf, len, &k);
    if (k >= len && len > 4) strcpy(buf + len - 4, "...");
}

void identity_suite_name(const char *desc, char *name, size_t len)
{
    static const char key[] = "suite\tname\t";
    size_t n = 0;
    const char *v = value_of(desc, key, sizeof key - 1, &n);
    snprintf(name, len, "%.*s", v ? (int)n : 0, v ? v : "");
}
