/* RULER's NIAH tasks for byte-level models: S-NIAH-1/2/3 and the multi-needle variants.
 *
 * Source: NVIDIA/RULER scripts/data/synthetic/niah.py and constants.py (commit c3f5e3b), tasks
 * (scripts/synthetic.yaml) niah_single_1 (S-NIAH-1: noise haystack, word key, number value),
 * niah_single_2 (S-NIAH-2: essay haystack, number value), niah_single_3 (S-NIAH-3: essay
 * haystack, UUID value), niah_multikey_1 (essay, 4 keys, one asked), niah_multikey_2/3 (a
 * haystack of needles of random keys; word keys and number values, or UUID keys and values),
 * niah_multivalue (essay, 4 values of one key) and niah_multiquery (essay, 4 keys, all asked).
 * The sections below describe the single-needle tasks; "Multi-needle" says what changes.
 * RULER's other synthetic tasks are made here too, each in a file of its own whose header says
 * what is RULER's: vt (variable tracking, datasets/ruler_vt.c), cwe (common words extraction,
 * ruler_cwe.c), fwe (frequent words extraction, ruler_fwe.c) and qa_1/qa_2 (SQuAD and HotpotQA
 * question answering, ruler_qa.c). For them target_len bounds the prompt and RULER's
 * max_seq_length is target_len + their tokens_to_generate (30, 120, 50, 32; the NIAH tasks' 128
 * is NIAH_MAX_NEW: niah_ruler_reserve), so niah_make_reserved's length with reserve auto; a set depth is an error; vt and fwe need no data, cwe needs NIAH_VERBS
 * besides the two lists NIAH tasks use, qa_1 NIAH_SQUAD and qa_2 NIAH_HOTPOTQA (read on the
 * task's first use; a data directory without them loads, and the task fails naming the file).
 * qa_1/qa_2 score with RULER's string_match_part (TextSample.match_part), the others with
 * string_match_all.
 *
 * Exactly RULER:
 * - The prompt is RULER's `niah` template plus answer prefix with the base (no chat) model
 *   template, after RULER's single-needle rewrites ("Some"->"A", "are all"->"is", "are"->"is",
 *   type without its "s"); T is "number" or "uuid":
 *     A special magic T is hidden within the following text. Make sure to memorize it. I will
 *     quiz you about the T afterwards.\n{context}\nWhat is the special magic T for {key}
 *     mentioned in the provided text? The special magic T for {key} mentioned in the provided
 *     text is
 *   (one line each side of the context); the model continues after "... text is".
 * - Needle: "One of the special magic Ts for {key} is: {value}." (plural kept, as in RULER).
 * - Key: "<adjective>-<noun>", uniform over the distinct such strings made from the wonderwords
 *   v2.2.0 lists (lines right-stripped; 910 x 6786 = 6,175,260 keys). Value: a number uniform in
 *   [1000000, 9999999], or 128 random bits as a UUID v4 (version nibble 4, variant 10xx),
 *   lowercase 8-4-4-4-12 hex, like Python's uuid.UUID(int=bits, version=4).
 * - Noise haystack (S-NIAH-1): N copies of the line "The grass is green. The sky is blue. The sun
 *   is yellow. Here we go. There and back again." joined by "\n", the needle inserted as its own
 *   line before line k.
 * - Essay haystack (S-NIAH-2/3): the essay files in sorted name order concatenated with no
 *   separator, runs of whitespace (Python's \s, so U+00A0 too) collapsed to one space, the first N
 *   words joined by spaces; when N exceeds the corpus the word list is repeated (RULER's
 *   `(haystack * repeats)[:N]`). That text is split into sentences by NLTK's Punkt with its
 *   English model (punkt.h, exact on this corpus) and the sentences are joined by single spaces,
 *   so a space appears where Punkt splits inside a word ("good.[2]" -> "good. [2]", 218 places a
 *   pass). The needle goes before sentence k = int(S * depth) of the S sentences and the pieces
 *   are joined by spaces, so depth 0 gives "...afterwards.\n One of..." and depth 1 gives
 *   "...: 1234567. \nWhat is..." (RULER's join of an empty piece).
 * - depth < 0 draws the position as RULER does: essay, depth uniform from RULER's 40 DEPTHS
 *   (round(linspace(0, 100, 40)) percent); noise, k uniform in [0, N).
 * - niah_score is RULER's string_match_all for one sample: the fraction of the answers r with
 *   `r.lower() in pred.lower()`, pred being the prediction after RULER's postprocess_pred (strip,
 *   control characters to "\n", strip; it cannot change this result for answers without control
 *   characters or whitespace at their ends, which all but qa_1/qa_2's are). RULER reports the
 *   mean x 100. For qa_1/qa_2 (match_part) it is string_match_part: 1 when any answer is found.
 *   lower() is Python's, full Unicode lowercase mapping (data_lower in common.h, libunistring):
 *   the qa answers and a model's predictions may be non-ASCII. Bytes of a prediction that are not
 *   UTF-8 are kept as they are, and each valid run between them is lowered (common.h).
 *
 * Multi-needle (exactly RULER): the needles are made key by key (each key's values in turn) and
 *   reordered by random.Random(42).shuffle (RULER's fixed random_seed: a permutation that depends
 *   only on the count, pyrandom.h); the queried keys are random.sample(range(keys), queries), the
 *   question names them "a, b, c, and d" and the answers are their values in that order. With
 *   more than one answer the template keeps RULER's plural ("Some special magic numbers are
 *   hidden ... What are all the special magic numbers for ... text are"). Essay: the needles go
 *   at the sorted insertion indices int(S * d) of depths random.sample(DEPTHS, needles), in
 *   order, the pieces and needles joined by spaces (an empty piece keeps its space). Needle
 *   haystack (multikey_2/3): N lines, each "One of the special magic Ts for {key} is: {value}."
 *   for a fresh random key and value, the needle inserted before line k, joined by "\n"; steps of
 *   25 lines (5 below 4096) as for noise. A set depth is only for one-needle tasks.
 *
 * What differs for byte models, and our choices:
 * - Length (RULER's generate_samples, tokens = bytes): prompt bytes <= target_len. RULER also
 *   counts its 128 generated tokens in max_seq_length: niah_make_reserved(length, reserve =
 *   NIAH_RESERVE_AUTO) gives RULER's budget, the prompt at most length - 128 (titans-eval's suites
 *   do, `reserve = auto`; the suite at the 512-byte training length keeps `reserve = 0`: 512 - 128
 *   leaves no room for a 300-byte template and needle). The haystack size N (words, or noise
 *   lines) is found once per (task, length, seed, depth setting) as the largest that fits the
 *   probe sample, the sample of unit 0 (RULER binary-searches on samples of its own), at least
 *   one step (500 words; 25 lines, 5 when RULER's max_seq_length,
 *   niah_make_reserved's length, is below 4096); a sample too long steps down by one step
 *   while N > step. Where RULER would loop for ever (a step does not fit) we take the largest N
 *   that fits. So samples whose key or depth make them a little longer than the probe lose a
 *   whole step of haystack, as in RULER.
 * - Randomness: Philox (datasets/common.h), keyed by (seed, unit), one stream per use:
 *   NIAH_STREAM_KEY the keys, NIAH_STREAM_VALUE the values, NIAH_STREAM_DEPTH the depth draws
 *   (distinct), NIAH_STREAM_QUERY the queried keys, NIAH_STREAM_HAY the distractor lines (key
 *   then value, line by line); the first draw of each is the single-needle task's. So a sample depends on (seed, unit, task, target_len, depth) only, whatever the rank,
 *   and tasks sharing (seed, unit) share the key (and S-NIAH-1/2 the number). The samples are
 *   not RULER's own samples (those need Python's MT19937 and the model's tokenizer).
 * - Keys are drawn as a pair index (sorted distinct adjectives x sorted distinct nouns) instead
 *   of from the 6.2M-entry sorted list: the same set, uniform, without building the list.
 * - Essays: RULER's corpus is these 49 gkamradt files (sorted) followed by 169 essays scraped from
 *   paulgraham.com that are not in our data. Up to the 49 files' 111,877 words (~640 KB) the
 *   haystack text, its sentences and the needle's place are RULER's byte for byte for the same
 *   N (tests/test_niah_data.c pins prompts made by RULER's code); beyond that we repeat the 49 files, RULER's own repeat rule applied to
 *   the shorter corpus.
 * - Word lists: a blank or control-character line is an error (RULER would make keys of it).
 * - Built-in data (niah_data_builtin): the noise haystack and a small word list of our own
 *   (148 adjectives x 202 nouns = 29,896 keys), so S-NIAH-1 runs with no data directory; the
 *   essay tasks need niah_data_load.
 * - max_new is 128 bytes (RULER generates 128 tokens; the longest answer is a 36-byte UUID).
 *
 * Data directory layout (data_dir = shared/datasets):
 *   ruler-niah/wonderwords-v2.2.0/adjectivelist.txt, .../nounlist.txt, .../verblist.txt (cwe
 *   only: a directory without it loads, and cwe fails naming it), paul-graham-essays/essays/
 *   (every *.txt there that does not start with '.', like Python's glob), and for qa_1/qa_2
 *   only, read when first used: ruler-qa/squad.json (SQuAD 2.0's dev-v2.0.json) and
 *   ruler-qa/hotpotqa.json (HotpotQA's hotpot_dev_distractor_v1.json), the files RULER's
 *   download_qa_dataset.sh saves as json/squad.json and json/hotpotqa.json. */
