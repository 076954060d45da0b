/* RULER's variable tracking task `vt` (scripts/data/synthetic/variable_tracking.py, commit
 * c3f5e3b; scripts/synthetic.yaml: noise haystack, num_chains 1, num_hops 4), bytes as tokens.
 *
 * Exactly RULER (base model template, add_fewshot on, as prepare.py runs it):
 * - Main part: RULER's template and answer prefix,
 *     Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n
 *     {context}\nQuestion: Find all variables that are assigned the value {V} in the text above.
 *     Answer: According to the chain(s) of variable assignment in the text above, 5 variables
 *     are assigned the value {V}, they are: 
 *   (one space before "Answer:" and after "are:"). The context is N noise lines (niah_noise)
 *   with the chain's lines "VAR A = V", "VAR B = VAR A ", ... "VAR E = VAR D " (trailing space
 *   kept) inserted, line j before position p_j + j for sorted distinct positions p_j in [0, N),
 *   all joined by "\n" (RULER's ". \n" -> ".\n" never applies to these lines). Variables are 5
 *   upper-case letters, V in [10000, 99998] (np.random.randint(10000, 99999)).
 * - The in-context example (RULER's first call, is_icl): the same with 5 noise lines, 3-letter
 *   variables and V = 12345; since positions are random.sample(range(5), 5) sorted, the chain's
 *   lines are lines 0, 2, 4, 6, 8. It is followed by " " + the 5 variables joined by " " + "\n",
 *   and then randomize_icl: each of its 5 variables in turn replaced everywhere (str.replace, so
 *   a variable "VAR" rewrites the "VAR" words too) by 3 fresh random letters, and "12345" by a
 *   number in [10000, 99998]. The prompt is that example + "\n" + the main part.
 * - Sizing of the main part: incremental 10 lines (5 when RULER's max_seq_length < 4096), RULER's
 *   binary search from incremental to max(int(M / (bytes(incremental) / incremental) * 3),
 *   2 * incremental) for the largest N with bytes(N) + len(example) + 30 <= M, then N stepped down
 *   by incremental while the whole prompt + 30 > M (the search does not count the "\n" after the
 *   example, so a search result exactly at M loses a step, as in RULER). The lengths do not
 *   depend on the draws, so this is RULER's N for every sample.
 * - Answers: the 5 variables of the main chain in order; RULER's metric string_match_all
 *   (niah_score); 30 bytes generated (tokens_to_generate).
 *
 * Where RULER does not terminate, and the rule we chose: RULER sizes the in-context example with
 * max_seq_length 500 and incremental 5. With a byte tokenizer the example is 838 bytes at its
 * least (5 noise lines of 90 bytes, chain, template), so the binary search finds no N, takes 5,
 * and the sample loop `while True: ... assert length <= 500 ... except: if used > 5: used -= 5`
 * retries 5 lines for ever: RULER hangs at every byte length. Our rule: a sample loop that
 * cannot step down any more (used <= incremental) keeps its sample, so the example has RULER's
 * least haystack, 5 lines. The main part's loop hangs too where a step lands below 5 lines
 * (random.sample(range(N), 5) raises, and the loop retries the same N for ever): when the search's
 * N fits only without the example's "\n" and N - 10 < 5 (or N - 5 < 5 below 4096). There, and
 * wherever a step cannot go on, we take the largest N >= 5 that fits (the NIAH tasks' rule; a
 * target_len below niah_min_length, where 5 lines do not fit, is an error, not a longer prompt).
 * Wherever RULER's loops end these rules change nothing.
 *
 * Ours: RULER's max_seq_length M is target_len + 30 (target_len bounds the prompt, as for the
 * NIAH tasks). Draws are Philox streams of (seed, unit): NIAH_STREAM_KEY the example's then the
 * main variables (distinct within each; RULER's rare duplicate retry, probability ~1e-6, is not
 * reproduced), NIAH_STREAM_VALUE V, NIAH_STREAM_DEPTH the positions, NIAH_STREAM_HAY
 * randomize_icl's letters then its number. */
#include "ruler_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VT_VARS = 5, VT_NEW = 30, ICL_LINES = 5, ICL_LEN = 3, VAR_LEN = 5 };

static const char HEAD[] =
    "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n";
static const char TAIL[] =
    "\nQuestion: Find all variables that are assigned the value %s in the text above. Answer: "
    "According to the chain(s) of variable assignment in the text above, %d variables are "
    "assigned the value %s, they are: ";

typedef struct {
    char var[VT_VARS][VAR_LEN + 1];
    char value[6];
} Chain;

/* The chain's line j as RULER writes it. */
static void chain_line(Str *b, const Chain *c, int j)
{
    if (j == 0) str_addf(b, "VAR %s = %s", c->var[0], c->value);
    else str_addf(b, "VAR %s = VAR %s ", c->var[j], c->var[j - 1]);
}

/* generate_input_output: n noise lines with line j of the chain at index pos[j] + j. */
static void vt_text(Str *b, const Chain *c, uint64_t n, const uint64_t *pos)
{
    str_adds(b, HEAD);
    for (uint64_t i = 0, j = 0; i < n + VT_VARS; i++) {
        if (i) str_add(b, "\n", 1);
        if (j < VT_VARS && i == pos[j] + j) chain_line(b, c, (int)j++);
        else str_adds(b, niah_noise);
    }
    str_addf(b, TAIL, c->value, VT_VARS, c->value);
}

/* Bytes of vt_text for n lines: every noise line adds itself and a "\n". */
static uint64_t vt_bytes(const Chain *c, uint64_t n)
{
    static const uint64_t none[VT_VARS] = {0}; /* no noise: the chain's lines alone */
    Str b = {0};
    vt_text(&b, c, 0, none);
    uint64_t len = b.bad ? 0 : b.len;
    free(b.s);
    return len + n * (strlen(niah_noise) + 1);
}

