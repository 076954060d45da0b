#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "dirlist.h"
#include "input_file.h"
#include "outfile.h"

#define JOURNAL_MAGIC 0x4c4e524a4e415454ull /* "TTANJRNL" */
#define JOURNAL_VERSION 3u /* 1: keyed by suite and plan only; 2: 256-byte prediction and target */

typedef struct {
    uint64_t magic;
    uint32_t version, pad;
    uint64_t identity; /* identity_of_unit() when it was made */
    Record rec;
    uint64_t check;    /* xxh3 of every byte before it */
} Entry;

static int journal_dir(const char *out, char *dir, size_t len, DataError *err)
{
    struct stat st;
    snprintf(dir, len, "%s/journal", out);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) return outfile_error(err, dir, "cannot create the journal folder", errno);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return data_error(err, "%s: exists and is not a folder (titans-eval keeps its journal there)", dir), -1;
    return 0;
}

/* An earlier attempt's identity description, or NULL when it left none. */
static char *read_identity(const char *dir, int attempt)
{
    char path[1400];
    size_t n;
    DataError ignored;
    snprintf(path, sizeof path, "%s/attempt-%d.identity", dir, attempt);
    return access(path, F_OK) == 0 ? data_read_file(path, &n, &ignored) : NULL;
}

/* Notes why attempt k's entries are not taken (once per attempt, while there is room). */
static void note_change(JournalScan *sc, int k, const char *why)
{
    char head[32];
    snprintf(head, sizeof head, "attempt %d: ", k);
    if (strstr(sc->changed, head)) return;
    size_t n = strlen(sc->changed);
    snprintf(sc->changed + n, sizeof sc->changed - n, "%s%s%s", n ? "; " : "", head, why);
}

typedef struct {
    const Identity *id;
    const UnitList *units;
    uint8_t *done;
    Record *recs;
} Target;

/* Reads one journal file; stops quietly at a torn or short last entry. Entries of another
 * identity are counted as stale, and so is every entry when the attempt's identity is unknown
 * (unknown set); why says what differs. */
static int scan_file(const char *path, int k, int unknown, const char *why, const Target *t, JournalScan *sc,
                     DataError *err)
{
    FILE *f = input_fopen(path, err->msg, sizeof err->msg); /* a FIFO there is refused, not waited on */
    if (!f) return -1;
    Entry e;
    while (fread(&e, sizeof e, 1, f) == 1) {
        if (e.magic == JOURNAL_MAGIC && e.version != JOURNAL_VERSION) {
            sc->n_stale++;
            note_change(sc, k, "written by another version of titans-eval");
            break;
        }
        if (e.magic != JOURNAL_MAGIC || e.check != XXH3_64bits(&e, offsetof(Entry, check)))
            break; /* a torn write: everything after it is lost with it */
        if (e.rec.unit < 0 || e.rec.unit >= t->units->n) continue;
        if (unknown || e.identity != identity_of_unit(t->id, &t->units->v[e.rec.unit])) {
            sc->n_stale++;
            note_change(sc, k, why ? why : "its inputs differ");
            continue;
        }
        if (!t->done[e.rec.unit]) sc->n_done++;
        t->done[e.rec.unit] = 1;
        t->recs[e.rec.unit] = e.rec;
    }
    fclose(f);
    return 0;
}

/* Checks attempt k's identity against this run's: another suite is an error; what differs is
 * described in *why (malloc'ed; NULL when nothing does), and *unknown set when the attempt left no
 * identity to compare with. */
static int compare_attempt(const char *dir, int k, const char *suite_name, const char *desc, char **why,
                           int *unknown, DataError *err)
{
    char *old = read_identity(dir, k), name[SUITE_NAME];
    *why = NULL;
    *unknown = !old;
    if (!old) {
        *why = strdup("left no identity file (killed before its first unit, or an older titans-eval)");
        return 0;
    }
    identity_suite_name(old, name, sizeof name);
    if (strcmp(name, suite_name)) {
        free(old);
        data_error(err, "%s: holds the results of suite '%s', not '%s': use another --out, or add "
                        "--restart to discard them", dir, name, suite_name);
        return -1;
    }
    char diff[700];
    identity_diff(old, desc, diff, sizeof diff);
    if (diff[0]) *why = strdup(diff);
    free(old);
    return 0;
}

