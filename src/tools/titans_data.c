/* titans-data: writes the samples titans-eval makes (S-NIAH, BABILong) or loads (genomics,
 * forecasting) to an HDF5 file, so that the Python trainer (scripts/train/) trains on exactly
 * the data the evaluator uses: the same generators and loaders, called the same way, on
 * training splits.
 *
 *   titans-data --family sniah --variant s-niah-1 --length 512 --count 1000 --seed 777 --out F.h5
 *   titans-data --family babilong --variant qa1 --length 0 --count 1000 --seed 777 --split train ...
 *   titans-data --family genomics --variant prom_core_all --split train --data-dir DIR --out F.h5
 *   titans-data --family forecast --variant ETTh1 --data-dir DIR --out F.h5
 *
 * One option table drives parsing, --help and the echo of the effective values (stored in the
 * file as provenance), through the machinery titans-eval uses too (src/util/optable.c); it also
 * says which families an option applies to and where it is required, so an option that means
 * nothing for a family is an error rather than silently ignored. The layout of each family's file is in USAGE below.
 *
 * Text samples: sample i is niah_make / babilong_make(..., seed, unit = first + i). titans-eval
 * keys its samples by a hash of the cell (task, variant, length, depth, sample), so small units
 * never meet an evaluated sample; a seed of its own (not the suite's) keeps it that way for the
 * generators. The target a model is trained to produce is " " + answer + ".\n": the prompts end
 * with "... text is" (S-NIAH) or the question (BABILong), and titans-eval's greedy generation
 * stops at '\n'. Every target is checked to score 1 with the task's metric. RULER's qa_1/qa_2
 * ask the questions of SQuAD's and HotpotQA's dev files, unit mod their count (the data has no
 * training split here): their samples are titans-eval's questions, to look at, not to train on.
 *
 * The file is written as OUT.tmp.<pid> and renamed to OUT when complete (and fsync'ed), so a
 * killed run never leaves a partial OUT; SIGINT, SIGTERM and SIGHUP also remove the temporary.
 * Exit status: 0 written, 1 data or output error, 2 usage error. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "babilong.h"
#include "forecast.h"
#include "genomics.h"
#include "niah.h"
#include "optable.h"

#ifndef TITANS_GIT_COMMIT
#define TITANS_GIT_COMMIT "unknown"
#endif

#define PROG "titans-data"

/* ---- options ------------------------------------------------------------------------------- */

enum { SNIAH = 1, BABILONG = 2, GENOMICS = 4, FORECAST = 8, TEXT = SNIAH | BABILONG, ALL = 15 };
static const char *const FAMILY_NAMES[4] = {"sniah", "babilong", "genomics", "forecast"};

typedef struct {
    char family[16];
    char variant[256];
    int64_t length, count, first, lookback;
    char seed[32];    /* checked and parsed into seed_value */
    char depth[32];   /* checked and parsed into depth_value */
    char reserve[32]; /* checked and parsed into reserve_value */
    char split[8];
    char data_dir[1024];
    char out[1024];
    int help;
    /* derived */
    int fam;          /* SNIAH .. FORECAST */
    uint64_t seed_value;
    double depth_value;
    int64_t reserve_value; /* bytes, or NIAH_RESERVE_AUTO */
} DataOptions;

/* OptSpec.mask: the families an option applies to; OptSpec.required: those it must be given for. */
#define FIELD(f) OPTABLE_FIELD(DataOptions, f)

