#include "units.h"

#include <stdlib.h>
#include <string.h>

int units_push(UnitList *l, Unit u)
{
    if (l->n == l->cap) {
        int64_t cap = l->cap ? 2 * l->cap : 256;
        Unit *v = realloc(l->v, sizeof *v * (size_t)cap);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    u.id = l->n;
    l->v[l->n++] = u;
    return 0;
}

void units_free(UnitList *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static const Unit *sort_base;

/* largest cost first; equal costs by id, so the order is total and the same everywhere */
static int by_cost_desc(const void *a, const void *b)
{
    const Unit *x = &sort_base[*(const int64_t *)a], *y = &sort_base[*(const int64_t *)b];
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* A binary min-heap of ranks by (load, rank): the least-loaded rank, lowest on ties, in O(log
 * world) per unit (10^6 units on 1024 ranks plan in a fraction of a second). */
static int lighter(const double *load, int a, int b) { return load[a] < load[b] || (load[a] == load[b] && a < b); }

static void sift_down(int *heap, int n, const double *load, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && lighter(load, heap[l], heap[m])) m = l;
        if (r < n && lighter(load, heap[r], heap[m])) m = r;
        if (m == i) return;
        int t = heap[i];
        heap[i] = heap[m], heap[m] = t;
        i = m;
    }
}

int units_assign(const UnitList *l, int world, int *owner, double *load)
{
    int64_t *order = malloc(sizeof *order * (size_t)(l->n ? l->n : 1));
    int *heap = malloc(sizeof *heap * (size_t)world);
    if (!order || !heap) {
        free(order);
        free(heap);
        return -1;
    }
    for (int64_t i = 0; i < l->n; i++) order[i] = i;
    sort_base = l->v;
    qsort(order, (size_t)l->n, sizeof *order, by_cost_desc);
    for (int r = 0; r < world; r++) load[r] = 0.0, heap[r] = r; /* equal loads: already a heap */
    for (int64_t k = 0; k < l->n; k++) {
        int best = heap[0];
        owner[order[k]] = best;
        load[best] += l->v[order[k]].cost;
        sift_down(heap, world, load, 0);
    }
    free(order);
    free(heap);
    return 0;
}

void units_schedule(const UnitList *l, const double *load, int world, UnitsSchedule *s)
{
    memset(s, 0, sizeof *s);
    for (int r = 0; r < world; r++) {
        s->total += load[r];
        if (load[r] > s->makespan) s->makespan = load[r];
    }
    for (int64_t i = 0; i < l->n; i++)
        if (l->v[i].cost > s->largest) s->largest = l->v[i].cost;
    s->bound = s->total / world > s->largest ? s->total / world : s->largest;
}

double units_imbalance(const double *load, int world)
{
    double total = 0.0, max = 0.0;
    for (int r = 0; r < world; r++) {
        total += load[r];
        if (load[r] > max) max = load[r];
    }
    return total > 0.0 ? max / (total / world) : 1.0;
}
