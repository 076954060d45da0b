#include "dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void data_free_names(char **names, int n)
{
    if (names)
        for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

int data_join(char *out, size_t size, const char *a, const char *b, DataError *err)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size) {
        data_error(err, "%s/%s: path too long", a, b);
        return -1;
    }
    return 0;
}

int data_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int data_list_dir(const char *dir, const char *suffix, char ***names, int *n, DataError *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        data_error(err, "%s: cannot open directory: %s", dir, strerror(errno));
        return -1;
    }
    int cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || (suffix && !data_ends_with(e->d_name, suffix))) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **more = realloc(*names, (size_t)cap * sizeof *more);
            if (!more) goto oom;
            *names = more;
        }
        if (!((*names)[*n] = strdup(e->d_name))) goto oom;
        (*n)++;
    }
    closedir(d);
    if (*n > 1) qsort(*names, (size_t)*n, sizeof **names, by_name);
    return 0;
oom:
    closedir(d);
    data_free_names(*names, *n);
    *names = NULL;
    *n = 0;
    data_error(err, "%s: out of memory", dir);
    return -1;
}