static const OptSpec OPTIONS[] = {
    {"family", 'f', OPT_TEXT, "FAMILY", "sniah, babilong, genomics or forecast", NULL, FIELD(family), NULL, ALL, ALL},
    {"variant", 'v', OPT_TEXT, "NAME",
     "sniah: s-niah-1|s-niah-2|s-niah-3; babilong: qa1..qa20; genomics: the task folder "
     "(e.g. prom_core_all); forecast: ETTh1|ETTh2|ETTm1|ETTm2|weather", NULL, FIELD(variant), NULL, ALL, ALL},
    {"length", 'l', OPT_COUNT, "BYTES",
     "length in bytes, as a suite's lengths: the prompt is at most length - reserve (babilong: the "
     "prompt's bound; 0 = no background)", NULL, FIELD(length), NULL, TEXT, TEXT},
    {"count", 'n', OPT_COUNT, "N", "number of samples (>= 1)", NULL, FIELD(count), NULL, TEXT, TEXT},
    {"first", 'F', OPT_COUNT, "U", "unit of the first sample; sample i has unit U + i", "0", FIELD(first), NULL,
     TEXT, 0},
    {"seed", 's', OPT_TEXT, "S", "generator seed, 0..2^64-1; use one that no suite uses", NULL, FIELD(seed), NULL,
     TEXT, TEXT},
    {"depth", 'D', OPT_TEXT, "D", "needle depth in [0, 1], or -1: drawn as RULER does", "-1", FIELD(depth), NULL,
     SNIAH, 0},
    {"reserve", 'r', OPT_TEXT, "N|auto",
     "bytes of --length kept for the answer: the prompt is at most length - N; auto: RULER's "
     "tokens_to_generate of the variant (128 s-niah-*, vt 30, fwe 50, cwe 120, qa 32), a suite's "
     "`reserve = auto`; 0: the prompt takes the whole length (the trainer's samples)", "0", FIELD(reserve), NULL,
     SNIAH, 0},
    {"split", 'S', OPT_TEXT, "SPLIT",
     "babilong: train|test (bAbI en-10k files; without --data-dir only train: the generator); "
     "genomics: train|dev|test (dev: CSV layout only)", "train", FIELD(split), NULL, BABILONG | GENOMICS,
     GENOMICS},
    {"lookback", 'b', OPT_COUNT, "L", "lookback whose val/test row ranges are stored", "96", FIELD(lookback), NULL,
     FORECAST, 0},
    {"data-dir", 'd', OPT_TEXT, "DIR",
     "datasets folder; sniah/babilong without it: built-in data (titans-eval defaults to "
     "$TITANS_DATA: pass the same folder)", NULL, FIELD(data_dir), NULL, ALL, GENOMICS | FORECAST},
    {"out", 'o', OPT_TEXT, "FILE", "HDF5 file to write (replaced when complete)", NULL, FIELD(out), NULL, ALL, ALL},
    {"help", 'h', OPT_FLAG, NULL, "this text", NULL, FIELD(help), NULL, ALL, 0},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])
static void family_note(const OptSpec *o, char *buf, size_t len);
static const OptTable TABLE = {OPTIONS, N_OPTIONS, 24, 72, family_note};

static const char LAYOUT[] =
    "Every file has the attributes command_line, options (one 'name = value' line per option\n"
    "of the family), tool_version, git_commit, family, variant, source (what was read), and:\n"
    "\n"
    "sniah, babilong: sample i is niah_make/babilong_make(data, variant, length, [depth,] seed,\n"
    "  unit = first + i); the byte strings of all samples back to back, sample i in\n"
    "  X[X_offset[i] : X_offset[i+1]]:\n"
    "    prompt, prompt_offset    uint8, int64 [count+1]  the prompt the model reads (<= length -\n"
    "                             reserve)\n"
    "    answer, answer_offset    uint8, int64 [count+1]  the answers the metric looks for, '|'-joined\n"
    "    target, target_offset    uint8, int64 [count+1]  what to train the model to generate after\n"
    "                             the prompt: ' ' + answer + '.\\n' (generation stops at '\\n';\n"
    "                             checked to score 1 with niah_score / babilong_score)\n"
    "    unit int64 [count], depth float64 [count] (needle / newest fact depth, -1: none)\n"
    "  attributes length, count, first, seed, depth (asked), reserve (sniah: bytes in effect), split,\n"
    "  max_new.\n"
    "genomics: <data-dir>/gue_prom_core/<variant>/<split>.csv when <variant>/test.csv exists\n"
    "  (titans-eval's rule), else <data-dir>/genomic_benchmarks/<variant>/<split>/<class>/*.txt:\n"
    "    tokens uint8 (codes A0 C1 G2 T3 N4, all sequences back to back), offset int64 [n+1],\n"
    "    label int32 [n]; attributes n_classes, class_names, split, alphabet.\n"
    "forecast: <data-dir>/ETT-small/<name>.csv or weather/weather.csv, as titans-eval loads it:\n"
    "    data float32 [rows, channels], z-scored with the train rows' mean and std (all rows);\n"
    "  attributes rows, channels, column_names, mean, std (float64 [channels]), lookback,\n"
    "  split_train_rows, split_val_rows, split_test_rows (int64 [begin, end)) and\n"
    "  window_i_of_split_reads: window i of a split with rows [begin, end) reads input rows\n"
    "  [begin+i, begin+i+lookback) and target rows [begin+i+lookback, begin+i+lookback+H),\n"
    "  0 <= i <= end-begin-lookback-H; the trainer uses the train rows only. There is no --split:\n"
    "  the file holds the whole series (val/test rows are needed for their lookbacks anyway).\n";

static const char *family_list(unsigned mask, char *buf, size_t len)
{
    buf[0] = 0;
    for (int f = 0; f < 4; f++)
        if (mask & (1u << f)) {
            size_t k = strlen(buf);
            snprintf(buf + k, len - k, "%s%s", k ? ", " : "", FAMILY_NAMES[f]);
        }
    return buf;
}

