/* titans-eval: evaluates the checkpoints of a suite over its tasks with MPI.
 *
 * A run is a sequence of phases over one Run: start (options), plan (suite, checkpoints, data,
 * units, identity), resume (output folder, journal), assign (units to ranks), load (checkpoints
 * broadcast), units (each rank runs its own, with no collective in between, so a failing rank
 * cannot leave another waiting), gather and write (rank 0). Each phase ends collectively: every
 * rank learns whether any failed, rank 0 prints the lowest failing rank's message once, and every
 * rank leaves through the one cleanup path with the same non-zero exit code. */
#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "config.h"
#include "identity.h"
#include "journal.h"
#include "listing.h"
#include "options.h"
#include "outfile.h"
#include "plan.h"
#include "progress.h"
#include "records.h"
#include "report.h"
#include "results_json.h"
#include "run.h"
#include "select.h"

#ifndef TITANS_EVALS_DIR
#define TITANS_EVALS_DIR "evals"
#endif
#define COMM MPI_COMM_WORLD
#define BCAST_CHUNK ((size_t)1 << 30) /* MPI counts are int */

typedef enum { PHASE_OK, PHASE_FAILED, PHASE_STOP } PhaseResult; /* STOP: done early, no error */

typedef struct {
    int rank, world, argc;
    char **argv;
    EvalOptions opt;
    Suite suite;
    UnitList units;                          /* the plan: every unit, by id */
    Workspace ws;
    Identity id;                             /* what a unit's record depends on */
    char *identity_text;                     /* rank 0: its description */
    uint8_t drop[SUITE_MAX_TASKS];           /* tasks rank 0 left out: no selected model fits, or
                                                data this folder lacks (without-data = skip) */
    char skipped[1024];                      /* rank 0: the tasks left out for data, and why */
    char *checkpoint[SUITE_MAX_MODELS];      /* rank 0: each file's bytes, read once, until broadcast */
    size_t checkpoint_len[SUITE_MAX_MODELS];
    uint8_t *done;                           /* done[i]: unit i's record is in the journal */
    Record *ordered;                         /* rank 0: every record, by unit id */
    JournalScan scan;
    UnitList todo;                           /* units still to run; each keeps its unit's id */
    int *owner;                              /* owner[i]: the rank that runs todo.v[i] */
    double *load;                            /* per rank: estimated cost */
    Record *mine;                            /* this rank's records */
    int64_t n_mine;
    char journal_dir[1100];                  /* <out>/journal: journals, identities, saved unit states */
    double t0;
    char started[32];
    int exit_code;
    DataError err;                           /* why this rank failed in this phase */
} Run;

static volatile int stop_requested; /* SIGTERM (Slurm's time limit) or SIGINT (an int: lock-free) */

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Collective: PHASE_OK if ok on every rank. Otherwise rank 0 prints the lowest failing rank's
 * message, once, and every rank returns PHASE_FAILED. */
static PhaseResult agree(Run *r, int ok)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, COMM);
    if (all) return PHASE_OK;
    int mine = ok ? r->world : r->rank, first = 0;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, COMM);
    if (!ok && !r->err.msg[0]) data_error(&r->err, "failed without a message (a bug: please report it)");
    MPI_Bcast(r->err.msg, sizeof r->err.msg, MPI_CHAR, first, COMM);
    if (r->rank == 0) {
        if (first) fprintf(stderr, "titans-eval: rank %d: %s\n", first, r->err.msg);
        else fprintf(stderr, "titans-eval: %s\n", r->err.msg);
        fflush(stderr);
    }
    r->exit_code = 1;
    return PHASE_FAILED;
}

/* Sets the error and returns 0, for `ok = ... || fail(...)`. */
static int fail(Run *r, const char *what)
{
    data_error(&r->err, "%s", what);
    return 0;
}

static void bcast_bytes(void *buf, size_t n, int root)
{
    for (size_t off = 0; off < n; off += BCAST_CHUNK) {
        size_t chunk = n - off < BCAST_CHUNK ? n - off : BCAST_CHUNK;
        MPI_Bcast((char *)buf + off, (int)chunk, MPI_BYTE, root, COMM);
    }
}

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- start -------------------------------------------------------------------------------- */

