/* RULER's QA tasks qa_1 (SQuAD) and qa_2 (HotpotQA): scripts/data/synthetic/qa.py and
 * constants.py (commit c3f5e3b; scripts/synthetic.yaml: qa_1 dataset squad, qa_2 hotpotqa;
 * prepare.py: base template, --pre_samples, random_seed 42), bytes as tokens.
 *
 * Data (niah.h's layout): NIAH_SQUAD = ruler-qa/squad.json, SQuAD 2.0's dev-v2.0.json, and
 * NIAH_HOTPOTQA = ruler-qa/hotpotqa.json, HotpotQA's hotpot_dev_distractor_v1.json (the names
 * RULER's json/download_qa_dataset.sh gives them). Each is read once, on the task's first use
 * (the plan's niah_min_length), and kept in the NiahData; a missing or bad file is an error
 * naming it, kept and given again at each use of that task; the other tasks never read them.
 *
 * Exactly RULER:
 * - Documents. SQuAD: every paragraph's `context`; HotpotQA: every `context` entry [title,
 *   sentences] as title + "\n" + the sentences concatenated. The distinct documents, sorted by
 *   code point (UTF-8 byte order), are DOCS.
 * - Questions, in file order: SQuAD, every `qas` entry whose `is_impossible` is false: the
 *   `question`, its `answers`' `text`s (duplicates kept), the golden document (its paragraph)
 *   and the article's other paragraphs' documents (in order; every paragraph with the golden
 *   text left out, a repeated one kept twice); HotpotQA, every entry: `question`, [`answer`] and
 *   its context entries' documents (in order, all golden, none "more").
 * - Documents of a sample of question q with N documents (generate_input_output): if N < |DOCS|,
 *   either golden + more + random.sample(the other documents in DOCS order, N - golden - more)
 *   when N - golden > more, or golden + random.sample(more, N - golden); else DOCS repeated,
 *   cut to N. Then random.Random(42).shuffle (a permutation that depends only on N).
 * - Prompt: "Document {i}:\n{document}" for i = 1..N joined by "\n\n" as {context} of
 *     Answer the question based on the given documents. Only give me the answer and do not
 *     output any other words.\n\nThe following are given documents.\n\n{context}\n\nAnswer the
 *     question based on the given documents. Only give me the answer and do not output any
 *     other words.\n\nQuestion: {query} Answer:
 *   (RULER's template and its answer prefix " Answer:", base model template); the model
 *   continues after "Answer:". 32 bytes generated (tokens_to_generate).
 * - Size (generate_samples, tokens = bytes, max_seq_length = target_len + 32): the probe is
 *   question 0 at 10 documents; tokens_per_doc = its bytes / 10; RULER's binary search over
 *   [10, max(int(max_seq_length / tokens_per_doc * 3), 20)] for the largest N whose probe (question
 *   0) prompt + 32 fits, 10 when none does; then each sample steps N down by 10 while its
 *   prompt does not fit and N > 10.
 * - Question of sample i: QAS[i] (RULER's index + pre_samples): titans-eval's sample number
 *   (niah_make_at's pick); pick mod the count of questions beyond it (RULER fails there).
 * - Answers: the question's; metric string_match_part (niah_score with match_part): 1 when any
 *   answer r has `r.lower() in pred.lower()`, pred the prediction after RULER's postprocess_pred
 *   (strip, control characters to "\n", strip). lower() is Python's, full Unicode lowercase
 *   mapping (data_lower, libunistring): SQuAD's and HotpotQA's answers have non-ASCII names.
 *
 * Ours:
 * - target_len bounds the prompt (RULER's max_seq_length is target_len + 32), as vt/fwe/cwe.
 * - Draws: Philox (datasets/common.h) keyed by (seed, unit), not Python's global random: the
 *   sample of `more` from NIAH_STREAM_KEY, the sample of the other documents from
 *   NIAH_STREAM_HAY, each random.sample a partial Fisher-Yates shuffle (uniform over ordered
 *   samples, as random.sample). So a smaller N takes the first draws of a larger one, and the
 *   probe is question 0 with unit 0's draws at every step of the search (RULER's draws go on
 *   from step to step, and a sample stepped down draws anew). The shuffle is RULER's exactly.
 * - Where RULER would loop for ever (10 documents and the sample still too long: it retries
 *   with new draws, and for HotpotQA's ten golden documents never ends) we take the largest N
 *   below 10, down to the question's golden documents, that fits (RULER's construction at that
 *   N); if even they do not fit, target_len is too short: niah_min_length is the longest
 *   question's template, query and golden documents, so from it every sample fits. A question
 *   with more golden documents than N keeps them all (RULER's random.sample fails there).
 * - Reading: jansson with a memory cap (QA_MAX_TREE_BYTES for the parsed tree) and
 *   data_read_file's 1 GiB file cap; every field RULER reads is checked for its type, and an
 *   error names the file and the field (data[3].paragraphs[0].qas[2].answers: not an array).
 *   Stricter than Python: `is_impossible` must be a boolean, HotpotQA's sentences an array of
 *   strings and each context entry a [title, sentences] pair; an answerable SQuAD question
 *   without answers (RULER's metric would fail on it), a HotpotQA entry without context, a
 *   string with a "\u0000" (jansson refuses it) and a file without questions are errors.
 * - A prediction's bytes that are not UTF-8 (RULER's predictions are Python str) are kept as
 *   they are, and each valid run between them is lowered on its own (data_lower, common.h). */
