/* Which bAbI test questions a BABILong cell evaluates, as the published runs do
 * (booydar/babilong data/test_100_idxs.json, babilong_utils.py get_dataset_df):
 *  - the list: qa1-qa5 the 100 test-question indices of test_100_idxs.json (RMT-team/babilong's
 *    100-sample sets); upstream has no list for qa6-qa20, so there 100 of the first 1,000 test
 *    questions are drawn once with a fixed seed (SELECT_SEED, stream = task), sorted like the
 *    upstream lists;
 *  - the filter: at length L > 0 upstream drops a sample with more than (L - 300) // 8 lines
 *    (its facts and the question), 300 being its reserve for the template. Here L and the
 *    template are in the model's tokens (bytes): at most (L - template) // 8 lines, the template
 *    being the task's prompt without context and question. Length 0 keeps every question;
 *  - cell sample k is the (k mod m)-th of the m questions of the list that pass, in list order. */
#ifndef TITANS_DATASETS_BABILONG_SELECT_H
#define TITANS_DATASETS_BABILONG_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "babi.h"
#include "common.h"

#define BABILONG_SAMPLES 100

/* The task's (1..20) test-question indices into set (the task's test file), ascending; returns
 * how many: 100, fewer for a qa6-qa20 file of under 100 questions, -1 with err when the file is
 * too short for a qa1-qa5 index. */
int babilong_test_list(int task, const BabiSet *set, int out[BABILONG_SAMPLES], DataError *err);
/* Lines upstream counts for a sample: its facts and the question. */
int babilong_lines(const BabiSample *s);
/* The most lines a sample may have at length L with a template of `template` bytes (L 0: any). */
int64_t babilong_max_lines(int64_t L, size_t template);
/* The pick-th question (mod the eligible ones) of the task's list at length L; NULL with err when
 * none passes the filter. */
const BabiSample *babilong_select(int task, const BabiSet *set, int64_t L, size_t template, uint64_t pick,
                                  DataError *err);
/* The shortest L > 0 at which some question of the list passes: template + 8 x the fewest lines;
 * -1 with err. */
int64_t babilong_select_min_length(int task, const BabiSet *set, size_t template, DataError *err);

#endif
