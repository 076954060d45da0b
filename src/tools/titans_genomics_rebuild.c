/* titans-genomics-rebuild: rebuilds the sequences of a GenomicBenchmarks task from its interval
 * files and a reference FASTA the user supplies (the package's ready-made sequence zip is not
 * reachable offline).
 *
 *   titans-genomics-rebuild [-f FASTA] [-c CLASS=FASTA]... TASK_DIR OUT_DIR
 *
 * TASK_DIR is an interval dataset, e.g. genomic_benchmarks_coords/human_nontata_promoters, with
 * train/<class>.csv.gz and test/<class>.csv.gz (columns id,region,start,end,strand; 0-based,
 * half-open). OUT_DIR receives OUT_DIR/{train,test}/<class>/<id>.txt, one sequence per file
 * with no newline, reverse-complemented for strand '-': the layout genomics_load_dir reads.
 * The reference is the Ensembl FASTA named in TASK_DIR/metadata.yaml, decompressed (gzip is
 * refused: run gunzip -k first); FASTA.fai is used when present, else the index is built in
 * memory. Region names match a record by exact name, then without "chr", then with a
 * ".<version>" suffix (Ensembl cDNA ids). The rules and checks are those of genomics.h.
 * Exit status: 0 done, 1 data error (nothing is written if an interval is bad), 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genomics_rebuild.h"

static const char USAGE[] =
    "usage: titans-genomics-rebuild [-f FASTA] [-c CLASS=FASTA]... TASK_DIR OUT_DIR\n"
    "\n"
    "Rebuilds GenomicBenchmarks sequences from interval files and a reference FASTA.\n"
    "\n"
    "  TASK_DIR   interval dataset: TASK_DIR/{train,test}/<class>.csv.gz (or .csv), columns\n"
    "             id,region,start,end,strand; 0-based half-open; strand '+', '-' or empty\n"
    "  OUT_DIR    output: OUT_DIR/{train,test}/<class>/<id>.txt, one sequence per file, no\n"
    "             newline, reverse complement on '-'; class directories must be new or empty\n"
    "\n"
    "  -f, --fasta FASTA        reference for every class without its own -c\n"
    "  -c, --class CLASS=FASTA  reference for one class (e.g. demo_human_or_worm:\n"
    "                           -c human=GRCh38.fa -c worm=WBcel235.fa)\n"
    "  -h, --help               this text\n"
    "\n"
    "FASTA: plain text, uncompressed (gunzip -k a .fa.gz first). FASTA.fai (samtools faidx)\n"
    "is used when present; otherwise an index is built in memory, which needs every line of\n"
    "a record but its last to have one length. A region matches the record of the same name,\n"
    "else the name without 'chr' (Ensembl: chr1 -> 1), else the name plus '.<version>'\n"
    "(Ensembl cDNA: ENST00000217185 -> ENST00000217185.6). The FASTA to use is named in\n"
    "TASK_DIR/metadata.yaml (e.g. Homo_sapiens.GRCh38.dna.toplevel.fa.gz, release 97 or 100).\n"
    "Every interval is checked (region present, end <= length) before anything is written.\n"
    "Bases are written as the FASTA has them; a count of sequences holding bytes other than\n"
    "A C G T N (IUPAC codes), which the loader rejects, is printed.\n"
    "\n"
    "Exit status: 0 done, 1 data error, 2 usage error.\n";

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "titans-genomics-rebuild: %s%s\n%s", msg, arg ? arg : "", USAGE);
    return 2;
}

/* The value of an option given as "-x VALUE", "--long VALUE" or "--long=VALUE". */
static const char *option_value(int argc, char **argv, int *i, const char *s, const char *l)
{
    size_t n = strlen(l);
    if (strncmp(argv[*i], l, n) == 0 && argv[*i][n] == '=') return argv[*i] + n + 1;
    if (strcmp(argv[*i], s) && strcmp(argv[*i], l)) return NULL;
    return *i + 1 < argc ? argv[++*i] : "";
}

int main(int argc, char **argv)
{
    GenomicsRef *refs = calloc((size_t)argc, sizeof *refs);
    const char *pos[2];
    int n_refs = 0, n_pos = 0, have_default = 0, rc = 2;
    if (!refs) {
        fprintf(stderr, "titans-genomics-rebuild: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(USAGE, stdout);
            rc = 0;
            goto done;
        } else if ((v = option_value(argc, argv, &i, "-f", "--fasta"))) {
            if (!*v || have_default++) {
                rc = usage_error(*v ? "--fasta given twice" : "--fasta needs a file", NULL);
                goto done;
            }
            refs[n_refs++] = (GenomicsRef){NULL, v};
        } else if ((v = option_value(argc, argv, &i, "-c", "--class"))) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !eq[1]) {
                rc = usage_error("--class wants CLASS=FASTA, got: ", v);
                goto done;
            }
            char *cls = strndup(v, (size_t)(eq - v));
            if (!cls) {
                fprintf(stderr, "titans-genomics-rebuild: out of memory\n");
                rc = 1;
                goto done;
            }
            for (int k = 0; k < n_refs; k++)
                if (refs[k].cls && !strcmp(refs[k].cls, cls)) {
                    free(cls);
                    rc = usage_error("--class given twice for ", refs[k].cls);
                    goto done;
                }
            refs[n_refs++] = (GenomicsRef){cls, eq + 1};
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rc = usage_error("unknown option ", argv[i]);
            goto done;
        } else if (n_pos < 2) {
            pos[n_pos++] = argv[i];
        } else {
            rc = usage_error("too many arguments: ", argv[i]);
            goto done;
        }
    }
    if (n_pos != 2) {
        rc = usage_error("TASK_DIR and OUT_DIR are required", NULL);
        goto done;
    }
    if (n_refs == 0) {
        rc = usage_error("no reference: give --fasta or --class", NULL);
        goto done;
    }
    GenomicsRebuildStats st;
    DataError err;
    if (genomics_rebuild(pos[0], pos[1], refs, n_refs, &st, &err)) {
        fprintf(stderr, "titans-genomics-rebuild: %s\n", err.msg);
        rc = 1;
        goto done;
    }
    printf("wrote %lld train and %lld test sequences to %s\n", (long long)st.written[0],
           (long long)st.written[1], pos[1]);
    if (st.odd)
        printf("warning: %lld sequences hold bytes other than A C G T N (IUPAC codes); "
               "genomics_load_dir rejects them\n",
               (long long)st.odd);
    rc = 0;
done:
    for (int k = 0; k < n_refs; k++) free((char *)refs[k].cls);
    free(refs);
    return rc;
}