#include "ruler_impl.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrandom.h"

enum { QA_NEW = 32, QA_STEP = 10 };

/* What jansson may hold of one file's parsed tree */
#define QA_MAX_TREE_BYTES ((size_t)4 << 30)

static const char HEAD[] = "Answer the question based on the given documents. Only give me the "
                           "answer and do not output any other words.\n\nThe following are given "
                           "documents.\n\n";
static const char MID[] = "\n\nAnswer the question based on the given documents. Only give me "
                          "the answer and do not output any other words.\n\nQuestion: ";
static const char TAIL[] = " Answer:";
static const char DOC_PREFIX[] = "Document "; /* "Document {i}:\n{document}" */

typedef struct {
    char *query;
    char **out;
    int n_out;
    uint32_t *ctx, *more; /* golden and more documents (indices into DOCS) */
    uint32_t n_ctx, n_more;
} QaItem;

typedef struct RulerQaSet RulerQaSet;
struct RulerQaSet {
    char **doc;
    size_t *doc_len;
    uint32_t n_docs;
    QaItem *q;
    size_t n_q;
};

/* ---- reading ----------------------------------------------------------------------------- */

/* jansson's allocations during a load, counted and capped (json_set_alloc_funcs is global: the
 * library is set to these only while one file is parsed and its tree freed) */
static size_t tree_bytes, tree_cap;

static void *tree_malloc(size_t n)
{
    if (n > tree_cap - tree_bytes || tree_cap - tree_bytes - n < sizeof(max_align_t)) return NULL;
    max_align_t *p = malloc(sizeof *p + n);
    if (!p) return NULL;
    *(size_t *)p = n;
    tree_bytes += sizeof *p + n;
    return p + 1;
}

static void tree_free(void *ptr)
{
    if (!ptr) return;
    max_align_t *p = (max_align_t *)ptr - 1;
    tree_bytes -= sizeof *p + *(size_t *)p;
    free(p);
}

typedef struct {
    const char *path;
    DataError *err;
    char field[256]; /* where the reader is: "data[3].paragraphs[0]" */
} Reader;

static int bad(Reader *r, const char *name, const char *what)
{
    const char *sep = r->field[0] && name[0] && name[0] != '[' ? "." : "";
    if (!r->field[0] && !name[0]) name = "the top level";
    data_error(r->err, "%s: %s%s%s: %s", r->path, r->field, sep, name, what);
    return -1;
}

/* The member name of object o (aname NULL), or item i of o, the array aname ("" for one without
 * a name: the top level, a pair), of type t. */