static PhaseResult phase_start(Run *r)
{
    char msg[1024] = "";
    int rc = options_parse(r->argc, r->argv, &r->opt, msg, sizeof msg);
    if (rc != 0) { /* argv is the same on every rank: every rank agrees */
        if (r->rank == 0 && r->opt.version) printf("titans-eval %s (commit %s)\n", PACKAGE_VERSION, TITANS_GIT_COMMIT);
        else if (r->rank == 0 && rc > 0) options_usage(stdout);
        if (r->rank == 0 && rc < 0) fprintf(stderr, "titans-eval: %s\n", msg);
        r->exit_code = rc > 0 ? 0 : 2;
        return rc > 0 ? PHASE_STOP : PHASE_FAILED;
    }
    const char *slurm = getenv("SLURM_NTASKS");
    if (r->world == 1 && slurm && atoi(slurm) > 1) {
        fprintf(stderr, "titans-eval: started as 1 rank but SLURM_NTASKS=%s: srun's MPI plugin does "
                        "not match this Open MPI (try srun --mpi=pmix, or mpirun)\n", slurm);
        r->exit_code = 2;
        return PHASE_FAILED;
    }
    return PHASE_OK;
}

/* ---- plan --------------------------------------------------------------------------------- */

/* Rank 0 finds and reads the suite file; every rank applies the same -O overrides to the same
 * text and parses it, then the same -c/-t/-M/-S selection, with the same result. */
static PhaseResult read_suite(Run *r)
{
    char *text = NULL, path[sizeof r->opt.suite];
    long long n = -1;
    if (r->rank == 0) {
        size_t sz;
        select_suite_path(r->opt.suite, TITANS_EVALS_DIR, path, sizeof path);
        if ((text = data_read_file(path, &sz, &r->err))) n = (long long)sz;
        snprintf(r->opt.suite, sizeof r->opt.suite, "%s", path);
    }
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, COMM);
    if (agree(r, n >= 0) != PHASE_OK) return PHASE_FAILED;
    MPI_Bcast(r->opt.suite, sizeof r->opt.suite, MPI_CHAR, 0, COMM);
    if (r->rank != 0) text = calloc((size_t)n + 1, 1);
    int ok = text || fail(r, "out of memory for the suite text");
    if (agree(r, ok) != PHASE_OK) return free(text), PHASE_FAILED;
    bcast_bytes(text, (size_t)n, 0);
    size_t len = (size_t)n;
    char *effective = select_override(text, len, r->opt.overrides, &len, &r->err);
    free(text);
    ok = effective && suite_parse_bytes(effective, len, r->opt.suite, &r->suite, &r->err) == 0 &&
         select_apply(&r->suite, &r->opt, &r->err) == 0;
    free(effective);
    return agree(r, ok);
}

/* Every rank drops the same tasks when there is no data directory, before the plan numbers them. */
static PhaseResult skip_data_tasks(Run *r)
{
    if (r->opt.data_dir[0]) return PHASE_OK;
    char skipped[512];
    if (suite_skip_data_tasks(&r->suite, skipped, sizeof skipped) && r->rank == 0) {
        snprintf(r->skipped, sizeof r->skipped, "task%s %s (no data directory: -d DIR or TITANS_DATA)",
                 strchr(skipped, ',') ? "s" : "", skipped);
        printf("titans-eval: skipping %s\n", r->skipped);
    }
    int ok = r->suite.n_tasks > 0 ||
             fail(r, "every task of the suite needs a data directory: give -d DIR or set TITANS_DATA");
    return agree(r, ok);
}

/* Rank 0: reads each checkpoint file once, hashes its bytes and validates the whole checkpoint
 * from them (config, shapes, finite weights) before any unit runs; the bytes wait for the
 * broadcast of the load phase. */
static int read_checkpoints(Run *r, TitansConfig *configs, PlanData *pd)
{
    for (int m = 0; m < r->suite.n_models; m++) {
        const SuiteModel *sm = &r->suite.models[m];
        if (!sm->checkpoint[0]) continue;
        TitansError terr;
        void *bytes = NULL;
        if (titans_checkpoint_read(sm->checkpoint, &bytes, &r->checkpoint_len[m], &terr) != 0)
            return data_error(&r->err, "model '%s': %s", sm->name, terr.msg), -1;
        r->checkpoint[m] = bytes;
        r->id.checkpoint[m] = XXH3_64bits(bytes, r->checkpoint_len[m]);
        TitansModel *model = NULL;
        if (titans_model_load_image(bytes, r->checkpoint_len[m], sm->checkpoint, &model, &terr) != 0)
            return data_error(&r->err, "model '%s': %s", sm->name, terr.msg), -1;
        configs[m] = *titans_model_config(model);
        titans_model_free(model);
        pd->configs[m] = &configs[m];
    }
    return 0;
}

/* Rank 0: leaves out the `without-data = skip` tasks that need a file the data directory lacks,
 * and, when -c or -M narrowed the models, the tasks that none of them fits (the other ranks
 * leave out the same ones in share_plan); neither is an error. */
