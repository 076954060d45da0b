/* A FASTA reference with a faidx-style index, for rebuilding GenomicBenchmarks sequences
 * (genomics_rebuild.h says how region names are looked up and how strands are read). */
#ifndef TITANS_DATASETS_GENOMICS_FASTA_H
#define TITANS_DATASETS_GENOMICS_FASTA_H

#include <stdint.h>

#include "common.h"

typedef struct GenomicsFasta GenomicsFasta;

int genomics_fasta_open(const char *path, GenomicsFasta **fa, DataError *err);
void genomics_fasta_close(GenomicsFasta *fa);
/* The path it was opened from. */
const char *genomics_fasta_path(const GenomicsFasta *fa);
/* Length of the record `region` names (rules above); -1 with err if there is none. */
int64_t genomics_fasta_length(const GenomicsFasta *fa, const char *region, DataError *err);
/* Writes the end - start bytes of [start, end) into out (no NUL), reverse-complemented if
 * strand is '-'. */
int genomics_fasta_fetch(GenomicsFasta *fa, const char *region, int64_t start, int64_t end,
                         char strand, char *out, DataError *err);

#endif
