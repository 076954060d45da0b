/* Fuzz target `gue`: the GUE CSV loader (genomics_load_csv, datasets/genomics.c) on any file,
 * then what the harness does with a loaded set: every sample's tokens and an accuracy. */
#include "fuzz.h"

#include "genomics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    DataError err;
    GenomicsSet set;
    if (genomics_load_csv(path, &set, &err) == 0) {
        FUZZ_CHECK(set.n >= 1 && set.n_classes >= 1 && set.offset[0] == 0);
        for (int c = 0; c < set.n_classes; c++) FUZZ_CHECK(set.class_names[c] != NULL);
        GenomicsAccuracy acc = {0};
        for (int64_t i = 0; i < set.n; i++) {
            int64_t len = genomics_length(&set, i);
            FUZZ_CHECK(len >= 1 && set.offset[i + 1] <= set.offset[set.n]);
            FUZZ_CHECK(set.label[i] >= 0 && set.label[i] < set.n_classes);
            int32_t *tok = malloc((size_t)len * sizeof *tok);
            if (!tok) abort();
            genomics_tokens(&set, i, tok);
            for (int64_t k = 0; k < len; k++) FUZZ_CHECK(tok[k] >= 0 && tok[k] <= 4);
            float logits[2] = {(float)tok[0], (float)tok[len - 1]};
            genomics_accuracy_add(&acc, logits, 2, set.label[i]);
            free(tok);
        }
        FUZZ_CHECK(acc.total == set.n);
        FUZZ_NOTE("%lld sequences, %d classes", (long long)set.n, set.n_classes);
        genomics_free(&set);
    } else {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(err.msg[0] != '\0');
    }
    return 0;
}