static int drop_tasks(Run *r, const PlanData *pd)
{
    char unfit[512] = "";
    size_t k0 = strlen(r->skipped), k = k0, u = 0;
    for (int t = 0; t < r->suite.n_tasks; t++) {
        const SuiteTask *task = &r->suite.tasks[t];
        const char *missing = task->skip_without_data && r->opt.data_dir[0]
                                  ? suite_task_missing_file(task, r->opt.data_dir) : NULL;
        int fits = !select_narrows_models(&r->opt) || plan_task_has_model(&r->suite, task, pd);
        if (missing && k < sizeof r->skipped)
            k += (size_t)snprintf(r->skipped + k, sizeof r->skipped - k, "%stask %s (it needs %s/%s)",
                                  k ? "; " : "", task->name, r->opt.data_dir, missing);
        else if (!missing && !fits && u < sizeof unfit)
            u += (size_t)snprintf(unfit + u, sizeof unfit - u, "%s%s", u ? ", " : "", task->name);
        r->drop[t] = missing || !fits;
    }
    if (k > k0) printf("titans-eval: skipping %s\n", r->skipped + (k0 ? k0 + 2 : 0));
    if (u) printf("titans-eval: no selected model fits task%s %s: left out\n", strchr(unfit, ',') ? "s" : "", unfit);
    suite_drop_tasks(&r->suite, r->drop, NULL, 0);
    if (r->suite.n_tasks == 0 && k == k0)
        return data_error(&r->err, "no selected model (--checkpoint, --models) fits any task of suite %s", r->suite.name), -1;
    if (r->suite.n_tasks == 0)
        return data_error(&r->err, "no task of suite %s is left to run: skipping %s", r->suite.name, r->skipped), -1;
    return 0;
}

/* Rank 0: the unit list from the suite, the configs and the data, and the run's identity. */
static int expand(Run *r)
{
    static TitansConfig configs[SUITE_MAX_MODELS];
    PlanData pd = workspace_plan_data(&r->ws);
    if (read_checkpoints(r, configs, &pd) != 0) return -1;
    if (drop_tasks(r, &pd) != 0) return -1;
    identity_inputs_start(r->opt.data_dir); /* the data files the plan reads enter the identity */
    int rc = plan_expand(&r->suite, &pd, &r->units, &r->err);
    identity_inputs_stop();
    if (rc != 0) return -1;
    if (r->opt.limit && r->units.n > r->opt.limit) r->units.n = r->opt.limit;
    char options[1024];
    options_identity(&r->opt, options, sizeof options);
    r->id.suite = r->suite.hash;
    r->id.plan = identity_plan_hash(&r->units);
    r->id.data = identity_inputs_hash();
    r->id.options = XXH3_64bits(options, strlen(options));
    r->id.engine = TITANS_NUMERICS_VERSION;
    /* rank 0's choice: a job runs on one kind of CPU */
    snprintf(r->id.kernels, sizeof r->id.kernels, "%s", titans_kernels());
    char selection[4 * OPTIONS_LIST];
    options_selection(&r->opt, selection, sizeof selection);
    r->identity_text = identity_describe(&r->id, &r->suite, options, selection);
    return 0;
}

/* Rank 0's unit list and identity to every rank. */
static PhaseResult share_plan(Run *r, int ok)
{
    long long count = ok ? r->units.n : -1;
    MPI_Bcast(&count, 1, MPI_LONG_LONG, 0, COMM);
    if (agree(r, count >= 0) != PHASE_OK) return PHASE_FAILED;
    MPI_Bcast(r->drop, sizeof r->drop, MPI_BYTE, 0, COMM);
    if (r->rank != 0) suite_drop_tasks(&r->suite, r->drop, NULL, 0); /* as rank 0 did */
    if (r->rank != 0) {
        r->units.v = malloc(sizeof(Unit) * (size_t)(count ? count : 1));
        r->units.n = r->units.cap = r->units.v ? count : 0;
    }
    ok = r->units.v || fail(r, "out of memory for the unit list");
    if (agree(r, ok) != PHASE_OK) return PHASE_FAILED;
    bcast_bytes(r->units.v, sizeof(Unit) * (size_t)count, 0);
    bcast_bytes(&r->id, sizeof r->id, 0);
    return PHASE_OK;
}

/* Every rank runs the same kernels: the best that every rank's CPU has (or TITANS_KERNELS), so
 * a record is bitwise the same whichever rank of a mixed cluster makes it. */
