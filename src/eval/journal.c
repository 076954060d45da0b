#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "input_file.h"

#define JOURNAL_MAGIC 0x4c4e524a4e415454ull /* "TTANJRNL" */
#define JOURNAL_VERSION 1u

typedef struct {
    uint64_t magic;
    uint32_t version, pad;
    uint64_t suite_hash, plan_hash;
    Record rec;
    uint64_t check; /* xxh3 of every byte before it */
} Entry;

uint64_t journal_plan_hash(const UnitList *units)
{
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    for (int64_t i = 0; i < units->n; i++) {
        const Unit *u = &units->v[i];
        int64_t key[6] = {u->id, u->task, u->model, u->variant, u->length, u->sample};
        XXH3_64bits_update(st, key, sizeof key);
        XXH3_64bits_update(st, &u->depth, sizeof u->depth);
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

static int journal_dir(const char *out, char *dir, size_t len, DataError *err)
{
    snprintf(dir, len, "%s/journal", out);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        data_error(err, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads one journal file; stops quietly at a torn or short last entry. */
static int scan_file(const char *path, uint64_t suite_hash, uint64_t plan_hash, const UnitList *units,
                     uint8_t *done, Record *recs, int64_t *n_done, DataError *err)
{
    FILE *f = input_fopen(path, err->msg, sizeof err->msg);
    if (!f) return -1;
    Entry e;
    int rc = 0;
    while (fread(&e, sizeof e, 1, f) == 1) {
        if (e.magic != JOURNAL_MAGIC || e.version != JOURNAL_VERSION ||
            e.check != XXH3_64bits(&e, offsetof(Entry, check)))
            break; /* a torn write: everything after it is lost with it */
        if (e.suite_hash != suite_hash || e.plan_hash != plan_hash) {
            data_error(err, "%s: holds results of another suite or plan: use another --out, or "
                            "delete that folder to start over", path);
            rc = -1;
            break;
        }
        if (e.rec.unit < 0 || e.rec.unit >= units->n) break;
        if (!done[e.rec.unit]) (*n_done)++;
        done[e.rec.unit] = 1;
        recs[e.rec.unit] = e.rec;
    }
    fclose(f);
    return rc;
}

int journal_scan(const char *out, uint64_t suite_hash, uint64_t plan_hash, const UnitList *units,
                 uint8_t *done, Record *recs, int *attempt, int64_t *n_done, DataError *err)
{
    char dir[1100], path[1400];
    *attempt = 1;
    *n_done = 0;
    if (journal_dir(out, dir, sizeof dir, err) != 0) return -1;
    DIR *d = opendir(dir);
    if (!d) {
        data_error(err, "%s: cannot list: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        int k, r;
        char tail[8];
        if (sscanf(de->d_name, "attempt-%d-rank-%d.%3s", &k, &r, tail) != 3 || strcmp(tail, "bin")) continue;
        if (k >= *attempt) *attempt = k + 1;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        rc = scan_file(path, suite_hash, plan_hash, units, done, recs, n_done, err);
    }
    closedir(d);
    return rc;
}

int journal_open(Journal *j, const char *out, int attempt, int rank, DataError *err)
{
    char dir[1100], path[1400];
    if (journal_dir(out, dir, sizeof dir, err) != 0) return -1;
    snprintf(path, sizeof path, "%s/attempt-%d-rank-%d.bin", dir, attempt, rank);
    j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (j->fd < 0) {
        data_error(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    j->synced = clock_seconds();
    return 0;
}

int journal_append(Journal *j, uint64_t suite_hash, uint64_t plan_hash, const Record *rec, DataError *err)
{
    Entry e;
    memset(&e, 0, sizeof e); /* padding too: the checksum covers every byte */
    e.magic = JOURNAL_MAGIC;
    e.version = JOURNAL_VERSION;
    e.suite_hash = suite_hash;
    e.plan_hash = plan_hash;
    e.rec = *rec;
    e.check = XXH3_64bits(&e, offsetof(Entry, check));
    if (write(j->fd, &e, sizeof e) != (ssize_t)sizeof e) {
        data_error(err, "journal write failed: %s", strerror(errno));
        return -1;
    }
    double now = clock_seconds();
    if (now - j->synced >= 1.0) {
        if (fsync(j->fd) != 0) {
            data_error(err, "journal fsync failed: %s", strerror(errno));
            return -1;
        }
        j->synced = now;
    }
    return 0;
}

void journal_close(Journal *j)
{
    if (j->fd >= 0) {
        fsync(j->fd);
        close(j->fd);
    }
    j->fd = -1;
}
