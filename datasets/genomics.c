#include "genomics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- small helpers ---------------------------------------------------------------------- */


static int join(char *out, size_t size, const char *a, const char *b, DataError *err)
{
    if (snprintf(out, size, "%s/%s", a, b) >= (int)size) {
        data_error(err, "%s/%s: path too long", a, b);
        return -1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strings(char **s, int n)
{
    if (s)
        for (int i = 0; i < n; i++) free(s[i]);
    free(s);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Names in dir not starting with '.', sorted by strcmp. */
static int list_dir(const char *dir, char ***names, int *n, DataError *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        data_error(err, "%s: cannot open directory: %s", dir, strerror(errno));
        return -1;
    }
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(*names, (size_t)cap * sizeof *nn);
            if (!nn) goto oom;
            *names = nn;
        }
        if (!((*names)[*n] = strdup(e->d_name))) goto oom;
        (*n)++;
    }
    closedir(d);
    if (*n > 1) qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    return 0;
oom:
    closedir(d);
    free_strings(*names, *n);
    *names = NULL;
    *n = 0;
    data_error(err, "%s: out of memory", dir);
    return -1;
}

/* ---- sequence sets ---------------------------------------------------------------------- */

int genomics_base_code(int byte)
{
    switch (byte) {
    case 'A': case 'a': return 0;
    case 'C': case 'c': return 1;
    case 'G': case 'g': return 2;
    case 'T': case 't': return 3;
    case 'N': case 'n': return 4;
    default: return -1;
    }
}

typedef struct {
    GenomicsSet *set;
    size_t cap_n, cap_bases;
} Builder;

/* where = "path" or "path:line" for the error message. */
static int add_sample(Builder *b, const char *seq, size_t len, int label, const char *where,
                      DataError *err)
{
    GenomicsSet *s = b->set;
    if (len == 0) {
        data_error(err, "%s: empty sequence", where);
        return -1;
    }
    if ((size_t)s->n + 1 >= b->cap_n) {
        b->cap_n = b->cap_n ? 2 * b->cap_n : 1024;
        int64_t *no = realloc(s->offset, b->cap_n * sizeof *no);
        if (no) s->offset = no;
        int32_t *nl = realloc(s->label, b->cap_n * sizeof *nl);
        if (nl) s->label = nl;
        if (!no || !nl) goto oom;
        if (s->n == 0) s->offset[0] = 0;
    }
    size_t used = (size_t)s->offset[s->n];
    if (used + len > b->cap_bases) {
        while (used + len > b->cap_bases) b->cap_bases = b->cap_bases ? 2 * b->cap_bases : 1 << 16;
        uint8_t *nb = realloc(s->bases, b->cap_bases);
        if (!nb) goto oom;
        s->bases = nb;
    }
    for (size_t i = 0; i < len; i++) {
        int code = genomics_base_code((unsigned char)seq[i]);
        if (code < 0) {
            unsigned char c = (unsigned char)seq[i];
            if (c > ' ' && c < 127)
                data_error(err, "%s: invalid base '%c' at position %zu (expected A, C, G, T or N)",
                           where, c, i + 1);
            else
                data_error(err,
                           "%s: invalid byte 0x%02x at position %zu (expected A, C, G, T or N)",
                           where, c, i + 1);
            return -1;
        }
        s->bases[used + i] = (uint8_t)code;
    }
    s->label[s->n] = label;
    s->offset[++s->n] = (int64_t)(used + len);
    return 0;
oom:
    data_error(err, "%s: out of memory", where);
    return -1;
}

/* Drops one trailing "\n" or "\r\n". */
static size_t chomp(const char *s, size_t len)
{
    if (len && s[len - 1] == '\n') len--;
    if (len && s[len - 1] == '\r') len--;
    return len;
}

static int load_class(Builder *b, const char *dir, int label, DataError *err)
{
    char **files;
    int n;
    if (list_dir(dir, &files, &n, err)) return -1;
    int rc = -1;
    if (n == 0) {
        data_error(err, "%s: class directory holds no .txt files", dir);
        goto done;
    }
    char path[4096];
    for (int i = 0; i < n; i++) {
        if (join(path, sizeof path, dir, files[i], err)) goto done;
        struct stat st;
        if (!ends_with(files[i], ".txt") || stat(path, &st) || !S_ISREG(st.st_mode)) {
            data_error(err, "%s: unexpected entry (a class directory holds <id>.txt files only)",
                       path);
            goto done;
        }
        size_t len;
        char *seq = data_read_file(path, &len, err);
        if (!seq) goto done;
        int bad = add_sample(b, seq, chomp(seq, len), label, path, err);
        free(seq);
        if (bad) goto done;
    }
    rc = 0;
done:
    free_strings(files, n);
    return rc;
}

