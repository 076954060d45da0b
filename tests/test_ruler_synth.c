/* RULER's vt, fwe and cwe (datasets/ruler_*.c) pinned against RULER's own code: each prompt's
 * byte length and FNV-1a 64 hash equal what scripts/ruler/synth_reference.py printed running
 * upstream's variable_tracking.py / freq_words_extraction.py / common_words_extraction.py
 * (commit c3f5e3b) with a byte tokenizer on our draws for the same (seed, unit), at RULER's
 * max_seq_length = target_len + tokens_to_generate. CWE uses the small word lists this test
 * writes (the same lists the script was given), its pins are unit 0 (the probe sample). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "niah.h"
#include "testhelp.h"

typedef struct {
    NiahTask task;
    uint64_t seed, unit;
    int64_t target;
    size_t len;
    uint64_t hash;
    const char *answers;
} Pin;

static const Pin PINS[] = {
    {NIAH_VT, 1, 0, 1900, 1896, 0xd28b278691b7c8cbu, "JUQKE MGXDC BJFBK NFDZD YGTTQ"},
    {NIAH_VT, 1, 3, 2500, 2436, 0x3eb80e6e6d727c72u, "AIPZW HVHJS FNLUT RNSYF MVEXS"},
    {NIAH_VT, 7, 5, 4066, 4056, 0x72176948eb27270bu, "MFGVV BKFXA DDVBH HRZDF TNHPO"},
    {NIAH_VT, 7, 9, 8162, 8106, 0x1cc44e2e5d628349u, "FRHBZ XFEEE AAERT NSDZS HYCOL"},
    {NIAH_VT, 2, 11, 16354, 16296, 0x2968435490edeab5u, "VZLIR JOTII YNWLL DYKYL WAOOT"},
    {NIAH_VT, 3, 1, 131042, 130956, 0x17ecce667a75c9b1u, "BJSAG KDXKY NQJAT PLAXZ SZQCF"},
    {NIAH_FWE, 1, 0, 500, 443, 0x812d40a67d537aa6u, "jehkba gttqzj nrekvs"},
    {NIAH_FWE, 1, 2, 1000, 985, 0x14e9dbc88639a398u, "hmldfg uejaex gqtsig"},
    {NIAH_FWE, 5, 1, 4046, 3658, 0xdfc7670e55e2a71au, "vafuha imtxao rrytqs"},
    {NIAH_FWE, 5, 4, 8142, 7082, 0x44ab578a344d27e9u, "oxcoxm qupzlr glwqvf"},
    {NIAH_FWE, 9, 3, 32718, 28001, 0x21ab554c339d0981u, "tqjdne jottvq ulhaio"},
    {NIAH_FWE, 3, 1, 131022, 112214, 0x636ae33a2a447bb4u, "ppwzfa zkiyey bqaepy"},
    {NIAH_CWE, 1, 0, 2100, 2093, 0x090e44f23f03e812u,
     "ilk qiytlw uttmbjyfp qvkke oidxzicfk vvxa fqjihxat vtgnwjhsy vnoygb iayjwdeam"},
    {NIAH_CWE, 4, 0, 3000, 2996, 0x30e4c777c9aefadeu,
     "bkhimazrf dpybfbc egfzlif dtnq dpw nqejpjtd izayysy zwhrfp ashp maznbbpm"},
    {NIAH_CWE, 2, 0, 8000, 7977, 0x1ecae177eeae3ed2u,
     "wpldazxdu fzj qvx zkug ufr fwcjedsmq smdkrjwb tmi yhrpqru svarmm"},
    {NIAH_CWE, 6, 0, 12000, 11956, 0x74f5b4a45838fc75u,
     "ltucnhzm dkakf cywoainfh uozehokrb ikfxw gvmmjkar huiae bajhifwr sfk agoeaq"},
};

/* The word lists scripts/ruler/synth_reference.py was given: word i an LCG's letters. */
static void write_words(const char *path, uint64_t x, int n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        x = (x * 1103515245u + 12345u) % 2147483648u;
        int len = 3 + (int)(x % 7);
        for (int j = 0; j < len; j++) {
            x = (x * 1103515245u + 12345u) % 2147483648u;
            fputc('a' + (int)((x >> 16) % 26), f);
        }
        fputc('\n', f);
    }
    fclose(f);
}