static PhaseResult agree_kernels(Run *r)
{
    static const char *order[] = {"portable", "avx2", "avx512"};
    int mine = 0, all = 0;
    for (int i = 0; i < 3; i++)
        if (!strcmp(titans_kernels(), order[i])) mine = i;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, COMM);
    int ok = titans_use_kernels(order[all]) == 0 || fail(r, "cannot use the kernels every rank has");
    return agree(r, ok);
}

static PhaseResult phase_plan(Run *r)
{
    if (read_suite(r) != PHASE_OK || agree_kernels(r) != PHASE_OK) return PHASE_FAILED;
    if (r->opt.list) {
        if (r->rank == 0) listing_print(stdout, TITANS_EVALS_DIR, &r->suite);
        return PHASE_STOP;
    }
    if (skip_data_tasks(r) != PHASE_OK) return PHASE_FAILED;
    workspace_init(&r->ws, &r->suite, r->opt.data_dir,
                   strcmp(r->opt.memory_path, "sequential") ? TITANS_MEMORY_CHUNKED : TITANS_MEMORY_SEQUENTIAL);
    r->ws.bf16 = !strcmp(r->opt.weights, "bf16");
    if (!r->opt.out[0]) snprintf(r->opt.out, sizeof r->opt.out, "runs/%s", r->suite.name);
    int ok = r->rank != 0 || expand(r) == 0;
    return share_plan(r, ok);
}

/* ---- resume ------------------------------------------------------------------------------- */

/* The output folder and its parents; a part that exists as a file is named. */
static int mkdirs(const char *path, DataError *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p) continue;
        char c = *p;
        struct stat st;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return data_error(err, "%.480s: cannot create the output folder: %.480s: %s", path, buf, strerror(errno)), -1;
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
            return data_error(err, "%.480s: cannot create the output folder: %.480s exists and is not a "
                                   "folder", path, buf), -1;
        *p = c;
        if (!c) return 0;
    }
}

/* Rank 0: the output folder, rid of a killed run's temporaries, with nothing in the way of an
 * output file; the journals of earlier attempts; this attempt's identity, written before any
 * rank journals a unit. */
static int open_output(Run *r)
{
    const char *out = r->opt.out;
    if (mkdirs(out, &r->err) != 0 || outfile_remove_stale(out, &r->err) != 0 ||
        outfile_check(out, "results.h5", &r->err) != 0 || report_check_outputs(&r->suite, out, &r->err) != 0)
        return -1;
    if (r->opt.restart && journal_clear(out, &r->err) != 0) return -1;
    if (journal_scan(out, &r->id, r->suite.name, r->identity_text, &r->units, r->done, r->ordered, &r->scan,
                     &r->err) != 0)
        return -1;
    return r->opt.dry_run ? 0 : journal_write_identity(out, r->scan.attempt, r->identity_text, &r->err);
}

static PhaseResult phase_resume(Run *r)
{
    size_t n = (size_t)(r->units.n ? r->units.n : 1);
    r->done = calloc(n, 1);
    if (r->rank == 0) r->ordered = calloc(n, sizeof *r->ordered);
    int ok = (r->done && (r->rank != 0 || r->ordered)) || fail(r, "out of memory for the records");
    ok = ok && (r->rank != 0 || open_output(r) == 0);
    if (agree(r, ok) != PHASE_OK) return PHASE_FAILED;
    MPI_Bcast(&r->scan, sizeof r->scan, MPI_BYTE, 0, COMM);
    bcast_bytes(r->done, (size_t)r->units.n, 0);
    if (r->rank == 0 && r->scan.n_stale)
        printf("titans-eval: %lld records in %s/journal were made with other inputs and are not reused "
               "(their units run again): %s\n", (long long)r->scan.n_stale, r->opt.out, r->scan.changed);
    return PHASE_OK;
}

/* ---- assign ------------------------------------------------------------------------------- */

/* --ranks: the longest-first schedule of this plan at other rank counts, against the bound. */
static void print_schedules(const Run *r)
{
    char list[sizeof r->opt.ranks];
    snprintf(list, sizeof list, "%s", r->opt.ranks);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int n = atoi(tok);
        int *owner = malloc(sizeof(int) * (size_t)(r->todo.n ? r->todo.n : 1));
        double *load = calloc((size_t)(n > 0 ? n : 1), sizeof *load);
        UnitsSchedule sc;
        if (n <= 0 || !owner || !load || units_assign(&r->todo, n, owner, load) != 0) {
            printf("  schedule at %s ranks: cannot plan (not a positive count, or out of memory)\n", tok);
        } else {
            units_schedule(&r->todo, load, n, &sc);
            printf("  schedule at %d ranks: makespan %.4g FLOP, lower bound %.4g = max(total / ranks %.4g, largest "
                   "unit %.4g): %.3f x the bound%s\n", n, sc.makespan, sc.bound, sc.total / n, sc.largest,
                   sc.bound > 0 ? sc.makespan / sc.bound : 1.0, sc.largest >= sc.total / n ? " (one unit is the bound)" : "");
        }
        free(owner);
        free(load);
    }
}

