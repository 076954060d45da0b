/* titans-eval: evaluates the checkpoints of a suite over its tasks with MPI.
 *
 * Rank 0 reads the suite and the checkpoints' configs and expands the units (reading the data's
 * counts); the unit list is broadcast. Every rank computes the same longest-first assignment and
 * runs its units with no collective in between, so a failing rank cannot leave another waiting;
 * failures are agreed on after the loop. The records are gathered to rank 0, which writes the
 * tables. Every error reaches every rank, and the exit code is non-zero on all of them. */
#include <cblas.h>
#include <errno.h>
#include <signal.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "config.h"
#include "options.h"
#include "journal.h"
#include "plan.h"
#include "progress.h"
#include "records.h"
#include "report.h"
#include "run.h"

#ifndef TITANS_EVALS_DIR
#define TITANS_EVALS_DIR "evals"
#endif

static int rank, world;
static volatile sig_atomic_t stop_requested; /* SIGTERM (Slurm's time limit) or SIGINT */

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Broadcasts rank 0's verdict and message; returns 0 if ok everywhere. Every rank with a
 * failure prints nothing; rank 0 prints the message. */
static int agree(int ok, char *msg, size_t len)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (all) return 0;
    /* the lowest failing rank's message wins */
    int mine = ok ? world : rank, first = 0;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Bcast(msg, (int)len, MPI_CHAR, first, MPI_COMM_WORLD);
    if (rank == 0) fprintf(stderr, "titans-eval: %s\n", msg);
    return -1;
}

/* The output folder and its parents; a part that exists as a file is named. */
static int mkdirs(const char *path, char *msg, size_t len)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            struct stat st;
            if (mkdir(buf, 0777) != 0) {
                if (errno != EEXIST) {
                    snprintf(msg, len, "%.480s: cannot create the output folder: %.480s: %s", path, buf,
                             strerror(errno));
                    return -1;
                }
                if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
                    snprintf(msg, len, "%.480s: cannot create the output folder: %.480s exists and is "
                                       "not a folder", path, buf);
                    return -1;
                }
            }
            *p = c;
            if (!c) return 0;
        }
    }
}

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "name path xxh3" per checkpoint, for the results' provenance (rank 0). */
static void checkpoint_hashes(const Suite *s, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (int m = 0; m < s->n_models && k < len; m++) {
        if (!s->models[m].checkpoint[0]) continue;
        DataError err;
        size_t n;
        char *bytes = data_read_file(s->models[m].checkpoint, &n, &err);
        unsigned long long h = bytes ? (unsigned long long)XXH3_64bits(bytes, n) : 0;
        free(bytes);
        k += (size_t)snprintf(buf + k, len - k, "%s %s %016llx\n", s->models[m].name, s->models[m].checkpoint, h);
    }
}


/* Checkpoints are read once, by rank 0, and broadcast: N ranks do not all open the same file on
 * a shared file system. A rank builds the models its own units need from the bytes. */
static int load_checkpoints(const Suite *s, const UnitList *todo, const int *owner, Workspace *ws,
                            char *msg, size_t len)
{
    for (int m = 0; m < s->n_models; m++) {
        if (!s->models[m].checkpoint[0]) continue;
        int need = 0, anyone = 0;
        for (int64_t i = 0; i < todo->n; i++)
            if (todo->v[i].model == m) anyone = 1, need |= owner[i] == rank;
        if (!anyone) continue; /* every rank knows this the same way: no broadcast */
        DataError err = {{0}};
        long long n = -1;
        char *bytes = NULL;
        if (rank == 0) {
            size_t sz;
            bytes = data_read_file(s->models[m].checkpoint, &sz, &err);
            n = bytes ? (long long)sz : -1;
        }
        MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
        snprintf(msg, len, "model '%s': %.900s", s->models[m].name, err.msg);
        if (agree(n >= 0, msg, len)) return -1;
        if (rank != 0) bytes = malloc((size_t)(n ? n : 1));
        int ok = bytes != NULL;
        if (agree(ok, strcpy(msg, "out of memory receiving a checkpoint"), len)) return -1;
        for (long long off = 0; off < n; off += 1 << 30) { /* MPI counts are int */
            int chunk = n - off < (1 << 30) ? (int)(n - off) : 1 << 30;
            MPI_Bcast(bytes + off, chunk, MPI_BYTE, 0, MPI_COMM_WORLD);
        }
        ok = !need || workspace_load_model_image(ws, m, bytes, (size_t)n, &err) == 0;
        free(bytes);
        snprintf(msg, len, "rank %d: %.1000s", rank, err.msg);
        if (agree(ok, msg, len)) return -1;
    }
    return 0;
}

