#include "babi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Parser */

void babi_free(BabiSet *s)
{
    if (!s) return;
    free(s->text);
    free(s->stmts);
    free(s->support);
    free(s->samples);
    memset(s, 0, sizeof *s);
}

/* A positive decimal id without leading zeros; -1 if there is none (or it is absurdly large). */
static long parse_id(char **p)
{
    char *s = *p;
    long v = 0;
    if (*s < '1' || *s > '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > 100000000) return -1;
        v = v * 10 + (*s - '0');
    }
    *p = s;
    return v;
}

/* Parser state shared by the per-line helpers. */
typedef struct {
    BabiSet *out;
    const char *name;
    DataError *err;
    int *stmt_of_line;  /* global statement index of each line, -1 for a question */
    size_t *sup_start;  /* per sample: where its ids start in out->support (fixed up at the end) */
    size_t n_stmts, n_sup, cap_sup;
    int n_samples;
    size_t story_line;  /* index of the story's first line */
    size_t story_stmt;  /* index of the story's first statement */
    size_t facts_len;   /* sum of (length + 1) over the story's statements so far */
    int open;           /* the latest line is a statement: its story still needs a question */
} Parser;

static int push_support(Parser *ps, int index)
{
    if (ps->n_sup == ps->cap_sup) {
        size_t cap = ps->cap_sup ? 2 * ps->cap_sup : 1024;
        int *p = realloc(ps->out->support, cap * sizeof *p);
        if (!p) return -1;
        ps->out->support = p;
        ps->cap_sup = cap;
    }
    ps->out->support[ps->n_sup++] = index;
    return 0;
}

/* "<question>\t<answer>\t<ids>" with p at the question; ln is the 0-based line, id its bAbI id. */
static int parse_question(Parser *ps, char *p, size_t ln, long id)
{
    char *tab1 = strchr(p, '\t'), *tab2 = strchr(tab1 + 1, '\t');
    if (!tab2 || strchr(tab2 + 1, '\t')) {
        data_error(ps->err, "%s:%zu: a question line needs exactly 2 tabs (question, answer, "
                   "supporting ids)", ps->name, ln + 1);
        return -1;
    }
    if (tab1 == p || tab2 == tab1 + 1) {
        data_error(ps->err, "%s:%zu: empty %s", ps->name, ln + 1, tab1 == p ? "question" : "answer");
        return -1;
    }
    *tab1 = *tab2 = '\0';
    BabiSample *s = &ps->out->samples[ps->n_samples];
    s->facts = ps->out->stmts + ps->story_stmt;
    s->n_facts = (int)(ps->n_stmts - ps->story_stmt);
    s->question = p;
    s->answer = tab1 + 1;
    s->facts_len = ps->facts_len ? ps->facts_len - 1 : 0;
    s->n_support = 0;
    ps->sup_start[ps->n_samples] = ps->n_sup;
    for (char *q = tab2 + 1;; q++) {
        long k = parse_id(&q);
        if (k < 0 || (*q != ' ' && *q != '\0')) {
            data_error(ps->err, "%s:%zu: bad supporting fact ids \"%s\"", ps->name, ln + 1, tab2 + 1);
            return -1;
        }
        int stmt = k < id ? ps->stmt_of_line[ps->story_line + (size_t)k - 1] : -1;
        if (stmt < 0) {
            data_error(ps->err, "%s:%zu: supporting fact %ld is not an earlier statement of this story",
                       ps->name, ln + 1, k);
            return -1;
        }
        if (push_support(ps, stmt - (int)ps->story_stmt)) {
            data_error(ps->err, "%s: out of memory", ps->name);
            return -1;
        }
        s->n_support++;
        if (*q == '\0') break;
    }
    ps->stmt_of_line[ln] = -1;
    ps->open = 0;
    ps->n_samples++;
    return 0;
}

