/* Fuzz target `suite`: suite_parse (src/eval/suite.c) on any text, as suite_load would give it.
 * A suite it accepts must hold what suite.h promises: names within their fields, counts within
 * their arrays, every listed model an index of a [model.*] section. */
#include "fuzz.h"

#include "suite.h"

static void check_suite(const Suite *s)
{
    FUZZ_CHECK(s->name[0] && strlen(s->name) < SUITE_NAME);
    FUZZ_CHECK(s->n_models >= 0 && s->n_models <= SUITE_MAX_MODELS);
    FUZZ_CHECK(s->n_tasks >= 1 && s->n_tasks <= SUITE_MAX_TASKS);
    FUZZ_CHECK(s->text != NULL);
    for (int i = 0; i < s->n_models; i++) {
        const SuiteModel *m = &s->models[i];
        FUZZ_CHECK(memchr(m->name, 0, sizeof m->name) && memchr(m->column, 0, sizeof m->column));
        FUZZ_CHECK(!m->checkpoint[0] != !m->forecaster[0]);
        FUZZ_CHECK(m->column[0]);
    }
    for (int i = 0; i < s->n_tasks; i++) {
        const SuiteTask *t = &s->tasks[i];
        FUZZ_CHECK((int)t->family >= 0 && (int)t->family < 4);
        FUZZ_CHECK(family_name(t->family) != NULL);
        FUZZ_CHECK(t->n_variants >= 1 && t->n_variants <= SUITE_MAX_LIST);
        FUZZ_CHECK(t->n_lengths >= 0 && t->n_lengths <= SUITE_MAX_LIST);
        FUZZ_CHECK(t->n_depths >= 0 && t->n_depths <= SUITE_MAX_LIST);
        FUZZ_CHECK(t->n_models >= 0 && t->n_models <= SUITE_MAX_LIST);
        FUZZ_CHECK(t->samples >= 0);
        for (int k = 0; k < t->n_variants; k++) FUZZ_CHECK(t->variants[k][0] && memchr(t->variants[k], 0, SUITE_NAME));
        for (int k = 0; k < t->n_lengths; k++) FUZZ_CHECK(t->lengths[k] >= 0);
        for (int k = 0; k < t->n_depths; k++) FUZZ_CHECK(t->depths[k] >= 0.0 && t->depths[k] <= 1.0);
        for (int k = 0; k < t->n_models; k++) FUZZ_CHECK(t->models[k] >= 0 && t->models[k] < s->n_models);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    Suite *s = malloc(sizeof *s); /* large: keep it off the stack */
    if (!s) abort();
    DataError err;
    err.msg[0] = '\0';
    if (suite_parse(text, "evals/fuzz.ini", s, &err) == 0) {
        check_suite(s);
        FUZZ_NOTE("suite %s: %d models, %d tasks", s->name, s->n_models, s->n_tasks);
        char skipped[256];
        int n = s->n_tasks;
        int dropped = suite_skip_data_tasks(s, skipped, sizeof skipped);
        FUZZ_CHECK(dropped >= 0 && s->n_tasks == n - dropped);
    } else {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(err.msg[0] != '\0'); /* every refusal says why */
    }
    suite_free(s);
    free(s);
    free(text);
    return 0;
}
