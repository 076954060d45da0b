#include "genomics_rebuild.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "input_file.h"

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
    int fd = input_open(path, err->msg, sizeof err->msg);
    if (fd < 0) return -1;
    gzFile gz = gzdopen(fd, "rb"); /* reads plain files too */
    if (!gz) {
        data_error(err, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
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
        line[data_chomp(line, len)] = '\0';
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
        char zname[32]; /* zlib's message starts with the name it knows the file by */
        size_t plen = (size_t)snprintf(zname, sizeof zname, "<fd:%d>", fd);
        if (!strncmp(msg, zname, plen) && !strncmp(msg + plen, ": ", 2)) msg += plen + 2;
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