typedef struct {
    char dir[64];
    NiahData *builtin, *data;
} Fixture;

static int setup(void **st)
{
    Fixture *fx = calloc(1, sizeof *fx);
    char path[256];
    const char *const dirs[] = {"ruler-niah", "ruler-niah/wonderwords-v2.2.0", "paul-graham-essays",
                                "paul-graham-essays/essays"};
    assert_int_equal(make_data_dir(fx->dir, "test_ruler_synth", dirs, 4), 0);
    const char *w = "ruler-niah/wonderwords-v2.2.0/";
    const struct { const char *name; uint64_t seed; int n; } L[] = {
        {"nounlist.txt", 1, 400}, {"adjectivelist.txt", 2, 150}, {"verblist.txt", 3, 250}};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s%s", fx->dir, w, L[i].name);
        write_words(path, L[i].seed, L[i].n);
    }
    write_data_file(fx->dir, "paul-graham-essays/essays/a.txt", "One sentence here. Another one there.\n");
    DataError err;
    if (niah_data_load(fx->dir, &fx->data, &err)) fail_msg("%s", err.msg);
    assert_int_equal(niah_data_builtin(&fx->builtin), 0);
    *st = fx;
    return 0;
}

static int teardown(void **st)
{
    Fixture *fx = *st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0) return -1;
    niah_data_free(fx->data);
    niah_data_free(fx->builtin);
    free(fx);
    return 0;
}

static void test_pinned_against_ruler(void **st)
{
    Fixture *fx = *st;
    for (size_t i = 0; i < sizeof PINS / sizeof *PINS; i++) {
        const Pin *p = &PINS[i];
        TextSample s;
        DataError err;
        const NiahData *d = p->task == NIAH_CWE ? fx->data : fx->builtin;
        if (niah_make(d, p->task, p->target, -1, p->seed, p->unit, &s, &err)) fail_msg("%s", err.msg);
        char joined[512] = "";
        for (int a = 0; a < s.n_answers; a++) {
            strcat(joined, a ? " " : "");
            strcat(joined, s.answers[a]);
        }
        if (s.prompt_len != p->len || fnv1a(s.prompt, s.prompt_len) != p->hash || strcmp(joined, p->answers))
            fail_msg("pin %zu (%s %lld): %zu bytes, %016llx, '%s'", i, niah_task_name(p->task),
                     (long long)p->target, s.prompt_len, (unsigned long long)fnv1a(s.prompt, s.prompt_len), joined);
        assert_true((int64_t)s.prompt_len <= p->target);
        assert_true(s.depth == -1);
        /* RULER's string_match_all: all answers 1, half of them 0.5 (cwe 10, vt 5, fwe 3) */
        assert_true(niah_score(&s, joined) == 1.0);
        text_sample_free(&s);
    }
}

