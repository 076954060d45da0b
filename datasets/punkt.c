/* Punkt sentence boundaries with a trained model (see punkt.h); the steps follow
 * nltk/tokenize/punkt.py, named after its methods. */
#include "punkt.h"

#include <stdlib.h>
#include <string.h>

enum { BEG_UC = 1 << 1, MID_UC = 1 << 2, UNK_UC = 1 << 3, BEG_LC = 1 << 4, MID_LC = 1 << 5,
       UNK_LC = 1 << 6, ORTHO_UC = BEG_UC | MID_UC | UNK_UC, ORTHO_LC = BEG_LC | MID_LC | UNK_LC };

#define MAX_TYPE 64 /* no table entry is this long, so a longer type matches none */

static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int in_set(char c, const char *set) { return c && strchr(set, c) != NULL; }
/* _re_non_word_chars: characters that cannot appear within words */
static int non_word(char c) { return in_set(c, ")\";}]*:@'({[!?"); }

/* _re_multi_char_punct at s[p]: "--"+, ".."+ or (". "){2,}"."; its length, or 0. */
static size_t multi_char(const char *s, size_t p, size_t n)
{
    size_t i = p;
    if (p + 1 < n && s[p] == s[p + 1] && (s[p] == '-' || s[p] == '.')) {
        while (i < n && s[i] == s[p]) i++;
        return i - p;
    }
    size_t r = 0;
    while (i + 1 < n && s[i] == '.' && is_space(s[i + 1])) i += 2, r++;
    if (r >= 2 && i < n && s[i] == '.') return 2 * r + 1;
    return r >= 3 ? 2 * r - 1 : 0;
}

/* Where a word token starting at p ends: the lazy \S+? of _word_tokenize_fmt. */
static size_t word_end(const char *s, size_t p, size_t n)
{
    for (size_t e = p + 1;; e++) {
        if (e == n || is_space(s[e]) || non_word(s[e]) || multi_char(s, e, n)) return e;
        if (s[e] == ',' && (e + 1 == n || is_space(s[e + 1]) || non_word(s[e + 1]) ||
                            multi_char(s, e + 1, n)))
            return e;
    }
}

typedef struct {
    const char *tok;
    size_t len;
    char type[MAX_TYPE + 1]; /* lowercase, or "##number##" */
    int sentbreak, abbr, ellipsis;
} Token;

/* _RE_NUMERIC: ^-?[\.,]?\d[\d,\.-]*\.?$ */
static int numeric(const char *t, size_t m)
{
    size_t i = 0;
    if (i < m && t[i] == '-') i++;
    if (i < m && (t[i] == '.' || t[i] == ',')) i++;
    if (i >= m || !is_digit(t[i++])) return 0;
    while (i < m && (is_digit(t[i]) || in_set(t[i], ",.-"))) i++;
    return i == m;
}

static void lower_copy(char *dst, const char *s, size_t m)
{
    if (m > MAX_TYPE) m = MAX_TYPE;
    for (size_t i = 0; i < m; i++) dst[i] = is_upper(s[i]) ? (char)(s[i] | 0x20) : s[i];
    dst[m] = '\0';
}

static void token_init(Token *t, const char *s, size_t m)
{
    memset(t, 0, sizeof *t);
    t->tok = s;
    t->len = m;
    if (numeric(s, m)) strcpy(t->type, "##number##");
    else if (m > MAX_TYPE) strcpy(t->type, "\x01"); /* in no table, whatever its prefix */
    else lower_copy(t->type, s, m);
}

static int period_final(const Token *t) { return t->tok[t->len - 1] == '.'; }
static int first_upper(const Token *t) { return is_upper(t->tok[0]); }
static int first_lower(const Token *t) { return is_lower(t->tok[0]); }
static int is_initial(const Token *t)
{
    char c = t->tok[0];
    return t->len == 2 && t->tok[1] == '.' && (is_upper(c) || is_lower(c) || c == '_');
}
static int is_ellipsis(const Token *t)
{
    size_t i = 0;
    while (i < t->len && t->tok[i] == '.') i++;
    return t->len >= 2 && i == t->len;
}

/* type_no_period into buf */
static const char *no_period(const Token *t, char *buf)
{
    size_t k = strlen(t->type);
    memcpy(buf, t->type, k + 1);
    if (k > 1 && buf[k - 1] == '.') buf[k - 1] = '\0';
    return buf;
}
static const char *no_sentperiod(const Token *t, char *buf)
{
    return t->sentbreak ? no_period(t, buf) : strcpy(buf, t->type);
}

static int cmp_key(const void *k, const void *e) { return strcmp(k, *(const char *const *)e); }
static int cmp_ortho(const void *k, const void *e) { return strcmp(k, ((const PunktOrtho *)e)->type); }