/* After an option's help in --help: " [FAMILIES; default D]", * marking where it is required. */
static void family_note(const OptSpec *o, char *buf, size_t len)
{
    char fams[96] = "";
    if (o->mask == ALL) {
        snprintf(fams, sizeof fams, "all%s", o->required == ALL ? "*" : "");
        if (o->required && o->required != ALL) {
            size_t k = strlen(fams);
            snprintf(fams + k, sizeof fams - k, "; required for ");
            k = strlen(fams);
            family_list(o->required, fams + k, sizeof fams - k);
        }
    } else {
        for (int f = 0; f < 4; f++)
            if (o->mask & (1u << f)) {
                size_t k = strlen(fams);
                snprintf(fams + k, sizeof fams - k, "%s%s%s", k ? ", " : "", FAMILY_NAMES[f],
                         o->required & (1u << f) ? "*" : "");
            }
    }
    snprintf(buf, len, " [%s%s%s]", fams, o->def ? "; default " : "", o->def ? o->def : "");
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " --family sniah --variant V --length BYTES --count N --seed S [--first U]\n"
            "                   [--depth D] [--reserve N|auto] [--data-dir DIR] --out FILE.h5\n"
            "       " PROG " --family babilong --variant qaK --length BYTES --count N --seed S\n"
            "                   [--split train|test] [--first U] [--data-dir DIR] --out FILE.h5\n"
            "       " PROG " --family genomics --variant TASK --split train|dev|test --data-dir DIR --out FILE.h5\n"
            "       " PROG " --family forecast --variant NAME [--lookback L] --data-dir DIR --out FILE.h5\n"
            "\n"
            "Writes the samples titans-eval makes (sniah, babilong) or loads (genomics, forecast) to an\n"
            "HDF5 file, so the Python trainer (scripts/train/) trains on exactly the evaluator's data.\n"
            "\n"
            "Options (after each: the families it applies to; * = required there):\n");
    optable_help(out, &TABLE);
    fprintf(out, "\nHDF5 layout\n%s\nExit status: 0 written, 1 data or output error, 2 usage error.\n", LAYOUT);
}

/* One line on stderr: "titans-data: <message><tail>". */
static void say(const char *tail, const char *fmt, va_list ap)
{
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(tail, stderr);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(" (see --help)\n", fmt, ap);
    va_end(ap);
    return 2;
}

/* Each option given applies to the family; each one the family requires is given, not empty. */
static int check_families(const DataOptions *o, const int *given)
{
    char fams[96];
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const OptSpec *opt = &OPTIONS[i];
        if (given[i] && !(opt->mask & (unsigned)o->fam)) {
            if (o->fam == FORECAST && !strcmp(opt->name, "split"))
                return usage_error("--split does not apply to --family forecast: the file holds the whole "
                                   "normalised series with its train/val/test row ranges as attributes, and "
                                   "the trainer makes windows of the train rows only");
            return usage_error("--%s does not apply to --family %s (only to %s)", opt->name, o->family,
                               family_list(opt->mask, fams, sizeof fams));
        }
        if (!given[i] && (opt->required & (unsigned)o->fam))
            return usage_error("--%s is required for --family %s", opt->name, o->family);
        if (given[i] && opt->kind == OPT_TEXT && !*((const char *)o + opt->offset))
            return usage_error("--%s: empty value", opt->name);
    }
    return 0;
}

/* --reserve: auto (the variant's RULER number) or a count of bytes less than --length. 0, or 2
 * after a usage error. */
static int parse_reserve(DataOptions *o, NiahTask t)
{
    char *end;
    errno = 0;
    long long v = strtoll(o->reserve, &end, 10);
    if (!strcmp(o->reserve, "auto")) v = niah_ruler_reserve(t);
    else if (o->reserve[0] < '0' || o->reserve[0] > '9' || *end || errno)
        return usage_error("--reserve: '%s' is not auto or a count of bytes", o->reserve);
    if (v >= o->length)
        return usage_error("--reserve: %lld bytes of --length %lld leave no prompt", v, (long long)o->length);
    o->reserve_value = v;
    return 0;
}

/* sniah and babilong: the count, length, first unit, seed and depth; the seed and depth parsed. */
static int check_text_values(DataOptions *o)
{
    char *end;
    if (o->count < 1) return usage_error("--count: must be at least 1, got %lld", (long long)o->count);
    if (o->fam == SNIAH && o->length < 1)
        return usage_error("--length: must be at least 1 for sniah, got %lld", (long long)o->length);
    if (o->first > INT64_MAX - o->count)
        return usage_error("--first %lld + --count %lld overflows", (long long)o->first, (long long)o->count);
    errno = 0;
    unsigned long long s = strtoull(o->seed, &end, 10);
    if (o->seed[0] < '0' || o->seed[0] > '9' || *end || errno)
        return usage_error("--seed: '%s' is not an integer in [0, 2^64-1]", o->seed);
    o->seed_value = (uint64_t)s;
    errno = 0;
    o->depth_value = strtod(o->depth, &end);
    if (end == o->depth || *end || errno || !(o->depth_value == -1.0 || (o->depth_value >= 0.0 && o->depth_value <= 1.0)))
        return usage_error("--depth: '%s' is not -1 or a number in [0, 1]", o->depth);
    return 0;
}

