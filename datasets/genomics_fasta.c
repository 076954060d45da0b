#include "genomics_fasta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input_file.h"

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
    FILE *f = input_fopen(fa->path, err->msg, sizeof err->msg);
    if (!f) return -1;
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
        int64_t bases = (int64_t)data_chomp(line, (size_t)got);
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
    fa->fd = input_open(path, err->msg, sizeof err->msg);
    if (fa->fd < 0) goto fail;
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

const char *genomics_fasta_path(const GenomicsFasta *fa) { return fa->path; }

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

