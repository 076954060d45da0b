/* BABILong qa1-qa20 (Kuratov et al., NeurIPS 2024; booydar/babilong) for byte-level models: the
 * facts of a bAbI story hidden, in order, among sentences of background books, then a question.
 * One token is one byte here, so every length below is in bytes.
 *
 * Exactly BABILong (babilong_utils.py, prompts.py, metrics.py; doc section 3):
 *  - Samples: one per bAbI question; its facts are the story's statements up to the question,
 *    earlier questions left out (babi.h). With data, the bAbI v1.2 en-10k test split, which is
 *    what the released evaluation sets were built from (babilong_data_load_split reads the
 *    train split instead, for training data: titans-data). Which test questions a cell
 *    evaluates, and the (L - 300) // 8 line filter: babilong_select.h.
 *  - Background (SentenceSampler, shuffle=True): pick a random book and a random offset in it,
 *    keep the next 10 x budget of text, split it into sentences, drop the first and the last
 *    (partial) sentence, skip sentences that are too short, append sentences until the budget is
 *    reached and cut the last one to hit it exactly. When a passage runs out, another random
 *    book and offset follow, so a short text is simply visited again and again.
 *  - Mixing (NoiseInjectionDataset): one slot per fact, drawn uniformly with replacement from
 *    0..number of background sentences, sorted; fact i goes just before background sentence
 *    slot_i (after the last one for the top slot); facts keep their order. The pieces are joined
 *    with single spaces and the context is stripped, as in the released sets (each piece
 *    tokenised as " " + text; for length 0 the context is the facts joined by spaces). The
 *    public babilong_utils.py concatenates the pieces' tokens with no separator at all.
 *  - Prompt: DEFAULT_TEMPLATE "{instruction}\n\n{examples}\n\n{post_prompt}\n\n<context>\n
 *    {context}\n</context>\n\nQuestion: {question}" with the DEFAULT_PROMPTS instruction,
 *    examples and post_prompt of the task (babilong_prompts.c; all three on, as in the published
 *    runs); the whole
 *    prompt is stripped, so the question's trailing space goes. The label is the bAbI answer.
 *  - Metric: compare_answers of metrics.py with TASK_LABELS (1 or 0 per sample), see
 *    babilong_score.
 *
 * Choices for byte-level models, and where this differs:
 *  - Budget: BABILong reserves 300 GPT-2 tokens for the template and fills L - 300 tokens of
 *    context (background = L - 300 - the facts' tokens); here the template's exact size in the
 *    model's tokens (bytes), question included, is taken off instead, so a prompt is target_len
 *    bytes or a few bytes less (the cut sentence ends on a whole UTF-8 character without
 *    trailing space). target_len 0 is BABILong's "0k": no background. Facts longer than the
 *    context budget get no background and make a longer prompt, as upstream's do (its line
 *    filter admits them); the prompt's real length is TextSample.prompt_len.
 *  - Test split: the cell's questions are upstream's list with its line filter
 *    (babilong_select.h); pick chooses among them, the key only moves the background and the
 *    slots. Train split (titans-data): the (pick mod n)-th question of the file, in file order,
 *    whose facts fit without overflowing target_len.
 *  - Minimum sentence length: BABILong skips sentences under 10 GPT-2 tokens; here under 10
 *    pieces of GPT-2's pre-tokenizer (runs of letters, digits or punctuation, an apostrophe
 *    leading a letter run, non-ASCII bytes as letters), a lower bound of its token count.
 *  - Passage window: 10 x budget bytes (BABILong: 10 x budget tokens, taken as characters), and
 *    at least 64 KiB: the window of a tiny budget would hold no whole sentence and the sampler
 *    would never finish (BABILong's budgets are 700 tokens or more). It only ever binds near a
 *    book's end, so this changes nothing for larger budgets.
 *  - Sentence splitting: SentenceSampler uses nltk.PunktSentenceTokenizer() untrained, i.e.
 *    with no abbreviations. babilong_book_init re-implements its decisions: a candidate is a
 *    '.', '?' or '!' followed by one of )";}]*:@'({[!? or by whitespace and a token, only the
 *    rightmost candidate of a whitespace-free run counts; '?' and '!' always end a sentence; a
 *    period does unless its token ends in ".." (ellipsis), is one letter ("J.") followed by an
 *    upper-case, lower-case or ;:,.!? token, or is a number ("12.") followed by a lower-case or
 *    ;:,.!? token; closing quotes and brackets opening the next sentence, followed by whitespace
 *    or "--", move back to the sentence that ends. So "Mr. Darcy" splits after "Mr." as untrained
 *    Punkt does, and a period followed by a curly closing quote (U+201D) is no break. Case tests
 *    are ASCII only and whitespace is ASCII whitespace. Text inside a sentence is kept byte for
 *    byte, line breaks included.
 *  - Books: the PG19 test split is not available; babilong_data_load reads Project Gutenberg
 *    files of the same kind (gutenberg-books), dropping a UTF-8 BOM, turning CRLF into LF and
 *    keeping the body between the "*** START OF" line and the first "*** END OF",
 *    "End of the Project Gutenberg" or "End of Project Gutenberg" line (PG19 strips the same
 *    boilerplate). Books are taken in file name order.
 *  - Without data: babilong_data_builtin gives a background of neutral prose written for this
 *    harness (no bAbI names, places, objects or directions in it) and bAbI stories from
 *    babi_generate (qa1-qa5 only; qa6-qa20 need the files); one question of the generated story
 *    is picked uniformly, and stories are drawn again until one fits.
 *  - Every sample is a pure function of (seed, unit): BABILong's sampler carries unused
 *    sentences over to the next sample, here each sample draws its own.
 *  - max_new = 80 bytes (BABILong generates 20 GPT-2 tokens, about 80 bytes of English).
 *  - depth = where the newest supporting fact starts in the context, as a fraction of it.
 *  - The metric lowercases the prediction, the question and the target as Python's lower() does
 *    (full Unicode mapping: data_lower in common.h, libunistring; U+212A KELVIN SIGN becomes 'k'
 *    and can complete a label). Bytes of a prediction that are not UTF-8 are kept as they are. */