/* Every sample fits from the least length; below it, an error; a set depth is an error. */
static void test_lengths_and_errors(void **st)
{
    Fixture *fx = *st;
    NiahTask tasks[] = {NIAH_VT, NIAH_FWE, NIAH_CWE};
    for (int t = 0; t < 3; t++) {
        const NiahData *d = tasks[t] == NIAH_CWE ? fx->data : fx->builtin;
        DataError err;
        int64_t need = niah_min_length(d, tasks[t], &err);
        assert_true(need > 0);
        for (uint64_t u = 0; u < 20; u++) {
            TextSample s;
            if (niah_make(d, tasks[t], need + (int64_t)u * 37, -1, 9, u, &s, &err)) fail_msg("%s", err.msg);
            assert_true((int64_t)s.prompt_len <= need + (int64_t)u * 37);
            text_sample_free(&s);
        }
        TextSample s;
        assert_int_equal(niah_make(d, tasks[t], need - 1 > 363 ? need - 1 : 1, -1, 9, 0, &s, &err), -1);
        assert_non_null(strstr(err.msg, "too short"));
        assert_int_equal(niah_make(d, tasks[t], need, 0.5, 9, 0, &s, &err), -1);
        assert_non_null(strstr(err.msg, "depth"));
    }
    DataError err;
    TextSample s;
    assert_int_equal(niah_make(fx->builtin, NIAH_CWE, 20000, -1, 1, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "verblist.txt"));
    NiahTask k;
    assert_int_equal(niah_task_parse("vt", &k, &err), 0);
    assert_int_equal(k, NIAH_VT);
    assert_int_equal(niah_task_parse("cwe", &k, &err), 0);
    assert_int_equal(niah_task_parse("fwe", &k, &err), 0);
    assert_int_equal(k, NIAH_FWE);
}

/* The sample of (length, reserve) at (seed 9, unit u); fails the test when it cannot be made. */
static TextSample reserved(const NiahData *d, NiahTask t, int64_t length, int64_t reserve, uint64_t u)
{
    TextSample s;
    DataError err;
    if (niah_make_reserved(d, t, length, reserve, -1, 9, u, u, &s, &err))
        fail_msg("%s at %lld, reserve %lld: %s", niah_task_name(t), (long long)length, (long long)reserve, err.msg);
    return s;
}

static void assert_same_sample(TextSample *a, TextSample *b)
{
    assert_int_equal(a->prompt_len, b->prompt_len);
    assert_memory_equal(a->prompt, b->prompt, a->prompt_len);
    text_sample_free(a);
    text_sample_free(b);
}

/* A length that holds the answer too (RULER's max_seq_length): reserve auto is RULER's
 * tokens_to_generate of each task, every prompt fits length - reserve at several lengths and
 * reserves, reserve 0 is niah_make's sample, and where RULER derives nothing more from
 * max_seq_length than the prompt bound (the essay tasks) or takes it as bound + tokens_to_generate
 * (vt, fwe, cwe), auto is niah_make at length - reserve byte for byte. qa_1/qa_2: test_ruler_qa. */
static void test_reserve(void **st)
{
    Fixture *fx = *st;
    static const int RULER[NIAH_N_TASKS] = {128, 128, 128, 128, 128, 128, 128, 128, 30, 120, 50, 32, 32};
    for (int t = 0; t < NIAH_N_TASKS; t++) {
        assert_int_equal(niah_ruler_reserve((NiahTask)t), RULER[t]);
        if (t == NIAH_QA1 || t == NIAH_QA2) continue;
        DataError err;
        int64_t need = niah_min_length(fx->data, (NiahTask)t, &err), r = RULER[t];
        if (need < 0) fail_msg("%s", err.msg);
        const int64_t lengths[] = {need + r, need + r + 333, 4096, 4096 + 64, 9000};
        for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
            int64_t len = lengths[i] < need + r ? need + r : lengths[i];
            for (uint64_t u = 0; u < 3; u++) {
                TextSample a = reserved(fx->data, (NiahTask)t, len, NIAH_RESERVE_AUTO, u);
                TextSample b = reserved(fx->data, (NiahTask)t, len, r, u);
                assert_true((int64_t)a.prompt_len <= len - r && a.max_new == r && a.target_len == len - r);
                if (t == NIAH_VT || t == NIAH_FWE || t == NIAH_CWE || t == NIAH_S2 || t == NIAH_MK1) {
                    TextSample old;
                    if (niah_make(fx->data, (NiahTask)t, len - r, -1, 9, u, &old, &err)) fail_msg("%s", err.msg);
                    assert_same_sample(&a, &old);
                } else {
                    text_sample_free(&a);
                }
                assert_true(b.prompt_len > 0);
                text_sample_free(&b);
                TextSample z = reserved(fx->data, (NiahTask)t, len, 0, u), old;
                if (niah_make(fx->data, (NiahTask)t, len, -1, 9, u, &old, &err)) fail_msg("%s", err.msg);
                assert_same_sample(&z, &old);
                TextSample odd = reserved(fx->data, (NiahTask)t, len + 77, 77, u);
                assert_true((int64_t)odd.prompt_len <= len);
                text_sample_free(&odd);
            }
        }
        TextSample s;
        assert_int_equal(niah_make_reserved(fx->data, (NiahTask)t, r + 1, NIAH_RESERVE_AUTO, -1, 9, 0, 0, &s, &err), -1);
        assert_non_null(strstr(err.msg, "too short"));
        assert_int_equal(niah_make_reserved(fx->data, (NiahTask)t, r, NIAH_RESERVE_AUTO, -1, 9, 0, 0, &s, &err), -1);
        assert_non_null(strstr(err.msg, "leaves no prompt"));
    }
}

