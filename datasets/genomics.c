#include "genomics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dirlist.h"

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

static int load_class(Builder *b, const char *dir, int label, DataError *err)
{
    char **files;
    int n;
    if (data_list_dir(dir, NULL, &files, &n, err)) return -1;
    int rc = -1;
    if (n == 0) {
        data_error(err, "%s: class directory holds no .txt files", dir);
        goto done;
    }
    char path[4096];
    for (int i = 0; i < n; i++) {
        if (data_join(path, sizeof path, dir, files[i], err)) goto done;
        struct stat st;
        if (!data_ends_with(files[i], ".txt") || stat(path, &st) || !S_ISREG(st.st_mode)) {
            data_error(err, "%s: unexpected entry (a class directory holds <id>.txt files only)",
                       path);
            goto done;
        }
        size_t len;
        char *seq = data_read_file(path, &len, err);
        if (!seq) goto done;
        int bad = add_sample(b, seq, data_chomp(seq, len), label, path, err);
        free(seq);
        if (bad) goto done;
    }
    rc = 0;
done:
    data_free_names(files, n);
    return rc;
}

int genomics_load_dir(const char *task_dir, const char *split, GenomicsSet *set, DataError *err)
{
    memset(set, 0, sizeof *set);
    Builder b = {set, 0, 0};
    char root[4096], path[4096];
    if (data_join(root, sizeof root, task_dir, split, err)) return -1;
    char **classes;
    int n;
    if (data_list_dir(root, NULL, &classes, &n, err)) return -1;
    int rc = -1;
    if (n == 0) {
        data_error(err, "%s: no class directories", root);
        goto done;
    }
    for (int c = 0; c < n; c++) {
        struct stat st;
        if (data_join(path, sizeof path, root, classes[c], err)) goto done;
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
    data_free_names(classes, n);
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
    if (data_chomp(p, (size_t)(eol - p + 1)) != 14 || strncmp(p, "sequence,label", 14) != 0) {
        data_error(err, "%s:1: header mismatch: expected 'sequence,label'", path);
        goto done;
    }
    while (eol + 1 < buf + len) {
        p = eol + 1;
        eol = strchr(p, '\n');
        line++;
        snprintf(where, sizeof where, "%s:%lld", path, (long long)line);
        const char *end = p + data_chomp(p, (size_t)(eol - p + 1));
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
    data_free_names(set->class_names, set->n_classes);
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

