#include "genomics_rebuild.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"
#include "genomics.h"

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ---- rebuild ---------------------------------------------------------------------------- */

static const char *SPLITS[2] = {"train", "test"};

/* Classes of an interval directory: <class>.csv.gz or <class>.csv files, sorted. */
static int list_interval_classes(const char *dir, char ***classes, int *n, DataError *err)
{
    char **files;
    int nf, k = 0;
    *classes = NULL;
    *n = 0;
    if (data_list_dir(dir, NULL, &files, &nf, err)) return -1;
    for (int i = 0; i < nf; i++) {
        size_t len = strlen(files[i]);
        size_t cut = data_ends_with(files[i], ".csv.gz") ? 7 : data_ends_with(files[i], ".csv") ? 4 : 0;
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

/* Hidden files count: the folder must hold nothing at all. */
static int check_empty_dir(const char *dir, DataError *err)
{
    char **names;
    int n;
    if (data_list_names(dir, NULL, NULL, 1, &names, &n, err)) return -1;
    data_free_names(names, n);
    if (n > 0) data_error(err, "%s: not empty; remove it or choose another output", dir);
    return n > 0 ? -1 : 0;
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
    data_free_names(rb->classes, rb->n_classes);
}

/* Classes in both splits, and each one's FASTA (opened once per path). */
static int open_references(Rebuild *rb, const char *task_dir, const GenomicsRef *refs,
                           int n_refs, DataError *err)
{
    char dir[4096];
    char **test;
    int n_test;
    if (data_join(dir, sizeof dir, task_dir, "train", err) ||
        list_interval_classes(dir, &rb->classes, &rb->n_classes, err))
        return -1;
    if (data_join(dir, sizeof dir, task_dir, "test", err)) return -1;
    if (list_interval_classes(dir, &test, &n_test, err)) {
        data_free_names(test, n_test);
        return -1;
    }
    int same = n_test == rb->n_classes;
    for (int c = 0; same && c < n_test; c++) same = !strcmp(test[c], rb->classes[c]);
    data_free_names(test, n_test);
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
            if (!strcmp(genomics_fasta_path(rb->fasta[d]), path)) rb->fasta[c] = rb->fasta[d];
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
            if (data_join(dir, sizeof dir, task_dir, SPLITS[s], err) ||
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
                                  genomics_fasta_path(rb->fasta[c]));
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
            data_join(path, sizeof path, dir, name, err) || write_file(path, seq, n, err))
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

