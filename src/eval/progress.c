#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "titans.h"

/* Whether what rank 0 prints ends on a terminal. Under mpirun a rank's stderr is a pipe to
 * mpirun (and its stdout a pty even when mpirun's output goes to a file), so ask where mpirun's
 * own stderr goes: the rank's parent, on the launch node. */
static int ends_on_terminal(void)
{
    if (!getenv("OMPI_COMM_WORLD_SIZE")) return isatty(fileno(stderr));
    char link[64], target[256];
    snprintf(link, sizeof link, "/proc/%d/fd/2", (int)getppid());
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    return !strncmp(target, "/dev/pts/", 9) || !strncmp(target, "/dev/tty", 8);
}

ProgressMode progress_mode(const char *option)
{
    if (!strcmp(option, "none")) return PROGRESS_NONE;
    if (!strcmp(option, "lines")) return PROGRESS_LINES;
    if (!strcmp(option, "bar")) return PROGRESS_BAR;
    return ends_on_terminal() ? PROGRESS_BAR : PROGRESS_LINES;
}

/* Seconds on the display's clock: the wall, or (TITANS_PROGRESS_CLOCK=cpu, for the ETA test on a
 * shared machine) this process's CPU time, which other jobs on the machine do not stretch. */
static double progress_clock(const Progress *p)
{
    if (!p->cpu_clock) return clock_seconds();
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void format_time(char *buf, size_t len, double s)
{
    if (!(s >= 0) || s > 1e8) snprintf(buf, len, "--:--:--");
    else snprintf(buf, len, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60) % 60, (int)s % 60);
}

/* Rank 0's cost done, its finished units and the part of the unit in progress. Under lock. */
static double my_cost_now(const Progress *p)
{
    double part = 0;
    if (p->unit_tokens > 0) {
        double f = (double)(titans_tokens_processed() - p->unit_fed0) / (double)p->unit_tokens;
        part = p->unit_cost * (f < 0 ? 0 : f > 1 ? 1 : f);
    }
    return p->my_done + part;
}