#ifndef TITANS_DATASETS_NIAH_H
#define TITANS_DATASETS_NIAH_H

#include <stdint.h>

#include "common.h"

typedef enum {
    NIAH_S1, NIAH_S2, NIAH_S3,    /* niah_single_1..3 */
    NIAH_MK1, NIAH_MK2, NIAH_MK3, /* niah_multikey_1..3 */
    NIAH_MV, NIAH_MQ,             /* niah_multivalue, niah_multiquery */
    NIAH_VT, NIAH_CWE, NIAH_FWE,  /* RULER's vt, cwe, fwe: datasets/ruler_vt.c, ruler_cwe.c, ruler_fwe.c */
    NIAH_QA1, NIAH_QA2,           /* RULER's qa_1 (SQuAD), qa_2 (HotpotQA): datasets/ruler_qa.c */
    NIAH_N_TASKS
} NiahTask;

enum {
    NIAH_STREAM_KEY = 1,
    NIAH_STREAM_VALUE = 2,
    NIAH_STREAM_DEPTH = 3,
    NIAH_STREAM_QUERY = 4,
    NIAH_STREAM_HAY = 5
};

#define NIAH_ADJECTIVES "ruler-niah/wonderwords-v2.2.0/adjectivelist.txt"
#define NIAH_NOUNS "ruler-niah/wonderwords-v2.2.0/nounlist.txt"
#define NIAH_VERBS "ruler-niah/wonderwords-v2.2.0/verblist.txt" /* cwe only; optional */
#define NIAH_ESSAYS "paul-graham-essays/essays"
#define NIAH_SQUAD "ruler-qa/squad.json"       /* qa_1 only; optional */
#define NIAH_HOTPOTQA "ruler-qa/hotpotqa.json" /* qa_2 only; optional */
#define NIAH_MAX_NEW 128

