/* What rank 0 records about a run beside its results (results.h5, results.json). */
#ifndef TITANS_EVAL_PROVENANCE_H
#define TITANS_EVAL_PROVENANCE_H

#include <stdint.h>

typedef struct {
    const char *suite_file;           /* as given */
    const char *options;              /* options_echo: one "name = value" line per option */
    const char *git_commit;
    const char *started_utc, *finished_utc;
    const char *checkpoints;          /* "name path xxh3" per line */
    const uint64_t *checkpoint_xxh3;  /* per suite model: xxh3 of its checkpoint's bytes */
    const char *command;              /* the command that makes the run again */
    const char *machine;              /* "host, CPU, N cores online" */
    const char *data_dir;             /* "": built-in data only */
    int world_size;
    int64_t log_samples;              /* --log-samples: prompts stored whole up to this many bytes */
} Provenance;

#endif