/* One line or bar. Under lock. */
static void show(Progress *p, int final)
{
    const int64_t *c = p->counters;
    double now = progress_clock(p), elapsed = now - p->t0, mine = my_cost_now(p);
    double done = (double)c[2] * 1e6 + (mine - p->my_done), fraction = done / p->total_cost;
    fraction = final ? 1 : fraction > 1 ? 1 : fraction;
    if (!final && p->mode == PROGRESS_LINES && fraction - p->last_fraction < 0.1 && now - p->last_print < p->interval)
        return;
    double end = mine > 0 ? p->busiest_load * elapsed / mine : fraction > 0 ? elapsed / fraction : -1;
    double tokens = (double)c[1] + (p->unit_tokens > 0 ? (double)(titans_tokens_processed() - p->unit_fed0) : 0);
    char eta[16], el[16];
    format_time(eta, sizeof eta, final ? 0 : end > elapsed ? end - elapsed : end < 0 ? -1 : 0);
    format_time(el, sizeof el, elapsed);
    double rate = elapsed > 0 ? tokens / elapsed : 0;
    if (p->mode == PROGRESS_BAR) {
        char bar[31];
        int fill = (int)(fraction * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[30] = 0;
        fprintf(p->out, "\r[%s] %3.0f%% | %lld/%lld units done | %.0f tok/s | elapsed %s | ETA %s%s", bar,
                100 * fraction, (long long)c[0], (long long)p->total_units, rate, el, eta, final ? "\n" : "");
    } else {
        fprintf(p->out, "progress: %.1f%% of the estimated work, %lld/%lld units done, %.0f tok/s, elapsed %s, ETA %s\n",
                100 * fraction, (long long)c[0], (long long)p->total_units, rate, el, eta);
    }
    fflush(p->out);
    p->last_print = now;
    p->last_fraction = fraction;
}

/* Rank 0's display thread: a look every second (a bar every 0.5 s). It makes no MPI call. */
static void *display(void *arg)
{
    Progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long step = p->mode == PROGRESS_BAR ? 500000000L : 1000000000L;
        ts.tv_nsec += step;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
        if (!p->stop) show(p, 0);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

enum { TAG_COUNTS = 1, TAG_FINAL = 2 };

int progress_init(Progress *p, ProgressMode mode, int64_t total_units, double total_cost, double busiest)
{
    memset(p, 0, sizeof *p);
    MPI_Comm_dup(MPI_COMM_WORLD, &p->comm);
    MPI_Comm_rank(p->comm, &p->rank);
    MPI_Comm_size(p->comm, &p->world);
    p->request = MPI_REQUEST_NULL;
    p->mode = mode;
    p->total_units = total_units;
    p->total_cost = total_cost > 0 ? total_cost : 1;
    p->busiest_load = busiest;
    const char *clk = getenv("TITANS_PROGRESS_CLOCK");
    p->cpu_clock = clk && !strcmp(clk, "cpu");
    p->t0 = p->last_print = progress_clock(p);
    const char *every = getenv("TITANS_PROGRESS_SECONDS"); /* tests: lines more often than 30 s */
    p->interval = every && atof(every) > 0 ? atof(every) : 30;
    p->out = stderr;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (p->rank == 0 && mode != PROGRESS_NONE) p->running = pthread_create(&p->thread, NULL, display, p) == 0;
    return 0;
}

void progress_unit_start(Progress *p, double cost, int64_t tokens)
{
    if (p->rank != 0) return;
    progress_poll(p);
    pthread_mutex_lock(&p->lock);
    p->unit_cost = cost;
    p->unit_tokens = tokens;
    p->unit_fed0 = titans_tokens_processed();
    pthread_mutex_unlock(&p->lock);
}

static void add_counts(Progress *p, const int64_t *add)
{
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < 3; i++) p->counters[i] += add[i];
    pthread_mutex_unlock(&p->lock);
}

/* Another rank: sends what it has gathered if the last message is gone. */
static void send_counts(Progress *p)
{
    int gone = 1;
    if (p->request != MPI_REQUEST_NULL) MPI_Test(&p->request, &gone, MPI_STATUS_IGNORE);
    if (!gone || !p->counters[0]) return;
    memcpy(p->sending, p->counters, sizeof p->sending);
    memset(p->counters, 0, sizeof p->counters);
    MPI_Isend(p->sending, 3, MPI_INT64_T, 0, TAG_COUNTS, p->comm, &p->request);
}

void progress_poll(Progress *p)
{
    for (int arrived = 1; p->rank == 0 && arrived;) {
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_COUNTS, p->comm, &arrived, &st);
        if (!arrived) break;
        int64_t add[3];
        MPI_Recv(add, 3, MPI_INT64_T, st.MPI_SOURCE, TAG_COUNTS, p->comm, MPI_STATUS_IGNORE);
        add_counts(p, add);
    }
}

void progress_add(Progress *p, int64_t tokens, double cost)
{
    int64_t add[3] = {1, tokens, (int64_t)(cost / 1e6 + 0.5)};
    if (p->rank != 0) {
        for (int i = 0; i < 3; i++) p->counters[i] += add[i];
        send_counts(p);
        return;
    }
    add_counts(p, add);
    pthread_mutex_lock(&p->lock);
    p->my_done += cost;
    p->unit_tokens = 0;
    pthread_mutex_unlock(&p->lock);
}

/* Rank 0: every message until each other rank's final one (a rank's messages arrive in order). */
static void drain(Progress *p)
{
    for (int finals = 0; finals < p->world - 1;) {
        MPI_Status st;
        int64_t add[3];
        MPI_Recv(add, 3, MPI_INT64_T, MPI_ANY_SOURCE, MPI_ANY_TAG, p->comm, &st);
        add_counts(p, add);
        finals += st.MPI_TAG == TAG_FINAL;
    }
}

void progress_finish(Progress *p)
{
    if (p->rank != 0) { /* the message in flight, then the rest as the final one */
        MPI_Wait(&p->request, MPI_STATUS_IGNORE);
        MPI_Send(p->counters, 3, MPI_INT64_T, 0, TAG_FINAL, p->comm);
    } else {
        drain(p);
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
        if (p->running) pthread_join(p->thread, NULL);
        if (p->mode != PROGRESS_NONE) show(p, 1);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    MPI_Comm_free(&p->comm);
}
