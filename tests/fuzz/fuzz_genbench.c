/* Fuzz target `genbench`: the GenomicBenchmarks loaders of datasets/genomics.c over a folder tree
 * written from the input (the "@@ PATH" archive of tests/fuzz/fuzz.h):
 *
 *   - seqs/: genomics_load_dir(seqs, "train") and (.., "test"), the full-sequence layout
 *     <split>/<class>/<id>.txt;
 *   - intervals/ and ref.fa (with ref.fa.fai when given, else the index it builds): the rebuild,
 *     genomics_rebuild(intervals, out, {every class: ref.fa}) (interval files
 *     <split>/<class>.csv[.gz], the FASTA index and fetches), then genomics_load_dir on what it
 *     wrote, as titans-genomics-rebuild and the harness do one after the other. */
#include "fuzz.h"

#include "genomics.h"
#include "genomics_rebuild.h"

static void load_split(const char *dir, const char *split)
{
    GenomicsSet set;
    DataError err;
    err.msg[0] = '\0';
    if (genomics_load_dir(dir, split, &set, &err) != 0) {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(err.msg[0] != '\0');
        return;
    }
    FUZZ_CHECK(set.n >= 1 && set.n_classes >= 1 && set.offset[0] == 0);
    FUZZ_NOTE("%s/%s: %lld sequences, %d classes", dir, split, (long long)set.n, set.n_classes);
    for (int64_t i = 0; i < set.n; i++) {
        FUZZ_CHECK(genomics_length(&set, i) >= 1);
        FUZZ_CHECK(set.label[i] >= 0 && set.label[i] < set.n_classes);
        for (int64_t k = set.offset[i]; k < set.offset[i + 1]; k++) FUZZ_CHECK(set.bases[k] <= 4);
    }
    genomics_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *root = fuzz_tree_reset();
    if (fuzz_tree_write(root, data, size) == 0) return 0;
    char dir[PATH_MAX], out[PATH_MAX], fasta[PATH_MAX];
    fuzz_join(dir, root, "seqs");
    load_split(dir, "train");
    load_split(dir, "test");

    fuzz_join(dir, root, "intervals");
    fuzz_join(out, root, "out");
    fuzz_join(fasta, root, "ref.fa");
    GenomicsRef ref = {NULL, fasta};
    GenomicsRebuildStats stats;
    DataError err;
    err.msg[0] = '\0';
    if (genomics_rebuild(dir, out, &ref, 1, &stats, &err) == 0) {
        FUZZ_NOTE("rebuilt %lld + %lld sequences", (long long)stats.written[0], (long long)stats.written[1]);
        FUZZ_CHECK(stats.written[0] >= 0 && stats.written[1] >= 0 && stats.odd >= 0);
        load_split(out, "train");
        load_split(out, "test");
    } else {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(err.msg[0] != '\0');
    }
    return 0;
}