int genomics_load_dir(const char *task_dir, const char *split, GenomicsSet *set, DataError *err)
{
    memset(set, 0, sizeof *set);
    Builder b = {set, 0, 0};
    char root[4096], path[4096];
    if (join(root, sizeof root, task_dir, split, err)) return -1;
    char **classes;
    int n;
    if (list_dir(root, &classes, &n, err)) return -1;
    int rc = -1;
    if (n == 0) {
        data_error(err, "%s: no class directories", root);
        goto done;
    }
    for (int c = 0; c < n; c++) {
        struct stat st;
        if (join(path, sizeof path, root, classes[c], err)) goto done;
        if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
            data_error(err, "%s: not a directory (a split holds one directory per class)", path);
            goto done;
        }
        if (load_class(&b, path, c, err)) goto done;
    }
    set->n_classes = n;
    set->class_names = classes;
    classes = NULL;
    rc = 0;
done:
    free_strings(classes, n);
    if (rc) genomics_free(set);
    return rc;
}

static int parse_label(const char *p, const char *end, int *label)
{
    if (p == end || end - p > 5) return -1;
    int v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = 10 * v + (*p - '0');
    }
    *label = v;
    return 0;
}

int genomics_load_csv(const char *path, GenomicsSet *set, DataError *err)
{
    memset(set, 0, sizeof *set);
    Builder b = {set, 0, 0};
    size_t len;
    char *buf = data_read_file(path, &len, err);
    if (!buf) return -1;
    int rc = -1, max_label = -1;
    int64_t line = 1;
    char where[4200];
    if (len == 0) {
        data_error(err, "%s: empty file", path);
        goto done;
    }
    if (data_check_text(path, buf, len, err)) goto done; /* lines end at '\n', never at a NUL */
    if (buf[len - 1] != '\n') {
        int64_t lines = 1;
        for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
        data_error(err, "%s:%lld: truncated last line (no newline at end of file)", path,
                   (long long)lines);
        goto done;
    }
    char *p = buf, *eol = strchr(p, '\n');
    if (chomp(p, (size_t)(eol - p + 1)) != 14 || strncmp(p, "sequence,label", 14) != 0) {
        data_error(err, "%s:1: header mismatch: expected 'sequence,label'", path);
        goto done;
    }
    while (eol + 1 < buf + len) {
        p = eol + 1;
        eol = strchr(p, '\n');
        line++;
        snprintf(where, sizeof where, "%s:%lld", path, (long long)line);
        const char *end = p + chomp(p, (size_t)(eol - p + 1));
        const char *comma = memchr(p, ',', (size_t)(end - p));
        if (!comma || memchr(comma + 1, ',', (size_t)(end - comma - 1))) {
            int fields = 1;
            for (const char *q = p; q < end; q++) fields += *q == ',';
            data_error(err, "%s: wrong field count: expected 2 (sequence,label), found %d", where, fields);
            goto done;
        }
        int label;
        if (comma + 1 == end) {
            data_error(err, "%s: missing label (expected 'sequence,label')", where);
            goto done;
        }
        if (parse_label(comma + 1, end, &label)) {
            data_error(err, "%s: label '%.*s' is not an integer in [0, 99999]", where,
                       (int)(end - comma - 1), comma + 1);
            goto done;
        }
        if (add_sample(&b, p, (size_t)(comma - p), label, where, err)) goto done;
        max_label = label > max_label ? label : max_label;
    }
    if (set->n == 0) {
        data_error(err, "%s:1: header but no data rows", path);
        goto done;
    }
    set->class_names = calloc((size_t)max_label + 1, sizeof *set->class_names);
    if (!set->class_names) goto oom;
    set->n_classes = max_label + 1;
    for (int c = 0; c <= max_label; c++) {
        char name[16];
        snprintf(name, sizeof name, "%d", c);
        if (!(set->class_names[c] = strdup(name))) goto oom;
    }
    rc = 0;
    goto done;
oom:
    data_error(err, "%s: out of memory", path);
done:
    free(buf);
    if (rc) genomics_free(set);
    return rc;
}

void genomics_free(GenomicsSet *set)
{
    free_strings(set->class_names, set->n_classes);
    free(set->bases);
    free(set->offset);
    free(set->label);
    memset(set, 0, sizeof *set);
}

void genomics_tokens(const GenomicsSet *set, int64_t i, int32_t *tokens)
{
    const uint8_t *b = set->bases + set->offset[i];
    for (int64_t k = 0; k < genomics_length(set, i); k++) tokens[k] = b[k];
}

/* ---- accuracy --------------------------------------------------------------------------- */

int genomics_argmax(const float *logits, int n)
{
    int best = 0;
    for (int k = 0; k < n; k++) {
        if (!isfinite(logits[k])) return -1;
        if (logits[k] > logits[best]) best = k;
    }
    return best;
}

int genomics_accuracy_add(GenomicsAccuracy *a, const float *logits, int n_classes, int label)
{
    int pred = genomics_argmax(logits, n_classes);
    a->correct += pred == label;
    a->total++;
    return pred;
}