static void print_dry_run(const Run *r)
{
    for (int k = 0; k < r->world; k++) {
        int64_t n = 0;
        for (int64_t i = 0; i < r->todo.n; i++) n += r->owner[i] == k;
        printf("  rank %d: %lld units, estimated %.3g FLOP\n", k, (long long)n, r->load[k]);
    }
}

/* "host, CPU model, N cores": the machine line of tables.md. */
static void machine_line(char *buf, size_t len)
{
    char host[256] = "?", model[256] = "unknown CPU", line[512];
    gethostname(host, sizeof host - 1);
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && colon) {
            snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    }
    if (f) fclose(f);
    snprintf(buf, len, "%s, %s, %ld cores online", host, model, sysconf(_SC_NPROCESSORS_ONLN));
}

/* What the engine computed with: the kernels (their roundings), the numerics version, the options
 * that change numerics. */
static void engine_line(const Run *r, char *buf, size_t len)
{
    snprintf(buf, len, "kernels %s, numerics version %d, memory path %s, weights %s", titans_kernels(),
             TITANS_NUMERICS_VERSION, r->opt.memory_path, r->opt.weights);
}

/* The command that makes this run again, as the tables show it. */
static void command_line(const Run *r, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "mpirun -np %d titans-eval", r->world);
    for (int i = 1; i < r->argc && k < len; i++) { /* quoted where a shell would read it otherwise */
        const char *a = r->argv[i];
        int plain = *a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=,:+-") == strlen(a);
        k += (size_t)snprintf(buf + k, len - k, plain ? " %s" : " '%s'", a);
    }
}

/* The run banner on rank 0, as hpc/ior prints one: what a batch log needs to reproduce the run. */
static void print_banner(const Run *r)
{
    char machine[600], command[2048], engine[256];
    machine_line(machine, sizeof machine);
    command_line(r, command, sizeof command);
    engine_line(r, engine, sizeof engine);
    double total = 0;
    for (int k = 0; k < r->world; k++) total += r->load[k];
    printf("titans-eval: suite %s (%s), %lld units on %d ranks, load balance %.3f (busiest / mean)\n"
           "  version:  titans-eval %s, commit %s, started %s\n"
           "  command:  %s\n"
           "  machine:  %s; %d ranks\n"
           "  engine:   %s\n"
           "  suite:    %s, xxh3 %016llx, seed %llu\n"
           "  data:     %s\n"
           "  output:   %s\n"
           "  units:    %lld in the plan: %lld to run, %lld done in the journal, %lld records made with other inputs\n"
           "  estimate: %.3g FLOP in all, %.3g FLOP on the busiest rank\n",
           r->suite.name, r->opt.suite, (long long)r->units.n, r->world, units_imbalance(r->load, r->world),
           PACKAGE_VERSION, TITANS_GIT_COMMIT, r->started, command, machine, r->world, engine, r->opt.suite,
           (unsigned long long)r->suite.hash, (unsigned long long)r->suite.seed,
           r->opt.data_dir[0] ? r->opt.data_dir : "none (built-in data only)", r->opt.out, (long long)r->units.n,
           (long long)r->todo.n, (long long)r->scan.n_done, (long long)r->scan.n_stale, total,
           units_imbalance(r->load, r->world) * total / r->world);
    if (r->scan.n_done)
        printf("titans-eval: resuming attempt %d: %lld of %lld units already done in %s/journal\n", r->scan.attempt,
               (long long)r->scan.n_done, (long long)r->units.n, r->opt.out);
    if (r->opt.dry_run) print_dry_run(r);
    if (r->opt.ranks[0]) print_schedules(r);
    fflush(stdout);
}

/* The units still to run, assigned longest first (the same on every rank). */
static PhaseResult phase_assign(Run *r)
{
    int ok = 1;
    for (int64_t i = 0; ok && i < r->units.n; i++)
        if (!r->done[i] && (ok = units_push(&r->todo, r->units.v[i]) == 0))
            r->todo.v[r->todo.n - 1].id = i; /* a todo entry keeps its unit's id, not its list index */
    r->owner = malloc(sizeof(int) * (size_t)(r->todo.n ? r->todo.n : 1));
    r->load = malloc(sizeof(double) * (size_t)r->world);
    ok = (ok && r->owner && r->load && units_assign(&r->todo, r->world, r->owner, r->load) == 0) ||
         fail(r, "out of memory assigning units");
    if (agree(r, ok) != PHASE_OK) return PHASE_FAILED;
    if (r->rank == 0) print_banner(r);
    return r->opt.dry_run ? PHASE_STOP : PHASE_OK;
}

