#include "options.h"

#include <stdlib.h>
#include <string.h>

#include "optable.h"

/* OptSpec.mask: 1, the option changes a unit's record (the resume identity hashes it); 2, it
 * selects units (the plan's hash has its effect; named when records are not reused). */
enum { IDENTITY = 1, SELECTION = 2 };

#define FIELD(f) OPTABLE_FIELD(EvalOptions, f)
#define SELECT "Selecting what runs"
#define DATA "Data and numerics"
#define OUTPUT "Output and resume"
#define INFO "Information"

static const OptSpec OPTIONS[] = {
    {"suite", 's', OPT_TEXT, "NAME|FILE", "a suite of evals/ by name, or a suite file", "quick", FIELD(suite), SELECT, 0, 0},
    {"tasks", 't', OPT_TEXT, "LIST", "only these tasks: names or globs, comma-separated", "all", FIELD(tasks), SELECT, SELECTION, 0},
    {"models", 'M', OPT_TEXT, "LIST", "only these models: names or globs, comma-separated", "all", FIELD(models), SELECT, SELECTION, 0},
    {"checkpoint", 'c', OPT_LIST, "[NAME=]FILE", "evaluate this checkpoint instead of the suite's models (repeatable; NAME defaults to the file's name)", NULL, FIELD(checkpoints), SELECT, SELECTION, 0},
    {"samples", 'S', OPT_COUNT, "N", "at most N samples (windows, sequences) per cell", "the suite's", FIELD(samples), SELECT, SELECTION, 0},
    {"override", 'O', OPT_LIST, "SECTION.KEY=VALUE", "set a key of the suite, e.g. -O task.niah.lengths=4k (repeatable)", NULL, FIELD(overrides), SELECT, SELECTION, 0},
    {"limit", 'l', OPT_COUNT, "N", "run only the first N units of the plan: a smoke run", "all", FIELD(limit), SELECT, SELECTION, 0},
    {"data-dir", 'd', OPT_TEXT, "DIR", "datasets folder (none: built-in data only)", "$TITANS_DATA", FIELD(data_dir), DATA, 0, 0},
    {"memory-path", 'm', OPT_TEXT, "PATH", "memory update: chunked or sequential (the token loop)", "chunked", FIELD(memory_path), DATA, IDENTITY, 0},
    {"weights", 'w', OPT_TEXT, "TYPE", "the products' weights: float32, or bf16 (rounded to bfloat16; a decode token reads half the bytes)", "float32", FIELD(weights), DATA, IDENTITY, 0},
    {"out", 'o', OPT_TEXT, "DIR", "output folder (results/ only when asked)", "runs/<suite name>", FIELD(out), OUTPUT, 0, 0},
    {"restart", 'R', OPT_FLAG, NULL, "discard the records of earlier attempts in the output folder", NULL, FIELD(restart), OUTPUT, 0, 0},
    {"log-samples", 'G', OPT_COUNT, "BYTES", "store each unit's prompt in results.h5 up to BYTES bytes (longer: its length, xxh3 and the command that stores it whole)", "0 (none)", FIELD(log_samples), OUTPUT, 0, 0},
    {"save-interval", 'I', OPT_COUNT, "SECONDS", "a unit running longer saves its state this often, so a killed run resumes it mid-sample (0: after every 64K tokens)", "300", FIELD(save_interval), OUTPUT, 0, 0},
    {"progress", 'P', OPT_TEXT, "MODE", "bar, lines (one every 30 s) or none", "bar on a terminal, else lines", FIELD(progress), OUTPUT, 0, 0},
    {"list", 'L', OPT_FLAG, NULL, "list the families, the suites, and the suite's models and tasks", NULL, FIELD(list), INFO, 0, 0},
    {"dry-run", 'n', OPT_FLAG, NULL, "print the plan and each rank's share, run nothing", NULL, FIELD(dry_run), INFO, 0, 0},
    {"ranks", 'r', OPT_TEXT, "LIST", "with --dry-run: the schedule at these rank counts (e.g. 64,256,1024) against its lower bound", NULL, FIELD(ranks), INFO, 0, 0},
    {"version", 'V', OPT_FLAG, NULL, "the version and the commit it was built from", NULL, FIELD(version), INFO, 0, 0},
    {"help", 'h', OPT_FLAG, NULL, "this text", NULL, FIELD(help), INFO, 0, 0},
};
static const OptTable TABLE = {OPTIONS, sizeof OPTIONS / sizeof OPTIONS[0], 34, 0, NULL};

void options_usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np N titans-eval [options]\n"
                 "Evaluates the checkpoints of a suite over its tasks, one share of the units per rank.\n");
    optable_help(out, &TABLE);
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

static int check_values(const EvalOptions *o, char *err, size_t len)
{
    if (strcmp(o->memory_path, "chunked") && strcmp(o->memory_path, "sequential"))
        return snprintf(err, len, "--memory-path: '%s' is not chunked or sequential", o->memory_path), -1;
    if (strcmp(o->weights, "float32") && strcmp(o->weights, "bf16"))
        return snprintf(err, len, "--weights: '%s' is not float32 or bf16", o->weights), -1;
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
    snprintf(o->weights, sizeof o->weights, "float32");
    o->save_interval = 300;
    const char *env = getenv("TITANS_DATA");
    if (env) snprintf(o->data_dir, sizeof o->data_dir, "%s", env);

    int first = optable_parse(&TABLE, argc, argv, o, NULL, 0, err, len);
    if (first < 0) {
        size_t n = strlen(err);
        snprintf(err + n, len - n, " (see --help)");
        return -1;
    }
    if (first < argc) return snprintf(err, len, "unexpected argument '%s' (see --help)", argv[first]), -1;
    if (check_values(o, err, len) != 0) return -1;
    return o->help || o->version ? 1 : 0;
}

/* The options of one identity class. */
static int of_class(const OptSpec *o, unsigned which) { return o->mask == which; }

void options_echo(const EvalOptions *o, char *buf, size_t len) { optable_echo(&TABLE, o, NULL, 0, buf, len); }
void options_identity(const EvalOptions *o, char *buf, size_t len) { optable_echo(&TABLE, o, of_class, IDENTITY, buf, len); }
void options_selection(const EvalOptions *o, char *buf, size_t len) { optable_echo(&TABLE, o, of_class, SELECTION, buf, len); }
