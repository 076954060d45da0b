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

static int not_dots(const char *name) { return strcmp(name, ".") && strcmp(name, ".."); }

/* Appends a copy of name to *names; 0, or -1 out of memory. */
static int append(char ***names, int *n, int *cap, const char *name)
{
    if (*n == *cap) {
        int more_cap = *cap ? 2 * *cap : 64;
        char **more = realloc(*names, (size_t)more_cap * sizeof *more);
        if (!more) return -1;
        *names = more;
        *cap = more_cap;
    }
    if (!((*names)[*n] = strdup(name))) return -1;
    (*n)++;
    return 0;
}

int data_list_names(const char *dir, DataNameFilter keep, const void *arg, int max, char ***names, int *n,
                    DataError *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        data_error(err, "%s: cannot open directory: %s", dir, strerror(e));
        errno = e;
        return -1;
    }
    int cap = 0, rc = 0;
    for (struct dirent *de; rc == 0 && (max <= 0 || *n < max) && (de = readdir(d));)
        if (not_dots(de->d_name) && (!keep || keep(de->d_name, arg))) rc = append(names, n, &cap, de->d_name);
    closedir(d);
    if (rc != 0) {
        data_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        data_error(err, "%s: out of memory", dir);
        errno = ENOMEM;
        return -1;
    }
    if (*n > 1) qsort(*names, (size_t)*n, sizeof **names, by_name);
    return 0;
}

/* Not hidden, and ending with the suffix arg (NULL: any). */
static int visible_with_suffix(const char *name, const void *suffix)
{
    return name[0] != '.' && (!suffix || data_ends_with(name, suffix));
}

int data_list_dir(const char *dir, const char *suffix, char ***names, int *n, DataError *err)
{
    return data_list_names(dir, visible_with_suffix, suffix, 0, names, n, err);
}