/* ---- load --------------------------------------------------------------------------------- */

/* Rank 0's bytes of each checkpoint that some unit needs go to every rank (N ranks do not all
 * open one file on a shared file system); a rank builds the models its own units need. */
static PhaseResult phase_load(Run *r)
{
    for (int m = 0; m < r->suite.n_models; m++) {
        int need = 0, anyone = 0;
        for (int64_t i = 0; i < r->todo.n; i++)
            if (r->todo.v[i].model == m) anyone = 1, need |= r->owner[i] == r->rank;
        if (!r->suite.models[m].checkpoint[0] || !anyone) continue; /* known alike on every rank */
        unsigned long long n = r->checkpoint_len[m];
        MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, COMM);
        if (r->rank != 0) r->checkpoint[m] = malloc(n ? n : 1);
        int ok = r->checkpoint[m] || fail(r, "out of memory receiving a checkpoint");
        if (agree(r, ok) != PHASE_OK) return PHASE_FAILED;
        bcast_bytes(r->checkpoint[m], n, 0);
        ok = !need || workspace_load_model_image(&r->ws, m, r->checkpoint[m], n, &r->err) == 0;
        free(r->checkpoint[m]);
        r->checkpoint[m] = NULL;
        if (agree(r, ok) != PHASE_OK) return PHASE_FAILED;
    }
    return PHASE_OK;
}

/* ---- units -------------------------------------------------------------------------------- */

/* This rank's units, in id order, each journaled as soon as it is done. 0, or -1 with r->err. */
static int run_my_units(Run *r, Journal *jr, Progress *prog)
{
    for (int64_t i = 0; !stop_requested && i < r->todo.n; i++) {
        if (r->owner[i] != r->rank) continue;
        const Unit *u = &r->todo.v[i];
        Record *rec = &r->mine[r->n_mine];
        rec->unit = u->id;
        rec->rank = r->rank;
        uint64_t identity = identity_of_unit(&r->id, u);
        r->ws.saver = (UnitSaver){.dir = r->journal_dir, .interval = (double)r->opt.save_interval, .unit = u->id,
                                  .identity = identity, .last = clock_seconds(),
                                  .stop = &stop_requested};
        progress_unit_start(prog, u->cost, u->family == FAMILY_SNIAH || u->family == FAMILY_BABILONG ? u->length : 0);
        if (run_unit(&r->ws, u, &rec->r, &r->err) != 0) return -1;
        if (r->ws.saver.stopped) { /* its state is saved: the same command goes on from there */
            printf("titans-eval: rank %d: stopped inside unit %lld; its state is saved in %s\n", r->rank,
                   (long long)u->id, r->journal_dir);
            return 0;
        }
        if (journal_append(jr, identity, rec, &r->err) != 0) return -1;
        unitstate_remove(r->journal_dir, u->id); /* the record is durable: its saved state is not needed */
        if (r->ws.saver.resumed)
            printf("titans-eval: rank %d: unit %lld went on from token %lld of its saved state\n", r->rank,
                   (long long)u->id, (long long)r->ws.saver.resumed);
        progress_add(prog, rec->r.tokens, u->cost);
        r->n_mine++;
    }
    return 0;
}

/* Under srun every rank is a child of slurmstepd, which sends it Slurm's SIGTERM itself and
 * waits KillWait seconds before SIGKILL: finish the unit, then stop together. Under mpirun (or
 * any launcher daemon in between) the runtime tears the job down after forwarding SIGTERM, so a
 * rank that finishes its unit first would wait in a collective of a dying job: there the default
 * action stands, and the journal makes it resumable anyway. The parent's name, not a launcher's
 * environment variable, so that it holds for any MPI. */
static void catch_stop_signals(void)
{
    char path[64], parent[32] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)getppid());
    FILE *f = fopen(path, "r");
    if (f && fgets(parent, sizeof parent, f) && !strcmp(parent, "slurmstepd\n")) {
        signal(SIGTERM, on_stop);
        signal(SIGINT, on_stop);
    }
    if (f) fclose(f);
}

