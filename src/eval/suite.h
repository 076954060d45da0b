/* Suite files (evals/NAME.ini): which models run which tasks at which lengths. Parsed with libinih;
 * the text is kept verbatim (it goes into the results file with its hash).
 *
 *   [suite]
 *   name = quick                 ; required
 *   seed = 1234                  ; default 1
 *
 *   [model.mag]                  ; a checkpoint (path relative to the suite file's folder)
 *   checkpoint = ../checkpoints/mag.h5
 *   [model.last]                 ; or a built-in forecaster: naive-zero, naive-last, window-mean
 *   forecaster = naive-last
 *   [model.last-mentioned]       ; or a built-in BABILong answerer: last-mentioned, the label
 *   answerer = last-mentioned    ; named last in the story's facts (babilong_last_mentioned)
 *   column = naive               ; optional, any model: its column in the tables (default: the
 *                                ; name). Forecast checkpoints of one variant, one per horizon,
 *                                ; share a column.
 *
 *   [task.niah]
 *   family = sniah               ; sniah | babilong | genomics | forecast
 *   variants = s-niah-1, s-niah-2 ; sniah: s-niah-1..3 and RULER's task names (niah_multikey_1
 *                                ; ...: datasets/niah.h); babilong: qa1..qa20;
 *                                ; genomics: task folders; forecast: ETTh1 ETTh2 ETTm1 ETTm2 weather
 *   lengths = 1024, 4096         ; sniah/babilong context lengths in the models' tokens, bytes
 *                                ; here (1k, 64k, 1m allowed); forecast: horizons (time steps)
 *   depths = 0, 0.5, 1           ; sniah one-needle tasks only (default: RULER's random depth)
 *   reserve = auto               ; sniah only: bytes of each length kept for the answer, so
 *                                ; the prompt is at most length - reserve. auto (the default):
 *                                ; RULER's tokens_to_generate of the variant (128 niah_* and
 *                                ; s-niah-*, vt 30, fwe 50, cwe 120, qa_1/qa_2 32), which makes
 *                                ; a length RULER's max_seq_length; 0: the prompt takes the
 *                                ; whole length (the meaning before issue 14); or a count of
 *                                ; bytes. A length less its reserve below what a sample needs
 *                                ; is a plan error.
 *   samples = 10                 ; per cell; genomics/forecast: 0 = every sample/window
 *   models = mag, last           ; names of [model.*] sections, or * for all that fit;
 *                                ; forecast: each runs the horizons its head forecasts (a listed
 *                                ; model that forecasts none of them is an error)
 *   without-data = skip          ; error (default) | skip: with no data directory, or with one
 *                                ; that lacks a file only this task needs (cwe's verb list,
 *                                ; qa_1's SQuAD, qa_2's HotpotQA), leave the task out of the
 *                                ; run, saying so in the output and in tables.md (a suite that
 *                                ; still runs on a fresh machine and covers more with more data)
 *
 * A list may go on over indented lines (libinih's continuation lines); no line may be longer than
 * SUITE_MAX_LINE characters, and a key is given once per section. Every error names the suite,
 * the line and the key, and it is the first mistake of the file.
 *
 * Names become paths and file names (results/<suite>, <out>/<task>.csv, plots per model, genomics
 * variants are folders of the data directory), so the suite, model, task and variant names and
 * the columns are 1 to SUITE_NAME - 1 characters of [A-Za-z0-9._-] starting with a letter or
 * digit; a task is not named after a file titans-eval writes (units, tables, results, journal),
 * and two task names differ in more than case. */
#ifndef TITANS_EVAL_SUITE_H
#define TITANS_EVAL_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "units.h"

#define SUITE_MAX_MODELS 128
#define SUITE_MAX_TASKS 32
#define SUITE_MAX_LIST 32
#define SUITE_MAX_LINE 190 /* under libinih's INI_MAX_LINE (200 in Debian's build), newline included */
#define SUITE_NAME 64
#define SUITE_MAX_SECTION 49 /* libinih keeps 50 bytes of a section name (MAX_SECTION), NUL included */