static int check_sniah(DataOptions *o)
{
    NiahTask t;
    DataError err;
    if (niah_task_parse(o->variant, &t, &err)) return usage_error("--variant: %s", err.msg);
    if (parse_reserve(o, t)) return 2;
    if (t == NIAH_CWE && !o->data_dir[0])
        return usage_error("--variant cwe needs --data-dir: its words are wonderwords' lists (%s)", NIAH_VERBS);
    if ((t == NIAH_QA1 || t == NIAH_QA2) && !o->data_dir[0])
        return usage_error("--variant %s needs --data-dir: its questions are %s", o->variant,
                           t == NIAH_QA1 ? NIAH_SQUAD : NIAH_HOTPOTQA);
    if (t != NIAH_S1 && t != NIAH_VT && t != NIAH_FWE && !o->data_dir[0])
        return usage_error("--variant %s needs --data-dir: its haystack is the essays (%s)", o->variant,
                           NIAH_ESSAYS);
    return 0;
}

static int check_babilong(const DataOptions *o)
{
    if (!babilong_task_parse(o->variant))
        return usage_error("--variant: '%s' is not a babilong task (qa1 .. qa20)", o->variant);
    if (strcmp(o->split, "train") && strcmp(o->split, "test"))
        return usage_error("--split: '%s' is not train or test", o->split);
    if (!o->data_dir[0] && strcmp(o->split, "train"))
        return usage_error("--split test needs --data-dir (the bAbI test files); the built-in generator "
                           "has no splits");
    return 0;
}

static int check_genomics(const DataOptions *o)
{
    if (strchr(o->variant, '/') || o->variant[0] == '.')
        return usage_error("--variant: '%s' is not a task folder name", o->variant);
    if (strcmp(o->split, "train") && strcmp(o->split, "dev") && strcmp(o->split, "test"))
        return usage_error("--split: '%s' is not train, dev or test", o->split);
    return 0;
}

/* The family's values; the text families' seed and depth parsed. 0, or 2 after a usage error. */
static int check_values(DataOptions *o)
{
    if ((o->fam & TEXT) && check_text_values(o)) return 2;
    if (o->fam == SNIAH) return check_sniah(o);
    if (o->fam == BABILONG) return check_babilong(o);
    if (o->fam == GENOMICS) return check_genomics(o);
    if (o->lookback < 1 || o->lookback > INT_MAX)
        return usage_error("--lookback: must be in [1, %d], got %lld", INT_MAX, (long long)o->lookback);
    return 0;
}

/* 0 ok; 1 after --help; 2 after a usage error (printed). */
static int parse_options(int argc, char **argv, DataOptions *o)
{
    char err[1200];
    int given[N_OPTIONS];
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < N_OPTIONS; i++) /* the defaults, as if given */
        if (OPTIONS[i].def && optable_store(&OPTIONS[i], o, OPTIONS[i].def, err, sizeof err))
            return usage_error("%s", err);
    int first = optable_parse(&TABLE, argc, argv, o, given, 1, err, sizeof err);
    if (first < 0) return usage_error("%s", err);
    if (o->help) {
        usage(stdout);
        return 1;
    }
    if (first < argc) return usage_error("unexpected argument '%s'", argv[first]);
    if (!given[0]) return usage_error("--family is required");
    for (int f = 0; f < 4; f++)
        if (!strcmp(o->family, FAMILY_NAMES[f])) o->fam = 1 << f;
    if (!o->fam)
        return usage_error("--family: unknown family '%s' (sniah, babilong, genomics or forecast)", o->family);
    return check_families(o, given) ? 2 : check_values(o);
}

/* The options of the family, not --help. */
static int of_family(const OptSpec *opt, unsigned fam) { return opt->kind != OPT_FLAG && (opt->mask & fam); }

/* "name = value" lines of the options of the family, for provenance. */
static void options_echo(const DataOptions *o, char *buf, size_t len)
{
    optable_echo(&TABLE, o, of_family, (unsigned)o->fam, buf, len);
}

/* The command line, each argument shell-quoted when it needs it. malloc'ed. */
static char *command_line(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
    char *s = malloc(len), *w = s;
    if (!s) return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != 0;
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c)) plain = 0;
        if (i) *w++ = ' ';
        if (plain) {
            w += sprintf(w, "%s", a);
            continue;
        }
        *w++ = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'') w += sprintf(w, "'\\''");
            else *w++ = *c;
        }
        *w++ = '\'';
    }
    *w = 0;
    return s;
}