static PhaseResult phase_units(Run *r)
{
    int64_t mine = 0;
    double total_cost = 0;
    for (int64_t i = 0; i < r->todo.n; i++) mine += r->owner[i] == r->rank;
    for (int k = 0; k < r->world; k++) total_cost += r->load[k];
    r->mine = calloc((size_t)(mine ? mine : 1), sizeof *r->mine);
    Progress prog;
    Journal jr = {.fd = -1};
    snprintf(r->journal_dir, sizeof r->journal_dir, "%s/journal", r->opt.out);
    int ok = (r->mine || fail(r, "out of memory for the records")) &&
             journal_open(&jr, r->opt.out, r->scan.attempt, r->rank, &r->err) == 0;
    if (agree(r, ok) != PHASE_OK) return journal_close(&jr), PHASE_FAILED;
    double busiest = 0;
    for (int k = 0; k < r->world; k++) busiest = r->load[k] > busiest ? r->load[k] : busiest;
    progress_init(&prog, progress_mode(r->opt.progress), r->todo.n, total_cost, busiest);
    /* collective; MPI aborts the job if it cannot */
    catch_stop_signals();
    ok = run_my_units(r, &jr, &prog) == 0;
    journal_close(&jr);
    progress_finish(&prog); /* collective: a rank that failed early waits here, nowhere else */
    if (agree(r, ok) != PHASE_OK) return PHASE_FAILED;
    int stopped = stop_requested, any_stopped = 0;
    MPI_Allreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, COMM);
    if (!any_stopped) return PHASE_OK;
    if (r->rank == 0) /* the journals hold every finished unit: the same command resumes */
        fprintf(stderr, "titans-eval: stopped by a signal; finished units are in %s/journal. "
                        "Run the same command to resume.\n", r->opt.out);
    r->exit_code = 143;
    return PHASE_STOP;
}

/* ---- gather ------------------------------------------------------------------------------- */

/* Every record to rank 0, counted in records (a Record datatype), and into unit order. */
static PhaseResult phase_gather(Run *r)
{
    MPI_Datatype rec_type;
    MPI_Type_contiguous((int)sizeof(Record), MPI_BYTE, &rec_type);
    MPI_Type_commit(&rec_type);
    int mine = (int)r->n_mine, *counts = NULL, *displs = NULL;
    Record *all = NULL;
    int ok = r->todo.n <= INT_MAX || fail(r, "more than 2^31 units to gather in one attempt");
    if (ok && r->rank == 0) {
        counts = malloc(sizeof(int) * (size_t)r->world);
        displs = malloc(sizeof(int) * (size_t)r->world);
        all = malloc(sizeof(Record) * (size_t)(r->todo.n ? r->todo.n : 1));
        ok = (counts && displs && all) || fail(r, "out of memory gathering the records");
    }
    PhaseResult pr = agree(r, ok);
    if (pr == PHASE_OK) {
        MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, COMM);
        if (r->rank == 0)
            for (int k = 0, off = 0; k < r->world; k++) displs[k] = off, off += counts[k];
        MPI_Gatherv(r->mine, mine, rec_type, all, counts, displs, rec_type, 0, COMM);
        for (int64_t i = 0; r->rank == 0 && i < r->todo.n; i++)
            r->ordered[all[i].unit] = all[i]; /* the journaled ones are in already */
    }
    MPI_Type_free(&rec_type);
    free(counts);
    free(displs);
    free(all);
    return pr;
}

/* ---- write -------------------------------------------------------------------------------- */

/* "name path xxh3" per checkpoint (the bytes hashed at plan time), for the provenance. */
static void checkpoint_hashes(const Run *r, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (int m = 0; m < r->suite.n_models && k < len; m++)
        if (r->suite.models[m].checkpoint[0])
            k += (size_t)snprintf(buf + k, len - k, "%s %s %016llx\n", r->suite.models[m].name,
                                  r->suite.models[m].checkpoint, (unsigned long long)r->id.checkpoint[m]);
}

/* The run's tables on stdout, as tables.md has them: a batch log shows the scores. */
static void print_tables(const char *out)
{
    char path[1100];
    size_t n;
    DataError ignored;
    snprintf(path, sizeof path, "%s/tables.md", out);
    char *text = data_read_file(path, &n, &ignored);
    if (text) fwrite(text, 1, n, stdout), putchar('\n');
    free(text);
}

/* Rank 0: results.h5, results.json, units.csv, tables.md and the per-task CSVs, each written
 * atomically. */
