#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"

int outfile_error(DataError *err, const char *path, const char *what, int e)
{
    data_error(err, "%s: %s: %s%s", path, what, strerror(e), e == ENOSPC || e == EDQUOT ? " (the disk or quota is full)" : "");
    return -1;
}

int outfile_names(OutFile *o, const char *dir, const char *name, DataError *err)
{
    o->f = NULL;
    if ((size_t)snprintf(o->path, sizeof o->path, "%s/%s", dir, name) >= sizeof o->path ||
        (size_t)snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path) >= sizeof o->tmp) {
        data_error(err, "%s/%s: path longer than %d bytes", dir, name, OUTFILE_PATH - 5);
        return -1;
    }
    return 0;
}

int outfile_check(const char *dir, const char *name, DataError *err)
{
    char path[OUTFILE_PATH];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (lstat(path, &st) != 0 || S_ISREG(st.st_mode)) return 0;
    data_error(err, "%s: exists and is not a file: titans-eval cannot write its output there", path);
    return -1;
}

int outfile_open(OutFile *o, const char *dir, const char *name, DataError *err)
{
    if (outfile_names(o, dir, name, err) != 0) return -1;
    o->f = fopen(o->tmp, "w");
    if (!o->f) return outfile_error(err, o->tmp, "cannot create", errno);
    return 0;
}

int outfile_sync_dir(const char *dir, DataError *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return outfile_error(err, dir, "cannot open the folder", errno);
    int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : outfile_error(err, dir, "cannot sync the folder", errno);
    close(fd);
    return rc;
}

/* The folder part of o->path. */
static void dir_of(const OutFile *o, char *dir, size_t len)
{
    snprintf(dir, len, "%s", o->path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, len, ".");
}

int outfile_rename(OutFile *o, DataError *err)
{
    char dir[OUTFILE_PATH];
    int fd = open(o->tmp, O_RDONLY);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : outfile_error(err, o->tmp, "cannot sync", errno);
    if (fd >= 0) close(fd);
    if (rc == 0 && rename(o->tmp, o->path) != 0) rc = outfile_error(err, o->path, "cannot replace", errno);
    if (rc != 0) {
        unlink(o->tmp);
        return -1;
    }
    dir_of(o, dir, sizeof dir);
    return outfile_sync_dir(dir, err);
}

int outfile_commit(OutFile *o, DataError *err)
{
    int bad = ferror(o->f) || fflush(o->f) != 0;
    int e = errno;
    if (!bad && fsync(fileno(o->f)) != 0) bad = 1, e = errno;
    if (fclose(o->f) != 0 && !bad) bad = 1, e = errno;
    o->f = NULL;
    if (bad) {
        unlink(o->tmp);
        return outfile_error(err, o->path, "cannot write", e ? e : EIO);
    }
    if (rename(o->tmp, o->path) != 0) {
        e = errno;
        unlink(o->tmp);
        return outfile_error(err, o->path, "cannot replace", e);
    }
    char dir[OUTFILE_PATH];
    dir_of(o, dir, sizeof dir);
    return outfile_sync_dir(dir, err);
}

void outfile_abort(OutFile *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    unlink(o->tmp);
}

/* NAME.tmp, NAME not empty: outfile_open's temporaries. */
static int temporary(const char *name, const void *arg)
{
    (void)arg;
    return strlen(name) > 4 && data_ends_with(name, ".tmp");
}

int outfile_remove_stale(const char *dir, DataError *err)
{
    char **names, path[OUTFILE_PATH];
    int n, rc = 0;
    if (data_list_names(dir, temporary, NULL, 0, &names, &n, err))
        return outfile_error(err, dir, "cannot list the output folder", errno);
    for (int i = 0; i < n && rc == 0; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) != 0)
            rc = outfile_error(err, path, "cannot remove a temporary left by an earlier run", errno);
    }
    data_free_names(names, n);
    return rc;
}
