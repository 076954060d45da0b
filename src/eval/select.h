/* Choosing what runs from the command line, as lm-evaluation-harness users expect.
 *
 *   -s NAME          evals/NAME.ini when NAME is not a file
 *   -O SEC.KEY=VAL   edits the suite text before it is parsed: the effective text is what is
 *                    hashed, kept in the results and part of the resume identity
 *   -t / -M GLOBS    keep the tasks / models whose names match (fnmatch), comma-separated
 *   -S N             at most N samples per cell
 *   -c [NAME=]FILE   these checkpoints instead of the suite's models, on every task they fit
 * Every rank applies the same options to the same text, with the same result. */
#ifndef TITANS_EVAL_SELECT_H
#define TITANS_EVAL_SELECT_H

#include "options.h"
#include "suite.h"

/* The suite file for -s: the argument if it names a file, else <evals_dir>/<arg>.ini. */
void select_suite_path(const char *arg, const char *evals_dir, char *path, size_t len);
/* The suite text with the -O overrides applied (malloc'ed; *len its length), or NULL with err
 * naming the override that cannot apply. */
char *select_override(const char *text, size_t n, const char *overrides, size_t *len, DataError *err);
/* -c, -t, -M and -S on a parsed suite. 0, or -1 with err naming the option. */
int select_apply(Suite *s, const EvalOptions *o, DataError *err);
/* Whether any option narrows the suite's models (then a task none of them fits is left out
 * instead of being an error). */
int select_narrows_models(const EvalOptions *o);

#endif