/* ---- errors ------------------------------------------------------------------------------------ */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("\n", fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- HDF5 output ------------------------------------------------------------------------------- */

enum { CHUNK = 1 << 18 }; /* elements per chunk of a 1-D dataset */

typedef struct {
    hid_t file;
    const char *path; /* the final name, for messages */
    int bad;          /* a write failed */
} H5Out;

static char tmp_path[2048]; /* the temporary file, removed on a signal and on failure */

static void on_signal(int sig)
{
    if (tmp_path[0]) unlink(tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Dataset creation properties: chunked and deflated when non-empty, no timestamps (so the same
 * call gives the same bytes). */
static hid_t dcpl_for(int rank, const hsize_t *chunk)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(p, 0);
    if (chunk) {
        H5Pset_chunk(p, rank, chunk);
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) H5Pset_deflate(p, 4);
    }
    return p;
}

static void check(H5Out *o, int ok, const char *what, const char *name)
{
    if (!ok && !o->bad) {
        fail("%s: writing %s '%s' failed", o->path, what, name);
        o->bad = 1;
    }
}

/* A whole dataset of rank 1 or 2. */
static void put_array(H5Out *o, const char *name, hid_t file_type, hid_t mem_type, int rank, const hsize_t *dims,
                      const void *data)
{
    if (o->bad) return;
    hsize_t chunk[2] = {dims[0] < CHUNK ? dims[0] : CHUNK, rank == 2 ? dims[1] : 0};
    if (rank == 2 && dims[1] > 0) chunk[0] = dims[0] < (hsize_t)4096 ? dims[0] : 4096;
    int empty = dims[0] == 0 || (rank == 2 && dims[1] == 0);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t p = dcpl_for(rank, empty ? NULL : chunk);
    hid_t d = H5Dcreate2(o->file, name, file_type, sp, H5P_DEFAULT, p, H5P_DEFAULT);
    int ok = d >= 0 && (empty || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    if (d >= 0) H5Dclose(d);
    H5Pclose(p);
    H5Sclose(sp);
    check(o, ok, "dataset", name);
}

static void put_1d(H5Out *o, const char *name, hid_t file_type, hid_t mem_type, int64_t n, const void *data)
{
    hsize_t dims = (hsize_t)n;
    put_array(o, name, file_type, mem_type, 1, &dims, data);
}

/* A 1-D uint8 dataset that grows: samples are appended one by one, never all in memory. */
typedef struct {
    hid_t d;
    hsize_t n;
    const char *name;
} Stream;

static void stream_open(H5Out *o, Stream *s, const char *name)
{
    s->d = -1;
    s->n = 0;
    s->name = name;
    if (o->bad) return;
    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = CHUNK;
    hid_t sp = H5Screate_simple(1, &zero, &unlimited);
    hid_t p = dcpl_for(1, &chunk);
    s->d = H5Dcreate2(o->file, name, H5T_STD_U8LE, sp, H5P_DEFAULT, p, H5P_DEFAULT);
    H5Pclose(p);
    H5Sclose(sp);
    check(o, s->d >= 0, "dataset", name);
}

static void stream_append(H5Out *o, Stream *s, const void *bytes, size_t len)
{
    if (o->bad || len == 0) return;
    hsize_t start = s->n, count = len, total = s->n + len;
    int ok = H5Dset_extent(s->d, &total) >= 0;
    hid_t fs = ok ? H5Dget_space(s->d) : -1, ms = H5Screate_simple(1, &count, NULL);
    ok = ok && fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
         H5Dwrite(s->d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, bytes) >= 0;
    if (fs >= 0) H5Sclose(fs);
    H5Sclose(ms);
    s->n = total;
    check(o, ok, "dataset", s->name);
}

static void stream_close(Stream *s)
{
    if (s->d >= 0) H5Dclose(s->d);
    s->d = -1;
}

static hid_t utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static void attr(H5Out *o, const char *name, hid_t file_type, hid_t mem_type, hsize_t n, const void *v)
{
    if (o->bad) return;
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(o->file, name, file_type, sp, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, mem_type, v) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    check(o, ok, "attribute", name);
}

static void attr_text(H5Out *o, const char *name, const char *value)
{
    hid_t t = utf8_type();
    attr(o, name, t, t, 0, &value);
    H5Tclose(t);
}

static void attr_texts(H5Out *o, const char *name, char *const *values, int n)
{
    hid_t t = utf8_type();
    attr(o, name, t, t, (hsize_t)n, values);
    H5Tclose(t);
}

static void attr_int(H5Out *o, const char *name, long long v)
{
    attr(o, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 0, &v);
}

static void attr_ints(H5Out *o, const char *name, const int64_t *v, int n)
{
    attr(o, name, H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)n, v);
}

static void attr_reals(H5Out *o, const char *name, const double *v, int n)
{
    attr(o, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)n, v);
}