static json_t *member(Reader *r, json_t *o, const char *name, const char *aname, size_t i, json_type t,
                      const char *tname)
{
    char idx[64];
    json_t *v;
    if (!aname) {
        v = json_object_get(o, name);
        if (!v) return bad(r, name, "missing"), NULL;
    } else {
        snprintf(idx, sizeof idx, "%s[%zu]", aname, i);
        name = idx;
        v = json_array_get(o, i);
    }
    if (json_typeof(v) != t) {
        char what[64];
        snprintf(what, sizeof what, "not %s", tname);
        return bad(r, name, what), NULL;
    }
    return v;
}

#define ARRAY(r, o, name) member(r, o, name, NULL, 0, JSON_ARRAY, "an array")
#define STRING(r, o, name) member(r, o, name, NULL, 0, JSON_STRING, "a string")
#define ITEM(r, a, aname, i, t, tname) member(r, a, NULL, aname, i, t, tname)

/* Appends "name[i]" (".name[i]" after a field, "[i]" for name "") to the field path; returns
 * the old length to cut back to. */
static size_t push(Reader *r, const char *name, size_t i)
{
    size_t n = strlen(r->field);
    snprintf(r->field + n, sizeof r->field - n, "%s%s[%zu]", n && name[0] ? "." : "", name, i);
    return n;
}

/* A document as seen while reading: its text and the slot that gets its index */
typedef struct {
    char *s;
    size_t len;
    uint32_t *slot;
} DocRef;

typedef struct {
    DocRef *d;
    size_t n, cap;
} DocRefs;

static int cmp_text(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

static int cmp_ref(const void *a, const void *b)
{
    const DocRef *x = *(DocRef *const *)a, *y = *(DocRef *const *)b;
    return cmp_text(x->s, x->len, y->s, y->len);
}

/* The array p of *cap items of size bytes with room for item n: p, or p grown (the new items
 * zeroed, *cap updated). NULL: memory (p kept). */
static void *room(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return p;
    size_t c = *cap ? 2 * *cap : 256;
    char *q = c <= SIZE_MAX / size ? realloc(p, c * size) : NULL;
    if (!q) return NULL;
    memset(q + *cap * size, 0, (c - *cap) * size);
    *cap = c;
    return q;
}

static int refs_add(DocRefs *l, char *s, size_t len, uint32_t *slot)
{
    DocRef *d = room(l->d, &l->cap, l->n, sizeof *l->d);
    if (!d) return -1;
    l->d = d;
    l->d[l->n++] = (DocRef){s, len, slot};
    return 0;
}

/* The next question of s, zeroed. NULL: memory. */
static QaItem *new_item(RulerQaSet *s, size_t *cap)
{
    QaItem *q = room(s->q, cap, s->n_q, sizeof *s->q);
    if (!q) return NULL;
    s->q = q;
    return &s->q[s->n_q++];
}

static void set_free(RulerQaSet *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->n_docs; i++) free(s->doc[i]);
    free(s->doc);
    free(s->doc_len);
    for (size_t i = 0; i < s->n_q; i++) {
        free(s->q[i].query);
        for (int a = 0; a < s->q[i].n_out; a++) free(s->q[i].out[a]);
        free(s->q[i].out);
        free(s->q[i].ctx);
        free(s->q[i].more);
    }
    free(s->q);
    free(s);
}

/* DOCS = sorted(set(documents)): the distinct texts move into s, every slot gets its index;
 * the refs' other texts are freed and l emptied. -1: memory. */
static int docs_index(RulerQaSet *s, DocRefs *l)
{
    DocRef **p = malloc((l->n ? l->n : 1) * sizeof *p);
    int rc = -1;
    if (!p) goto done;
    for (size_t i = 0; i < l->n; i++) p[i] = &l->d[i];
    qsort(p, l->n, sizeof *p, cmp_ref);
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) n += i == 0 || cmp_ref(&p[i - 1], &p[i]) != 0;
    if (n > UINT32_MAX - 1 || !(s->doc = calloc(n ? n : 1, sizeof *s->doc)) ||
        !(s->doc_len = malloc((n ? n : 1) * sizeof *s->doc_len)))
        goto done;
    for (size_t i = 0; i < l->n; i++) {
        if (i == 0 || cmp_text(s->doc[s->n_docs - 1], s->doc_len[s->n_docs - 1], p[i]->s, p[i]->len) != 0) {
            s->doc[s->n_docs] = p[i]->s;
            s->doc_len[s->n_docs++] = p[i]->len;
            p[i]->s = NULL;
        }
        *p[i]->slot = s->n_docs - 1;
    }
    rc = 0;