/* Whether name is attempt-K-rank-R.bin, a rank's journal; K into *k. */
static int rank_file(const char *name, int *k)
{
    int r;
    char tail[8];
    return sscanf(name, "attempt-%d-rank-%d.%3s", k, &r, tail) == 3 && !strcmp(tail, "bin");
}

static int is_rank_file(const char *name, const void *arg)
{
    int k;
    (void)arg;
    return rank_file(name, &k);
}

/* The journal folder's names that keep accepts, sorted; -1 with err naming the folder. */
static int journal_names(const char *dir, DataNameFilter keep, char ***names, int *n, DataError *err)
{
    if (data_list_names(dir, keep, NULL, 0, names, n, err) == 0) return 0;
    return outfile_error(err, dir, "cannot list the journal folder", errno);
}

int journal_scan(const char *out, const Identity *id, const char *suite_name, const char *desc,
                 const UnitList *units, uint8_t *done, Record *recs, JournalScan *sc, DataError *err)
{
    char dir[1100], path[1400], **names;
    int n, rc = 0;
    memset(sc, 0, sizeof *sc);
    sc->attempt = 1;
    if (journal_dir(out, dir, sizeof dir, err) != 0 || journal_names(dir, is_rank_file, &names, &n, err) != 0)
        return -1;
    Target t = {id, units, done, recs};
    for (int i = 0; i < n && rc == 0; i++) {
        char *why = NULL;
        int unknown = 0, k = 0;
        rank_file(names[i], &k);
        if (k >= sc->attempt) sc->attempt = k + 1;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = compare_attempt(dir, k, suite_name, desc, &why, &unknown, err);
        if (rc == 0) rc = scan_file(path, k, unknown, why, &t, sc, err);
        free(why);
    }
    data_free_names(names, n);
    return rc;
}

int journal_write_identity(const char *out, int attempt, const char *desc, DataError *err)
{
    char dir[1100], name[64];
    OutFile o;
    snprintf(dir, sizeof dir, "%s/journal", out);
    snprintf(name, sizeof name, "attempt-%d.identity", attempt);
    if (outfile_open(&o, dir, name, err) != 0) return -1;
    fputs(desc ? desc : "", o.f);
    return outfile_commit(&o, err);
}

/* What --restart removes: attempts' files and units' saved states. */
static int is_attempt_file(const char *name, const void *arg)
{
    (void)arg;
    return !strncmp(name, "attempt-", 8) || !strncmp(name, "unit-", 5);
}

int journal_clear(const char *out, DataError *err)
{
    char dir[1100], path[1400], **names;
    int n, rc = 0;
    if (journal_dir(out, dir, sizeof dir, err) != 0 || journal_names(dir, is_attempt_file, &names, &n, err) != 0)
        return -1;
    for (int i = 0; i < n && rc == 0; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (unlink(path) != 0) rc = outfile_error(err, path, "cannot remove (--restart)", errno);
    }
    data_free_names(names, n);
    return rc;
}

int journal_open(Journal *j, const char *out, int attempt, int rank, DataError *err)
{
    char dir[1100];
    if (journal_dir(out, dir, sizeof dir, err) != 0) return -1;
    snprintf(j->path, sizeof j->path, "%s/attempt-%d-rank-%d.bin", dir, attempt, rank);
    j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (j->fd < 0) return outfile_error(err, j->path, "cannot open the journal", errno);
    j->synced = clock_seconds();
    return 0;
}

int journal_append(Journal *j, uint64_t identity, const Record *rec, DataError *err)
{
    Entry e;
    memset(&e, 0, sizeof e); /* padding too: the checksum covers every byte */
    e.magic = JOURNAL_MAGIC;
    e.version = JOURNAL_VERSION;
    e.identity = identity;
    e.rec = *rec;
    e.check = XXH3_64bits(&e, offsetof(Entry, check));
    errno = 0;
    if (write(j->fd, &e, sizeof e) != (ssize_t)sizeof e)
        return outfile_error(err, j->path, "journal write failed", errno ? errno : ENOSPC);
    double now = clock_seconds();
    if (now - j->synced >= 1.0) {
        if (fsync(j->fd) != 0) return outfile_error(err, j->path, "journal fsync failed", errno);
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
