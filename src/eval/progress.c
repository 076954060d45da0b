#include "progress.h"

#include "clock.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int progress_init(Progress *p, int64_t total_units, double total_cost)
{
    memset(p, 0, sizeof *p);
    MPI_Comm_rank(MPI_COMM_WORLD, &p->rank);
    MPI_Aint size = p->rank == 0 ? 3 * (MPI_Aint)sizeof(int64_t) : 0;
    if (MPI_Win_allocate(size, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &p->counters, &p->win) != MPI_SUCCESS)
        return -1;
    if (p->rank == 0) memset(p->counters, 0, 3 * sizeof(int64_t));
    MPI_Barrier(MPI_COMM_WORLD); /* the counters are zero before anybody adds */
    p->total_units = total_units;
    p->total_cost = total_cost > 0 ? total_cost : 1;
    p->t0 = p->last_print = clock_seconds();
    p->out = stderr;
    p->tty = isatty(fileno(stderr));
    return 0;
}

static void format_time(char *buf, size_t len, double s)
{
    if (!(s >= 0) || s > 1e8) snprintf(buf, len, "--:--:--");
    else snprintf(buf, len, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60) % 60, (int)s % 60);
}

static void show(Progress *p, int final)
{
    int64_t c[3];
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, p->win);
    memcpy(c, p->counters, sizeof c);
    MPI_Win_unlock(0, p->win);
    double t = clock_seconds(), elapsed = t - p->t0;
    double fraction = (double)c[2] * 1e6 / p->total_cost;
    if (fraction > 1) fraction = 1;
    if (!final && !p->tty && fraction - p->last_fraction < 0.1 && t - p->last_print < 30) return;
    if (!final && p->tty && t - p->last_print < 0.2) return;
    char eta[16], el[16];
    format_time(eta, sizeof eta, fraction > 0 ? elapsed * (1 - fraction) / fraction : -1);
    format_time(el, sizeof el, elapsed);
    double rate = elapsed > 0 ? (double)c[1] / elapsed : 0;
    if (p->tty) {
        char bar[31];
        int fill = (int)(fraction * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[30] = 0;
        fprintf(p->out, "\r[%s] %lld/%lld units  %.0f tok/s  elapsed %s  ETA %s%s", bar, (long long)c[0],
                (long long)p->total_units, rate, el, eta, final ? "\n" : "");
    } else {
        fprintf(p->out, "progress: %lld/%lld units (%.0f%% of the estimated work), %.0f tok/s, elapsed %s, ETA %s\n",
                (long long)c[0], (long long)p->total_units, 100 * fraction, rate, el, eta);
    }
    fflush(p->out);
    p->last_print = t;
    p->last_fraction = fraction;
}

void progress_add(Progress *p, int64_t tokens, double cost)
{
    int64_t add[3] = {1, tokens, (int64_t)(cost / 1e6 + 0.5)};
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, p->win);
    MPI_Accumulate(add, 3, MPI_INT64_T, 0, 0, 3, MPI_INT64_T, MPI_SUM, p->win);
    MPI_Win_unlock(0, p->win);
    if (p->rank == 0) show(p, 0);
}

void progress_finish(Progress *p)
{
    MPI_Barrier(MPI_COMM_WORLD); /* every rank's additions are in */
    if (p->rank == 0) show(p, 1);
    MPI_Win_free(&p->win);
}