done:
    free(p);
    for (size_t i = 0; i < l->n; i++) free(l->d[i].s);
    free(l->d);
    *l = (DocRefs){0};
    return rc;
}

static char *copy_string(json_t *v)
{
    size_t n = json_string_length(v);
    char *s = malloc(n + 1);
    if (s) memcpy(s, json_string_value(v), n + 1);
    return s;
}

static int no_memory(Reader *r)
{
    data_error(r->err, "%s: out of memory", r->path);
    return -1;
}

/* SQuAD paragraphs, for the questions' `more` lists: each one's document (set by docs_index)
 * and its article's paragraphs [first, first + count) */
typedef struct {
    uint32_t doc;
    size_t first, count;
} Para;

typedef struct {
    Para *p;
    size_t n, cap;
} Paras;

/* One SQuAD question of paragraph `para`: QaItem with ctx[0] = the paragraph (until fill_more). */
static int squad_question(Reader *r, json_t *qa, RulerQaSet *s, size_t *cap, size_t para)
{
    json_t *imp = json_object_get(qa, "is_impossible"), *question, *answers;
    if (!imp) return bad(r, "is_impossible", "missing");
    if (!json_is_boolean(imp)) return bad(r, "is_impossible", "not true or false");
    if (json_is_true(imp)) return 0;
    if (!(question = STRING(r, qa, "question")) || !(answers = ARRAY(r, qa, "answers"))) return -1;
    size_t na = json_array_size(answers);
    if (na == 0) return bad(r, "answers", "empty for an answerable question");
    QaItem *q = na <= INT32_MAX ? new_item(s, cap) : NULL;
    if (!q) return no_memory(r);
    if (!(q->query = copy_string(question)) || !(q->out = calloc(na, sizeof *q->out)) ||
        !(q->ctx = malloc(sizeof *q->ctx)))
        return no_memory(r);
    q->n_ctx = 1;
    q->ctx[0] = (uint32_t)para;
    for (size_t i = 0; i < na; i++) {
        json_t *ans = ITEM(r, answers, "answers", i, JSON_OBJECT, "an object"), *text;
        if (!ans) return -1;
        size_t top = push(r, "answers", i);
        if (!(text = STRING(r, ans, "text"))) return -1;
        if (!(q->out[q->n_out++] = copy_string(text))) return no_memory(r);
        r->field[top] = '\0';
    }
    return 0;
}

/* SQuAD: {data: [{paragraphs: [{context, qas: [{is_impossible, question, answers: [{text}]}]}]}]} */
static int read_squad(Reader *r, json_t *root, RulerQaSet *s, DocRefs *refs, Paras *paras)
{
    if (!json_is_object(root)) return bad(r, "", "not an object");
    json_t *data = ARRAY(r, root, "data");
    if (!data) return -1;
    size_t cap = 0;
    for (size_t a = 0; a < json_array_size(data); a++) {
        json_t *article = ITEM(r, data, "data", a, JSON_OBJECT, "an object"), *ps;
        if (!article) return -1;
        size_t top = push(r, "data", a);
        if (!(ps = ARRAY(r, article, "paragraphs"))) return -1;
        size_t np = json_array_size(ps), first = paras->n;
        for (size_t p = 0; p < np; p++) {
            json_t *para = ITEM(r, ps, "paragraphs", p, JSON_OBJECT, "an object"), *ctx, *qas;
            if (!para) return -1;
            size_t mid = push(r, "paragraphs", p);
            if (!(ctx = STRING(r, para, "context")) || !(qas = ARRAY(r, para, "qas"))) return -1;
            for (size_t k = 0; k < json_array_size(qas); k++) {
                json_t *qa = ITEM(r, qas, "qas", k, JSON_OBJECT, "an object");
                if (!qa) return -1;
                size_t qtop = push(r, "qas", k);
                if (squad_question(r, qa, s, &cap, paras->n)) return -1;
                r->field[qtop] = '\0';
            }
            char *text = copy_string(ctx);
            Para *grown = room(paras->p, &paras->cap, paras->n, sizeof *paras->p);
            if (grown) paras->p = grown;
            /* the slot is set once paras->p stops moving (qa_load) */
            if (!text || !grown || refs_add(refs, text, json_string_length(ctx), NULL)) {
                free(text);
                return no_memory(r);
            }
            paras->p[paras->n++] = (Para){0, first, np};
            r->field[mid] = '\0';
        }
        r->field[top] = '\0';
    }
    return 0;
}

