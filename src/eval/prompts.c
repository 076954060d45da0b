#include "prompts.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void prompts_free(Prompts *p)
{
    free(p->row);
    free(p->text);
    free(p->offset);
    free(p->bytes);
    free(p->xxh3);
    free(p->stored);
    memset(p, 0, sizeof *p);
}

/* The rows by cell: open addressing on the cells' sample keys, 2x the units, -1 empty. */
typedef struct {
    uint64_t *key;
    int64_t *row, cap;
} CellIndex;

static int64_t *slot(CellIndex *x, uint64_t key)
{
    int64_t i = (int64_t)(key % (uint64_t)x->cap);
    while (x->row[i] >= 0 && x->key[i] != key) i = (i + 1) % x->cap;
    x->key[i] = key;
    return &x->row[i];
}

/* Appends one prompt as row p->n: whole if it fits the limit, else its length and hash. */
static int add_row(Prompts *p, size_t *text_cap, const char *prompt, size_t len, int64_t limit)
{
    int whole = (int64_t)len <= limit;
    if (whole && p->offset[p->n] + (int64_t)len > (int64_t)*text_cap) {
        size_t cap = 2 * *text_cap + len;
        char *more = realloc(p->text, cap);
        if (!more) return -1;
        p->text = more, *text_cap = cap;
    }
    if (whole) memcpy(p->text + p->offset[p->n], prompt, len);
    p->bytes[p->n] = (int64_t)len;
    p->xxh3[p->n] = XXH3_64bits(prompt, len);
    p->stored[p->n] = (int8_t)whole;
    p->offset[p->n + 1] = p->offset[p->n] + (whole ? (int64_t)len : 0);
    p->n++;
    return 0;
}

static int allocate(Prompts *p, CellIndex *x, int64_t units)
{
    size_t n = (size_t)(units ? units : 1);
    x->cap = 2 * (int64_t)n + 1;
    x->key = malloc(sizeof *x->key * (size_t)x->cap);
    x->row = malloc(sizeof *x->row * (size_t)x->cap);
    p->row = malloc(sizeof *p->row * n);
    p->offset = calloc(n + 1, sizeof *p->offset);
    p->bytes = malloc(sizeof *p->bytes * n);
    p->xxh3 = malloc(sizeof *p->xxh3 * n);
    p->stored = malloc(sizeof *p->stored * n);
    if (!x->key || !x->row || !p->row || !p->offset || !p->bytes || !p->xxh3 || !p->stored) return -1;
    memset(x->row, 0xff, sizeof *x->row * (size_t)x->cap); /* every slot -1: empty */
    return 0;
}

int prompts_collect(Workspace *ws, const UnitList *l, int64_t limit, Prompts *p, DataError *err)
{
    CellIndex x = {0};
    size_t text_cap = 0;
    memset(p, 0, sizeof *p);
    int rc = allocate(p, &x, l->n) == 0 ? 0 : (data_error(err, "out of memory for the prompts' index"), -1);
    for (int64_t i = 0; rc == 0 && i < l->n; i++) {
        char *prompt = NULL;
        size_t len = 0;
        int64_t *row = slot(&x, run_sample_key(ws->suite, &l->v[i]));
        if (*row >= 0) {
            p->row[i] = *row;
            continue;
        }
        int got = run_prompt(ws, &l->v[i], &prompt, &len, err);
        if (got < 0) rc = -1;
        else if (got > 0) p->row[i] = -1; /* no prompt: the slot stays empty */
        else if (add_row(p, &text_cap, prompt, len, limit) != 0)
            rc = (data_error(err, "out of memory for the prompts (%lld bytes so far)", (long long)p->offset[p->n]), -1);
        else p->row[i] = *row = p->n - 1;
        free(prompt);
    }
    free(x.key);
    free(x.row);
    if (rc != 0) prompts_free(p);
    return rc;
}
