#include "optable.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OPTABLE_MAX 64 /* options in a table */

static int say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int store_count(const OptSpec *o, char *field, const char *value, char *err, size_t len)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (end == value || *end || errno || v < 0)
        return say(err, len, "--%s: '%s' is not a count (0 .. 2^63-1)", o->name, value);
    *(int64_t *)field = v;
    return 0;
}

/* A text replaces the field; a list's values are kept one a line. */
static int store_text(const OptSpec *o, char *field, const char *value, char *err, size_t len)
{
    size_t n = strlen(value), used = o->kind == OPT_LIST ? strlen(field) : 0;
    if (strchr(value, '\n')) return say(err, len, "--%s: holds a newline", o->name);
    if (o->kind == OPT_LIST && used + n + 2 > o->size)
        return say(err, len, "--%s: longer than %zu bytes in all", o->name, o->size - 2);
    if (n >= o->size) return say(err, len, "--%s: longer than %zu bytes", o->name, o->size - 1);
    if (used) field[used++] = '\n';
    memcpy(field + used, value, n + 1);
    return 0;
}

int optable_store(const OptSpec *o, void *base, const char *value, char *err, size_t len)
{
    char *field = (char *)base + o->offset;
    if (o->kind == OPT_COUNT) return store_count(o, field, value, err, len);
    if (o->kind == OPT_TEXT || o->kind == OPT_LIST) return store_text(o, field, value, err, len);
    *(int *)field = 1;
    return 0;
}

/* getopt_long's tables; a missing value is reported as ':'. */
static void getopt_tables(const OptTable *t, struct option *longs, char *shorts)
{
    char *p = shorts;
    *p++ = ':';
    for (size_t i = 0; i < t->n; i++) {
        const OptSpec *o = &t->v[i];
        longs[i] = (struct option){o->name, o->kind == OPT_FLAG ? no_argument : required_argument, NULL, o->key};
        *p++ = (char)o->key;
        if (o->kind != OPT_FLAG) *p++ = ':';
    }
    *p = 0;
    longs[t->n] = (struct option){0, 0, 0, 0};
}

static size_t find_key(const OptTable *t, int key)
{
    size_t i = 0;
    while (i < t->n && t->v[i].key != key) i++;
    return i;
}

int optable_parse(const OptTable *t, int argc, char **argv, void *base, int *given, int once, char *err,
                  size_t len)
{
    struct option longs[OPTABLE_MAX + 1];
    char shorts[2 * OPTABLE_MAX + 2];
    int seen[OPTABLE_MAX] = {0};
    if (t->n > OPTABLE_MAX) return say(err, len, "more than %d options in the table", OPTABLE_MAX);
    getopt_tables(t, longs, shorts);
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1;) {
        if (c == ':') return say(err, len, "%s: missing value", argv[optind - 1]);
        size_t i = find_key(t, c);
        if (i == t->n) return say(err, len, "unknown option %s", argv[optind - 1]);
        const OptSpec *o = &t->v[i];
        if (seen[i]++ && once && (o->kind == OPT_TEXT || o->kind == OPT_COUNT))
            return say(err, len, "--%s given twice", o->name);
        if (optable_store(o, base, optarg ? optarg : "", err, len) != 0) return -1;
    }
    if (given) memcpy(given, seen, t->n * sizeof *given);
    return optind;
}

/* text, after a space, in lines of at most wrap characters broken at spaces (0: one line); the
 * lines after the first indented by indent. */
static void print_wrapped(FILE *out, const char *text, int wrap, int indent)
{
    for (const char *w = text; *w;) {
        size_t n = strlen(w);
        if (wrap > 0 && n > (size_t)wrap) {
            n = (size_t)wrap;
            while (n > 0 && w[n] != ' ') n--;
            if (n == 0) n = strcspn(w, " ");
        }
        fprintf(out, " %.*s\n", (int)n, w);
        w += n;
        while (*w == ' ') w++;
        if (*w) fprintf(out, "%*s", indent, "");
    }
}

void optable_help(FILE *out, const OptTable *t)
{
    const char *group = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const OptSpec *o = &t->v[i];
        char left[64], note[256] = "", text[1024];
        if (o->group && (!group || strcmp(group, o->group))) fprintf(out, "\n%s:\n", group = o->group);
        snprintf(left, sizeof left, "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        if (t->note) t->note(o, note, sizeof note);
        else if (o->def) snprintf(note, sizeof note, " (default: %s)", o->def);
        snprintf(text, sizeof text, "%s%s", o->help, note);
        fprintf(out, "  %-*s", t->width, left);
        print_wrapped(out, text, t->wrap, t->width + 2);
    }
}

/* Appends to buf[len] at *k, cut short at its end. */
static void put(char *buf, size_t len, size_t *k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *k, const char *fmt, ...)
{
    if (*k + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *k, len - *k, fmt, ap);
    va_end(ap);
    if (n > 0) *k += (size_t)n < len - *k ? (size_t)n : len - *k - 1;
}

/* A value's lines joined by ", ". */
static void put_lines(char *buf, size_t len, size_t *k, const char *v)
{
    while (*v) {
        size_t n = strcspn(v, "\n");
        put(buf, len, k, "%.*s%s", (int)n, v, v[n] ? ", " : "");
        v += n + (v[n] != 0);
    }
}

void optable_echo(const OptTable *t, const void *base, int (*keep)(const OptSpec *o, unsigned arg), unsigned arg,
                  char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        const OptSpec *o = &t->v[i];
        const char *field = (const char *)base + o->offset;
        if (keep && !keep(o, arg)) continue;
        put(buf, len, &k, "%s = ", o->name);
        if (o->kind == OPT_COUNT) put(buf, len, &k, "%lld", (long long)*(const int64_t *)field);
        else if (o->kind == OPT_FLAG) put(buf, len, &k, "%s", *(const int *)field ? "yes" : "no");
        else put_lines(buf, len, &k, field);
        put(buf, len, &k, "\n");
    }
}
