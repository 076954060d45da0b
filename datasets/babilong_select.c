#include "babilong_select.h"

#include <stdlib.h>

enum { LINE_TOKENS = 8, FIRST_QUESTIONS = 1000 };
/* the draw of qa6-qa20's lists (any fixed value: it only has to stay the same) */
#define SELECT_SEED 0xbab1100ULL

/* booydar/babilong data/test_100_idxs.json, qa1-qa5 */
static const short TEST_100[5][BABILONG_SAMPLES] = {
    {1, 4, 10, 17, 25, 31, 37, 40, 45, 50, 68, 69, 74, 90, 94, 105, 148, 170, 191, 199,
     204, 215, 224, 236, 237, 243, 250, 282, 283, 295, 296, 301, 315, 321, 328, 330, 343, 351, 352, 378,
     382, 385, 386, 393, 397, 404, 419, 429, 434, 440, 441, 446, 469, 484, 490, 529, 538, 543, 559, 568,
     570, 572, 578, 593, 595, 608, 615, 632, 636, 639, 643, 652, 670, 687, 692, 704, 718, 726, 743, 746,
     747, 754, 764, 766, 776, 801, 805, 806, 816, 841, 849, 853, 872, 877, 886, 897, 905, 940, 976, 986},
    {8, 17, 20, 21, 34, 51, 57, 60, 68, 87, 98, 106, 109, 127, 150, 162, 164, 170, 180, 182,
     186, 194, 203, 209, 217, 227, 229, 235, 240, 253, 254, 260, 264, 273, 277, 278, 284, 295, 306, 308,
     322, 336, 348, 363, 376, 383, 388, 393, 394, 407, 410, 413, 438, 441, 458, 483, 487, 488, 512, 524,
     536, 561, 564, 577, 579, 595, 622, 649, 681, 696, 714, 719, 726, 751, 753, 762, 784, 825, 829, 838,
     845, 855, 856, 868, 876, 877, 878, 887, 891, 904, 933, 938, 956, 958, 984, 985, 991, 993, 994, 996},
    {15, 37, 50, 51, 69, 70, 74, 100, 109, 125, 140, 147, 149, 157, 158, 165, 169, 170, 188, 204,
     208, 219, 224, 228, 255, 259, 265, 275, 277, 281, 306, 318, 335, 346, 353, 371, 385, 425, 432, 456,
     463, 468, 488, 491, 492, 496, 499, 506, 514, 515, 517, 519, 527, 530, 533, 536, 539, 545, 547, 559,
     565, 570, 576, 593, 621, 632, 652, 662, 669, 673, 677, 691, 702, 704, 708, 724, 726, 749, 789, 796,
     806, 811, 813, 822, 842, 853, 872, 876, 883, 893, 903, 918, 926, 927, 938, 942, 960, 966, 968, 973},
    {0, 8, 10, 18, 21, 26, 32, 41, 42, 74, 75, 91, 95, 117, 162, 164, 185, 196, 209, 210,
     215, 236, 243, 258, 278, 300, 301, 305, 309, 314, 316, 331, 339, 343, 344, 357, 362, 368, 370, 387,
     397, 401, 406, 411, 417, 425, 433, 442, 446, 451, 462, 488, 509, 522, 539, 557, 560, 574, 579, 588,
     592, 601, 635, 637, 652, 660, 669, 678, 682, 700, 714, 721, 729, 737, 738, 741, 773, 786, 787, 788,
     790, 796, 799, 800, 825, 834, 843, 853, 870, 881, 883, 890, 898, 921, 941, 944, 975, 977, 991, 998},
    {3, 13, 36, 41, 43, 53, 54, 74, 84, 86, 89, 93, 116, 117, 120, 129, 141, 162, 166, 171,
     180, 182, 183, 198, 201, 227, 247, 249, 251, 290, 295, 296, 304, 312, 337, 344, 347, 361, 372, 382,
     384, 389, 392, 395, 397, 405, 407, 417, 434, 435, 475, 476, 486, 492, 499, 501, 506, 554, 576, 604,
     617, 621, 651, 674, 697, 708, 710, 715, 719, 721, 732, 753, 758, 772, 816, 826, 833, 841, 845, 847,
     852, 853, 861, 867, 869, 870, 875, 895, 906, 907, 934, 935, 942, 946, 955, 956, 973, 984, 989, 997},
};

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int babilong_test_list(int task, const BabiSet *set, int out[BABILONG_SAMPLES], DataError *err)
{
    if (task < 1 || task > 20) {
        data_error(err, "babilong: bad task %d (1..20)", task);
        return -1;
    }
    if (task <= 5) {
        for (int i = 0; i < BABILONG_SAMPLES; i++) {
            out[i] = TEST_100[task - 1][i];
            if (out[i] >= set->n_samples) {
                data_error(err, "babilong qa%d: the test file has %d questions, fewer than upstream's index %d "
                           "(not the bAbI v1.2 en-10k test split?)", task, set->n_samples, out[i]);
                return -1;
            }
        }
        return BABILONG_SAMPLES;
    }
    int n = set->n_samples < FIRST_QUESTIONS ? set->n_samples : FIRST_QUESTIONS;
    int *all = malloc(sizeof *all * (size_t)(n ? n : 1));
    if (!all) {
        data_error(err, "babilong qa%d: out of memory", task);
        return -1;
    }
    for (int i = 0; i < n; i++) all[i] = i;
    Rng r;
    rng_init(&r, SELECT_SEED, (uint64_t)task, 0);
    rng_shuffle(&r, all, (size_t)n, sizeof *all);
    int k = n < BABILONG_SAMPLES ? n : BABILONG_SAMPLES;
    qsort(all, (size_t)k, sizeof *all, compare_ints);
    for (int i = 0; i < k; i++) out[i] = all[i];
    free(all);
    return k;
}

