/* Genomics loaders on the real files under $TITANS_DATA: the GUE core-promoter CSVs
 * (gue_prom_core/, counts per split and class from its SOURCE.md, every sequence 70 nt) and the
 * GenomicBenchmarks interval files (genomic_benchmarks_coords/, counts per task, split and class
 * from table 2.3 of shared/research/benchmarks-genomics-timeseries.md). The sequences of
 * GenomicBenchmarks are not in the data directory (they need a reference genome and
 * titans-genomics-rebuild), so only their intervals are checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "genomics.h"
#include "genomics_rebuild.h"

typedef struct {
    const char *task;
    int64_t count[3][2]; /* train dev test; label 0, 1 */
} GueExpect;

static const GueExpect GUE[] = {
    {"prom_core_all", {{23705, 23651}, {2941, 2979}, {2952, 2968}}},
    {"prom_core_notata", {{21284, 21168}, {2601, 2706}, {2648, 2659}}},
    {"prom_core_tata", {{2455, 2449}, {306, 307}, {304, 309}}},
};
static const char *GUE_SPLITS[3] = {"train", "dev", "test"};

typedef struct {
    const char *task;
    const char *classes[3]; /* label order */
    int64_t count[2][3];    /* train test; per class */
} GbExpect;

static const GbExpect GB[] = {
    {"human_enhancers_cohn", {"negative", "positive"}, {{10422, 10421}, {3474, 3474}}},
    {"human_enhancers_ensembl", {"negative", "positive"}, {{61936, 61936}, {15485, 15485}}},
    {"human_ensembl_regulatory", {"enhancer", "ocr", "promoter"},
     {{85512, 69902, 75934}, {21378, 17476, 18859}}},
    {"human_nontata_promoters", {"negative", "positive"}, {{12355, 14742}, {4119, 4915}}},
    {"human_ocr_ensembl", {"negative", "positive"}, {{69902, 69902}, {17476, 17476}}},
    {"demo_human_or_worm", {"human", "worm"}, {{37500, 37500}, {12500, 12500}}},
    {"demo_coding_vs_intergenomic_seqs", {"coding_seqs", "intergenomic_seqs"},
     {{37500, 37500}, {12500, 12500}}},
    {"dummy_mouse_enhancers_ensembl", {"negative", "positive"}, {{484, 484}, {121, 121}}},
    {"drosophila_enhancers_stark", {"negative", "positive"}, {{2592, 2592}, {865, 865}}},
};
static const char *GB_SPLITS[2] = {"train", "test"};

enum { N_GUE = sizeof GUE / sizeof GUE[0], N_GB = sizeof GB / sizeof GB[0] };

static const char *data_dir;

static void test_gue(void **st)
{
    const GueExpect *x = *st;
    char path[4096];
    for (int s = 0; s < 3; s++) {
        snprintf(path, sizeof path, "%s/gue_prom_core/%s/%s.csv", data_dir, x->task, GUE_SPLITS[s]);
        GenomicsSet set;
        DataError err;
        if (genomics_load_csv(path, &set, &err)) fail_msg("%s", err.msg);
        assert_int_equal(set.n_classes, 2);
        int64_t count[2] = {0, 0};
        for (int64_t i = 0; i < set.n; i++) {
            count[set.label[i]]++;
            assert_int_equal(genomics_length(&set, i), 70);
        }
        printf("# %s %s: %lld sequences, %lld / %lld\n", x->task, GUE_SPLITS[s],
               (long long)set.n, (long long)count[0], (long long)count[1]);
        assert_int_equal(count[0], x->count[s][0]);
        assert_int_equal(count[1], x->count[s][1]);
        genomics_free(&set);
    }
}

static void test_gb_intervals(void **st)
{
    const GbExpect *x = *st;
    char path[4096];
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < 3 && x->classes[c]; c++) {
            snprintf(path, sizeof path, "%s/genomic_benchmarks_coords/%s/%s/%s.csv.gz", data_dir,
                     x->task, GB_SPLITS[s], x->classes[c]);
            GenomicsInterval *rows;
            int64_t n;
            DataError err;
            if (genomics_read_intervals(path, &rows, &n, &err)) fail_msg("%s", err.msg);
            assert_int_equal(n, x->count[s][c]);
            genomics_free_intervals(rows, n);
        }
}

static int have_files(void)
{
    data_dir = getenv("TITANS_DATA");
    if (!data_dir) return 0;
    char path[4096];
    for (int i = 0; i < N_GUE; i++)
        for (int s = 0; s < 3; s++) {
            snprintf(path, sizeof path, "%s/gue_prom_core/%s/%s.csv", data_dir, GUE[i].task,
                     GUE_SPLITS[s]);
            if (access(path, R_OK)) return 0;
        }
    for (int i = 0; i < N_GB; i++)
        for (int s = 0; s < 2; s++)
            for (int c = 0; c < 3 && GB[i].classes[c]; c++) {
                snprintf(path, sizeof path, "%s/genomic_benchmarks_coords/%s/%s/%s.csv.gz",
                         data_dir, GB[i].task, GB_SPLITS[s], GB[i].classes[c]);
                if (access(path, R_OK)) return 0;
            }
    return 1;
}

int main(void)
{
    if (!have_files()) {
        printf("1..0 # SKIP no data directory (set TITANS_DATA)\n");
        return 0;
    }
    struct CMUnitTest tests[N_GUE + N_GB];
    for (int i = 0; i < N_GUE; i++)
        tests[i] = (struct CMUnitTest){GUE[i].task, test_gue, NULL, NULL, (void *)&GUE[i]};
    for (int i = 0; i < N_GB; i++)
        tests[N_GUE + i] =
            (struct CMUnitTest){GB[i].task, test_gb_intervals, NULL, NULL, (void *)&GB[i]};
    return cmocka_run_group_tests_name("genomics_data", tests, NULL, NULL);
}