double genomics_accuracy(const GenomicsAccuracy *a)
{
    return a->total ? (double)a->correct / (double)a->total : NAN;
}

/* ---- interval files --------------------------------------------------------------------- */

static int parse_coord(const char *s, int64_t *v)
{
    if (!*s) return -1;
    int64_t x = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (INT64_MAX - 9) / 10) return -1;
        x = 10 * x + (*s - '0');
    }
    *v = x;
    return 0;
}

/* The id names a file: it must not be empty, hidden, or leave the directory. */
static int safe_id(const char *id)
{
    return id[0] && id[0] != '.' && !strchr(id, '/');
}

/* Splits line (NUL-terminated, newline removed) at commas into exactly n fields. */
static int split_fields(char *line, char **f, int n)
{
    int k = 0;
    f[k++] = line;
    for (char *p = line; *p; p++)
        if (*p == ',') {
            if (k == n) return -1;
            *p = '\0';
            f[k++] = p + 1;
        }
    return k == n ? 0 : -1;
}

static int parse_interval(char *line, GenomicsInterval *iv, const char *where, DataError *err)
{
    char *f[5];
    if (split_fields(line, f, 5)) {
        data_error(err, "%s: wrong field count: expected id,region,start,end,strand", where);
        return -1;
    }
    if (!safe_id(f[0])) {
        data_error(err, "%s: id '%s' cannot name a file (empty, starts with '.' or holds '/')",
                   where, f[0]);
        return -1;
    }
    if (!f[1][0]) {
        data_error(err, "%s: empty region", where);
        return -1;
    }
    if (parse_coord(f[2], &iv->start) || parse_coord(f[3], &iv->end)) {
        data_error(err, "%s: start '%s' and end '%s' must be non-negative integers", where, f[2],
                   f[3]);
        return -1;
    }
    if (iv->start >= iv->end) {
        data_error(err, "%s: empty interval [%lld, %lld)", where, (long long)iv->start,
                   (long long)iv->end);
        return -1;
    }
    if (strcmp(f[4], "+") && strcmp(f[4], "-") && f[4][0]) {
        data_error(err, "%s: strand '%s' is not '+', '-' or empty", where, f[4]);
        return -1;
    }
    iv->strand = f[4][0] == '-' ? '-' : '+';
    iv->id = strdup(f[0]);
    iv->region = strdup(f[1]);
    if (!iv->id || !iv->region) {
        data_error(err, "%s: out of memory", where);
        return -1;
    }
    return 0;
}

int genomics_read_intervals(const char *path, GenomicsInterval **rows, int64_t *n,
                            DataError *err)
{
    *rows = NULL;
    *n = 0;
    gzFile gz = gzopen(path, "rb"); /* reads plain files too */
    if (!gz) {
        data_error(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char line[65536], where[4200];
    int64_t lineno = 0, cap = 0;
    int rc = -1;
    while (gzgets(gz, line, sizeof line)) {
        lineno++;
        snprintf(where, sizeof where, "%s:%lld", path, (long long)lineno);
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') {
            data_error(err, gzeof(gz) ? "%s: truncated last line (no newline at end of file)"
                                      : "%s: line too long",
                       where);
            goto done;
        }
        line[chomp(line, len)] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "id,region,start,end,strand")) {
                data_error(err, "%s: header mismatch: expected 'id,region,start,end,strand'",
                           where);
                goto done;
            }
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            GenomicsInterval *nr = realloc(*rows, (size_t)cap * sizeof *nr);
            if (!nr) {
                data_error(err, "%s: out of memory", path);
                goto done;
            }
            *rows = nr;
        }
        GenomicsInterval *iv = &(*rows)[*n];
        memset(iv, 0, sizeof *iv);
        (*n)++; /* counted now so that a half-parsed row is freed */
        if (parse_interval(line, iv, where, err)) goto done;
    }
    int zerr;
    const char *msg = gzerror(gz, &zerr);
    if (zerr != Z_OK) {
        size_t plen = strlen(path); /* zlib's message starts with "path: " */
        if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2)) msg += plen + 2;
        data_error(err, "%s: corrupt gzip data: %s", path, zerr == Z_ERRNO ? strerror(errno) : msg);
        goto done;
    }
    if (lineno == 0) {
        data_error(err, "%s: empty file", path);
        goto done;
    }
    rc = 0;