/* One NUL-terminated line (line ending removed); prev_id is the previous line's id, 0 at the start. */
static int parse_line(Parser *ps, char *line, size_t ln, long *prev_id)
{
    char *p = line;
    long id = parse_id(&p);
    if (id < 0 || *p != ' ') {
        data_error(ps->err, "%s:%zu: expected \"<id> <text>\" with a positive id", ps->name, ln + 1);
        return -1;
    }
    p++;
    if (id == 1) {
        if (ps->open) {
            data_error(ps->err, "%s:%zu: the story before this line ends without a question", ps->name, ln + 1);
            return -1;
        }
        ps->story_line = ln;
        ps->story_stmt = ps->n_stmts;
        ps->facts_len = 0;
    } else if (id != *prev_id + 1) {
        data_error(ps->err, "%s:%zu: expected id %ld (or 1 to start a story), got %ld", ps->name, ln + 1,
                   *prev_id + 1, id);
        return -1;
    }
    *prev_id = id;
    if (strchr(p, '\t')) return parse_question(ps, p, ln, id);
    if (*p == '\0' || strchr(p, '?')) {
        data_error(ps->err, "%s:%zu: %s", ps->name, ln + 1,
                   *p ? "question without tab-separated answer and supporting ids" : "empty sentence");
        return -1;
    }
    ps->stmt_of_line[ln] = (int)ps->n_stmts;
    ps->out->stmts[ps->n_stmts++] = p;
    ps->facts_len += strlen(p) + 1;
    ps->open = 1;
    return 0;
}

int babi_parse(const char *text, size_t len, const char *name, BabiSet *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    size_t n_lines = 0;
    for (size_t i = 0; i < len; i++) n_lines += text[i] == '\n';
    if (len == 0) {
        data_error(err, "%s:1: empty file", name);
        return -1;
    }
    if (text[len - 1] != '\n') {
        data_error(err, "%s:%zu: truncated file: the last line has no newline", name, n_lines + 1);
        return -1;
    }
    if (memchr(text, '\0', len)) {
        data_error(err, "%s: NUL byte in text", name);
        return -1;
    }
    Parser ps = {.out = out, .name = name, .err = err};
    out->text = malloc(len + 1);
    out->stmts = malloc(n_lines * sizeof *out->stmts);
    out->samples = malloc(n_lines * sizeof *out->samples);
    ps.stmt_of_line = malloc(n_lines * sizeof *ps.stmt_of_line);
    ps.sup_start = malloc(n_lines * sizeof *ps.sup_start);
    int rc = -1;
    if (!out->text || !out->stmts || !out->samples || !ps.stmt_of_line || !ps.sup_start) {
        data_error(err, "%s: out of memory", name);
        goto done;
    }
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    long prev_id = 0;
    char *line = out->text;
    for (size_t ln = 0; ln < n_lines; ln++) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        if (nl > line && nl[-1] == '\r') nl[-1] = '\0';
        if (parse_line(&ps, line, ln, &prev_id)) goto done;
        line = nl + 1;
    }
    if (ps.open) {
        data_error(err, "%s:%zu: the last story ends without a question (truncated file?)", name, n_lines);
        goto done;
    }
    for (int i = 0; i < ps.n_samples; i++) out->samples[i].support = out->support + ps.sup_start[i];
    out->n_samples = ps.n_samples;
    rc = 0;
done:
    free(ps.stmt_of_line);
    free(ps.sup_start);
    if (rc) babi_free(out);
    return rc;
}