#define SUITE_ANSWERERS "last-mentioned"

typedef struct {
    char name[SUITE_NAME];
    char checkpoint[1024]; /* resolved path, or "" for a built-in forecaster or answerer */
    char forecaster[SUITE_NAME];
    char answerer[SUITE_NAME];     /* a built-in BABILong answerer (SUITE_ANSWERERS), or "" */
    char column[SUITE_NAME];      /* table column; the name unless set */
    int line;                     /* its [model.NAME] line, for messages */
    int excluded;                 /* left out by --models: no task runs it */
} SuiteModel;

typedef struct {
    char name[SUITE_NAME];
    TaskFamily family;
    char variants[SUITE_MAX_LIST][SUITE_NAME];
    int n_variants;
    int64_t lengths[SUITE_MAX_LIST];
    int n_lengths;
    double depths[SUITE_MAX_LIST];
    int n_depths;
    int64_t samples;
    int64_t reserve;              /* sniah: bytes of a length kept for the answer; SUITE_RESERVE_AUTO */
    int models[SUITE_MAX_MODELS]; /* indices into Suite.models */
    int n_models;
    int all_models;               /* models = * */
    int skip_without_data;        /* without-data = skip */
    int line;                     /* its [task.NAME] line, for messages */
    /* the lines of the keys the plan checks against the data and the machine (0: not given) */
    int line_variants, line_lengths, line_samples, line_models, line_reserve;
} SuiteTask;

#define SUITE_RESERVE_AUTO (-1) /* RULER's tokens_to_generate of each variant (niah_ruler_reserve) */

typedef struct {
    char name[SUITE_NAME];
    char source[1024];            /* file name, for messages */
    uint64_t seed;
    SuiteModel models[SUITE_MAX_MODELS];
    int n_models;
    SuiteTask tasks[SUITE_MAX_TASKS];
    int n_tasks;
    char *text;                   /* the suite verbatim (malloc'ed) */
    uint64_t hash;                /* XXH3-64 of text */
} Suite;

/* Parses suite text; source names it in messages and gives the folder for relative paths. */
int suite_parse(const char *text, const char *source, Suite *s, DataError *err);
/* The same for len bytes read from a file: a NUL byte among them is an error (file and line), not
 * the silent end of the suite. */
int suite_parse_bytes(const char *text, size_t len, const char *source, Suite *s, DataError *err);
int suite_load(const char *path, Suite *s, DataError *err);
void suite_free(Suite *s);
/* Why name cannot be a suite, model, task, variant or column name (NULL if it can): it becomes a
 * file or folder name, a CSV field and a table header. buf holds a longer reason. */
const char *suite_bad_name(const char *name, char *buf, size_t len);
/* Leaves out the tasks with drop[i] set (the same on every rank); returns how many. */
int suite_drop_tasks(Suite *s, const uint8_t *drop, char *dropped, size_t len);
/* Drops the tasks marked `without-data = skip` (for a run with no data directory) and writes
 * their names, comma-separated, into skipped. Returns how many it dropped. */
int suite_skip_data_tasks(Suite *s, char *skipped, size_t len);
/* The file (relative to data_dir) that one of task t's variants alone needs and data_dir lacks
 * (niah_task_optional_file: cwe's verb list, qa_1's SQuAD, qa_2's HotpotQA), or NULL. Only a file
 * that does not exist counts: one that cannot be read stays the load's error. */
const char *suite_task_missing_file(const SuiteTask *t, const char *data_dir);
const char *family_name(TaskFamily f);
/* The bytes of each length variant v of task t keeps for the answer: 0 but for sniah, where
 * `reserve = auto` is the variant's RULER number; -1 for a variant that is no sniah task. */
int64_t suite_task_reserve(const SuiteTask *t, int v);

#endif