int babilong_lines(const BabiSample *s) { return s->n_facts + 1; }

int64_t babilong_max_lines(int64_t L, size_t template)
{
    if (L == 0) return INT64_MAX;
    int64_t room = L - (int64_t)template;
    return room < 0 ? -1 : room / LINE_TOKENS; /* Python's // floors: a negative room keeps nothing */
}

const BabiSample *babilong_select(int task, const BabiSet *set, int64_t L, size_t template, uint64_t pick,
                                  DataError *err)
{
    int list[BABILONG_SAMPLES], n = babilong_test_list(task, set, list, err);
    if (n < 0) return NULL;
    int64_t max = babilong_max_lines(L, template);
    uint64_t m = 0;
    for (int i = 0; i < n; i++) m += babilong_lines(&set->samples[list[i]]) <= max;
    for (int i = 0, k = 0; m && i < n; i++)
        if (babilong_lines(&set->samples[list[i]]) <= max && (uint64_t)k++ == pick % m)
            return &set->samples[list[i]];
    data_error(err, "babilong qa%d: none of the %d listed test questions has at most %lld lines "
               "((length %lld - template %zu) / %d)", task, n, (long long)(max < 0 ? 0 : max), (long long)L, template,
               LINE_TOKENS);
    return NULL;
}

int64_t babilong_select_min_length(int task, const BabiSet *set, size_t template, DataError *err)
{
    int list[BABILONG_SAMPLES], n = babilong_test_list(task, set, list, err);
    if (n < 0) return -1;
    if (n == 0) {
        data_error(err, "babilong qa%d: the test file has no question", task);
        return -1;
    }
    int fewest = babilong_lines(&set->samples[list[0]]);
    for (int i = 1; i < n; i++)
        if (babilong_lines(&set->samples[list[i]]) < fewest) fewest = babilong_lines(&set->samples[list[i]]);
    return (int64_t)template + (int64_t)LINE_TOKENS * fewest;
}