typedef struct NiahData NiahData;

/* Word lists and essays from data_dir. 0 on success; -1 with err naming the file. */
int niah_data_load(const char *data_dir, NiahData **out, DataError *err);
/* The noise haystack and the built-in word list; no essays. 0, or -1 when out of memory. */
int niah_data_builtin(NiahData **out);
void niah_data_free(NiahData *d);
int niah_data_has_essays(const NiahData *d);
int64_t niah_data_key_count(const NiahData *d);   /* distinct keys */
int64_t niah_data_essay_words(const NiahData *d); /* words in one pass of the corpus; 0 if none */

/* "s-niah-1".."s-niah-3", then RULER's names ("niah_multikey_1" ..., "vt", "cwe", "fwe", "qa_1",
 * "qa_2"); parse
 * also takes "niah_single_1".."niah_single_3". 0, or -1 with err. */
const char *niah_task_name(NiahTask t);
int niah_task_parse(const char *name, NiahTask *out, DataError *err);
/* The data file (relative to the data directory) that task t alone needs and that a data folder
 * may lack: cwe NIAH_VERBS, qa_1 NIAH_SQUAD, qa_2 NIAH_HOTPOTQA; NULL for the other tasks. */
const char *niah_task_optional_file(NiahTask t);

/* One sample whose prompt is at most target_len bytes, the needle at depth in [0, 1] (< 0: drawn
 * as RULER does; one-needle tasks only). 0 on success; -1 with err (no essays, target too
 * short, bad depth). s->depth is -1 for several needles. */
int niah_make(const NiahData *d, NiahTask task, int64_t target_len, double depth, uint64_t seed,
              uint64_t unit, TextSample *out, DataError *err);
/* niah_make where pick chooses qa_1/qa_2's question (RULER's sample index: question pick mod
 * their count, in file order) and unit the draws; the other tasks ignore pick. niah_make is
 * niah_make_at with pick = unit; titans-eval passes the cell's sample number. */
int niah_make_at(const NiahData *d, NiahTask task, int64_t target_len, double depth, uint64_t seed,
                 uint64_t pick, uint64_t unit, TextSample *out, DataError *err);

/* niah_make_at where length also holds the answer, as RULER's max_seq_length: the prompt is at
 * most length - reserve bytes. reserve NIAH_RESERVE_AUTO is RULER's tokens_to_generate of the task
 * (niah_ruler_reserve), which makes length RULER's max_seq_length exactly: every size RULER derives
 * from it (the noise and needle haystacks' step, vt's step, cwe's repeats, fwe's vocabulary, qa's
 * first guess) comes from length. reserve 0 is niah_make_at(length): the prompt takes the whole
 * length and the samples are those of before the reserve (vt/fwe/cwe/qa then take RULER's
 * max_seq_length as length + their tokens_to_generate, the NIAH tasks' step as length). 0, or -1
 * with err (no prompt left, and niah_make_at's errors). out->target_len is the prompt bound. */
#define NIAH_RESERVE_AUTO (-1)
int niah_make_reserved(const NiahData *d, NiahTask task, int64_t length, int64_t reserve, double depth,
                       uint64_t seed, uint64_t pick, uint64_t unit, TextSample *out, DataError *err);
/* RULER's tokens_to_generate of task (constants.py): 128 for niah_* and s-niah-* (NIAH_MAX_NEW),
 * vt 30, fwe 50, cwe 120, qa_1/qa_2 32; each sample's max_new. */
int niah_ruler_reserve(NiahTask t);

/* The shortest target_len at which niah_make makes every sample of task (any seed, unit and
 * depth): the template with the longest keys and values around the least haystack. -1 with err
 * (an essay task without essays). */
int64_t niah_min_length(const NiahData *d, NiahTask task, DataError *err);

/* RULER's string_match_all for one sample, in [0, 1]; string_match_part (0 or 1) when
 * s->match_part (qa_1, qa_2). */
double niah_score(const TextSample *s, const char *prediction);

#endif