static int out_open(H5Out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    int n = snprintf(tmp_path, sizeof tmp_path, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp_path) {
        tmp_path[0] = 0;
        return fail("%s: path too long", path);
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        tmp_path[0] = 0;
        return fail("%s: is a directory", path);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0);
    errno = 0;
    o->file = H5Fcreate(tmp_path, H5F_ACC_EXCL, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    if (o->file < 0) {
        int e = errno;
        tmp_path[0] = 0;
        return fail("%s: cannot create (%s)", path, e ? strerror(e) : "HDF5 error");
    }
    return 0;
}

/* Closes; on success moves the temporary to the final name, else removes it. */
static int out_close(H5Out *o, int ok)
{
    ok = ok && !o->bad;
    if (H5Fclose(o->file) < 0 && ok) {
        fail("%s: closing the HDF5 file failed", o->path);
        ok = 0;
    }
    if (ok) { /* the data is on disk before the name points at it */
        int fd = open(tmp_path, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0) {
            fail("%s: fsync: %s", tmp_path, strerror(errno));
            ok = 0;
        }
        if (fd >= 0) close(fd);
    }
    if (ok && rename(tmp_path, o->path) != 0) {
        fail("%s: cannot rename %s to it: %s", o->path, tmp_path, strerror(errno));
        ok = 0;
    }
    if (!ok) unlink(tmp_path);
    tmp_path[0] = 0;
    return ok ? 0 : -1;
}

static void provenance(H5Out *o, const DataOptions *opt, const char *cmd, const char *source)
{
    char echo[4096];
    options_echo(opt, echo, sizeof echo);
    attr_text(o, "command_line", cmd);
    attr_text(o, "options", echo);
    attr_text(o, "tool", PROG);
    attr_text(o, "tool_version", PACKAGE_VERSION);
    attr_text(o, "git_commit", TITANS_GIT_COMMIT " (at configure)");
    attr_text(o, "family", opt->family);
    attr_text(o, "variant", opt->variant);
    attr_text(o, "source", source);
}

/* ---- sniah and babilong ------------------------------------------------------------------------ */

typedef struct {
    char *v;
    size_t n, cap;
} Buf;

static int buf_put(Buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + n + 1 > cap) cap *= 2;
        char *v = realloc(b->v, cap);
        if (!v) return -1;
        b->v = v;
        b->cap = cap;
    }
    memcpy(b->v + b->n, s, n);
    b->n += n;
    b->v[b->n] = 0;
    return 0;
}