/* The noise haystack's step follows RULER's max_seq_length: 25 lines from length 4096 with
 * reserve auto, where niah_make at the same prompt bound (length - 128 < 4096) steps by 5. A
 * sample longer than the probe loses a step: those differ by 20 lines, the others not at all. */
static void test_reserve_step(void **st)
{
    Fixture *fx = *st;
    int differ = 0;
    for (int64_t len = 4096; len < 4096 + 128; len += 8)
        for (uint64_t u = 0; u < 10; u++) {
            TextSample a = reserved(fx->builtin, NIAH_S1, len, NIAH_RESERVE_AUTO, u), b;
            DataError err;
            if (niah_make(fx->builtin, NIAH_S1, len - 128, -1, 9, u, &b, &err)) fail_msg("%s", err.msg);
            size_t lines = (b.prompt_len - a.prompt_len) / 90; /* a noise line and its "\n" */
            differ += a.prompt_len != b.prompt_len;
            assert_true(a.prompt_len <= b.prompt_len && (lines == 0 || lines == 20));
            text_sample_free(&a);
            text_sample_free(&b);
        }
    assert_true(differ > 0);
}

/* A data directory without verblist.txt loads; cwe then names the missing file. */
static void test_missing_verbs(void **st)
{
    Fixture *fx = *st;
    rename_in(fx->dir, "ruler-niah/wonderwords-v2.2.0/verblist.txt", "verbs.txt");
    NiahData *d;
    DataError err;
    if (niah_data_load(fx->dir, &d, &err)) fail_msg("%s", err.msg);
    assert_true(niah_min_length(d, NIAH_CWE, &err) < 0);
    assert_non_null(strstr(err.msg, "ruler-niah/wonderwords-v2.2.0/verblist.txt"));
    TextSample s;
    assert_int_equal(niah_make(d, NIAH_CWE, 20000, -1, 1, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "verblist.txt"));
    assert_true(niah_min_length(d, NIAH_VT, &err) > 0);
    niah_data_free(d);
    write_data_file(fx->dir, "ruler-niah/wonderwords-v2.2.0/verblist.txt", "run\n\nwalk\n");
    if (niah_data_load(fx->dir, &d, &err)) fail_msg("%s", err.msg);
    assert_true(niah_min_length(d, NIAH_CWE, &err) < 0);
    assert_non_null(strstr(err.msg, "verblist.txt:2: empty line"));
    niah_data_free(d);
    rename_in(fx->dir, "verbs.txt", "ruler-niah/wonderwords-v2.2.0/verblist.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_against_ruler),
        cmocka_unit_test(test_lengths_and_errors),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_reserve_step),
        cmocka_unit_test(test_missing_verbs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
