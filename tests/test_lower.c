/* data_lower (datasets/common.h), Python's str.lower() for the text metrics, and RULER's metrics
 * (niah_score: string_match_all, string_match_part) on non-ASCII text.
 *
 * Every expected value was computed by Debian's /usr/bin/python3 (3.11, Unicode 14.0), with the
 * bytes b of a case read as Python reads a model's bytes:
 *   L(b) = b.decode('utf-8', 'surrogateescape').lower().encode('utf-8', 'surrogateescape')
 * and RULER's metrics (scripts/eval/synthetic/constants.py after evaluate.py's postprocess_pred):
 *   post = lambda p: re.sub(r'[\x00-\x1f]', '\n', p.strip()).strip()
 *   part = lambda refs, p: max(1.0 if r.lower() in post(p).lower() else 0.0 for r in refs)
 *   all_ = lambda refs, p: sum(1.0 if r.lower() in post(p).lower() else 0.0 for r in refs) / len(refs)
 * e.g. /usr/bin/python3 -c "print('ΟΔΟΣ'.lower(), b'\xffA'.decode('utf-8','surrogateescape').lower())" */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "niah.h"

static const struct {
    const char *in, *want;
} LOWER[] = {
    {"", ""},                                           /* ''.lower() == '' */
    {"MiXeD CaSe 123 ABC xyz", "mixed case 123 abc xyz"}, /* ASCII */
    {"\xc3\x89", "\xc3\xa9"},                           /* 'É'.lower() == 'é' */
    {"\xc3\xa9", "\xc3\xa9"},                           /* 'é'.lower() == 'é' */
    {"\xc4\xb0", "i\xcc\x87"},                          /* 'İ'.lower() == 'i\u0307' */
    {"\xe2\x84\xaa", "k"},                              /* '\u212a'.lower() == 'k' (KELVIN SIGN) */
    {"\xe1\xba\x9e", "\xc3\x9f"},                       /* 'ẞ'.lower() == 'ß' */
    {"\xc3\x9f", "\xc3\x9f"},                           /* 'ß'.lower() == 'ß' */
    {"\xc8\xba", "\xe2\xb1\xa5"},                       /* 'Ⱥ'.lower() == 'ⱥ' (2 bytes -> 3) */
    /* Final_Sigma */
    {"\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x82"}, /* 'ΟΔΟΣ' -> 'οδος' */
    {"\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\x9a\xce\x91\xce\x99",
     "\xce\xbf\xce\xb4\xce\xbf\xcf\x82 \xce\xba\xce\xb1\xce\xb9"},            /* 'ΟΔΟΣ ΚΑΙ' -> 'οδος και' */
    {"\xce\xa3\xce\x91", "\xcf\x83\xce\xb1"},                                 /* 'ΣΑ' -> 'σα' */
    {"\xce\xa3", "\xcf\x83"},                                                 /* 'Σ' -> 'σ' */
    /* the apostrophe is case-ignorable (u8_tolower alone gives "α'σ" and "ας'β") */
    {"\xce\x91'\xce\xa3", "\xce\xb1'\xcf\x82"},         /* "Α'Σ" -> "α'ς" */
    {"\xce\x91\xce\xa3'\xce\x92", "\xce\xb1\xcf\x83'\xce\xb2"}, /* "ΑΣ'Β" -> "ασ'β" */
    {"\xce\x91\xce\xa3\xcd\x85", "\xce\xb1\xcf\x82\xcd\x85"},   /* 'ΑΣ\u0345' -> 'ας\u0345' */
    /* bytes that are not UTF-8 stay as they are; the valid runs between them are lowered */
    {"\xff" "A\xc3(", "\xff" "a\xc3("},                 /* L(b'\xffA\xc3(') */
    {"\xce\x91\xff\xce\xa3", "\xce\xb1\xff\xcf\x83"},   /* L(b'\xce\x91\xff\xce\xa3'): 'α\xffσ' */
    {"\xce\x91\xce\xa3\xff\xce\x92", "\xce\xb1\xcf\x82\xff\xce\xb2"}, /* L(b'\xce\x91\xce\xa3\xff\xce\x92') */
    {"\xe2\x84K", "\xe2\x84k"},                         /* L(b'\xe2\x84K'): a cut KELVIN SIGN */
    {"\xed\xa0\x80X", "\xed\xa0\x80x"},                 /* L(b'\xed\xa0\x80X'): a surrogate's bytes */
    {"\xc0\xaf", "\xc0\xaf"},                           /* L(b'\xc0\xaf'): overlong */
};

static void test_data_lower(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof LOWER / sizeof LOWER[0]; i++) {
        /* into a buffer that fits, into none (malloc'ed), and into one that is too small */
        size_t caps[] = {64, 0, 1};
        for (size_t c = 0; c < 3; c++) {
            char buf[64], *b = caps[c] ? buf : NULL;
            size_t len = 12345;
            char *t = data_lower(LOWER[i].in, strlen(LOWER[i].in), b, caps[c], &len);
            assert_non_null(t);
            if (len != strlen(LOWER[i].want) || memcmp(t, LOWER[i].want, len + 1) != 0)
                fail_msg("case %zu, cap %zu: %zu bytes", i, caps[c], len);
            if (t != b) free(t);
        }
    }
}