static int write_text(const DataOptions *opt, const char *cmd)
{
    DataError err;
    NiahData *niah = NULL;
    BabilongData bl;
    int have_bl = 0, task = 0;
    NiahTask nt = NIAH_S1;
    char source[2048];
    if (opt->fam == SNIAH) {
        niah_task_parse(opt->variant, &nt, &err);
        if (opt->data_dir[0]) {
            if (niah_data_load(opt->data_dir, &niah, &err)) return fail("%s", err.msg);
            snprintf(source, sizeof source, "%s: wonderwords lists and essays (niah_data_load)", opt->data_dir);
        } else {
            if (niah_data_builtin(&niah)) return fail("out of memory for the built-in S-NIAH data");
            snprintf(source, sizeof source, "built-in: noise haystack and word list (niah_data_builtin)");
        }
    } else {
        task = babilong_task_parse(opt->variant);
        if (opt->data_dir[0]) {
            if (babilong_data_load_split(opt->data_dir, opt->split, task, &bl, &err)) return fail("%s", err.msg);
            snprintf(source, sizeof source, "%s: bAbI en-10k %s split of %s, gutenberg-books background "
                     "(babilong_data_load_split)", opt->data_dir, opt->split, opt->variant);
        } else {
            if (babilong_data_builtin(&bl, &err)) return fail("%s", err.msg);
            snprintf(source, sizeof source, "built-in: bAbI generator and background (babilong_data_builtin); "
                     "no split: the samples differ from an evaluation's by seed and unit");
        }
        have_bl = 1;
    }

    int64_t n = opt->count;
    int64_t *off[3], *unit = malloc(sizeof *unit * (size_t)n);
    double *depth = malloc(sizeof *depth * (size_t)n);
    for (int k = 0; k < 3; k++) off[k] = calloc((size_t)n + 1, sizeof *off[k]);
    Buf ans = {0}, tgt = {0};
    H5Out o;
    Stream st[3];
    static const char *const names[3] = {"prompt", "answer", "target"};
    static const char *const offset_names[3] = {"prompt_offset", "answer_offset", "target_offset"};
    int rc = -1, opened = 0, max_new = 0;
    if (!unit || !depth || !off[0] || !off[1] || !off[2]) {
        fail("out of memory for %lld samples", (long long)n);
        goto done;
    }
    if (out_open(&o, opt->out)) goto done;
    opened = 1;
    for (int k = 0; k < 3; k++) stream_open(&o, &st[k], names[k]);
    for (int64_t i = 0; i < n && !o.bad; i++) {
        TextSample s;
        uint64_t u = (uint64_t)(opt->first + i);
        int made = opt->fam == SNIAH
                       ? niah_make_reserved(niah, nt, opt->length, opt->reserve_value, opt->depth_value,
                                            opt->seed_value, u, u, &s, &err)
                       : babilong_make(&bl, task, opt->length, opt->seed_value, u, &s, &err);
        if (made != 0) {
            fail("%s %s, unit %llu: %s", opt->family, opt->variant, (unsigned long long)u, err.msg);
            goto close;
        }
        ans.n = tgt.n = 0;
        int bad = s.n_answers < 1;
        for (int a = 0; a < s.n_answers && !bad; a++) bad = buf_put(&ans, "|", a > 0) || buf_put(&ans, s.answers[a], strlen(s.answers[a]));
        bad = bad || buf_put(&tgt, " ", 1) || buf_put(&tgt, s.answers[0], strlen(s.answers[0])) || buf_put(&tgt, ".", 1);
        if (bad) {
            fail("%s %s, unit %llu: %s", opt->family, opt->variant, (unsigned long long)u,
                 s.n_answers < 1 ? "a sample without an answer" : "out of memory");
            text_sample_free(&s);
            goto close;
        }
        /* the target (without the newline that ends generation) must score 1 */
        double score = opt->fam == SNIAH ? niah_score(&s, tgt.v) : babilong_score(&s, task, tgt.v);
        /* one answer in the target: string_match_all needs the sample to have one */
        if (score != 1.0 || (opt->fam == SNIAH && s.n_answers != 1 && !s.match_part)) {
            fail("%s %s, unit %llu: the target '%s' scores %g, not 1, with %s (answers '%s')", opt->family,
                 opt->variant, (unsigned long long)u, tgt.v, score,
                 opt->fam == SNIAH ? "niah_score" : "babilong_score", ans.v);
            text_sample_free(&s);
            goto close;
        }
        if (buf_put(&tgt, "\n", 1)) {
            fail("out of memory");
            text_sample_free(&s);
            goto close;
        }
        if (opt->length > 0 && (int64_t)s.prompt_len > opt->length - opt->reserve_value) {
            fail("%s %s, unit %llu: the prompt has %zu bytes, more than --length %lld less --reserve %lld", opt->family,
                 opt->variant, (unsigned long long)u, s.prompt_len, (long long)opt->length,
                 (long long)opt->reserve_value);
            text_sample_free(&s);
            goto close;
        }
        stream_append(&o, &st[0], s.prompt, s.prompt_len);
        stream_append(&o, &st[1], ans.v, ans.n);
        stream_append(&o, &st[2], tgt.v, tgt.n);
        off[0][i + 1] = off[0][i] + (int64_t)s.prompt_len;
        off[1][i + 1] = off[1][i] + (int64_t)ans.n;
        off[2][i + 1] = off[2][i] + (int64_t)tgt.n;
        unit[i] = (int64_t)u;
        depth[i] = s.depth;
        max_new = s.max_new;
        text_sample_free(&s);
    }
    for (int k = 0; k < 3; k++) put_1d(&o, offset_names[k], H5T_STD_I64LE, H5T_NATIVE_INT64, n + 1, off[k]);
    put_1d(&o, "unit", H5T_STD_I64LE, H5T_NATIVE_INT64, n, unit);
    put_1d(&o, "depth", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, depth);
    provenance(&o, opt, cmd, source);
    attr_int(&o, "length", opt->length);
    attr_int(&o, "count", opt->count);
    attr_int(&o, "first", opt->first);
    attr(&o, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &opt->seed_value);
    if (opt->fam == SNIAH) attr_reals(&o, "depth", &opt->depth_value, 0);
    if (opt->fam == SNIAH) attr_int(&o, "reserve", opt->reserve_value);
    attr_text(&o, "split", opt->fam == SNIAH ? "none (generated)" : opt->data_dir[0] ? opt->split : "none (generated)");
    attr_int(&o, "max_new", max_new);
    attr_text(&o, "target_rule", "' ' + answers[0] + '.\\n' (titans-eval generates up to '\\n'); scores 1");
    rc = 0;
close:
    for (int k = 0; k < 3; k++) stream_close(&st[k]);
done:
    if (opened && out_close(&o, rc == 0)) rc = -1;
    for (int k = 0; k < 3; k++) free(off[k]);
    free(unit);
    free(depth);
    free(ans.v);
    free(tgt.v);
    niah_data_free(niah);
    if (have_bl) babilong_data_free(&bl);
    return rc;
}

