/* Fuzz target `babi`: the bAbI task-file parser (babi_parse, datasets/babi.c) on any bytes. A set
 * it accepts must hold what babi.h promises: every sample's facts are statements of its story,
 * its supporting indices point into them, facts_len is their joined length. */
#include "fuzz.h"

#include "babi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    DataError err;
    err.msg[0] = '\0';
    BabiSet set;
    if (babi_parse((const char *)data, size, "qa1_fuzz_test.txt", &set, &err) == 0) {
        FUZZ_CHECK(set.n_samples >= 1);
        FUZZ_NOTE("%d questions", set.n_samples);
        for (int i = 0; i < set.n_samples; i++) {
            const BabiSample *s = &set.samples[i];
            FUZZ_CHECK(s->n_facts >= 1 && s->n_support >= 1 && s->question && s->answer);
            FUZZ_CHECK(s->question[0] && s->answer[0]);
            size_t joined = 0;
            for (int f = 0; f < s->n_facts; f++) {
                FUZZ_CHECK(s->facts[f] && s->facts[f][0]);
                joined += strlen(s->facts[f]) + (f > 0);
            }
            FUZZ_CHECK(joined == s->facts_len);
            for (int k = 0; k < s->n_support; k++) FUZZ_CHECK(s->support[k] >= 0 && s->support[k] < s->n_facts);
        }
        babi_free(&set);
    } else {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(err.msg[0] != '\0');
    }
    return 0;
}
