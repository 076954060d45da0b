/* The command-line machinery of titans-eval and titans-data: one table of options drives parsing
 * (getopt_long), --help (grouped, wrapped, with defaults) and the echo of every effective value
 * (the results' provenance), as in hpc/ior. Each program keeps its own table, its own struct of
 * values and its own rules (titans-eval's identity classes, titans-data's families). */
#ifndef TITANS_UTIL_OPTABLE_H
#define TITANS_UTIL_OPTABLE_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    OPT_TEXT,  /* a string, one line */
    OPT_LIST,  /* repeatable: the values one a line */
    OPT_COUNT, /* an int64_t, 0 .. 2^63-1 */
    OPT_FLAG   /* an int, set to 1 */
} OptKind;

typedef struct {
    const char *name;     /* --name */
    int key;              /* -k, and getopt_long's value */
    OptKind kind;
    const char *arg;      /* the value's name in --help (NULL for a flag) */
    const char *help;
    const char *def;      /* the default as --help shows it (NULL: none) */
    size_t offset, size;  /* of the value's field in the program's struct */
    const char *group;    /* --help's heading, printed where it changes (NULL: none) */
    unsigned mask, required; /* the program's own: titans-eval's identity class, titans-data's
                              * families and the families that require the option */
} OptSpec;

#define OPTABLE_FIELD(type, f) offsetof(type, f), sizeof(((type *)0)->f)

typedef struct {
    const OptSpec *v;
    size_t n;
    int width; /* --help: the column "-k, --name ARG" is padded to */
    int wrap;  /* --help: the text is wrapped at this many characters (0: one line) */
    /* --help: what follows an option's help text (NULL: " (default: DEF)" where it has one) */
    void (*note)(const OptSpec *o, char *buf, size_t len);
} OptTable;

/* Stores argv's options into base (the program's struct): every field it names is set, lists
 * appended to. given[i] counts option i (NULL: not counted); once: a text or count given twice is
 * an error. The index in argv of the first argument that is not an option (argc: none), or -1 with a
 * message in err ("unknown option -x", "--name: missing value", ...). */
int optable_parse(const OptTable *t, int argc, char **argv, void *base, int *given, int once, char *err,
                  size_t len);
/* Stores value into o's field in base, as if given on the command line. 0, or -1 with err. */
int optable_store(const OptSpec *o, void *base, const char *value, char *err, size_t len);
/* The options' lines of --help, the group headings between them. */
void optable_help(FILE *out, const OptTable *t);
/* "name = value" lines of the options keep accepts (NULL: all): a list's values joined by ", ", a
 * flag as yes or no. Cut short at len. */
void optable_echo(const OptTable *t, const void *base, int (*keep)(const OptSpec *o, unsigned arg), unsigned arg,
                  char *buf, size_t len);

#endif