int babi_load(const char *path, BabiSet *out, DataError *err)
{
    size_t len;
    char *text = data_read_file(path, &len, err);
    if (!text) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = babi_parse(text, len, path, out, err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Generator */

enum { N_ACTORS = 4, N_LOCATIONS = 6, N_OBJECTS = 3, N_QUESTIONS = 5 };
/* A question may only rest on the 5 latest statements: in the v1.2 files the newest supporting
 * fact of qa1-qa3 and qa5 questions is always one of them (distance 1, 2, 4, 5 or 7 lines). */
enum { WINDOW = 5, MAX_STATEMENTS = 1000 };

static const char *const LOCATIONS[N_LOCATIONS] = {"bathroom", "bedroom", "garden",
                                                   "hallway",  "kitchen", "office"};
static const char *const OBJECTS[N_OBJECTS] = {"apple", "football", "milk"};
static const char *const ACTORS_QA1_3[N_ACTORS] = {"Mary", "John", "Sandra", "Daniel"};
static const char *const ACTORS_QA5[N_ACTORS] = {"Bill", "Fred", "Jeff", "Mary"};
static const char *const MOVES[] = {"went to", "journeyed to", "travelled to", "moved to", "went back to"};
static const char *const GETS[] = {"picked up", "got", "grabbed", "took"};
static const char *const DROPS[] = {"dropped", "discarded", "put down", "left"};
static const char *const GIVES[] = {"gave", "handed", "passed"};
static const char *const DIRECTIONS[4] = {"north", "east", "south", "west"}; /* opposite: +2 */

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} Buf;

static void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (b->oom || n < 0) {
        b->oom = 1;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = 2 * (b->len + (size_t)n + 1);
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The true world, and what the reader has been told (line ids; 0 = not told). */
typedef struct {
    int task;
    Rng *rng;
    Buf out;
    const char *const *actors;
    int line, n_stmts, n_questions;
    int recent[WINDOW];        /* ids of the latest statements, a ring */
    size_t story_end;          /* bytes up to the end of the latest question */
    int actor_loc[N_ACTORS];
    int actor_move[N_ACTORS];  /* the actor's latest move: where the reader knows him to be */
    int holder[N_OBJECTS];     /* actor holding the object, -1 when it lies in obj_loc */
    int obj_loc[N_OBJECTS];
    int obj_fact[N_OBJECTS];   /* the latest get, drop or give of the object */
    int drop_move[N_OBJECTS];  /* the dropper's move that tells where a dropped object lies */
    /* qa3: every place an object has been, in order: where it first lay, then the place of each
     * move of a holder (hist_fact: that move); held_from is the first entry of the latest holding */
    int hist_loc[N_OBJECTS][MAX_STATEMENTS + 1];
    int hist_fact[N_OBJECTS][MAX_STATEMENTS + 1];
    int n_hist[N_OBJECTS], held_from[N_OBJECTS];
    int give_line, give_actor, give_obj, give_to; /* qa5: the latest give */
} World;

static int pick(World *w, int n) { return (int)rng_below(w->rng, (uint64_t)n); }

static int statement(World *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int statement(World *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_printf(&w->out, "%d ", ++w->line);
    buf_vprintf(&w->out, fmt, ap);
    buf_printf(&w->out, "\n");
    va_end(ap);
    w->recent[w->n_stmts++ % WINDOW] = w->line;
    return w->line;
}

/* The oldest statement id a question may rest on. */
static int window_start(const World *w)
{
    return w->n_stmts < WINDOW ? 1 : w->recent[w->n_stmts % WINDOW];
}

static int max_of(const int *v, int n)
{
    int m = v[0];
    for (int i = 1; i < n; i++) m = v[i] > m ? v[i] : m;
    return m;
}

static void question(World *w, const char *text, const char *answer, const int *sup, int n_sup)
{
    buf_printf(&w->out, "%d %s\t%s\t", ++w->line, text, answer);
    for (int i = 0; i < n_sup; i++) buf_printf(&w->out, i ? " %d" : "%d", sup[i]);
    buf_printf(&w->out, "\n");
    w->story_end = w->out.len;
    w->n_questions++;
}

static void act_move(World *w)
{
    int a = pick(w, N_ACTORS), l = pick(w, N_LOCATIONS - 1);
    if (l >= w->actor_loc[a]) l++; /* never to where he already is */
    int id = statement(w, "%s %s the %s.", w->actors[a], MOVES[pick(w, COUNT(MOVES))], LOCATIONS[l]);
    w->actor_loc[a] = l;
    w->actor_move[a] = id;
    for (int o = 0; o < N_OBJECTS; o++) {
        if (w->holder[o] != a) continue;
        w->hist_loc[o][w->n_hist[o]] = l;
        w->hist_fact[o][w->n_hist[o]++] = id;
    }
}

/* get, drop and give return 0 when no such action is valid now */
static int act_get(World *w)
{
    int cand[N_ACTORS * N_OBJECTS], n = 0;
    for (int a = 0; a < N_ACTORS; a++)
        for (int o = 0; o < N_OBJECTS; o++)
            if (w->holder[o] < 0 && w->obj_loc[o] == w->actor_loc[a]) cand[n++] = a * N_OBJECTS + o;
    if (!n) return 0;
    int c = cand[pick(w, n)], a = c / N_OBJECTS, o = c % N_OBJECTS;
    const char *verb = GETS[pick(w, COUNT(GETS))];
    int there = w->task != 3 || pick(w, 5) == 0; /* qa2, qa5 always say "there"; qa3 one time in 5 */
    int id = statement(w, "%s %s the %s%s.", w->actors[a], verb, OBJECTS[o], there ? " there" : "");
    w->holder[o] = a;
    w->obj_fact[o] = id;
    if (w->n_hist[o] == 0) w->hist_loc[o][w->n_hist[o]++] = w->obj_loc[o];
    w->held_from[o] = w->n_hist[o];
    return 1;
}

static int act_drop(World *w)
{
    int cand[N_OBJECTS], n = 0;
    for (int o = 0; o < N_OBJECTS; o++)
        if (w->holder[o] >= 0) cand[n++] = o;
    if (!n) return 0;
    int o = cand[pick(w, n)], a = w->holder[o];
    const char *verb = DROPS[pick(w, COUNT(DROPS))];
    int there = pick(w, 5) == 0;
    int id = statement(w, "%s %s the %s%s.", w->actors[a], verb, OBJECTS[o], there ? " there" : "");
    w->holder[o] = -1;
    w->obj_loc[o] = w->actor_loc[a];
    w->obj_fact[o] = id;
    w->drop_move[o] = w->actor_move[a];
    return 1;
}

static int act_give(World *w)
{
    int cand[N_OBJECTS * N_ACTORS], n = 0;
    for (int o = 0; o < N_OBJECTS; o++)
        for (int b = 0; b < N_ACTORS; b++) {
            int a = w->holder[o];
            if (a >= 0 && b != a && w->actor_loc[b] == w->actor_loc[a]) cand[n++] = o * N_ACTORS + b;
        }
    if (!n) return 0;
    int c = cand[pick(w, n)], o = c / N_ACTORS, b = c % N_ACTORS, a = w->holder[o];
    int id = statement(w, "%s %s the %s to %s.", w->actors[a], GIVES[pick(w, COUNT(GIVES))], OBJECTS[o],
                       w->actors[b]);
    w->holder[o] = b;
    w->obj_fact[o] = id;
    w->give_line = id;
    w->give_actor = a;
    w->give_obj = o;
    w->give_to = b;
    return 1;
}

/* Draws an action kind by weight (move, get, drop, give), then a uniform valid action of that
 * kind. The weights give about the action mix of the v1.2 files: qa2 63% moves, 22% gets, 15%
 * drops (files: 65, 20, 15); qa5 53% moves, 19% gets, 12% drops, 16% gives (56, 16, 11, 16). */
static void act(World *w)
{
    static const int weights[6][4] = {{0}, {1, 0, 0, 0}, {2, 1, 1, 0}, {2, 1, 1, 0}, {0}, {3, 2, 1, 3}};
    const int *wt = weights[w->task];
    for (;;) {
        int r = pick(w, wt[0] + wt[1] + wt[2] + wt[3]), k = 0;
        while (r >= wt[k]) r -= wt[k++];
        if (k == 0) {
            act_move(w);
            return;
        }
        if ((k == 1 && act_get(w)) || (k == 2 && act_drop(w)) || (k == 3 && act_give(w))) return;
    }
}

/* qa1: where is an actor whose latest move is recent */
static int ask_actor(World *w)
{
    int cand[N_ACTORS], n = 0;
    for (int a = 0; a < N_ACTORS; a++)
        if (w->actor_move[a] >= window_start(w)) cand[n++] = a;
    if (!n) return 0;
    int a = cand[pick(w, n)];
    char text[64];
    snprintf(text, sizeof text, "Where is %s? ", w->actors[a]);
    question(w, text, LOCATIONS[w->actor_loc[a]], &w->actor_move[a], 1);
    return 1;
}

/* qa2: where is an object the reader can place: held by an actor whose location is known, or
 * dropped where its dropper was known to be. Support: the get or drop, then the move. */
static int ask_object(World *w)
{
    int cand[N_OBJECTS], loc[N_OBJECTS], sup[N_OBJECTS][2], n = 0;
    for (int o = 0; o < N_OBJECTS; o++) {
        int a = w->holder[o];
        int move = a >= 0 ? w->actor_move[a] : w->drop_move[o];
        if (!move) continue;
        sup[n][0] = w->obj_fact[o];
        sup[n][1] = move;
        if (max_of(sup[n], 2) < window_start(w)) continue;
        loc[n] = a >= 0 ? w->actor_loc[a] : w->obj_loc[o];
        cand[n++] = o;
    }
    if (!n) return 0;
    int c = pick(w, n);
    char text[64];
    snprintf(text, sizeof text, "Where is the %s? ", OBJECTS[cand[c]]);
    question(w, text, LOCATIONS[loc[c]], sup[c], 2);
    return 1;
}

/* qa3, entry i of object o's history can be asked about when it and the place before it were
 * both reached during the object's latest holding (as in the v1.2 files, whose support is then
 * that holding's get or drop and the two moves) and it is the latest visit to its place, so
 * "before the L" means the last time the object came to L. */
static int before_ok(const World *w, int o, int i, int sup[3])
{
    if (i - 1 < w->held_from[o]) return 0;
    for (int j = i + 1; j < w->n_hist[o]; j++)
        if (w->hist_loc[o][j] == w->hist_loc[o][i]) return 0;
    sup[0] = w->obj_fact[o];
    sup[1] = w->hist_fact[o][i];
    sup[2] = w->hist_fact[o][i - 1];
    return max_of(sup, 3) >= window_start(w);
}

/* qa3: where was an object before a place its holder took it to. Support: the object's latest
 * get or drop, the move into that place, the move into the place before. */
static int ask_before(World *w)
{
    int sup[3], n = 0;
    for (int o = 0; o < N_OBJECTS; o++)
        for (int i = 1; i < w->n_hist[o]; i++) n += before_ok(w, o, i, sup);
    if (!n) return 0;
    int k = pick(w, n);
    for (int o = 0; o < N_OBJECTS; o++)
        for (int i = 1; i < w->n_hist[o]; i++) {
            if (!before_ok(w, o, i, sup) || k--) continue;
            char text[96];
            snprintf(text, sizeof text, "Where was the %s before the %s? ", OBJECTS[o],
                     LOCATIONS[w->hist_loc[o][i]]);
            question(w, text, LOCATIONS[w->hist_loc[o][i - 1]], sup, 3);
            return 1;
        }
    return 0;
}

/* qa5: one of the five questions about the latest give, while it is recent. "What did A give
 * to B?" is asked twice as often as each other form, as in the v1.2 files. */
static int ask_give(World *w)
{
    if (w->give_line < window_start(w)) return 0;
    const char *a = w->actors[w->give_actor], *o = OBJECTS[w->give_obj], *b = w->actors[w->give_to];
    char text[96];
    const char *answer;
    switch (pick(w, 6)) {
    case 0:
    case 1:
        snprintf(text, sizeof text, "What did %s give to %s? ", a, b);
        answer = o;
        break;
    case 2:
        snprintf(text, sizeof text, "Who gave the %s? ", o);
        answer = a;
        break;
    case 3:
        snprintf(text, sizeof text, "Who gave the %s to %s? ", o, b);
        answer = a;
        break;
    case 4:
        snprintf(text, sizeof text, "Who received the %s? ", o);
        answer = b;
        break;
    default:
        snprintf(text, sizeof text, "Who did %s give the %s to? ", a, o);
        answer = b;
        break;
    }
    question(w, text, answer, &w->give_line, 1);
    return 1;
}

/* qa1-qa3, qa5: two actions, then a question if one is possible, until 5 questions. */
static void tell_story(World *w)
{
    for (int a = 0; a < N_ACTORS; a++) w->actor_loc[a] = pick(w, N_LOCATIONS);
    for (int o = 0; o < N_OBJECTS; o++) {
        w->obj_loc[o] = pick(w, N_LOCATIONS);
        w->holder[o] = -1;
    }
    while (w->n_questions < N_QUESTIONS && w->n_stmts + 2 <= MAX_STATEMENTS) {
        act(w);
        act(w);
        switch (w->task) {
        case 1: ask_actor(w); break;
        case 2: ask_object(w); break;
        case 3: ask_before(w); break;
        default: ask_give(w); break;
        }
    }
}

/* qa4: three places on a line (north-south or east-west), two statements each relating an end
 * to the middle place in either phrasing, one question answered by one statement. In the v1.2
 * files the middle place is the sentence's object 2 times in 3. */
static void tell_directions(World *w)
{
    int loc[N_LOCATIONS] = {0, 1, 2, 3, 4, 5};
    rng_shuffle(w->rng, loc, N_LOCATIONS, sizeof loc[0]); /* loc[0..2] in order along the axis */
    int up = pick(w, 2);                                  /* loc[i + 1] lies north (0) or east (1) of loc[i] */
    int st[2][3];                                         /* "The st[0] is st[1] of the st[2]." */
    for (int s = 0; s < 2; s++) {
        int end = s ? loc[2] : loc[0], dir = s ? up : up + 2; /* the end, seen from the middle */
        if (pick(w, 3) < 2) {
            st[s][0] = end, st[s][1] = dir, st[s][2] = loc[1];
        } else {
            st[s][0] = loc[1], st[s][1] = (dir + 2) % 4, st[s][2] = end;
        }
    }
    int first = pick(w, 2);
    for (int s = 0; s < 2; s++) {
        const int *t = st[s ^ first];
        statement(w, "The %s is %s of the %s.", LOCATIONS[t[0]], DIRECTIONS[t[1]], LOCATIONS[t[2]]);
    }
    int s = pick(w, 2), support = s + 1;
    const int *t = st[s ^ first];
    char text[64];
    if (pick(w, 2))
        snprintf(text, sizeof text, "What is %s of the %s?", DIRECTIONS[t[1]], LOCATIONS[t[2]]);
    else
        snprintf(text, sizeof text, "What is the %s %s of?", LOCATIONS[t[2]], DIRECTIONS[(t[1] + 2) % 4]);
    question(w, text, LOCATIONS[t[0]], &support, 1);
}

int babi_generate(int task, Rng *rng, BabiSet *out, DataError *err)
{
    memset(out, 0, sizeof *out);
    if (task < 1 || task > 5) {
        data_error(err, "babi_generate: task %d is not one of qa1-qa5", task);
        return -1;
    }
    World *w = calloc(1, sizeof *w);
    if (!w) {
        data_error(err, "babi_generate: out of memory");
        return -1;
    }
    w->task = task;
    w->rng = rng;
    w->actors = task == 5 ? ACTORS_QA5 : ACTORS_QA1_3;
    if (task == 4)
        tell_directions(w);
    else
        tell_story(w);
    int rc = -1;
    char name[32];
    snprintf(name, sizeof name, "generated qa%d", task);
    if (w->out.oom)
        data_error(err, "%s: out of memory", name);
    else if (w->n_questions == 0)
        data_error(err, "%s: no question after %d statements", name, w->n_stmts);
    else
        rc = babi_parse(w->out.p, w->story_end, name, out, err);
    free(w->out.p);
    free(w);
    return rc;
}
