#include "input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m) ? "a FIFO" : S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket"
         : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" : "not a file";
}

int input_open(const char *path, char *msg, size_t cap)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(msg, cap, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(msg, cap, "%s: not a regular file (%s)", path, kind_of(st.st_mode));
        close(fd);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        snprintf(msg, cap, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

FILE *input_fopen(const char *path, char *msg, size_t cap)
{
    int fd = input_open(path, msg, cap);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(msg, cap, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

static int too_big(const char *path, unsigned long long size, size_t max, const char *what, char *msg,
                   size_t cap)
{
    snprintf(msg, cap, "%s: %llu bytes%s, more than the %zu (%zu MiB) %s may have", path, size,
             size > max ? "" : " or more", max, max >> 20, what);
    return -1;
}

char *input_read(const char *path, size_t max, const char *what, size_t *len, char *msg, size_t cap)
{
    int fd = input_open(path, msg, cap);
    if (fd < 0) return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        snprintf(msg, cap, "%s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    if ((unsigned long long)st.st_size > max) {
        too_big(path, (unsigned long long)st.st_size, max, what, msg, cap);
        goto fail;
    }
    /* the size fstat gives, plus room to notice a file that grew since */
    size_t want = (size_t)st.st_size, n = 0, room = want < max ? want + 1 : max;
    if (!(buf = malloc(room + 1))) {
        snprintf(msg, cap, "%s: out of memory for %zu bytes", path, want);
        goto fail;
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, room - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(msg, cap, "%s: read error: %s", path, strerror(errno));
            goto fail;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n < room) continue;
        if (room == max) { /* full at the limit: one more byte means too big */
            char probe;
            if (read(fd, &probe, 1) == 1) {
                too_big(path, (unsigned long long)max + 1, max, what, msg, cap);
                goto fail;
            }
            break;
        }
        size_t grown = room > max / 2 ? max : 2 * room;
        char *nb = realloc(buf, grown + 1);
        if (!nb) {
            snprintf(msg, cap, "%s: out of memory for %zu bytes", path, grown);
            goto fail;
        }
        buf = nb;
        room = grown;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}
