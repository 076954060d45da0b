/* datasets/punkt.c against NLTK: each expected split is what NLTK 3.8's
 * PunktSentenceTokenizer.tokenize gives with the English model (scripts/ruler/punkt_model.py),
 * sentences joined by " | ". test_niah_data compares the whole essay corpus through RULER's
 * prompts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "punkt.h"

static const struct {
    const char *text, *split;
} CASES[] = {
    {"It was good.[2] Then it was not.", "It was good. | [2] Then it was not."},
    {"Mr. Smith went to Washington. He said no.", "Mr. Smith went to Washington. | He said no."},
    {"I met J. Bach in 1985. Then 3. we left.", "I met J. Bach in 1985. | Then 3. we left."},
    {"He said \"stop.\" Then (he left.) Fine!", "He said \"stop.\" | Then (he left.) | Fine!"},
    {"Wait... What? Yes!! ok.", "Wait... What? | Yes!! | ok."},
    {"In the U.S. most people agree. e.g. this one.",
     "In the U.S. most people agree. | e.g. | this one."},
    {"foo.--bar. Baz", "foo.--bar. | Baz"},
    {"Sept. 5 came. Etc. and so on. No. 5 is here.",
     "Sept. 5 came. | Etc. | and so on. | No. | 5 is here."},
};

static void test_splits_are_nltks(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        PunktSpan *s;
        size_t n;
        assert_int_equal(punkt_spans(&punkt_english, CASES[i].text, strlen(CASES[i].text), &s, &n), 0);
        char got[256] = "";
        for (size_t k = 0; k < n; k++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", k ? " | " : "",
                     (int)(s[k].end - s[k].start), CASES[i].text + s[k].start);
        assert_string_equal(got, CASES[i].split);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_splits_are_nltks)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
