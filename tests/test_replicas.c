/* Under MPI every rank runs its own replica of the engine. The harness's promise of identical
 * scores whatever the rank count rests on this: the same checkpoint and input give bit-identical
 * outputs on every rank. Each rank loads every fixture, runs it, and the ranks compare a hash of
 * their outputs. Assertions are collective (a verdict is reduced first), so one failing rank
 * cannot leave the others waiting in a collective. */
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include <cmocka.h>

#include "testhelp.h"
#include "titans.h"

static char names[256][128];
static int n_names, rank, world;

/* All ranks agree on cond (logical and). */
static int all_true(int cond)
{
    int all = 0;
    MPI_Allreduce(&cond, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return all;
}

static uint64_t run_fixture(const char *name, int *ok)
{
    TitansModel *m = NULL;
    TitansError err;
    *ok = titans_model_load(fixture_path(name), &m, &err) == 0;
    if (!*ok) return 0;
    const TitansConfig *c = titans_model_config(m);
    TitansState *s = titans_state_new(m, &err);
    float out[4096];
    uint64_t h = 0;
    if (c->input == TITANS_INPUT_SERIES) {
        float *w = malloc(sizeof(float) * (size_t)c->lookback);
        for (int t = 0; t < c->lookback; t++) w[t] = (float)(t % 9) * 0.25f;
        *ok = c->horizon <= 4096 && titans_forecast(m, s, w, 1, out, NULL, &err) == 0;
        h = XXH3_64bits(out, sizeof(float) * (size_t)c->horizon);
        free(w);
    } else {
        int32_t tok[200];
        for (int t = 0; t < 200; t++) tok[t] = (t * 31 + 7) % c->vocab_size;
        float last[256];
        *ok = titans_forward(m, s, tok, 200, NULL, c->head == TITANS_HEAD_LM ? last : NULL, NULL, &err) == 0;
        if (c->head == TITANS_HEAD_LM) h = XXH3_64bits(last, sizeof last);
        else {
            *ok = *ok && titans_classify(m, s, tok, 200, out, &err) == 0;
            h = XXH3_64bits(out, sizeof(float) * (size_t)c->n_classes);
        }
    }
    titans_state_free(s);
    titans_model_free(m);
    return h;
}

static void test_ranks_agree_bitwise(void **st)
{
    (void)st;
    uint64_t *all = malloc(sizeof(uint64_t) * (size_t)world);
    int ok = 1;
    for (int i = 0; i < n_names; i++) {
        int ran;
        uint64_t h = run_fixture(names[i], &ran);
        MPI_Allgather(&h, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
        int same = 1;
        for (int r = 0; r < world; r++) same &= all[r] == all[0];
        if (!all_true(ran && same)) {
            if (rank == 0) printf("# %s: ranks disagree or failed\n", names[i]);
            ok = 0;
        } else if (rank == 0) {
            printf("# %s: %d ranks agree (hash %016llx)\n", names[i], world, (unsigned long long)h);
        }
    }
    free(all);
    assert_true(all_true(ok));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    if (rank != 0 && !freopen("/dev/null", "w", stdout)) MPI_Abort(MPI_COMM_WORLD, 1);
    n_names = list_fixtures(names, 256);
    if (!all_true(n_names > 0)) {
        if (rank == 0) fprintf(stderr, "no fixtures in %s\n", fixture_path(""));
        MPI_Finalize();
        return 1;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ranks_agree_bitwise)};
    int rc = cmocka_run_group_tests_name("replicas", tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}
