/* Shared by the fuzz harnesses (tests/fuzz/fuzz_<target>.c, docs/testing.md): turning the
 * fuzzer's bytes into what a loader reads (a NUL-terminated string, a file, a folder tree), and a
 * check that turns a broken invariant into a crash the fuzzer reports.
 *
 * Every harness is plain C11 + POSIX: it builds with clang and libFuzzer (make fuzz) and with the
 * project's own compiler and tests/fuzz/replay.c (make check replays the seed corpus and every
 * crash found so far through the normal build). Nothing here may leak or keep state between
 * inputs beyond a scratch folder that is emptied before each one. */
#ifndef TITANS_FUZZ_H
#define TITANS_FUZZ_H

#define _GNU_SOURCE /* memfd_create, nftw's FTW_DEPTH/FTW_PHYS */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a finding: print it and abort, which libFuzzer (and the replay) report. */
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* With FUZZ_VERBOSE set in the environment, harnesses say what each input did (to check that
 * seeds reach what they are meant to): the loader's error, or what it loaded. */
#define FUZZ_NOTE(...)                                  \
    do {                                                \
        if (getenv("FUZZ_VERBOSE")) {                   \
            fprintf(stderr, "fuzz: " __VA_ARGS__);      \
            fputc('\n', stderr);                        \
        }                                               \
    } while (0)

/* The input as a malloc'ed NUL-terminated string (a NUL inside ends the string, as it would for
 * a loader that takes C strings). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A file holding exactly these bytes, for loaders that take a path: an in-memory file
 * (memfd) named through /proc/self/fd, rewritten for every input. Returns its path. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", 0);
        if (fd < 0) {
            char tmpl[] = "/tmp/titans-fuzz-XXXXXX";
            fd = mkstemp(tmpl);
            if (fd < 0) abort();
            unlink(tmpl);
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        if (n <= 0) abort();
        done += (size_t)n;
    }
    return path;
}

/* ---- a scratch folder tree -------------------------------------------------------------------
 * One folder per process, titans-fuzz-<pid>-XXXXXX under /dev/shm when there is one (else $TMPDIR
 * or /tmp), emptied by fuzz_tree_reset and removed at exit. A run that crashes cannot remove its
 * own: the next one removes the folders of processes that are gone. */

static char fuzz_root_path[256];

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0) remove(path);
    return 0;
}

static inline void fuzz_tree_clear(void)
{
    if (fuzz_root_path[0]) nftw(fuzz_root_path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_tree_remove(void)
{
    fuzz_tree_clear();
    if (fuzz_root_path[0]) rmdir(fuzz_root_path);
}

/* Removes base/titans-fuzz-<pid>-* of processes that no longer exist. */
static inline void fuzz_tree_sweep(const char *base)
{
    DIR *d = opendir(base);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        long pid;
        char path[PATH_MAX];
        if (sscanf(e->d_name, "titans-fuzz-%ld-", &pid) != 1 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        snprintf(path, sizeof path, "%s/%s", base, e->d_name);
        nftw(path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        rmdir(path);
    }
    closedir(d);
}

/* The scratch folder, emptied. */
static inline const char *fuzz_tree_reset(void)
{
    if (!fuzz_root_path[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                               ? "/dev/shm"
                               : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        fuzz_tree_sweep(base);
        snprintf(fuzz_root_path, sizeof fuzz_root_path, "%s/titans-fuzz-%ld-XXXXXX", base, (long)getpid());
        if (!mkdtemp(fuzz_root_path)) abort();
        atexit(fuzz_tree_remove);
    }
    fuzz_tree_clear();
    return fuzz_root_path;
}

/* One byte of a path the fuzzer chose, made safe: letters, digits, '.', '_' and '-' stay; any
 * other byte becomes '_'. */
static inline char fuzz_path_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                   c == '_' || c == '-'
               ? (char)c
               : '_';
}

/* The next "@@ " at the start of a line, at or after from (data: where lines start); or end. */
static inline const uint8_t *fuzz_next_entry(const uint8_t *data, const uint8_t *from, const uint8_t *end)
{
    for (const uint8_t *p = from; p < end;) {
        if ((p == data || p[-1] == '\n') && end - p >= 3 && p[0] == '@' && p[1] == '@' && p[2] == ' ')
            return p;
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    return end;
}

/* Writes a folder tree described by the input under root. The format (a plain-text archive):
 *
 *   @@ train/positive/seq1.txt
 *   ACGTACGT
 *   @@ train/negative/
 *   @@ ...
 *
 * Each "@@ PATH" line starts an entry; its content is every byte up to the newline before the
 * next "@@ " line (or to the end). A PATH ending in '/' makes a folder only. Path components are
 * made safe (fuzz_path_char), at most 48 bytes and 4 deep; "." and ".." become "_" and "__", so
 * nothing is written outside root. Bytes before the first entry are ignored. Returns the number
 * of entries written. */
static inline int fuzz_tree_write(const char *root, const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size, *p = fuzz_next_entry(data, data, end);
    int n = 0;
    while (p < end && n < 256) {
        p += 3;
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *name_end = nl ? nl : end, *body = nl ? nl + 1 : end;
        const uint8_t *next = fuzz_next_entry(data, body, end), *body_end = next;
        if (next < end && body_end > body) body_end--; /* the newline before "@@ " separates */
        /* the path, made safe, folders created on the way */
        char path[PATH_MAX];
        size_t len = (size_t)snprintf(path, sizeof path, "%s", root);
        int depth = 0, is_dir = name_end > p && name_end[-1] == '/';
        for (const uint8_t *c = p; c < name_end && depth < 4;) {
            const uint8_t *slash = memchr(c, '/', (size_t)(name_end - c));
            const uint8_t *ce = slash ? slash : name_end;
            size_t k = (size_t)(ce - c) > 48 ? 48 : (size_t)(ce - c);
            if (k > 0 && len + 1 + k + 1 < sizeof path) {
                char comp[64];
                for (size_t i = 0; i < k; i++) comp[i] = fuzz_path_char(c[i]);
                comp[k] = '\0';
                if (!strcmp(comp, ".")) strcpy(comp, "_");
                else if (!strcmp(comp, "..")) strcpy(comp, "__");
                path[len++] = '/';
                strcpy(path + len, comp);
                len += strlen(comp);
                depth++;
                if (slash || is_dir) mkdir(path, 0777); /* a folder on the way (may exist) */
            }
            c = slash ? slash + 1 : name_end;
        }
        if (depth > 0 && !is_dir) {
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            if (fd >= 0) {
                for (const uint8_t *w = body; w < body_end;) {
                    ssize_t k = write(fd, w, (size_t)(body_end - w));
                    if (k <= 0) break;
                    w += k;
                }
                close(fd);
            }
        }
        n += depth > 0;
        p = next;
    }
    return n;
}

/* root/rel into out (PATH_MAX bytes). */
static inline const char *fuzz_join(char *out, const char *root, const char *rel)
{
    snprintf(out, PATH_MAX, "%s/%s", root, rel);
    return out;
}

#endif