static int write_outputs(Run *r)
{
    static char header[8192], echo[8192], hashes[8192];
    char machine[600], command[2048], finished[32], engine[256];
    machine_line(machine, sizeof machine);
    command_line(r, command, sizeof command);
    engine_line(r, engine, sizeof engine);
    utc_now(finished, sizeof finished);
    snprintf(header, sizeof header,
             "# %s\n\nSuite `%s` (xxh3 %016llx), seed %llu, %lld units on %d ranks, %.1f s "
             "(this attempt: %lld units; a resumed run counts only its own).\n\n"
             "- Command: `%s`\n- Machine: %s\n- Engine: %s\n- Commit: %s, finished %s\n",
             r->suite.name, r->opt.suite, (unsigned long long)r->suite.hash, (unsigned long long)r->suite.seed,
             (long long)r->units.n, r->world, clock_seconds() - r->t0, (long long)r->todo.n, command, machine,
             engine, TITANS_GIT_COMMIT " (at configure)", finished);
    if (r->skipped[0]) {
        size_t k = strlen(header);
        snprintf(header + k, sizeof header - k, "- Skipped (without-data = skip): %s\n", r->skipped);
    }
    options_echo(&r->opt, echo, sizeof echo);
    checkpoint_hashes(r, hashes, sizeof hashes);
    Provenance p = {.suite_file = r->opt.suite, .options = echo, .git_commit = TITANS_GIT_COMMIT,
                    .started_utc = r->started, .finished_utc = finished, .checkpoints = hashes,
                    .checkpoint_xxh3 = r->id.checkpoint, .command = command, .machine = machine,
                    .data_dir = r->opt.data_dir, .world_size = r->world, .log_samples = r->opt.log_samples};
    if (outfile_check(r->opt.out, "results.h5", &r->err) != 0 ||
        report_check_outputs(&r->suite, r->opt.out, &r->err) != 0 ||
        records_write(r->opt.out, &r->suite, &r->units, r->ordered, &p, &r->ws, &r->err) != 0 ||
        results_json_write(r->opt.out, &r->suite, &r->units, r->ordered, &p, &r->err) != 0 ||
        report_write(&r->suite, &r->units, r->ordered, r->opt.out, header, &r->err) != 0)
        return -1;
    print_tables(r->opt.out);
    printf("titans-eval: %lld units in %.1f s; tables in %s/tables.md, records in results.h5 and results.json\n",
           (long long)r->units.n, clock_seconds() - r->t0, r->opt.out);
    return 0;
}

static PhaseResult phase_write(Run *r)
{
    return agree(r, r->rank != 0 || write_outputs(r) == 0);
}

/* ---- the run ------------------------------------------------------------------------------ */

static void run_free(Run *r)
{
    for (int m = 0; m < SUITE_MAX_MODELS; m++) free(r->checkpoint[m]);
    free(r->identity_text);
    free(r->done);
    free(r->ordered);
    free(r->owner);
    free(r->load);
    free(r->mine);
    units_free(&r->todo);
    units_free(&r->units);
    workspace_free(&r->ws);
    suite_free(&r->suite);
    identity_inputs_free();
}

int main(int argc, char **argv)
{
    static Run run; /* large (per-model arrays): not on the stack */
    Run *r = &run;
    int threads;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &threads); /* rank 0's progress display thread makes no MPI call */
    MPI_Comm_rank(COMM, &r->rank);
    MPI_Comm_size(COMM, &r->world);
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1); /* one rank per core */
    r->argc = argc, r->argv = argv, r->t0 = clock_seconds();
    utc_now(r->started, sizeof r->started);
    static const struct {
        const char *name;
        PhaseResult (*run)(Run *);
    } phases[] = {{"start", phase_start}, {"plan", phase_plan},   {"resume", phase_resume}, {"assign", phase_assign},
                  {"load", phase_load},   {"units", phase_units}, {"gather", phase_gather}, {"write", phase_write}};
    enum { N_PHASES = sizeof phases / sizeof phases[0] };
    double seconds[N_PHASES] = {0};
    size_t i = 0;
    for (; i < N_PHASES; i++) {
        double t = clock_seconds();
        memset(&r->err, 0, sizeof r->err);
        PhaseResult pr = phases[i].run(r);
        seconds[i] = clock_seconds() - t;
        if (pr != PHASE_OK) break;
    }
    if (r->rank == 0 && i == N_PHASES) { /* what each phase cost rank 0: the figures of docs/harness-design.md */
        printf("titans-eval: seconds by phase on rank 0:");
        for (size_t k = 1; k < N_PHASES; k++) printf(" %s %.2f,", phases[k].name, seconds[k]);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf(" peak RSS %.0f MiB\n", ru.ru_maxrss / 1024.0);
    }
    run_free(r);
    MPI_Finalize();
    return r->exit_code;
}