static int listed(const char *const *list, size_t n, const char *key)
{
    return bsearch(key, list, n, sizeof *list, cmp_key) != NULL;
}

static int ortho_of(const PunktParams *p, const char *type)
{
    const PunktOrtho *o = bsearch(type, p->ortho, p->n_ortho, sizeof *p->ortho, cmp_ortho);
    return o ? o->flags : 0;
}

/* _first_pass_annotation */
static void first_pass(const PunktParams *p, Token *t)
{
    if (t->len == 1 && in_set(t->tok[0], ".?!")) {
        t->sentbreak = 1;
    } else if (is_ellipsis(t)) {
        t->ellipsis = 1;
    } else if (period_final(t) && !(t->len >= 2 && t->tok[t->len - 2] == '.')) {
        /* tok[:-1].lower() or its part after the last '-' is a known abbreviation */
        char w[MAX_TYPE + 1], tail[MAX_TYPE + 1];
        size_t m = t->len - 1, d = m;
        while (d > 0 && t->tok[d - 1] != '-') d--;
        lower_copy(w, t->tok, m);
        lower_copy(tail, t->tok + d, m - d);
        if ((m <= MAX_TYPE && listed(p->abbrev, p->n_abbrev, w)) ||
            (d > 0 && m - d <= MAX_TYPE && listed(p->abbrev, p->n_abbrev, tail)))
            t->abbr = 1;
        else
            t->sentbreak = 1;
    }
}

enum { NO = 0, YES = 1, UNKNOWN = 2 };

/* _ortho_heuristic: does t start a sentence? */
static int ortho_heuristic(const PunktParams *p, const Token *t)
{
    if (t->len == 1 && in_set(t->tok[0], ";:,.!?")) return NO;
    char buf[MAX_TYPE + 1];
    int ctx = ortho_of(p, no_sentperiod(t, buf));
    if (first_upper(t) && (ctx & ORTHO_LC) && !(ctx & MID_UC)) return YES;
    if (first_lower(t) && ((ctx & ORTHO_UC) || !(ctx & BEG_LC))) return NO;
    return UNKNOWN;
}

/* _second_pass_annotation of t1 followed by t2 */
static void second_pass(const PunktParams *p, Token *t1, const Token *t2)
{
    if (!period_final(t1)) return;
    char typ[MAX_TYPE + 1], next[MAX_TYPE + 1], pair[2 * MAX_TYPE + 2];
    no_period(t1, typ);
    no_sentperiod(t2, next);
    int initial = is_initial(t1);
    strcat(strcat(strcpy(pair, typ), " "), next);
    if (listed(p->colloc, p->n_colloc, pair)) {
        t1->sentbreak = 0;
        t1->abbr = 1;
        return;
    }
    if ((t1->abbr || t1->ellipsis) && !initial) {
        if (ortho_heuristic(p, t2) == YES ||
            (first_upper(t2) && listed(p->starters, p->n_starters, next))) {
            t1->sentbreak = 1;
            return;
        }
    }
    if (initial || strcmp(typ, "##number##") == 0) {
        int h = ortho_heuristic(p, t2);
        if (h == NO || (h == UNKNOWN && initial && first_upper(t2) &&
                        !(ortho_of(p, next) & ORTHO_LC))) {
            t1->sentbreak = 0;
            t1->abbr = 1;
        }
    }
}

/* The tokens of one line (_tokenize_words' word_tokenize), at most one a byte; the count. */
static size_t tokenize_line(const char *s, size_t n, Token *out)
{
    size_t k = 0;
    for (size_t p = 0; p < n;) {
        if (is_space(s[p])) {
            p++;
            continue;
        }
        size_t e = multi_char(s, p, n);
        if (e) e += p;
        else if (!in_set(s[p], "(\"`{[:;&#*@)}]-,")) e = word_end(s, p, n);
        else e = p + 1;
        token_init(&out[k++], s + p, e - p);
        p = e;
    }
    return k;
}

/* text_contains_sentbreak: a sentence break at any token but the last. tok holds n tokens. */
static int contains_sentbreak(const PunktParams *p, const char *s, size_t n, Token *tok)
{
    size_t k = 0;
    for (size_t a = 0; a < n;) { /* _tokenize_words splits the lines first */
        size_t b = a;
        while (b < n && s[b] != '\n') b++;
        k += tokenize_line(s + a, b - a, tok + k);
        a = b + 1;
    }
    for (size_t i = 0; i < k; i++) first_pass(p, &tok[i]);
    for (size_t i = 0; i + 1 < k; i++) {
        second_pass(p, &tok[i], &tok[i + 1]);
        if (tok[i].sentbreak) return 1;
    }
    return 0;
}

