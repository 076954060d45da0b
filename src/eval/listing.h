/* titans-eval --list: the task families and their variants, the suites of evals/ with a line
 * each, and the chosen suite's models and tasks after -s/-t/-M/-c/-S/-O (what would run). */
#ifndef TITANS_EVAL_LISTING_H
#define TITANS_EVAL_LISTING_H

#include <stdio.h>

#include "suite.h"

void listing_print(FILE *out, const char *evals_dir, const Suite *s);

#endif