/* After docs_index: each SQuAD question's golden document and its article's other paragraphs'
 * documents (RULER's more_context: every paragraph whose text is not the golden one). */
static int fill_more(Reader *r, RulerQaSet *s, const Paras *paras)
{
    for (size_t i = 0; i < s->n_q; i++) {
        QaItem *q = &s->q[i];
        const Para *para = &paras->p[q->ctx[0]];
        uint32_t gold = para->doc;
        q->ctx[0] = gold;
        if (!(q->more = malloc((para->count ? para->count : 1) * sizeof *q->more))) return no_memory(r);
        for (size_t p = para->first; p < para->first + para->count; p++)
            if (paras->p[p].doc != gold) q->more[q->n_more++] = paras->p[p].doc;
    }
    return 0;
}

/* HotpotQA: [{question, answer, context: [[title, [sentence, ...]], ...]}] */
static int read_hotpot(Reader *r, json_t *root, RulerQaSet *s, DocRefs *refs)
{
    if (!json_is_array(root)) return bad(r, "", "not an array");
    size_t cap = 0;
    for (size_t e = 0; e < json_array_size(root); e++) {
        json_t *item = ITEM(r, root, "", e, JSON_OBJECT, "an object"), *question, *answer, *ctx;
        if (!item) return -1;
        size_t top = push(r, "", e);
        if (!(question = STRING(r, item, "question")) || !(answer = STRING(r, item, "answer")) ||
            !(ctx = ARRAY(r, item, "context")))
            return -1;
        size_t nc = json_array_size(ctx);
        if (nc == 0) return bad(r, "context", "no documents");
        QaItem *q = nc <= UINT32_MAX ? new_item(s, &cap) : NULL;
        if (!q) return no_memory(r);
        if (!(q->query = copy_string(question)) || !(q->out = malloc(sizeof *q->out)) ||
            !(q->out[0] = copy_string(answer)) || !(q->ctx = malloc(nc * sizeof *q->ctx)))
            return no_memory(r);
        q->n_out = 1;
        for (size_t c = 0; c < nc; c++) {
            json_t *pair = ITEM(r, ctx, "context", c, JSON_ARRAY, "an array"), *title, *sents;
            if (!pair) return -1;
            size_t ctop = push(r, "context", c);
            if (json_array_size(pair) != 2) return bad(r, "", "not a [title, sentences] pair");
            if (!(title = ITEM(r, pair, "", 0, JSON_STRING, "a string")) || !(sents = ITEM(r, pair, "", 1, JSON_ARRAY, "an array")))
                return -1;
            size_t len = json_string_length(title) + 1;
            size_t stop = push(r, "", 1);
            for (size_t k = 0; k < json_array_size(sents); k++) {
                json_t *sent = ITEM(r, sents, "", k, JSON_STRING, "a string");
                if (!sent) return -1;
                len += json_string_length(sent);
            }
            r->field[stop] = '\0';
            char *text = malloc(len + 1), *o = text;
            if (!text) return no_memory(r);
            memcpy(o, json_string_value(title), json_string_length(title));
            o += json_string_length(title);
            *o++ = '\n';
            for (size_t k = 0; k < json_array_size(sents); k++) {
                json_t *sent = json_array_get(sents, k);
                memcpy(o, json_string_value(sent), json_string_length(sent));
                o += json_string_length(sent);
            }
            *o = '\0';
            if (refs_add(refs, text, len, &q->ctx[c])) {
                free(text);
                return no_memory(r);
            }
            q->n_ctx++;
            r->field[ctop] = '\0';
        }
        r->field[top] = '\0';
    }
    return 0;
}

