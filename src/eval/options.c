#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_TEXT, OPT_LIST, OPT_COUNT, OPT_FLAG } OptKind;

typedef struct {
    const char *group;   /* --help's heading */
    const char *name;
    int key;
    OptKind kind;
    const char *arg, *def, *help; /* def: the default as --help shows it (NULL: none) */
    size_t offset, size; /* of the field in EvalOptions */
    int identity;        /* 1: changes a unit's record (the resume identity hashes it); 2: selects
                          * units (the plan's hash has its effect; named when records are not reused) */
} Option;

#define FIELD(f) offsetof(EvalOptions, f), sizeof(((EvalOptions *)0)->f)
#define SELECT "Selecting what runs"
#define DATA "Data and numerics"
#define OUTPUT "Output and resume"
#define INFO "Information"

static const Option OPTIONS[] = {
    {SELECT, "suite", 's', OPT_TEXT, "NAME|FILE", "quick", "a suite of evals/ by name, or a suite file", FIELD(suite), 0},
    {SELECT, "tasks", 't', OPT_TEXT, "LIST", "all", "only these tasks: names or globs, comma-separated", FIELD(tasks), 2},
    {SELECT, "models", 'M', OPT_TEXT, "LIST", "all", "only these models: names or globs, comma-separated", FIELD(models), 2},
    {SELECT, "checkpoint", 'c', OPT_LIST, "[NAME=]FILE", NULL, "evaluate this checkpoint instead of the suite's models (repeatable; NAME defaults to the file's name)", FIELD(checkpoints), 2},
    {SELECT, "samples", 'S', OPT_COUNT, "N", "the suite's", "at most N samples (windows, sequences) per cell", FIELD(samples), 2},
    {SELECT, "override", 'O', OPT_LIST, "SECTION.KEY=VALUE", NULL, "set a key of the suite, e.g. -O task.niah.lengths=4k (repeatable)", FIELD(overrides), 2},
    {SELECT, "limit", 'l', OPT_COUNT, "N", "all", "run only the first N units of the plan: a smoke run", FIELD(limit), 2},
    {DATA, "data-dir", 'd', OPT_TEXT, "DIR", "$TITANS_DATA", "datasets folder (none: built-in data only)", FIELD(data_dir), 0},
    {DATA, "memory-path", 'm', OPT_TEXT, "PATH", "chunked", "memory update: chunked or sequential (the token loop)", FIELD(memory_path), 1},
    {OUTPUT, "out", 'o', OPT_TEXT, "DIR", "runs/<suite name>", "output folder (results/ only when asked)", FIELD(out), 0},
    {OUTPUT, "restart", 'R', OPT_FLAG, NULL, NULL, "discard the records of earlier attempts in the output folder", FIELD(restart), 0},
    {OUTPUT, "log-samples", 'G', OPT_COUNT, "BYTES", "0 (none)", "store each unit's prompt in results.h5 up to BYTES bytes (longer: its length, xxh3 and the command that stores it whole)", FIELD(log_samples), 0},
    {OUTPUT, "save-interval", 'I', OPT_COUNT, "SECONDS", "300", "a unit running longer saves its state this often, so a killed run resumes it mid-sample (0: after every 64K tokens)", FIELD(save_interval), 0},
    {OUTPUT, "progress", 'P', OPT_TEXT, "MODE", "bar on a terminal, else lines", "bar, lines (one every 30 s) or none", FIELD(progress), 0},
    {INFO, "list", 'L', OPT_FLAG, NULL, NULL, "list the families, the suites, and the suite's models and tasks", FIELD(list), 0},
    {INFO, "dry-run", 'n', OPT_FLAG, NULL, NULL, "print the plan and each rank's share, run nothing", FIELD(dry_run), 0},
    {INFO, "ranks", 'r', OPT_TEXT, "LIST", NULL, "with --dry-run: the schedule at these rank counts (e.g. 64,256,1024) against its lower bound", FIELD(ranks), 0},
    {INFO, "version", 'V', OPT_FLAG, NULL, NULL, "the version and the commit it was built from", FIELD(version), 0},
    {INFO, "help", 'h', OPT_FLAG, NULL, NULL, "this text", FIELD(help), 0},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

void options_usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np N titans-eval [options]\n"
                 "Evaluates the checkpoints of a suite over its tasks, one share of the units per rank.\n");
    const char *group = "";
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const Option *opt = &OPTIONS[i];
        if (strcmp(group, opt->group)) fprintf(out, "\n%s:\n", group = opt->group);
        char left[64];
        snprintf(left, sizeof left, "-%c, --%s%s%s", opt->key, opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "");
        fprintf(out, "  %-34s %s", left, opt->help);
        if (opt->def) fprintf(out, " (default: %s)", opt->def);
        fputc('\n', out);
    }
    fprintf(out, "\nExamples:\n"
                 "  mpirun -np 2 titans-eval                                  the default suite (quick)\n"
                 "  titans-eval --list                                        families, suites, the default suite's tasks\n"
                 "  mpirun -np 8 titans-eval -s sniah -d ../shared/datasets   a suite of evals/ by name\n"
                 "  mpirun -np 4 titans-eval -s sniah -t 'grid*' -M 'mac,mag' -S 5\n"
                 "                                                            some tasks and models, 5 samples a cell\n"
                 "  mpirun -np 4 titans-eval -s babilong -c mine=ckpt/mine.h5  your checkpoint on a suite's tasks\n"
                 "  mpirun -np 4 titans-eval -s sniah -O task.sniah.lengths=4k,8k -o results/sniah-short\n"
                 "A killed run resumes when the same command is run again; records made with other inputs\n"
                 "(checkpoint bytes, data, options) are not reused. See README.md and docs/harness-design.md.\n");
}