#ifndef TITANS_DATASETS_BABILONG_H
#define TITANS_DATASETS_BABILONG_H

#include <stdint.h>

#include "babi.h"
#include "babilong_prompts.h"
#include "common.h"

#define BABILONG_MAX_NEW 80

typedef struct {
    uint32_t off, len; /* bytes of the book's text */
    int ok;            /* long enough to be used as background */
} BabilongSentence;

typedef struct {
    char *text; /* the body, NUL-terminated */
    size_t len;
    BabilongSentence *sents;
    int n_sents;
} BabilongBook;

typedef struct {
    BabiSet babi[BABILONG_TASKS]; /* qa1..qa20 of one split when have_babi (a task not loaded:
                                   * empty), else empty (generator) */
    int have_babi;
    char split[8];   /* "test" or "train" when have_babi, else "" */
    BabilongBook *books;
    int n_books;
} BabilongData;

/* data_dir holds babi-tasks-v1.2/en-10k/qa{1..20}_*_test.txt and gutenberg-books/pg*.txt: the
 * test split of all twenty tasks, what the evaluation reads. */
int babilong_data_load(const char *data_dir, BabilongData *d, DataError *err);
/* The same for split "train" (qa{1..20}_*_train.txt) or "test"; task 1..20 loads only that
 * task's file (babilong_make refuses the others), 0 all twenty. The background books are the
 * same for both splits (there is no book split). */
int babilong_data_load_split(const char *data_dir, const char *split, int task, BabilongData *d,
                             DataError *err);
/* The built-in background and the bAbI generator (qa1-qa5): needs no files. */
int babilong_data_builtin(BabilongData *d, DataError *err);
void babilong_data_free(BabilongData *d);

/* A background book from body text (already without boilerplate); name is for errors. */
int babilong_book_init(BabilongBook *b, const char *name, const char *body, size_t len, DataError *err);
void babilong_book_free(BabilongBook *b);

/* One sample of task 1..20: pick chooses the question (test split: babilong_select; train: the
 * (pick mod n)-th that fits), key seeds the background and the fact slots (and, generated, the
 * story). The prompt is at most target_len bytes (0: no background) unless the facts alone
 * overflow it (test split only). */
int babilong_make_at(const BabilongData *d, int task, int64_t target_len, uint64_t seed, uint64_t pick,
                     uint64_t key, TextSample *out, DataError *err);
/* babilong_make_at with pick = key = unit (titans-data's samples). */
int babilong_make(const BabilongData *d, int task, int64_t target_len, uint64_t seed, uint64_t unit,
                  TextSample *out, DataError *err);
/* The shortest target_len > 0 at which babilong_make makes every unit's sample of the task (0,
 * no background, always works). Test split: the template plus 8 bytes a line of the listed
 * question with the fewest lines (babilong_select_min_length). Train split: the shortest
 * question's prompt without background. Generated: the length at which 1 in 5 generated
 * questions fit (measured on 200 stories of a fixed seed); a unit draws up to 100 stories, so
 * it finds none that fits with probability about 0.8^100. -1 with err. */
int64_t babilong_min_length(const BabilongData *d, int task, DataError *err);
/* The same for a given bAbI sample (babilong_make picks one and calls this); facts longer than
 * target_len leave no room for background and make a longer prompt. */
int babilong_build(const BabilongData *d, int task, const BabiSample *s, int64_t target_len, uint64_t seed,
                   uint64_t unit, TextSample *out, DataError *err);

/* The "last-mentioned answer" rule (issue 11): of task 1..20's labels (metrics.py TASK_LABELS)
 * that the question does not name, the one whose last whole-word mention in the story's facts
 * comes last; NULL when the facts name none (yes/no tasks, counting). A baseline that reads the
 * story without understanding it: on qa1 it answers where the last person to move went. */
const char *babilong_last_mentioned(int task, const BabiSample *s);

/* Bytes of task 1..20's template around the context and the question. */
size_t babilong_template_len(int task);

/* BABILong's compare_answers: 1 when the prediction's first sentence (cut at the first '.', then
 * at "<context>" and "<example>", lower-cased) names the target and no other label of the task
 * (a list target, qa8's "apple,milk", every part and nothing else), labels that occur in the
 * question not counting; else 0. s is a sample from babilong_make. */
double babilong_score(const TextSample *s, int task, const char *prediction);

#endif
