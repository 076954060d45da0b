/* The unit list and its longest-processing-time assignment: ids, determinism, balance, and more
 * ranks than units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "units.h"

static void fill(UnitList *l, const double *costs, int n)
{
    for (int i = 0; i < n; i++) {
        Unit u = {.cost = costs[i], .depth = -1};
        assert_int_equal(units_push(l, u), 0);
    }
}

static void test_ids_follow_the_order(void **st)
{
    (void)st;
    UnitList l = {0};
    double c[300];
    for (int i = 0; i < 300; i++) c[i] = i % 7;
    fill(&l, c, 300); /* crosses the first growth of the array */
    for (int i = 0; i < 300; i++) assert_int_equal(l.v[i].id, i);
    units_free(&l);
}

static void test_lpt_on_a_hand_worked_case(void **st)
{
    (void)st;
    /* costs 5 4 3 3 2 2 1 (ids 0..6) on 3 ranks, loads after each step in brackets:
     * id0 -> r0 [5 0 0], id1 -> r1 [5 4 0], id2 -> r2 [5 4 3], id3 -> r2 [5 4 6],
     * id4 -> r1 [5 6 6], id5 -> r0 [7 6 6], id6 -> r1 (tie with r2, lowest wins) [7 7 6] */
    const double c[] = {5, 4, 3, 3, 2, 2, 1};
    UnitList l = {0};
    fill(&l, c, 7);
    int owner[7];
    double load[3];
    assert_int_equal(units_assign(&l, 3, owner, load), 0);
    const int want[7] = {0, 1, 2, 2, 1, 0, 1};
    assert_memory_equal(owner, want, sizeof want);
    assert_true(load[0] == 7 && load[1] == 7 && load[2] == 6);
    assert_true(units_imbalance(load, 3) > 1.04 && units_imbalance(load, 3) < 1.06); /* 7 / (20/3) */
    units_free(&l);
}

static void test_assignment_is_deterministic_and_complete(void **st)
{
    (void)st;
    UnitList l = {0};
    double c[1000];
    unsigned x = 1;
    for (int i = 0; i < 1000; i++) {
        x = x * 1664525u + 1013904223u;
        c[i] = (double)(x >> 20); /* many ties too */
    }
    fill(&l, c, 1000);
    int a[1000], b[1000];
    double la[4], lb[4];
    assert_int_equal(units_assign(&l, 4, a, la), 0);
    assert_int_equal(units_assign(&l, 4, b, lb), 0);
    assert_memory_equal(a, b, sizeof a);
    double total = 0, sum = 0;
    for (int i = 0; i < 1000; i++) {
        assert_true(a[i] >= 0 && a[i] < 4);
        total += c[i];
    }
    for (int r = 0; r < 4; r++) sum += la[r];
    assert_true(sum == total);
    assert_true(units_imbalance(la, 4) < 1.01); /* LPT on many small jobs is near perfect */
    units_free(&l);
}

static void test_more_ranks_than_units(void **st)
{
    (void)st;
    const double c[] = {2, 1};
    UnitList l = {0};
    fill(&l, c, 2);
    int owner[2];
    double load[5];
    assert_int_equal(units_assign(&l, 5, owner, load), 0);
    assert_true(owner[0] == 0 && owner[1] == 1);
    assert_true(load[2] == 0 && load[3] == 0 && load[4] == 0);
    UnitList empty = {0};
    assert_int_equal(units_assign(&empty, 3, owner, load), 0);
    assert_true(units_imbalance(load, 3) == 1.0);
    units_free(&l);
}

/* The heap gives the assignment of the plain rule (each unit, largest first, to the least-loaded
 * rank, the lowest on ties), costs with many ties included; and the schedule's bound. */
static void test_heap_matches_the_plain_rule(void **st)
{
    (void)st;
    enum { N = 2000 };
    UnitList l = {0};
    double c[N];
    for (int i = 0; i < N; i++) c[i] = (double)((i * 7919) % 13 + 1) * ((i % 5) ? 1 : 100);
    fill(&l, c, N);
    int owner[N], ref[N], order[N];
    double load[64], ref_load[64];
    for (int i = 0; i < N; i++) order[i] = i;
    for (int i = 1; i < N; i++) /* insertion sort: largest first, ids ascending on ties */
        for (int j = i; j > 0 && (c[order[j]] > c[order[j - 1]] || (c[order[j]] == c[order[j - 1]] && order[j] < order[j - 1])); j--) {
            int t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }
    int worlds[] = {1, 2, 3, 7, 64};
    for (int w = 0; w < 5; w++) {
        int world = worlds[w];
        for (int r = 0; r < world; r++) ref_load[r] = 0;
        for (int k = 0; k < N; k++) {
            int best = 0;
            for (int r = 1; r < world; r++)
                if (ref_load[r] < ref_load[best]) best = r;
            ref[order[k]] = best;
            ref_load[best] += c[order[k]];
        }
        assert_int_equal(units_assign(&l, world, owner, load), 0);
        for (int i = 0; i < N; i++) assert_int_equal(owner[i], ref[i]);
        UnitsSchedule sc;
        units_schedule(&l, load, world, &sc);
        assert_true(sc.largest == 1300.0);
        assert_true(sc.bound >= sc.total / world && sc.bound >= sc.largest && sc.makespan >= sc.bound);
    }
    units_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_follow_the_order),
        cmocka_unit_test(test_lpt_on_a_hand_worked_case),
        cmocka_unit_test(test_assignment_is_deterministic_and_complete),
        cmocka_unit_test(test_more_ranks_than_units),
        cmocka_unit_test(test_heap_matches_the_plain_rule),
    };
    return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