/* Stores optarg into the option's field. 0, or -1 with err. */
static int store(const Option *opt, EvalOptions *o, const char *arg, char *err, size_t len)
{
    char *field = (char *)o + opt->offset;
    size_t n = strlen(arg), used = opt->kind == OPT_LIST ? strlen(field) : 0;
    if (opt->kind == OPT_FLAG) {
        *(int *)field = 1;
    } else if (opt->kind == OPT_TEXT || opt->kind == OPT_LIST) {
        if (used + n + 2 > opt->size || strchr(arg, '\n')) {
            snprintf(err, len, "--%s: longer than %zu bytes in all, or holds a newline", opt->name, opt->size - 2);
            return -1;
        }
        if (used) field[used++] = '\n';
        memcpy(field + used, arg, n + 1);
    } else {
        char *end;
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        if (end == arg || *end || errno || v < 0) {
            snprintf(err, len, "--%s: '%s' is not a count (0 .. 2^63-1)", opt->name, arg);
            return -1;
        }
        *(int64_t *)field = v;
    }
    return 0;
}

static int check_values(const EvalOptions *o, char *err, size_t len)
{
    if (strcmp(o->memory_path, "chunked") && strcmp(o->memory_path, "sequential"))
        return snprintf(err, len, "--memory-path: '%s' is not chunked or sequential", o->memory_path), -1;
    if (o->ranks[0] && !o->dry_run) return snprintf(err, len, "--ranks needs --dry-run (it plans, it does not launch)"), -1;
    for (const char *p = o->ranks; *p; p++)
        if (!strchr("0123456789,", *p)) return snprintf(err, len, "--ranks: '%s' is not a comma-separated list of counts", o->ranks), -1;
    if (o->progress[0] && strcmp(o->progress, "bar") && strcmp(o->progress, "lines") && strcmp(o->progress, "none"))
        return snprintf(err, len, "--progress: '%s' is not bar, lines or none", o->progress), -1;
    return 0;
}

int options_parse(int argc, char **argv, EvalOptions *o, char *err, size_t len)
{
    memset(o, 0, sizeof *o);
    snprintf(o->suite, sizeof o->suite, "quick");
    snprintf(o->memory_path, sizeof o->memory_path, "chunked");
    o->save_interval = 300;
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
        if (!opt) return snprintf(err, len, "unknown option or missing value: %s (see --help)", argv[optind - 1]), -1;
        if (store(opt, o, optarg ? optarg : "", err, len) != 0) return -1;
    }
    if (optind < argc) return snprintf(err, len, "unexpected argument '%s' (see --help)", argv[optind]), -1;
    if (check_values(o, err, len) != 0) return -1;
    return o->help || o->version ? 1 : 0;
}

static void echo(const EvalOptions *o, int which, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < N_OPTIONS && k < len; i++) {
        const Option *opt = &OPTIONS[i];
        if (which && opt->identity != which) continue;
        const char *field = (const char *)o + opt->offset;
        if (opt->kind == OPT_TEXT || opt->kind == OPT_LIST) {
            k += (size_t)snprintf(buf + k, len - k, "%s = ", opt->name);
            for (const char *c = field; *c && k + 2 < len; c++) /* a list's lines joined by ", " */
                k += *c == '\n' ? (size_t)snprintf(buf + k, len - k, ", ") : (buf[k] = *c, 1);
            k += (size_t)snprintf(buf + k, len - k, "\n");
        } else if (opt->kind == OPT_COUNT)
            k += (size_t)snprintf(buf + k, len - k, "%s = %lld\n", opt->name, (long long)*(const int64_t *)field);
        else
            k += (size_t)snprintf(buf + k, len - k, "%s = %s\n", opt->name, *(const int *)field ? "yes" : "no");
    }
}

void options_echo(const EvalOptions *o, char *buf, size_t len) { echo(o, 0, buf, len); }
void options_identity(const EvalOptions *o, char *buf, size_t len) { echo(o, 1, buf, len); }
void options_selection(const EvalOptions *o, char *buf, size_t len) { echo(o, 2, buf, len); }
