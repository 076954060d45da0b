/* DNA sequence classification data: GenomicBenchmarks (Gresova et al. 2023, the five tasks of
 * Titans Table 4) and GUE-style CSVs, the top-1 accuracy of Titans/HyenaDNA and the Matthews correlation
 * of DNABERT-2. The rebuild of GenomicBenchmarks sequences from its interval files and a
 * reference FASTA: genomics_rebuild.h.
 *
 * Protocol (shared/research/benchmarks-genomics-timeseries.md, Part 2):
 *  - GenomicBenchmarks full-sequence layout: <task>/<train|test>/<class>/<id>.txt, one sequence
 *    per file, no newline (one trailing "\n" or "\r\n" is accepted and dropped). There is no
 *    validation split; HyenaDNA, and so Titans, report accuracy on test.
 *  - Labels: classes are the sub-directories of the split sorted by name (strcmp, i.e. byte
 *    order; the same as Python's sorted() on these ASCII names): label = index, e.g. negative 0,
 *    positive 1; enhancer 0, ocr 1, promoter 2 (the convention of HyenaDNA's loader as the
 *    research note and genomic_benchmarks_coords/SOURCE.md give it).
 *  - Sample order: by class, then by file name (strcmp) inside a class: deterministic, and
 *    independent of the file system. Entries starting with '.' are ignored; any other entry that
 *    is not a .txt file is an error, so no data is skipped silently.
 *  - GUE CSV (DNABERT-2, e.g. gue_prom_core/<task>/{train,dev,test}.csv): header exactly
 *    "sequence,label", then "SEQ,LABEL" rows with LABEL a non-negative integer; n_classes is the
 *    largest label + 1 and class names are the label numbers. Samples keep the file's order.
 *  - Bases: A C G T N in either case map to 0 1 2 3 4 (the dna input of titans_classify). Any
 *    other byte (IUPAC codes such as R or Y included) is an error naming the file, the line for
 *    CSVs, and the 1-based position in the sequence. No padding or truncation happens here.
 *  - Accuracy: top-1, argmax with the first maximum winning ties (torch.argmax); logits holding a
 *    NaN or an infinity count as a wrong answer. Reported as correct / total. */
#ifndef TITANS_DATASETS_GENOMICS_H
#define TITANS_DATASETS_GENOMICS_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct {
    int n_classes;
    char **class_names; /* [n_classes], label = index */
    int64_t n;          /* samples */
    uint8_t *bases;     /* every sequence back to back, codes 0..4 */
    int64_t *offset;    /* [n + 1]: sample i is bases[offset[i], offset[i + 1]) */
    int32_t *label;     /* [n] */
} GenomicsSet;

/* 'A'/'a' 0, C 1, G 2, T 3, N 4; -1 for any other byte. */
int genomics_base_code(int byte);

/* task_dir/<split>/<class>/<id>.txt, split "train" or "test". */
int genomics_load_dir(const char *task_dir, const char *split, GenomicsSet *set, DataError *err);
int genomics_load_csv(const char *path, GenomicsSet *set, DataError *err);
void genomics_free(GenomicsSet *set);

static inline int64_t genomics_length(const GenomicsSet *set, int64_t i)
{
    return set->offset[i + 1] - set->offset[i];
}
/* Sample i as the int32 tokens titans_classify reads (genomics_length(set, i) of them). */
void genomics_tokens(const GenomicsSet *set, int64_t i, int32_t *tokens);

typedef struct {
    int64_t correct, total;
} GenomicsAccuracy;

/* Index of the largest logit, first on ties; -1 if any logit is NaN or infinite. */
int genomics_argmax(const float *logits, int n);
/* Adds one prediction; returns the predicted class (-1: counted wrong). */
int genomics_accuracy_add(GenomicsAccuracy *a, const float *logits, int n_classes, int label);
/* correct / total in [0, 1]; NaN when empty. */
double genomics_accuracy(const GenomicsAccuracy *a);

/* Matthews correlation of a k x k confusion matrix (counts[true * k + predicted]), the
 * multiclass form of sklearn's matthews_corrcoef that DNABERT-2 reports on GUE:
 * (c s - sum p_k t_k) / sqrt((s^2 - sum p_k^2) (s^2 - sum t_k^2)), c correct, s total, p_k and t_k
 * the predicted and true counts of class k; 0 when the denominator is 0 (as sklearn). */
double genomics_mcc(const int64_t *counts, int k);

#endif
