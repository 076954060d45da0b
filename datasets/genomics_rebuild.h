/* GenomicBenchmarks intervals and the rebuild of their sequences.
 *
 * Rebuild (titans-genomics-rebuild): GenomicBenchmarks ships intervals, not sequences. The
 * interval layout is <task>/<train|test>/<class>.csv.gz (plain .csv also read) with header
 * "id,region,start,end,strand": 0-based half-open [start, end) on `region`, strand '+', '-' or
 * empty (= '+'). Each row becomes <out>/<split>/<class>/<id>.txt holding the bytes of the
 * reference in [start, end), reverse-complemented on '-' (IUPAC codes complemented, case kept:
 * the upstream package writes str(record.seq) with Biopython's reverse_complement, and the
 * Ensembl "dna" FASTAs are upper case). Region names are looked up in the FASTA as: the exact
 * record name; else, for "chrX", the record "X" (Ensembl names chromosomes 1, X, MT; the
 * upstream package adds "chr"); else a record "REGION.<version>" (Ensembl cDNA ids such as
 * ENST00000217185.6, whose version the package strips). The FASTA is plain text (gzip is refused
 * with a message saying to decompress it); FASTA.fai is used when present, else the same index
 * is built in memory with one pass (all lines of a record but the last must have one length,
 * as samtools faidx requires). Every interval is checked (region present, 0 <= start < end <=
 * length) before anything is written: an interval past the end is an error here, where the
 * package's Python slice would silently cut it short. Output class directories must be empty
 * or absent. */
#ifndef TITANS_DATASETS_GENOMICS_REBUILD_H
#define TITANS_DATASETS_GENOMICS_REBUILD_H

#include <stdint.h>

#include "common.h"
#include "genomics_fasta.h"

typedef struct {
    char *id, *region;
    int64_t start, end;
    char strand; /* '+' or '-' */
} GenomicsInterval;

/* One <class>.csv.gz (or .csv): errors "path:line: problem". */
int genomics_read_intervals(const char *path, GenomicsInterval **rows, int64_t *n,
                            DataError *err);
void genomics_free_intervals(GenomicsInterval *rows, int64_t n);

/* The reference of one class; cls NULL = every class without an entry of its own. */
typedef struct {
    const char *cls, *fasta;
} GenomicsRef;

typedef struct {
    int64_t written[2]; /* train, test */
    int64_t odd;        /* sequences holding a byte other than A C G T N (either case) */
} GenomicsRebuildStats;

int genomics_rebuild(const char *task_dir, const char *out_dir, const GenomicsRef *refs,
                     int n_refs, GenomicsRebuildStats *stats, DataError *err);

#endif