/* A long text goes past the caller's buffer: the same as lowering its pieces, and NUL-ended. */
static void test_data_lower_long(void **st)
{
    (void)st;
    enum { REPS = 3000 };
    const char *piece = "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xc4\xb0\xff"; /* 'ΟΔΟΣ İ' and a stray byte */
    const char *want = "\xce\xbf\xce\xb4\xce\xbf\xcf\x82 i\xcc\x87\xff";
    size_t pn = strlen(piece), wn = strlen(want);
    char *in = malloc(pn * REPS + 1);
    assert_non_null(in);
    for (int k = 0; k < REPS; k++) memcpy(in + (size_t)k * pn, piece, pn);
    char buf[100];
    size_t len;
    char *t = data_lower(in, pn * REPS, buf, sizeof buf, &len);
    assert_non_null(t);
    assert_true(t != buf);
    assert_int_equal(len, wn * REPS);
    for (int k = 0; k < REPS; k++) assert_memory_equal(t + (size_t)k * wn, want, wn);
    assert_int_equal(t[len], 0);
    free(t);
    free(in);
}

static const struct {
    int match_part;
    const char *answers[2]; /* NULL-ended when one */
    const char *prediction;
    double want;
} SCORES[] = {
    {1, {"\xc3\x89mile"}, "\xc3\x89MILE", 1.0},                 /* part(['Émile'], 'ÉMILE') */
    {1, {"\xc3\x89mile"}, "\xc3\xa9mile", 1.0},                 /* part(['Émile'], 'émile') */
    {1, {"\xc3\xa9mile"}, "\xc3\x89MILE", 1.0},                 /* part(['émile'], 'ÉMILE') */
    {1, {"Stra\xc3\x9f" "e"}, "STRASSE", 0.0},                  /* part(['Straße'], 'STRASSE') */
    {1, {"STRA\xe1\xba\x9e" "E"}, "stra\xc3\x9f" "e", 1.0},     /* part(['STRAẞE'], 'straße') */
    {1, {"\xc4\xb0stanbul"}, "istanbul", 0.0},                  /* part(['İstanbul'], 'istanbul') */
    {1, {"\xc4\xb0stanbul"}, "\xc4\xb0STANBUL", 1.0},           /* part(['İstanbul'], 'İSTANBUL') */
    {1, {"\xe2\x84\xaa" "elvin"}, "KELVIN", 1.0},               /* part(['\u212aelvin'], 'KELVIN') */
    {1, {"\xce\x9f\xce\x94\xce\x9f\xce\xa3"}, "\xce\xb7 \xce\x9f\xce\x94\xce\x9f\xce\xa3", 1.0},
                                                                /* part(['ΟΔΟΣ'], 'η ΟΔΟΣ') */
    {1, {"\xce\x9f\xce\x94\xce\x9f\xce\xa3"}, "\xce\x9f\xce\x94\xce\x9f\xce\xa3\xce\x91", 0.0},
                                                                /* part(['ΟΔΟΣ'], 'ΟΔΟΣΑ') */
    {1, {"\xce\x9f\xce\x94\xce\x9f\xce\xa3"}, "\xce\x9f\xce\x94\xce\x9f\xce\xa3.", 1.0},
                                                                /* part(['ΟΔΟΣ'], 'ΟΔΟΣ.') */
    {1, {"\xce\xbf\xce\xb4\xce\xbf\xcf\x83"}, "\xce\x9f\xce\x94\xce\x9f\xce\xa3", 0.0},
                                                                /* part(['οδοσ'], 'ΟΔΟΣ') */
    {1, {"\xc3\x89mile"}, "\xff\xc3\x89MILE\xc3", 1.0},         /* part(['Émile'], L(b'\xffÉMILE\xc3')) */
    {1, {"\xc3\xa9"}, "\xc3", 0.0},                             /* part(['é'], L(b'\xc3')) */
    {1, {"\xc3\xa9"}, "\xc3\xff\xa9", 0.0},                     /* part(['é'], L(b'\xc3\xff\xa9')) */
    {1, {""}, "", 1.0},                                         /* part([''], '') */
    {1, {"x"}, "", 0.0},                                        /* part(['x'], '') */
    {0, {"", "a"}, "b", 0.5},                                   /* all_(['', 'a'], 'b') */
    {0, {"\xc3\x89mile", "\xce\x9f\xce\x94\xce\x9f\xce\xa3"},
     "\xc3\xa9mile and \xce\xbf\xce\xb4\xce\xbf\xcf\x82", 1.0}, /* all_(['Émile', 'ΟΔΟΣ'], 'émile and οδος') */
    {0, {"\xc3\x89mile", "Zola"}, "\xc3\x89MILE", 0.5},         /* all_(['Émile', 'Zola'], 'ÉMILE') */
    {1, {"Denver Broncos"}, "dEnVeR bRoNcOs", 1.0},             /* part(['Denver Broncos'], 'dEnVeR bRoNcOs') */
    {1, {"\xc3\xa9mile"}, "\x01 \xc3\x89MILE\x02 ", 1.0},       /* part(['émile'], '\x01 ÉMILE\x02 ') */
};

static void test_ruler_metrics(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof SCORES / sizeof SCORES[0]; i++) {
        char *answers[2] = {(char *)SCORES[i].answers[0], (char *)SCORES[i].answers[1]};
        TextSample s = {.answers = answers, .n_answers = answers[1] ? 2 : 1, .match_part = SCORES[i].match_part};
        double v = niah_score(&s, SCORES[i].prediction);
        if (v != SCORES[i].want) fail_msg("case %zu: %g, Python %g", i, v, SCORES[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_lower),
        cmocka_unit_test(test_data_lower_long),
        cmocka_unit_test(test_ruler_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
