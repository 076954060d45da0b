/* titans-eval's command line: one table drives parsing, --help (grouped, with defaults and
 * examples) and the echo of every effective value (which goes into the results as provenance,
 * and, for the options that change a record, into the resume identity), as in hpc/ior; the
 * machinery, shared with titans-data, is src/util/optable.c. */
#ifndef TITANS_EVAL_OPTIONS_H
#define TITANS_EVAL_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define OPTIONS_LIST 8192 /* a repeatable option's values, one per line */

typedef struct {
    char suite[1024];          /* suite name (evals/NAME.ini) or file */
    char tasks[1024];          /* comma-separated names or globs; "" = all */
    char models[1024];         /* the same for models */
    char checkpoints[OPTIONS_LIST]; /* [NAME=]FILE lines: these instead of the suite's models */
    char overrides[OPTIONS_LIST];   /* section.key=value lines applied to the suite text */
    int64_t samples;           /* at most this many samples per cell (0 = the suite's) */
    int64_t limit;             /* at most this many units (0 = all): a smoke run */
    char data_dir[1024];       /* datasets folder; "" = built-in data only */
    char memory_path[16];      /* chunked | sequential */
    char weights[16];          /* float32 | bf16 */
    char out[1024];            /* output folder; "" = runs/<suite name> */
    int restart;               /* discard earlier attempts' records in out */
    int64_t log_samples;       /* prompts stored whole in results.h5 up to this many bytes (0: none) */
    int64_t save_interval;     /* seconds between saves of a long unit's state */
    char progress[8];          /* bar | lines | none | "" (bar on a terminal, else lines) */
    int list;                  /* print families, suites and the suite's models and tasks */
    int dry_run;               /* print the plan and the assignment, run nothing */
    char ranks[256];           /* with dry_run: rank counts to schedule for, comma-separated */
    int version;
    int help;
} EvalOptions;

/* Defaults, then the environment (TITANS_DATA), then argv. 0 ok; 1 after --help or --version
 * (the caller prints); -1 with a message in err on a bad option. */
int options_parse(int argc, char **argv, EvalOptions *o, char *err, size_t len);
void options_usage(FILE *out);
/* "name = value" lines of every option, for the results' provenance. */
void options_echo(const EvalOptions *o, char *buf, size_t len);
/* The same for the options that change a unit's record (the resume identity). */
void options_identity(const EvalOptions *o, char *buf, size_t len);
/* The same for the options that select units (-t, -M, -c, -S, -O, -l): their effect is in the
 * plan and the suite text, so they are not hashed again, only named when records change. */
void options_selection(const EvalOptions *o, char *buf, size_t len);

#endif
