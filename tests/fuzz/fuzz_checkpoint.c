/* libFuzzer harness: the checkpoint loader on arbitrary bytes as a memory image, the way
 * titans-eval's ranks load a broadcast checkpoint. libhdf5 parses them in the loader's sandboxed
 * child, so its crashes and hangs come back as errors; what the fuzzer can find is ours: the
 * precheck, the parent's side of the pipe, the config checks. Seeds: tests/fuzz/corpus/checkpoint
 * (two small fixtures, and the first with its global heap damaged as in tests/fixtures/damaged). */
#include <stddef.h>
#include <stdint.h>

#include "weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static TitansWeights w; /* 0.5 MB: not on the stack */
    TitansConfig cfg;
    TitansError err;
    uint64_t fingerprint;
    if (checkpoint_load("fuzz.h5", data, size, &cfg, &w, &fingerprint, &err) == 0) weights_free(&w);
    titans_config_load_image(data, size, "fuzz.h5", &cfg, &err);
    return 0;
}
