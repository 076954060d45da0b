#include "listing.h"

#include <stdlib.h>
#include <string.h>

#include "dirlist.h"

static void families(FILE *out)
{
    fprintf(out, "Task families (family = ..., variants = ... in a suite):\n"
                 "  sniah      RULER's tasks: s-niah-1 s-niah-2 s-niah-3 (niah_single_1..3) niah_multikey_1\n"
                 "             niah_multikey_2 niah_multikey_3 niah_multivalue niah_multiquery vt fwe cwe qa_1 qa_2\n"
                 "             (cwe needs wonderwords' verblist.txt, qa_1 ruler-qa/squad.json, qa_2\n"
                 "             ruler-qa/hotpotqa.json); lengths in bytes, e.g. 4k\n"
                 "  babilong   qa1 .. qa20 (qa6-qa20 need the data); lengths in bytes, 0 = the facts alone\n"
                 "  genomics   a task folder of the data directory, e.g. gue_prom_core/prom_core_all\n"
                 "  forecast   ETTh1 ETTh2 ETTm1 ETTm2 weather; lengths are horizons (96 192 336 720)\n"
                 "  built-in forecasters (forecaster = ...): naive-zero naive-last window-mean (old name naive-mean)\n"
                 "  built-in BABILong answerers (answerer = ...): " SUITE_ANSWERERS "\n");
}

/* The first sentence of the comment block that opens a suite file: its description. */
static void describe(const char *path, char *buf, size_t len)
{
    size_t n, k = 0;
    DataError err;
    char *text = data_read_file(path, &n, &err);
    buf[0] = 0;
    for (const char *p = text; p && *p == ';' && k + 1 < len;) {
        const char *nl = strchr(p, '\n');
        size_t m = nl ? (size_t)(nl - p) : strlen(p);
        const char *c = p + 1;
        while (*c == ' ' && c < p + m) c++;
        if (!strncmp(c, "mpirun", 6)) break; /* a command line: the description is over */
        k += (size_t)snprintf(buf + k, len - k, "%s%.*s", k ? " " : "", (int)(p + m - c), c);
        p += m + (nl != NULL);
    }
    free(text);
    char *end = strstr(buf, ". ");
    if (end) end[1] = 0;
    if (strlen(buf) > 100) strcpy(buf + 96, "...");
}

/* NAME.ini, NAME not empty. */
static int suite_file(const char *name, const void *arg)
{
    (void)arg;
    return strlen(name) > 4 && data_ends_with(name, ".ini");
}

/* The suites of dir, the first 256 it holds; none when it cannot be read. */
static void suites(FILE *out, const char *dir)
{
    char **names;
    int n;
    DataError ignored;
    if (data_list_names(dir, suite_file, NULL, 256, &names, &n, &ignored)) n = 0;
    fprintf(out, "\nSuites in %s (-s NAME):\n", dir);
    for (int i = 0; i < n; i++) {
        char path[2048], text[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        describe(path, text, sizeof text);
        fprintf(out, "  %-18.*s %s\n", (int)(strlen(names[i]) - 4), names[i], text);
    }
    data_free_names(names, n);
}

static void lengths(FILE *out, const SuiteTask *t)
{
    for (int l = 0; l < t->n_lengths; l++) {
        long long v = t->lengths[l];
        const char *sep = l ? " " : "";
        if (t->family != FAMILY_FORECAST && v && v % 1048576 == 0) fprintf(out, "%s%lldM", sep, v / 1048576);
        else if (t->family != FAMILY_FORECAST && v && v % 1024 == 0) fprintf(out, "%s%lldK", sep, v / 1024);
        else fprintf(out, "%s%lld", sep, v);
    }
}

static void the_suite(FILE *out, const Suite *s)
{
    fprintf(out, "\nSuite %s (%s), after the command line's selection:\n  models:\n", s->name, s->source);
    for (int m = 0; m < s->n_models; m++)
        if (!s->models[m].excluded)
            fprintf(out, "    %-20s %s\n", s->models[m].name,
                    s->models[m].checkpoint[0]   ? s->models[m].checkpoint
                    : s->models[m].forecaster[0] ? s->models[m].forecaster
                                                 : s->models[m].answerer);
    fprintf(out, "  tasks:\n");
    for (int i = 0; i < s->n_tasks; i++) {
        const SuiteTask *t = &s->tasks[i];
        fprintf(out, "    %-20s %-9s", t->name, family_name(t->family));
        for (int v = 0; v < t->n_variants; v++) fprintf(out, "%s%s", v ? "," : "", t->variants[v]);
        if (t->n_lengths) fprintf(out, " at "), lengths(out, t);
        fprintf(out, t->samples ? ", %lld samples a cell" : ", every sample", (long long)t->samples);
        if (t->all_models) fprintf(out, ", models: all that fit\n");
        else {
            fprintf(out, ", models:");
            for (int k = 0; k < t->n_models; k++)
                if (!s->models[t->models[k]].excluded) fprintf(out, " %s", s->models[t->models[k]].name);
            fputc('\n', out);
        }
    }
}

void listing_print(FILE *out, const char *evals_dir, const Suite *s)
{
    families(out);
    suites(out, evals_dir);
    the_suite(out, s);
}