/* One file: 0 with *out, or -1 with err naming the file and the field. */
static int qa_load(const char *path, int hotpot, RulerQaSet **out, DataError *err)
{
    *out = NULL;
    size_t len;
    char *buf = data_read_file(path, &len, err);
    if (!buf) return -1;
    Reader r = {.path = path, .err = err};
    RulerQaSet *s = calloc(1, sizeof *s);
    DocRefs refs = {0};
    Paras paras = {0};
    json_malloc_t old_malloc;
    json_free_t old_free;
    json_get_alloc_funcs(&old_malloc, &old_free);
    tree_bytes = 0;
    tree_cap = QA_MAX_TREE_BYTES;
    json_set_alloc_funcs(tree_malloc, tree_free);
    json_error_t jerr;
    json_t *root = NULL;
    int rc = -1;
    if (!s) {
        no_memory(&r);
    } else if (!(root = json_loadb(buf, len, 0, &jerr))) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            data_error(err, "%s: out of memory (its parsed tree may take up to %zu MiB)", path,
                       QA_MAX_TREE_BYTES >> 20);
        else
            data_error(err, "%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column, jerr.text);
    } else if (hotpot ? read_hotpot(&r, root, s, &refs) == 0 : read_squad(&r, root, s, &refs, &paras) == 0) {
        json_decref(root);
        root = NULL;
        for (size_t k = 0; !hotpot && k < refs.n; k++) refs.d[k].slot = &paras.p[k].doc;
        if (s->n_q == 0)
            data_error(err, "%s: no %squestions", path, hotpot ? "" : "answerable ");
        else if (docs_index(s, &refs))
            no_memory(&r);
        else if (hotpot || fill_more(&r, s, &paras) == 0)
            rc = 0;
    }
    json_decref(root);
    json_set_alloc_funcs(old_malloc, old_free);
    for (size_t i = 0; i < refs.n; i++) free(refs.d[i].s);
    free(refs.d);
    free(paras.p);
    if (rc == 0) *out = s;
    else set_free(s);
    free(buf);
    return rc;
}

/* ---- the cache in NiahData --------------------------------------------------------------- */

struct RulerQaCache {
    RulerQaSet *set[2];
    DataError err[2];
    int tried[2];
};

void ruler_qa_cache_free(RulerQaCache *c)
{
    if (!c) return;
    set_free(c->set[0]);
    set_free(c->set[1]);
    free(c);
}

int ruler_qa_cache_new(RulerQaCache **out)
{
    return (*out = calloc(1, sizeof **out)) ? 0 : -1;
}

/* The task's questions, read on first use. NULL with err. */
static const RulerQaSet *qa_set(const NiahData *d, int hotpot, DataError *err)
{
    const char *name = hotpot ? NIAH_HOTPOTQA : NIAH_SQUAD, *task = hotpot ? "qa_2" : "qa_1";
    RulerQaCache *c = d->qa;
    if (!d->dir || !c) {
        data_error(err, "%s needs a data directory with %s", task, name);
        return NULL;
    }
    if (!c->tried[hotpot]) {
        size_t n = strlen(d->dir) + strlen(name) + 2;
        char *path = malloc(n);
        if (!path) {
            data_error(err, "%s: out of memory", task);
            return NULL;
        }
        snprintf(path, n, "%s/%s", d->dir, name);
        DataError e;
        if (qa_load(path, hotpot, &c->set[hotpot], &e)) data_error(&c->err[hotpot], "%s: %s", task, e.msg);
        free(path);
        c->tried[hotpot] = 1;
    }
    if (!c->set[hotpot]) *err = c->err[hotpot];
    return c->set[hotpot];
}