/* k distinct variables of len letters (RULER's generate_chains). */
static void draw_vars(Rng *r, int len, Chain *c)
{
    for (int i = 0; i < VT_VARS;) {
        ruler_letters(r, 'A', len, c->var[i]);
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= strcmp(c->var[j], c->var[i]) == 0;
        i += !seen;
    }
}

/* Replaces every occurrence of from (left to right, not overlapping) by to, of equal length. */
static void replace_all(char *s, const char *from, const char *to)
{
    size_t n = strlen(from);
    for (char *p = strstr(s, from); p; p = strstr(p + n, from)) memcpy(p, to, n);
}

/* RULER's in-context example, randomized (randomize_icl). */
static void icl_example(Rng *kr, Rng *hr, Str *b)
{
    static const uint64_t pos[VT_VARS] = {0, 1, 2, 3, 4}; /* sorted(random.sample(range(5), 5)) */
    Chain c;
    draw_vars(kr, ICL_LEN, &c);
    strcpy(c.value, "12345");
    vt_text(b, &c, ICL_LINES, pos);
    for (int i = 0; i < VT_VARS; i++) str_addf(b, " %s", c.var[i]);
    str_add(b, "\n", 1);
    if (b->bad) return;
    for (int i = 0; i < VT_VARS; i++) {
        char fresh[ICL_LEN + 1];
        ruler_letters(hr, 'A', ICL_LEN, fresh);
        replace_all(b->s, c.var[i], fresh);
    }
    char value[6];
    snprintf(value, sizeof value, "%" PRIu64, 10000 + rng_below(hr, 89999));
    replace_all(b->s, "12345", value);
}

/* RULER's N: the binary search, then the sample loop's steps; 0 when even 5 lines are too long. */
static uint64_t vt_size(const Chain *c, uint64_t example, int64_t target)
{
    int64_t M = target + VT_NEW;
    uint64_t inc = M < 4096 ? 5 : 10, best = 0;
    double per = (double)vt_bytes(c, inc) / (double)inc;
    int64_t lo = (int64_t)inc, hi = (int64_t)((double)M / per * 3);
    if (hi < 2 * (int64_t)inc) hi = 2 * (int64_t)inc;
    while (lo <= hi) {
        int64_t mid = (lo + hi) / 2;
        if ((int64_t)(vt_bytes(c, (uint64_t)mid) + example) + VT_NEW <= M) best = (uint64_t)mid, lo = mid + 1;
        else hi = mid - 1;
    }
    uint64_t n = best ? best : inc;
    while ((int64_t)(example + 1 + vt_bytes(c, n)) > target && n > inc) n -= inc;
    if (n >= VT_VARS && (int64_t)(example + 1 + vt_bytes(c, n)) <= target) return n;
    /* RULER loops for ever: the largest that fits (the step went below 5 lines, where
     * random.sample raises, or cannot go on) */
    n = best ? best : inc;
    while (n >= VT_VARS && (int64_t)(example + 1 + vt_bytes(c, n)) > target) n--;
    return n >= VT_VARS ? n : 0;
}

/* k sorted distinct integers in [0, n) (sorted(random.sample(range(n), k))). */
static void draw_positions(Rng *r, uint64_t n, uint64_t *pos)
{
    niah_draw_distinct(r, VT_VARS, n, pos);
    for (int i = 1; i < VT_VARS; i++)
        for (int j = i; j > 0 && pos[j - 1] > pos[j]; j--) {
            uint64_t t = pos[j];
            pos[j] = pos[j - 1];
            pos[j - 1] = t;
        }
}

int ruler_vt_make(int64_t target_len, uint64_t seed, uint64_t unit, TextSample *out, DataError *err)
{
    Rng kr, vr, pr, hr;
    rng_init(&kr, seed, NIAH_STREAM_KEY, unit);
    rng_init(&vr, seed, NIAH_STREAM_VALUE, unit);
    rng_init(&pr, seed, NIAH_STREAM_DEPTH, unit);
    rng_init(&hr, seed, NIAH_STREAM_HAY, unit);
    Str b = {0};
    icl_example(&kr, &hr, &b);
    Chain c;
    draw_vars(&kr, VAR_LEN, &c);
    snprintf(c.value, sizeof c.value, "%" PRIu64, 10000 + rng_below(&vr, 89999));
    uint64_t n = b.bad ? 0 : vt_size(&c, b.len, target_len), pos[VT_VARS];
    if (n == 0) {
        free(b.s);
        data_error(err, "vt: target_len %" PRId64 " is too short: a sample needs %" PRId64, target_len,
                   ruler_vt_min_length());
        return -1;
    }
    draw_positions(&pr, n, pos);
    str_add(&b, "\n", 1);
    vt_text(&b, &c, n, pos);
    const char *answers[VT_VARS];
    for (int i = 0; i < VT_VARS; i++) answers[i] = c.var[i];
    return ruler_finish("vt", &b, answers, VT_VARS, target_len, VT_NEW, out, err);
}

int64_t ruler_vt_min_length(void)
{
    Chain c;
    memset(&c, 'A', sizeof c);
    for (int i = 0; i < VT_VARS; i++) c.var[i][VAR_LEN] = '\0';
    strcpy(c.value, "12345");
    Rng r;
    rng_init(&r, 0, NIAH_STREAM_HAY, 0);
    Str b = {0};
    icl_example(&r, &r, &b);
    int64_t need = b.bad ? -1 : (int64_t)(b.len + 1 + vt_bytes(&c, 5));
    free(b.s);
    return need;
}