/* Rank 0: suite, configs, units. Others receive the suite text and the units. */
static int setup(const EvalOptions *o, Suite *s, UnitList *units, Workspace *ws, char *msg, size_t len)
{
    DataError err = {{0}};
    char *text = NULL;
    long long n = 0;
    if (rank == 0) {
        size_t sz;
        text = data_read_file(o->suite, &sz, &err);
        n = text ? (long long)sz : -1;
    }
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    snprintf(msg, len, "%s", err.msg);
    if (agree(n >= 0, msg, len)) return -1;
    if (rank != 0) text = calloc((size_t)n + 1, 1);
    int ok = text != NULL;
    if (agree(ok, strcpy(msg, "out of memory for the suite text"), len)) return -1;
    MPI_Bcast(text, (int)n, MPI_CHAR, 0, MPI_COMM_WORLD);
    ok = suite_parse(text, o->suite, s, &err) == 0; /* same text, same result on every rank */
    free(text);
    snprintf(msg, len, "%s", err.msg);
    if (agree(ok, msg, len)) return -1;

    if (!o->data_dir[0]) { /* every rank drops the same tasks, before the plan numbers them */
        char skipped[512];
        if (suite_skip_data_tasks(s, skipped, sizeof skipped) && rank == 0)
            printf("titans-eval: no data directory (-d DIR or TITANS_DATA): skipping task%s %s\n",
                   strchr(skipped, ',') ? "s" : "", skipped);
        strcpy(msg, "every task of the suite needs a data directory: give -d DIR or set TITANS_DATA");
        if (agree(s->n_tasks > 0, msg, len)) return -1;
    }
    workspace_init(ws, s, o->data_dir, strcmp(o->memory_path, "sequential") ? TITANS_MEMORY_CHUNKED
                                                                             : TITANS_MEMORY_SEQUENTIAL);
    long long count = 0;
    if (rank == 0) {
        static TitansConfig configs[SUITE_MAX_MODELS];
        PlanData pd = {{0}, run_genomics_samples, run_forecast_windows, ws};
        ok = 1;
        for (int m = 0; ok && m < s->n_models; m++) {
            if (!s->models[m].checkpoint[0]) continue;
            TitansError terr;
            if (titans_config_load(s->models[m].checkpoint, &configs[m], &terr) != 0) {
                data_error(&err, "model '%s': %s", s->models[m].name, terr.msg);
                ok = 0;
            }
            pd.configs[m] = &configs[m];
        }
        if (ok) ok = plan_expand(s, &pd, units, &err) == 0;
        if (ok && o->limit && units->n > o->limit) units->n = o->limit;
        count = ok ? units->n : -1;
    }
    MPI_Bcast(&count, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    snprintf(msg, len, "%s", err.msg);
    if (agree(count >= 0, msg, len)) return -1;
    if (rank != 0) {
        units->v = malloc(sizeof(Unit) * (size_t)(count ? count : 1));
        units->n = units->cap = count;
    }
    if (agree(units->v != NULL, strcpy(msg, "out of memory for the unit list"), len)) return -1;
    MPI_Bcast(units->v, (int)(sizeof(Unit) * (size_t)count), MPI_BYTE, 0, MPI_COMM_WORLD);
    return 0;
}

/* The run's tables on stdout, as tables.md has them: a batch log or a terminal shows the scores
 * without opening a file. */
static void print_tables(const char *out)
{
    char path[1100];
    size_t n;
    DataError err;
    snprintf(path, sizeof path, "%s/tables.md", out);
    char *text = data_read_file(path, &n, &err);
    if (text) fwrite(text, 1, n, stdout), putchar('\n');
    free(text);
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

/* The command that makes this run again, as the tables show it. */
static void command_line(int argc, char **argv, int n_ranks, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "mpirun -np %d titans-eval", n_ranks);
    for (int i = 1; i < argc && k < len; i++) k += (size_t)snprintf(buf + k, len - k, " %s", argv[i]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1); /* one rank per core */
    char msg[1024] = "";
    EvalOptions o;
    int rc = options_parse(argc, argv, &o, TITANS_EVALS_DIR "/quick.ini", msg, sizeof msg);
    if (rc != 0) { /* argv is the same on every rank: every rank agrees */
        if (rank == 0) {
            if (rc > 0) options_usage(stdout);
            else fprintf(stderr, "titans-eval: %s\n", msg);
        }
        MPI_Finalize();
        return rc > 0 ? 0 : 2;
    }
    const char *slurm = getenv("SLURM_NTASKS");
    if (world == 1 && slurm && atoi(slurm) > 1) {
        fprintf(stderr, "titans-eval: started as 1 rank but SLURM_NTASKS=%s: srun's MPI plugin does "
                        "not match this Open MPI (try srun --mpi=pmix, or mpirun)\n", slurm);
        MPI_Finalize();
        return 2;
    }

    Suite s = {0};
    UnitList units = {0};
    Workspace ws;
    memset(&ws, 0, sizeof ws);
    double t0 = clock_seconds();
    char started[32], finished[32];
    utc_now(started, sizeof started);
    if (setup(&o, &s, &units, &ws, msg, sizeof msg) != 0) {
        workspace_free(&ws);
        MPI_Finalize();
        return 1;
    }
    if (!o.out[0]) snprintf(o.out, sizeof o.out, "results/%s", s.name);
    /* resume: rank 0 reads the journals of earlier attempts; the finished units are skipped */
    uint64_t plan_hash = journal_plan_hash(&units);
    uint8_t *done = calloc((size_t)(units.n ? units.n : 1), 1);
    Record *ordered = rank == 0 ? calloc((size_t)(units.n ? units.n : 1), sizeof *ordered) : NULL;
    int attempt = 1;
    long long n_done = 0;
    DataError err = {{0}};
    int ok = done && (rank != 0 || ordered);
    if (ok && rank == 0) {
        int64_t nd = 0;
        ok = mkdirs(o.out, msg, sizeof msg) == 0 &&
             journal_scan(o.out, s.hash, plan_hash, &units, done, ordered, &attempt, &nd, &err) == 0;
        if (!ok && !msg[0]) snprintf(msg, sizeof msg, "%s", err.msg);
        n_done = nd;
    }
    if (agree(ok, msg, sizeof msg)) return MPI_Finalize(), 1;
    MPI_Bcast(&attempt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(&n_done, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    MPI_Bcast(done, (int)units.n, MPI_UINT8_T, 0, MPI_COMM_WORLD);

    /* the units still to run, assigned longest first (the same on every rank) */
    UnitList todo = {0};
    for (int64_t i = 0; ok && i < units.n; i++)
        if (!done[i] && (ok = units_push(&todo, units.v[i]) == 0))
            todo.v[todo.n - 1].id = i; /* a todo entry keeps its unit's id, not its list index */
    int *owner = malloc(sizeof(int) * (size_t)(todo.n ? todo.n : 1));
    double *load = malloc(sizeof(double) * (size_t)world);
    ok = ok && owner && load && units_assign(&todo, world, owner, load) == 0;
    if (agree(ok, strcpy(msg, "out of memory assigning units"), sizeof msg)) return MPI_Finalize(), 1;
    if (rank == 0) {
        printf("titans-eval: suite %s (%s), %lld units on %d ranks, load balance %.3f (busiest / mean)\n",
               s.name, o.suite, (long long)units.n, world, units_imbalance(load, world));
        if (n_done)
            printf("titans-eval: resuming attempt %d: %lld of %lld units already done in %s/journal\n",
                   attempt, n_done, (long long)units.n, o.out);
        fflush(stdout);
    }
    if (o.dry_run) {
        if (rank == 0)
            for (int r = 0; r < world; r++) {
                int64_t n = 0;
                for (int64_t i = 0; i < todo.n; i++) n += owner[i] == r;
                printf("  rank %d: %lld units, estimated %.3g FLOP\n", r, (long long)n, load[r]);
            }
        free(ordered); /* as at the end (the sanitizer build's leak check) */
        free(owner);
        free(load);
        free(done);
        units_free(&todo);
        units_free(&units);
        workspace_free(&ws);
        suite_free(&s);
        MPI_Finalize();
        return 0;
    }

    if (load_checkpoints(&s, &todo, owner, &ws, msg, sizeof msg) != 0) return MPI_Finalize(), 1;

    /* this rank's units, in id order; each one journaled as soon as it is done */
    int64_t mine = 0;
    for (int64_t i = 0; i < todo.n; i++) mine += owner[i] == rank;
    Record *recs = calloc((size_t)(mine ? mine : 1), sizeof *recs);
    double total_cost = 0;
    for (int r = 0; r < world; r++) total_cost += load[r];
    Progress prog;
    Journal jr = {-1, 0.0};
    ok = recs != NULL && journal_open(&jr, o.out, attempt, rank, &err) == 0 &&
         progress_init(&prog, todo.n, total_cost) == 0;
    snprintf(msg, sizeof msg, "rank %d: %.1000s", rank, err.msg[0] ? err.msg : "out of memory");
    if (agree(ok, msg, sizeof msg)) return MPI_Finalize(), 1;
    /* Under srun every rank gets Slurm's SIGTERM itself: finish the unit, then stop together.
     * Under mpirun (it sets OMPI_MCA_orte_hnp_uri) the runtime tears the job down after
     * forwarding SIGTERM, so a rank that finishes its unit first would wait in a collective of a
     * dying job: there the default action stands, and the journal makes it resumable anyway. */
    if (getenv("SLURM_JOB_ID") && !getenv("OMPI_MCA_orte_hnp_uri")) {
        signal(SIGTERM, on_stop);
        signal(SIGINT, on_stop);
    }
    int64_t k = 0;
    for (int64_t i = 0; ok && !stop_requested && i < todo.n; i++) {
        if (owner[i] != rank) continue;
        recs[k].unit = todo.v[i].id;
        recs[k].rank = rank;
        ok = run_unit(&ws, &todo.v[i], &recs[k].r, &err) == 0 &&
             journal_append(&jr, s.hash, plan_hash, &recs[k], &err) == 0;
        if (ok) progress_add(&prog, recs[k].r.tokens, todo.v[i].cost);
        k++;
    }
    mine = ok ? k : mine;
    journal_close(&jr);
    progress_finish(&prog); /* collective: a rank that failed early waits here, nowhere else */
    snprintf(msg, sizeof msg, "rank %d: %.1000s", rank, err.msg);
    if (agree(ok, msg, sizeof msg)) return MPI_Finalize(), 1;
    int stopped = stop_requested, any_stopped = 0;
    MPI_Allreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any_stopped) { /* the journals hold every finished unit: the same command resumes */
        if (rank == 0)
            fprintf(stderr, "titans-eval: stopped by a signal; finished units are in %s/journal. "
                            "Run the same command to resume.\n", o.out);
        MPI_Finalize();
        return 143;
    }

    /* gather every record to rank 0, in unit order */
    int bytes = (int)(sizeof(Record) * (size_t)mine), *counts = NULL, *displs = NULL;
    Record *all = NULL;
    if (rank == 0) {
        counts = malloc(sizeof(int) * (size_t)world);
        displs = malloc(sizeof(int) * (size_t)world);
        all = malloc(sizeof(Record) * (size_t)(todo.n ? todo.n : 1));
    }
    MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int r = 0, off = 0; r < world; r++) displs[r] = off, off += counts[r];
    MPI_Gatherv(recs, bytes, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    ok = 1;
    if (rank == 0) {
        for (int64_t i = 0; i < todo.n; i++) ordered[all[i].unit] = all[i]; /* journaled ones are in */
        char header[8192], machine[600], command[2048];
        machine_line(machine, sizeof machine);
        command_line(argc, argv, world, command, sizeof command);
        utc_now(finished, sizeof finished);
        snprintf(header, sizeof header,
                 "# %s\n\nSuite `%s` (xxh3 %016llx), seed %llu, %lld units on %d ranks, %.1f s "
                 "(this attempt: %lld units; a resumed run counts only its own).\n\n"
                 "- Command: `%s`\n- Machine: %s\n- Commit: %s, finished %s\n",
                 s.name, o.suite, (unsigned long long)s.hash, (unsigned long long)s.seed, (long long)units.n,
                 world, clock_seconds() - t0, (long long)todo.n, command, machine,
                 TITANS_GIT_COMMIT " (at configure)", finished);
        static char echo[8192], hashes[8192];
        char h5path[1100];
        options_echo(&o, echo, sizeof echo);
        checkpoint_hashes(&s, hashes, sizeof hashes);
        snprintf(h5path, sizeof h5path, "%s/results.h5", o.out);
        Provenance p = {o.suite, echo, TITANS_GIT_COMMIT " (at configure)", started, finished, hashes, world};
        ok = report_write(&s, &units, ordered, o.out, header, &err) == 0 &&
             records_write(h5path, &s, &units, ordered, &p, &err) == 0;
        if (!ok && !msg[0]) snprintf(msg, sizeof msg, "%s", err.msg);
        if (ok) print_tables(o.out);
        if (ok) printf("titans-eval: %lld units in %.1f s; tables in %s/tables.md, records in results.h5\n", (long long)units.n,
                       clock_seconds() - t0, o.out);
    }
    rc = agree(ok, msg, sizeof msg) ? 1 : 0;
    free(counts);
    free(displs);
    free(all);
    free(ordered);
    free(recs);
    free(owner);
    free(load);
    free(done);
    units_free(&todo);
    units_free(&units);
    workspace_free(&ws);
    suite_free(&s);
    MPI_Finalize();
    return rc;
}