/* ---- samples ----------------------------------------------------------------------------- */

/* The golden documents are the least a sample has. */
static uint64_t floor_of(const QaItem *q) { return q->n_ctx; }

/* random.sample(pop, k) as a partial Fisher-Yates shuffle of a copy: out[0..k). -1: memory. */
static int sample_of(Rng *r, const uint32_t *pop, uint64_t n, uint64_t k, uint32_t *out)
{
    uint32_t *x = malloc((n ? n : 1) * sizeof *x);
    if (!x) return -1;
    if (n) memcpy(x, pop, n * sizeof *x); /* pop may be NULL when empty */
    for (uint64_t i = 0; i < k; i++) {
        uint64_t j = i + rng_below(r, n - i);
        uint32_t t = x[i];
        x[i] = x[j];
        x[j] = t;
        out[i] = x[i];
    }
    free(x);
    return 0;
}

/* RULER's all_docs for question q with N >= floor_of(q) documents, before the shuffle, our
 * draws: out[0..N). -1: memory. */
static int pick_docs(const RulerQaSet *s, const QaItem *q, uint64_t N, uint64_t seed, uint64_t unit, uint32_t *out)
{
    if (N >= s->n_docs) {
        for (uint64_t i = 0; i < N; i++) out[i] = (uint32_t)(i % s->n_docs);
        return 0;
    }
    if (q->n_ctx) memcpy(out, q->ctx, q->n_ctx * sizeof *out);
    Rng r;
    if (N - q->n_ctx <= q->n_more) {
        rng_init(&r, seed, NIAH_STREAM_KEY, unit);
        return sample_of(&r, q->more, q->n_more, N - q->n_ctx, out + q->n_ctx);
    }
    if (q->n_more) /* more is NULL when there are none: memcpy(NULL) is undefined even for 0 */
        memcpy(out + q->n_ctx, q->more, q->n_more * sizeof *out);
    uint8_t *used = calloc(s->n_docs, 1);
    uint32_t *other = malloc(s->n_docs * sizeof *other);
    int rc = -1;
    if (used && other) {
        for (uint32_t i = 0; i < q->n_ctx; i++) used[q->ctx[i]] = 1;
        for (uint32_t i = 0; i < q->n_more; i++) used[q->more[i]] = 1;
        uint64_t n = 0;
        for (uint32_t i = 0; i < s->n_docs; i++)
            if (!used[i]) other[n++] = i;
        rng_init(&r, seed, NIAH_STREAM_HAY, unit);
        rc = sample_of(&r, other, n, N - q->n_ctx - q->n_more, out + q->n_ctx + q->n_more);
    }
    free(used);
    free(other);
    return rc;
}

static uint64_t digits(uint64_t i)
{
    uint64_t d = 1;
    while (i >= 10) i /= 10, d++;
    return d;
}

/* Bytes of the prompt with these documents (the shuffle does not change it). */
static uint64_t prompt_bytes(const RulerQaSet *s, const QaItem *q, const uint32_t *docs, uint64_t n)
{
    uint64_t b = sizeof HEAD - 1 + sizeof MID - 1 + strlen(q->query) + sizeof TAIL - 1;
    for (uint64_t i = 0; i < n; i++) b += sizeof DOC_PREFIX - 1 + digits(i + 1) + 2 + s->doc_len[docs[i]] + (i ? 2 : 0);
    return b;
}

/* The prompt's bytes for question q at N documents (at least its golden ones); 0: memory. */
static uint64_t bytes_at(const RulerQaSet *s, const QaItem *q, uint64_t N, uint64_t seed, uint64_t unit)
{
    if (N < floor_of(q)) N = floor_of(q);
    uint32_t *docs = malloc(N * sizeof *docs);
    uint64_t b = 0;
    if (docs && pick_docs(s, q, N, seed, unit, docs) == 0) b = prompt_bytes(s, q, docs, N);
    free(docs);
    return b;
}