typedef struct {
    size_t at;        /* the sentence-end character */
    size_t after_end; /* the end of after_tok */
    size_t next;      /* the start of next_tok; 0 when after_tok is a non-word character */
} Match;

/* _period_context_fmt at s[i]: ".?!" followed by a non-word character, or by whitespace and a
 * token. */
static int period_context(const char *s, size_t n, size_t i, Match *m)
{
    if (!in_set(s[i], ".?!")) return 0;
    m->at = i;
    m->next = 0;
    if (i + 1 < n && non_word(s[i + 1])) {
        m->after_end = i + 2;
        return 1;
    }
    size_t j = i + 1, k;
    while (j < n && is_space(s[j])) j++;
    if (j == i + 1 || j == n) return 0;
    for (k = j; k < n && !is_space(s[k]);) k++;
    m->after_end = k;
    m->next = j;
    return 1;
}

/* _get_last_whitespace_index of s[a, b), relative to a; 0 when none. */
static size_t last_space(const char *s, size_t a, size_t b)
{
    for (size_t i = b; i > a; i--)
        if (is_space(s[i - 1])) return i - 1 - a;
    return 0;
}

typedef struct {
    PunktSpan *v;
    size_t n, cap;
} Spans;

static int push(Spans *l, size_t start, size_t end)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        PunktSpan *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (PunktSpan){start, end};
    return 0;
}

/* _slices_from_text: the slice before each potential end whose context holds a sentence break
 * (_match_potential_end_contexts: the word before each match, a match dropped when the next
 * one's word overlaps it), then the rest without trailing whitespace. */
static int slices(const PunktParams *p, const char *s, size_t n, Spans *out)
{
    Token *tok = NULL; /* room for the context's tokens: at most one a byte */
    size_t cap = 0, last_break = 0, prev_start = 0, prev_stop = 0;
    Match prev = {0}, m = {0};
    int have_prev = 0, rc = 0;
    for (size_t i = 0; i <= n && rc == 0; i++) {
        int last = i == n;
        if (!last && !period_context(s, n, i, &m)) continue;
        size_t idx = last ? 0 : last_space(s, prev_stop, i);
        size_t word = idx ? prev_stop + idx + 1 : prev_start;
        size_t ctx = prev.after_end - prev_start;
        if (have_prev && (last || prev_stop <= word) && ctx > cap) {
            free(tok);
            cap = 2 * ctx;
            if (!(tok = malloc(cap * sizeof *tok))) rc = -1;
        }
        if (rc == 0 && have_prev && (last || prev_stop <= word) &&
            contains_sentbreak(p, s + prev_start, ctx, tok)) {
            rc = push(out, last_break, prev.at + 1);
            last_break = prev.next ? prev.next : prev.at + 1;
        }
        if (last) break;
        prev = m;
        prev_start = word;
        prev_stop = i;
        have_prev = 1;
    }
    free(tok);
    while (n > 0 && is_space(s[n - 1])) n--;
    return rc ? rc : push(out, last_break, n);
}

/* re_boundary_realignment on s[a, b): closing quotes or brackets (lazily) followed by
 * whitespace, "--" or the end. Their count, 0 if no match; *end the match's end after a. */
static size_t realignment(const char *s, size_t a, size_t b, size_t *end)
{
    for (size_t q = a; q < b && in_set(s[q], "\"')]}");) {
        q++;
        size_t e = q;
        while (e < b && is_space(s[e])) e++;
        if (e > q || q == b || (q + 1 < b && s[q] == '-' && s[q + 1] == '-')) {
            *end = e - a;
            return q - a;
        }
    }
    return 0;
}

/* _realign_boundaries: closing punctuation after a break joins the sentence before it. */
static int realign(const char *s, const Spans *in, Spans *out)
{
    size_t shift = 0;
    for (size_t i = 0; i < in->n; i++) {
        PunktSpan a = in->v[i];
        a.start += shift;
        size_t k = 0, end = 0;
        if (i + 1 < in->n) k = realignment(s, in->v[i + 1].start, in->v[i + 1].end, &end);
        if (k) {
            if (push(out, a.start, in->v[i + 1].start + k)) return -1;
            shift = end;
        } else {
            shift = 0;
            if (a.start < a.end && push(out, a.start, a.end)) return -1;
        }
    }
    return 0;
}

int punkt_spans(const PunktParams *p, const char *text, size_t len, PunktSpan **spans, size_t *n)
{
    Spans raw = {0}, out = {0};
    int rc = slices(p, text, len, &raw);
    if (rc == 0) rc = realign(text, &raw, &out);
    free(raw.v);
    if (rc) {
        free(out.v);
        return -1;
    }
    *spans = out.v;
    *n = out.n;
    return 0;
}
