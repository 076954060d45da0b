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

int units_assign(const UnitList *l, int world, int *owner, double *load)
{
    int64_t *order = malloc(sizeof *order * (size_t)(l->n ? l->n : 1));
    if (!order) return -1;
    for (int64_t i = 0; i < l->n; i++) order[i] = i;
    sort_base = l->v;
    qsort(order, (size_t)l->n, sizeof *order, by_cost_desc);
    for (int r = 0; r < world; r++) load[r] = 0.0;
    for (int64_t k = 0; k < l->n; k++) {
        int best = 0; /* least loaded, lowest rank on ties: O(world) per unit is fine at HPC scale */
        for (int r = 1; r < world; r++)
            if (load[r] < load[best]) best = r;
        owner[order[k]] = best;
        load[best] += l->v[order[k]].cost;
    }
    free(order);
    return 0;
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