/* RULER's haystack size for max_seq_length (its search on question 0, unit 0). 0: memory. */
static uint64_t search_docs(const RulerQaSet *s, int64_t max_seq, uint64_t seed)
{
    const QaItem *q0 = &s->q[0];
    uint64_t t = bytes_at(s, q0, QA_STEP, seed, 0);
    if (t == 0) return 0;
    double per_doc = (double)t / QA_STEP;
    double est = (double)max_seq / per_doc * 3;
    int64_t lower = QA_STEP, upper = est < (double)INT32_MAX ? (int64_t)est : INT32_MAX, best = -1;
    if (upper < 2 * QA_STEP) upper = 2 * QA_STEP;
    while (lower <= upper) {
        int64_t mid = (lower + upper) / 2;
        uint64_t b = bytes_at(s, q0, (uint64_t)mid, seed, 0);
        if (b == 0) return 0;
        if ((int64_t)b + QA_NEW <= max_seq) {
            best = mid;
            lower = mid + 1;
        } else {
            upper = mid - 1;
        }
    }
    return best > 0 ? (uint64_t)best : QA_STEP;
}

int ruler_qa_make(const NiahData *d, int hotpot, int64_t target_len, uint64_t seed, uint64_t pick,
                  uint64_t unit, TextSample *out, DataError *err)
{
    const char *task = hotpot ? "qa_2" : "qa_1";
    memset(out, 0, sizeof *out);
    const RulerQaSet *s = qa_set(d, hotpot, err);
    if (!s) return -1;
    if (target_len > INT64_MAX / 2) {
        data_error(err, "%s: target_len %" PRId64 " is too large", task, target_len);
        return -1;
    }
    const QaItem *q = &s->q[pick % s->n_q];
    int64_t max_seq = target_len + QA_NEW;
    uint64_t n = search_docs(s, max_seq, seed), b = 0;
    if (n == 0) goto oom;
    /* RULER's loop: 10 fewer while too long and above 10; then ours, one fewer (header) */
    for (;;) {
        if ((b = bytes_at(s, q, n, seed, unit)) == 0) goto oom;
        if ((int64_t)b + QA_NEW <= max_seq) break;
        if (n > QA_STEP) {
            n -= QA_STEP;
        } else if (n > floor_of(q)) {
            n--;
        } else {
            data_error(err, "%s: target_len %" PRId64 " is too short: question %" PRIu64 " and its golden "
                       "documents need %" PRIu64 " bytes", task, target_len, pick % s->n_q, b);
            return -1;
        }
    }
    if (n < floor_of(q)) n = floor_of(q);
    uint32_t *docs = malloc(n * sizeof *docs);
    if (!docs || pick_docs(s, q, n, seed, unit, docs)) {
        free(docs);
        goto oom;
    }
    pyrandom_shuffle(RULER_SEED, docs, n, sizeof *docs);
    Str t = {0};
    str_adds(&t, HEAD);
    for (uint64_t i = 0; i < n; i++) {
        str_addf(&t, "%s%s%" PRIu64 ":\n", i ? "\n\n" : "", DOC_PREFIX, i + 1);
        str_add(&t, s->doc[docs[i]], s->doc_len[docs[i]]);
    }
    free(docs);
    str_adds(&t, MID);
    str_adds(&t, q->query);
    str_adds(&t, TAIL);
    if (ruler_finish(task, &t, (const char *const *)q->out, q->n_out, target_len, QA_NEW, out, err)) return -1;
    out->match_part = 1;
    return 0;
oom:
    data_error(err, "%s: out of memory", task);
    return -1;
}

int64_t ruler_qa_min_length(const NiahData *d, int hotpot, DataError *err)
{
    const RulerQaSet *s = qa_set(d, hotpot, err);
    if (!s) return -1;
    uint64_t need = 0;
    for (size_t i = 0; i < s->n_q; i++) {
        /* at its golden documents a question's prompt takes no draws */
        uint64_t b = bytes_at(s, &s->q[i], floor_of(&s->q[i]), 0, 0);
        if (b == 0) {
            data_error(err, "%s: out of memory", hotpot ? "qa_2" : "qa_1");
            return -1;
        }
        need = b > need ? b : need;
    }
    return (int64_t)need;
}