/* ---- genomics ---------------------------------------------------------------------------------- */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int write_genomics(const DataOptions *opt, const char *cmd)
{
    char test_csv[2048], csv[2048], dir[2048], source[2200];
    DataError err;
    GenomicsSet set = {0};
    snprintf(test_csv, sizeof test_csv, "%s/gue_prom_core/%s/test.csv", opt->data_dir, opt->variant);
    snprintf(csv, sizeof csv, "%s/gue_prom_core/%s/%s.csv", opt->data_dir, opt->variant, opt->split);
    snprintf(dir, sizeof dir, "%s/genomic_benchmarks/%s", opt->data_dir, opt->variant);
    int rc;
    /* the layout titans-eval uses for this task (its test.csv decides), then the split in it */
    if (exists(test_csv)) {
        rc = genomics_load_csv(csv, &set, &err);
        snprintf(source, sizeof source, "%s", csv);
    } else if (exists(dir)) {
        if (!strcmp(opt->split, "dev"))
            return fail("%s: a GenomicBenchmarks task has no dev split (train or test)", dir);
        rc = genomics_load_dir(dir, opt->split, &set, &err);
        snprintf(source, sizeof source, "%s/%s", dir, opt->split);
    } else {
        return fail("genomics task '%s': neither %s nor %s exists", opt->variant, test_csv, dir);
    }
    if (rc) return fail("%s", err.msg);
    H5Out o;
    rc = -1;
    if (out_open(&o, opt->out) == 0) {
        put_1d(&o, "tokens", H5T_STD_U8LE, H5T_NATIVE_UINT8, set.offset[set.n], set.bases);
        put_1d(&o, "offset", H5T_STD_I64LE, H5T_NATIVE_INT64, set.n + 1, set.offset);
        put_1d(&o, "label", H5T_STD_I32LE, H5T_NATIVE_INT32, set.n, set.label);
        provenance(&o, opt, cmd, source);
        attr_text(&o, "split", opt->split);
        attr_int(&o, "n", set.n);
        attr_int(&o, "n_classes", set.n_classes);
        attr_texts(&o, "class_names", set.class_names, set.n_classes);
        attr_text(&o, "alphabet", "ACGTN");
        rc = out_close(&o, 1);
    }
    genomics_free(&set);
    return rc;
}

/* ---- forecast ---------------------------------------------------------------------------------- */

static int write_forecast(const DataOptions *opt, const char *cmd)
{
    ForecastData d;
    DataError err;
    if (forecast_open(opt->data_dir, opt->variant, (int)opt->lookback, &d, &err)) return fail("%s", err.msg);
    H5Out o;
    int rc = -1;
    char source[1200];
    snprintf(source, sizeof source, "%s: %s (forecast_open, lookback %lld)", opt->data_dir, d.name,
             (long long)opt->lookback);
    if (out_open(&o, opt->out) == 0) {
        hsize_t dims[2] = {(hsize_t)d.rows, (hsize_t)d.channels};
        put_array(&o, "data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, d.data);
        provenance(&o, opt, cmd, source);
        attr_text(&o, "name", d.name);
        attr_int(&o, "rows", d.rows);
        attr_int(&o, "channels", d.channels);
        attr_texts(&o, "column_names", d.names, d.channels);
        attr_reals(&o, "mean", d.mean, d.channels);
        attr_reals(&o, "std", d.std, d.channels);
        attr_int(&o, "lookback", d.lookback);
        static const char *const split_names[3] = {"split_train_rows", "split_val_rows", "split_test_rows"};
        for (int k = 0; k < 3; k++) {
            int64_t r[2] = {d.begin[k], d.end[k]};
            attr_ints(&o, split_names[k], r, 2);
        }
        attr_text(&o, "window_i_of_split_reads",
                  "split rows [begin, end) from split_<name>_rows; window i reads input rows "
                  "[begin+i, begin+i+lookback) and target rows [begin+i+lookback, begin+i+lookback+H) of "
                  "data, 0 <= i <= end-begin-lookback-H (stride 1, every window kept)");
        attr_text(&o, "normalisation", "z = (x - mean) / std per channel, mean and population std over the "
                                       "train rows [0, split_train_rows[1]), std 1 for a constant column");
        rc = out_close(&o, 1);
    }
    forecast_free(&d);
    return rc;
}

int main(int argc, char **argv)
{
    DataOptions opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc) return rc == 1 ? 0 : 2;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char *cmd = command_line(argc, argv);
    if (!cmd) {
        fail("out of memory");
        return 1;
    }
    if (opt.fam & TEXT) rc = write_text(&opt, cmd);
    else if (opt.fam == GENOMICS) rc = write_genomics(&opt, cmd);
    else rc = write_forecast(&opt, cmd);
    free(cmd);
    if (rc == 0) fprintf(stderr, PROG ": wrote %s\n", opt.out);
    return rc ? 1 : 0;
}
