#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_TEXT, OPT_COUNT, OPT_FLAG } OptKind;

typedef struct {
    const char *name;
    int key;
    OptKind kind;
    const char *arg, *help;
    size_t offset, size; /* of the field in EvalOptions */
    int identity;        /* changes a unit's record: part of the resume identity (identity.h) */
} Option;

#define FIELD(f) offsetof(EvalOptions, f), sizeof(((EvalOptions *)0)->f)

static const Option OPTIONS[] = {
    {"suite", 's', OPT_TEXT, "FILE", "suite to run (default: evals/quick.ini)", FIELD(suite), 0},
    {"data-dir", 'd', OPT_TEXT, "DIR", "datasets folder (default: $TITANS_DATA; none: built-in data only)", FIELD(data_dir), 0},
    {"out", 'o', OPT_TEXT, "DIR", "output folder (default: results/<suite name>)", FIELD(out), 0},
    {"memory-path", 'm', OPT_TEXT, "PATH", "memory update: chunked (default) or sequential", FIELD(memory_path), 1},
    {"limit", 'l', OPT_COUNT, "N", "run at most N units (0 = all): a smoke run", FIELD(limit), 0},
    {"log-samples", 'S', OPT_COUNT, "BYTES",
     "store each unit's prompt in results.h5 up to BYTES bytes (longer: its xxh3); 0 = none",
     FIELD(log_samples), 0},
    {"restart", 'R', OPT_FLAG, NULL, "discard the records of earlier attempts in the output folder", FIELD(restart), 0},
    {"dry-run", 'n', OPT_FLAG, NULL, "print the plan and each rank's share, run nothing", FIELD(dry_run), 0},
    {"help", 'h', OPT_FLAG, NULL, "this text", FIELD(help), 0},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

void options_usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np N titans-eval [options]\n"
                 "Evaluates the checkpoints of a suite over its tasks, one share of the units per rank.\n\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char left[64];
        snprintf(left, sizeof left, "-%c, --%s%s%s", OPTIONS[i].key, OPTIONS[i].name,
                 OPTIONS[i].arg ? " " : "", OPTIONS[i].arg ? OPTIONS[i].arg : "");
        fprintf(out, "  %-28s %s\n", left, OPTIONS[i].help);
    }
}

int options_parse(int argc, char **argv, EvalOptions *o, const char *default_suite, char *err, size_t len)
{
    memset(o, 0, sizeof *o);
    snprintf(o->suite, sizeof o->suite, "%s", default_suite);
    snprintf(o->memory_path, sizeof o->memory_path, "chunked");
    const char *env = getenv("TITANS_DATA");
    if (env) snprintf(o->data_dir, sizeof o->data_dir, "%s", env);

    struct option longs[N_OPTIONS + 1];
    char shorts[2 * N_OPTIONS + 1], *p = shorts;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        longs[i] = (struct option){OPTIONS[i].name, OPTIONS[i].kind == OPT_FLAG ? no_argument : required_argument, NULL, OPTIONS[i].key};
        *p++ = (char)OPTIONS[i].key;
        if (OPTIONS[i].kind != OPT_FLAG) *p++ = ':';
    }
    *p = 0;
    longs[N_OPTIONS] = (struct option){0, 0, 0, 0};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1;) {
        const Option *opt = NULL;
        for (size_t i = 0; i < N_OPTIONS; i++)
            if (OPTIONS[i].key == c) opt = &OPTIONS[i];
        if (!opt) {
            snprintf(err, len, "unknown option or missing value: %s (see --help)", argv[optind - 1]);
            return -1;
        }
        char *field = (char *)o + opt->offset;
        if (opt->kind == OPT_FLAG) {
            *(int *)field = 1;
        } else if (opt->kind == OPT_TEXT) {
            if (strlen(optarg) >= opt->size) {
                snprintf(err, len, "--%s: longer than %zu bytes", opt->name, opt->size - 1);
                return -1;
            }
            memcpy(field, optarg, strlen(optarg) + 1);
        } else {
            char *end;
            errno = 0;
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 0) {
                snprintf(err, len, "--%s: '%s' is not a count", opt->name, optarg);
                return -1;
            }
            *(int64_t *)field = v;
        }
    }
    if (optind < argc) {
        snprintf(err, len, "unexpected argument '%s' (see --help)", argv[optind]);
        return -1;
    }
    if (strcmp(o->memory_path, "chunked") && strcmp(o->memory_path, "sequential")) {
        snprintf(err, len, "--memory-path: '%s' is not chunked or sequential", o->memory_path);
        return -1;
    }
    return o->help ? 1 : 0;
}

static void echo(const EvalOptions *o, int identity_only, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < N_OPTIONS && k < len; i++) {
        if (identity_only && !OPTIONS[i].identity) continue;
        const char *field = (const char *)o + OPTIONS[i].offset;
        if (OPTIONS[i].kind == OPT_TEXT)
            k += (size_t)snprintf(buf + k, len - k, "%s = %s\n", OPTIONS[i].name, field);
        else if (OPTIONS[i].kind == OPT_COUNT)
            k += (size_t)snprintf(buf + k, len - k, "%s = %lld\n", OPTIONS[i].name, (long long)*(const int64_t *)field);
        else
            k += (size_t)snprintf(buf + k, len - k, "%s = %s\n", OPTIONS[i].name, *(const int *)field ? "yes" : "no");
    }
}

void options_echo(const EvalOptions *o, char *buf, size_t len) { echo(o, 0, buf, len); }
void options_identity(const EvalOptions *o, char *buf, size_t len) { echo(o, 1, buf, len); }