done:
    gzclose(gz);
    if (rc) {
        genomics_free_intervals(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

void genomics_free_intervals(GenomicsInterval *rows, int64_t n)
{
    for (int64_t i = 0; rows && i < n; i++) {
        free(rows[i].id);
        free(rows[i].region);
    }
    free(rows);
}

/* ---- FASTA with a faidx-style index ----------------------------------------------------- */

typedef struct {
    char *name;
    size_t stem; /* length of name without a ".<digits>" version suffix */
    int64_t len, offset, line_bases, line_bytes;
} FaRecord;

struct GenomicsFasta {
    char *path;
    int fd;
    FaRecord *rec; /* sorted by name */
    int64_t n, cap;
    FaRecord **versioned; /* records with a version suffix, sorted by stem */
    int64_t n_versioned;
    char *buf;
    size_t buf_cap;
};

static FaRecord *push_record(GenomicsFasta *fa, const char *name, size_t len)
{
    if (fa->n == fa->cap) {
        fa->cap = fa->cap ? 2 * fa->cap : 64;
        FaRecord *nr = realloc(fa->rec, (size_t)fa->cap * sizeof *nr);
        if (!nr) return NULL;
        fa->rec = nr;
    }
    FaRecord *r = &fa->rec[fa->n];
    memset(r, 0, sizeof *r);
    if (!(r->name = strndup(name, len))) return NULL;
    fa->n++;
    return r;
}

/* One pass over the FASTA, computing what samtools faidx writes to FASTA.fai. */
static int build_index(GenomicsFasta *fa, DataError *err)
{
    FILE *f = fopen(fa->path, "rb");
    if (!f) {
        data_error(err, "%s: cannot open: %s", fa->path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int64_t pos = 0, lineno = 0;
    FaRecord *cur = NULL;
    int short_seen = 0, rc = -1;
    while ((got = getline(&line, &cap, f)) > 0) {
        lineno++;
        pos += got;
        if (line[0] == '>') {
            size_t len = strcspn(line + 1, " \t\r\n");
            if (len == 0) {
                data_error(err, "%s:%lld: header without a name", fa->path, (long long)lineno);
                goto done;
            }
            if (!(cur = push_record(fa, line + 1, len))) goto oom;
            cur->offset = pos;
            short_seen = 0;
            continue;
        }
        if (!cur) {
            data_error(err, "%s:%lld: sequence before the first '>' header", fa->path,
                       (long long)lineno);
            goto done;
        }
        int last = line[got - 1] != '\n'; /* end of file without newline */
        int64_t bases = (int64_t)chomp(line, (size_t)got);
        if (bases == 0) { /* a blank line ends the record's sequence */
            short_seen = 1;
            continue;
        }
        if (short_seen) {
            data_error(err, "%s:%lld: record '%s': a shorter line comes before this one; every "
                       "line but the last must have the same length (as for samtools faidx): "
                       "rewrap the FASTA",
                       fa->path, (long long)lineno, cur->name);
            goto done;
        }
        if (cur->line_bases == 0) {
            cur->line_bases = bases;
            cur->line_bytes = got;
        } else if (bases > cur->line_bases ||
                   (bases == cur->line_bases && got != cur->line_bytes && !last)) {
            data_error(err, "%s:%lld: record '%s': line length differs from its first line "
                       "(lines must be equal, as for samtools faidx): rewrap the FASTA",
                       fa->path, (long long)lineno, cur->name);
            goto done;
        } else if (bases < cur->line_bases) {
            short_seen = 1;
        }
        cur->len += bases;
    }
    if (ferror(f)) {
        data_error(err, "%s: read error", fa->path);
        goto done;
    }
    rc = 0;
    goto done;
oom:
    data_error(err, "%s: out of memory", fa->path);
done:
    free(line);
    fclose(f);
    return rc;
}

static int parse_i64_field(char **p, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(*p, &end, 10);
    if (end == *p || errno || x < 0 || (*end != '\t' && *end != '\0')) return -1;
    *v = x;
    *p = *end ? end + 1 : end;
    return 0;
}

/* Do the record's bases lie inside a FASTA of fsize bytes? A stale or corrupt index would
 * otherwise send fetches past its end, or overflow raw_offset's arithmetic. */
static int record_fits(const FaRecord *r, int64_t fsize)
{
    if (r->offset > fsize) return 0;
    if (r->len == 0) return 1;
    if (r->line_bytes > fsize) return 0;
    int64_t last = r->len - 1, lines = last / r->line_bases;
    if (lines > (fsize - r->offset) / r->line_bytes) return 0;
    return r->offset + lines * r->line_bytes + last % r->line_bases < fsize;
}

/* FASTA.fai: name, length, offset, bases per line, bytes per line (tab-separated). */
static int read_fai(GenomicsFasta *fa, const char *fai, DataError *err)
{
    struct stat st;
    if (fstat(fa->fd, &st) != 0) {
        data_error(err, "%s: %s", fa->path, strerror(errno));
        return -1;
    }
    size_t len;
    char *buf = data_read_file(fai, &len, err);
    if (!buf) return -1;
    int rc = -1;
    int64_t lineno = 0;
    for (char *p = buf, *eol; *p; p = eol + 1) {
        lineno++;
        eol = strchr(p, '\n');
        if (!eol) eol = p + strlen(p);
        *eol = '\0';
        char *tab = strchr(p, '\t');
        FaRecord *r = tab && tab > p ? push_record(fa, p, (size_t)(tab - p)) : NULL;
        if (tab && tab > p && !r) {
            data_error(err, "%s: out of memory", fai);
            goto done;
        }
        char *q = tab ? tab + 1 : NULL;
        if (!r || parse_i64_field(&q, &r->len) || parse_i64_field(&q, &r->offset) ||
            parse_i64_field(&q, &r->line_bases) || parse_i64_field(&q, &r->line_bytes) || *q ||
            (r->len > 0 && (r->line_bases < 1 || r->line_bytes < r->line_bases))) {
            data_error(err, "%s:%lld: not a FASTA index line (name, length, offset, line bases, "
                       "line bytes)", fai, (long long)lineno);
            goto done;
        }
        if (!record_fits(r, (int64_t)st.st_size)) {
            data_error(err, "%s:%lld: record '%s' lies outside %s (%lld bytes): a stale or corrupt "
                       "index", fai, (long long)lineno, r->name, fa->path, (long long)st.st_size);
            goto done;
        }
        if (eol == buf + len) break;
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

static int cmp_record(const void *a, const void *b)
{
    return strcmp(((const FaRecord *)a)->name, ((const FaRecord *)b)->name);
}

/* Compares the stems of two versioned records. */
static int cmp_stem(const void *a, const void *b)
{
    const FaRecord *x = *(FaRecord *const *)a, *y = *(FaRecord *const *)b;
    size_t n = x->stem < y->stem ? x->stem : y->stem;
    int c = strncmp(x->name, y->name, n);
    return c ? c : (x->stem > y->stem) - (x->stem < y->stem);
}

static size_t version_stem(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1] || strspn(dot + 1, "0123456789") != strlen(dot + 1))
        return strlen(name);
    return (size_t)(dot - name);
}

static int sort_records(GenomicsFasta *fa, DataError *err)
{
    if (fa->n > 1) qsort(fa->rec, (size_t)fa->n, sizeof *fa->rec, cmp_record);
    for (int64_t i = 1; i < fa->n; i++)
        if (strcmp(fa->rec[i - 1].name, fa->rec[i].name) == 0) {
            data_error(err, "%s: sequence name '%s' appears twice", fa->path, fa->rec[i].name);
            return -1;
        }
    fa->versioned = malloc((size_t)(fa->n ? fa->n : 1) * sizeof *fa->versioned);
    if (!fa->versioned) {
        data_error(err, "%s: out of memory", fa->path);
        return -1;
    }
    for (int64_t i = 0; i < fa->n; i++) {
        fa->rec[i].stem = version_stem(fa->rec[i].name);
        if (fa->rec[i].stem < strlen(fa->rec[i].name))
            fa->versioned[fa->n_versioned++] = &fa->rec[i];
    }
    if (fa->n_versioned > 1)
        qsort(fa->versioned, (size_t)fa->n_versioned, sizeof *fa->versioned, cmp_stem);
    return 0;
}

int genomics_fasta_open(const char *path, GenomicsFasta **out, DataError *err)
{
    *out = NULL;
    GenomicsFasta *fa = calloc(1, sizeof *fa);
    if (!fa || !(fa->path = strdup(path))) {
        free(fa);
        data_error(err, "%s: out of memory", path);
        return -1;
    }
    fa->fd = open(path, O_RDONLY);
    if (fa->fd < 0) {
        data_error(err, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    unsigned char magic[2];
    ssize_t got = pread(fa->fd, magic, 2, 0);
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        data_error(err, "%s: gzip-compressed FASTA is not supported; decompress it first "
                   "(gunzip -k %s)", path, path);
        goto fail;
    }
    if (got < 1 || magic[0] != '>') {
        data_error(err, "%s: not a FASTA file (it must start with '>')", path);
        goto fail;
    }
    char fai[4096];
    struct stat st;
    if (snprintf(fai, sizeof fai, "%s.fai", path) >= (int)sizeof fai) {
        data_error(err, "%s: path too long", path);
        goto fail;
    }
    if ((stat(fai, &st) == 0 ? read_fai(fa, fai, err) : build_index(fa, err)) ||
        sort_records(fa, err))
        goto fail;
    *out = fa;
    return 0;
fail:
    genomics_fasta_close(fa);
    return -1;
}

void genomics_fasta_close(GenomicsFasta *fa)
{
    if (!fa) return;
    if (fa->fd >= 0) close(fa->fd);
    for (int64_t i = 0; i < fa->n; i++) free(fa->rec[i].name);
    free(fa->rec);
    free(fa->versioned);
    free(fa->buf);
    free(fa->path);
    free(fa);
}

static const FaRecord *find_exact(const GenomicsFasta *fa, const char *name)
{
    FaRecord key = {.name = (char *)name};
    return fa->n ? bsearch(&key, fa->rec, (size_t)fa->n, sizeof *fa->rec, cmp_record) : NULL;
}

/* The record for a region name: exact, then "chr" dropped, then any ".<version>" added. */
static const FaRecord *find_record(const GenomicsFasta *fa, const char *region, DataError *err)
{
    const FaRecord *r = find_exact(fa, region);
    if (!r && strncmp(region, "chr", 3) == 0 && region[3]) r = find_exact(fa, region + 3);
    if (r) return r;
    FaRecord key = {.name = (char *)region, .stem = strlen(region)}, *kp = &key;
    FaRecord **hit = fa->n_versioned ? bsearch(&kp, fa->versioned, (size_t)fa->n_versioned,
                                               sizeof *hit, cmp_stem)
                                     : NULL;
    if (hit) {
        int64_t i = hit - fa->versioned;
        if ((i > 0 && cmp_stem(&fa->versioned[i - 1], &kp) == 0) ||
            (i + 1 < fa->n_versioned && cmp_stem(&fa->versioned[i + 1], &kp) == 0)) {
            data_error(err, "%s: region '%s' matches several versioned records, e.g. '%s'",
                       fa->path, region, (*hit)->name);
            return NULL;
        }
        return *hit;
    }
    if (strncmp(region, "chr", 3) == 0 && region[3])
        data_error(err, "%s: no sequence for region '%s' (tried '%s', '%s', '%s.<version>')",
                   fa->path, region, region, region + 3, region);
    else
        data_error(err, "%s: no sequence for region '%s' (tried '%s', '%s.<version>')", fa->path,
                   region, region, region);
    return NULL;
}

int64_t genomics_fasta_length(const GenomicsFasta *fa, const char *region, DataError *err)
{
    const FaRecord *r = find_record(fa, region, err);
    return r ? r->len : -1;
}

static char complement(char c)
{
    static const char from[] = "ACGTRYKMBDHVNSWacgtrykmbdhvnsw";
    static const char to[] = "TGCAYRMKVHDBNSWtgcayrmkvhdbnsw";
    const char *p = c ? strchr(from, c) : NULL;
    return p ? to[p - from] : c;
}

static void reverse_complement(char *s, int64_t n)
{
    for (int64_t i = 0, j = n - 1; i <= j; i++, j--) {
        char a = complement(s[i]), b = complement(s[j]);
        s[i] = b;
        s[j] = a;
    }
}

/* Byte offset of base pos of record r. */
static int64_t raw_offset(const FaRecord *r, int64_t pos)
{
    return r->offset + pos / r->line_bases * r->line_bytes + pos % r->line_bases;
}

int genomics_fasta_fetch(GenomicsFasta *fa, const char *region, int64_t start, int64_t end,
                         char strand, char *out, DataError *err)
{
    const FaRecord *r = find_record(fa, region, err);
    if (!r) return -1;
    if (start < 0 || start >= end || end > r->len) {
        data_error(err, "%s: coordinates out of range: %s [%lld, %lld) but '%s' has length %lld",
                   fa->path, region, (long long)start, (long long)end, r->name,
                   (long long)r->len);
        return -1;
    }
    int64_t first = raw_offset(r, start), size = raw_offset(r, end - 1) + 1 - first;
    if ((size_t)size > fa->buf_cap) {
        char *nb = realloc(fa->buf, (size_t)size);
        if (!nb) {
            data_error(err, "%s: out of memory", fa->path);
            return -1;
        }
        fa->buf = nb;
        fa->buf_cap = (size_t)size;
    }
    for (int64_t done = 0; done < size;) {
        ssize_t got = pread(fa->fd, fa->buf + done, (size_t)(size - done), first + done);
        if (got <= 0) {
            data_error(err, "%s: %s reading '%s'", fa->path,
                       got < 0 ? strerror(errno) : "unexpected end of file", r->name);
            return -1;
        }
        done += got;
    }
    /* walk the bytes with the column inside a line: bases first, then the line ending */
    int64_t col = start % r->line_bases, k = 0;
    for (int64_t i = 0; i < size; i++) {
        char c = fa->buf[i];
        int is_base = col < r->line_bases, is_eol = c == '\n' || c == '\r';
        if (is_base == is_eol || (is_base && c == '>')) {
            data_error(err, "%s: the index does not match the file at byte %lld of '%s' (stale "
                       "%s.fai?)", fa->path, (long long)(first + i), r->name, fa->path);
            return -1;
        }
        if (is_base) out[k++] = c;
        col = col + 1 == r->line_bytes ? 0 : col + 1;
    }
    if (strand == '-') reverse_complement(out, k);
    return 0;
}

/* ---- rebuild ---------------------------------------------------------------------------- */

static const char *SPLITS[2] = {"train", "test"};

/* Classes of an interval directory: <class>.csv.gz or <class>.csv files, sorted. */
static int list_interval_classes(const char *dir, char ***classes, int *n, DataError *err)
{
    char **files;
    int nf, k = 0;
    *classes = NULL;
    *n = 0;
    if (list_dir(dir, &files, &nf, err)) return -1;
    for (int i = 0; i < nf; i++) {
        size_t len = strlen(files[i]);
        size_t cut = ends_with(files[i], ".csv.gz") ? 7 : ends_with(files[i], ".csv") ? 4 : 0;
        if (cut == 0 || cut == len) {
            free(files[i]);
            continue;
        }
        files[i][len - cut] = '\0';
        files[k++] = files[i];
    }
    *classes = files;
    *n = k;
    if (k > 1) qsort(files, (size_t)k, sizeof *files, cmp_str);
    for (int i = 1; i < k; i++)
        if (strcmp(files[i - 1], files[i]) == 0) {
            data_error(err, "%s: class '%s' has both a .csv and a .csv.gz file", dir, files[i]);
            return -1;
        }
    if (k == 0) {
        data_error(err, "%s: no <class>.csv.gz interval files", dir);
        return -1;
    }
    return 0;
}

static int interval_path(char *out, size_t size, const char *dir, const char *cls,
                         DataError *err)
{
    if (snprintf(out, size, "%s/%s.csv.gz", dir, cls) >= (int)size) {
        data_error(err, "%s: path too long", dir);
        return -1;
    }
    struct stat st;
    if (stat(out, &st)) out[strlen(out) - 3] = '\0'; /* the plain .csv */
    return 0;
}

static int mkdir_p(const char *path, DataError *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        data_error(err, "%s: path too long", path);
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p) continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0777) && errno != EEXIST) {
            data_error(err, "%s: cannot create directory: %s", buf, strerror(errno));
            return -1;
        }
        if (!(*p = c)) return 0;
    }
}

static int check_empty_dir(const char *dir, DataError *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        data_error(err, "%s: cannot open directory: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d))) empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    if (!empty) data_error(err, "%s: not empty; remove it or choose another output", dir);
    return empty ? 0 : -1;
}

static int write_file(const char *path, const char *data, size_t n, DataError *err)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        data_error(err, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    size_t put = fwrite(data, 1, n, f);
    if (fclose(f) || put != n) {
        data_error(err, "%s: write error", path);
        return -1;
    }
    return 0;
}

typedef struct {
    int n_classes;
    char **classes;
    GenomicsFasta **fasta;   /* [n_classes], shared between classes with one path */
    GenomicsInterval **rows[2]; /* [split][class] */
    int64_t *n_rows[2];
} Rebuild;

static void rebuild_free(Rebuild *rb)
{
    for (int c = 0; rb->fasta && c < rb->n_classes; c++) {
        int shared = 0;
        for (int d = 0; d < c; d++) shared |= rb->fasta[d] == rb->fasta[c];
        if (!shared) genomics_fasta_close(rb->fasta[c]);
    }
    for (int s = 0; s < 2; s++) {
        for (int c = 0; rb->rows[s] && c < rb->n_classes; c++)
            genomics_free_intervals(rb->rows[s][c], rb->n_rows[s][c]);
        free(rb->rows[s]);
        free(rb->n_rows[s]);
    }
    free(rb->fasta);
    free_strings(rb->classes, rb->n_classes);
}

/* Classes in both splits, and each one's FASTA (opened once per path). */
static int open_references(Rebuild *rb, const char *task_dir, const GenomicsRef *refs,
                           int n_refs, DataError *err)
{
    char dir[4096];
    char **test;
    int n_test;
    if (join(dir, sizeof dir, task_dir, "train", err) ||
        list_interval_classes(dir, &rb->classes, &rb->n_classes, err))
        return -1;
    if (join(dir, sizeof dir, task_dir, "test", err)) return -1;
    if (list_interval_classes(dir, &test, &n_test, err)) {
        free_strings(test, n_test);
        return -1;
    }
    int same = n_test == rb->n_classes;
    for (int c = 0; same && c < n_test; c++) same = !strcmp(test[c], rb->classes[c]);
    free_strings(test, n_test);
    if (!same) {
        data_error(err, "%s: train and test hold different classes", task_dir);
        return -1;
    }
    for (int i = 0; i < n_refs; i++) {
        int known = !refs[i].cls;
        for (int c = 0; !known && c < rb->n_classes; c++)
            known = !strcmp(refs[i].cls, rb->classes[c]);
        if (!known) {
            data_error(err, "%s: no class '%s' in this task", task_dir, refs[i].cls);
            return -1;
        }
    }
    size_t nc = (size_t)rb->n_classes;
    for (int s = 0; s < 2; s++) {
        rb->rows[s] = calloc(nc, sizeof *rb->rows[s]);
        rb->n_rows[s] = calloc(nc, sizeof *rb->n_rows[s]);
    }
    rb->fasta = calloc(nc, sizeof *rb->fasta);
    if (!rb->fasta || !rb->rows[0] || !rb->rows[1] || !rb->n_rows[0] || !rb->n_rows[1]) {
        data_error(err, "out of memory");
        return -1;
    }
    for (int c = 0; c < rb->n_classes; c++) {
        const char *path = NULL;
        for (int i = 0; i < n_refs; i++)
            if (refs[i].cls ? !strcmp(refs[i].cls, rb->classes[c]) : !path) path = refs[i].fasta;
        if (!path) {
            data_error(err, "no FASTA for class '%s' (give one for every class, or for this one)",
                       rb->classes[c]);
            return -1;
        }
        for (int d = 0; d < c && !rb->fasta[c]; d++)
            if (!strcmp(rb->fasta[d]->path, path)) rb->fasta[c] = rb->fasta[d];
        if (!rb->fasta[c] && genomics_fasta_open(path, &rb->fasta[c], err)) return -1;
    }
    return 0;
}

/* Reads every interval file and checks every row against its FASTA before anything is written. */
static int check_intervals(Rebuild *rb, const char *task_dir, DataError *err)
{
    char dir[4096], path[4096];
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < rb->n_classes; c++) {
            if (join(dir, sizeof dir, task_dir, SPLITS[s], err) ||
                interval_path(path, sizeof path, dir, rb->classes[c], err) ||
                genomics_read_intervals(path, &rb->rows[s][c], &rb->n_rows[s][c], err))
                return -1;
            for (int64_t i = 0; i < rb->n_rows[s][c]; i++) {
                const GenomicsInterval *iv = &rb->rows[s][c][i];
                int64_t len = genomics_fasta_length(rb->fasta[c], iv->region, err);
                if (len < 0 || iv->end > len) {
                    char msg[sizeof err->msg];
                    if (len < 0) snprintf(msg, sizeof msg, "%s", err->msg);
                    else snprintf(msg, sizeof msg, "coordinates out of range: [%lld, %lld) but "
                                  "'%s' has length %lld in %s", (long long)iv->start,
                                  (long long)iv->end, iv->region, (long long)len,
                                  rb->fasta[c]->path);
                    data_error(err, "%s:%lld (id %s): %s", path, (long long)i + 2, iv->id, msg);
                    return -1;
                }
            }
        }
    return 0;
}

static int class_dir(char *dir, size_t size, const char *out_dir, int s, const char *cls,
                     DataError *err)
{
    if (snprintf(dir, size, "%s/%s/%s", out_dir, SPLITS[s], cls) >= (int)size) {
        data_error(err, "%s: path too long", out_dir);
        return -1;
    }
    return 0;
}

/* Creates every output class directory; each must be new or empty. */
static int prepare_output(const Rebuild *rb, const char *out_dir, DataError *err)
{
    char dir[4096];
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < rb->n_classes; c++)
            if (class_dir(dir, sizeof dir, out_dir, s, rb->classes[c], err) ||
                mkdir_p(dir, err) || check_empty_dir(dir, err))
                return -1;
    return 0;
}

