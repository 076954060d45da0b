/* titans-eval's command line: one table drives parsing, --help and the echo of every effective
 * value (which goes into the results as provenance), as in hpc/ior. */
#ifndef TITANS_EVAL_OPTIONS_H
#define TITANS_EVAL_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

typedef struct {
    char suite[1024];      /* suite file */
    char data_dir[1024];   /* datasets folder; "" = built-in data only */
    char out[1024];        /* output folder */
    char memory_path[16];  /* chunked | sequential */
    int64_t limit;         /* at most this many units (0 = all): a smoke run */
    int64_t log_samples;   /* prompts stored whole in results.h5 up to this many bytes (0: none) */
    int restart;           /* discard earlier attempts' records in out */
    int dry_run;           /* print the plan and the assignment, run nothing */
    int help;
} EvalOptions;

/* Defaults, then the environment (TITANS_DATA), then argv. 0 ok; 1 after --help (printed);
 * -1 with a message in err on a bad option. */
int options_parse(int argc, char **argv, EvalOptions *o, const char *default_suite, char *err, size_t len);
void options_usage(FILE *out);
/* "name = value" lines of every option, for the results' provenance. */
void options_echo(const EvalOptions *o, char *buf, size_t len);
/* The same for the options that change a unit's record (the resume identity). */
void options_identity(const EvalOptions *o, char *buf, size_t len);

#endif