static int write_class(Rebuild *rb, int s, int c, const char *out_dir,
                       GenomicsRebuildStats *stats, DataError *err)
{
    char dir[4096], path[4096], name[4096];
    if (class_dir(dir, sizeof dir, out_dir, s, rb->classes[c], err)) return -1;
    char *seq = NULL;
    size_t cap = 0;
    int rc = -1;
    for (int64_t i = 0; i < rb->n_rows[s][c]; i++) {
        const GenomicsInterval *iv = &rb->rows[s][c][i];
        size_t n = (size_t)(iv->end - iv->start);
        if (n > cap) {
            char *ns = realloc(seq, n);
            if (!ns) {
                data_error(err, "out of memory");
                goto done;
            }
            seq = ns;
            cap = n;
        }
        if (genomics_fasta_fetch(rb->fasta[c], iv->region, iv->start, iv->end, iv->strand, seq,
                                 err))
            goto done;
        size_t k = 0;
        while (k < n && genomics_base_code((unsigned char)seq[k]) >= 0) k++;
        stats->odd += k < n;
        if (snprintf(name, sizeof name, "%s.txt", iv->id) >= (int)sizeof name ||
            join(path, sizeof path, dir, name, err) || write_file(path, seq, n, err))
            goto done;
        stats->written[s]++;
    }
    rc = 0;
done:
    free(seq);
    return rc;
}

int genomics_rebuild(const char *task_dir, const char *out_dir, const GenomicsRef *refs,
                     int n_refs, GenomicsRebuildStats *stats, DataError *err)
{
    memset(stats, 0, sizeof *stats);
    Rebuild rb = {0};
    int rc = -1;
    if (open_references(&rb, task_dir, refs, n_refs, err) ||
        check_intervals(&rb, task_dir, err) || prepare_output(&rb, out_dir, err))
        goto done;
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < rb.n_classes; c++)
            if (write_class(&rb, s, c, out_dir, stats, err)) goto done;
    rc = 0;
done:
    rebuild_free(&rb);
    return rc;
}
