#!/bin/sh
# evals/genomic-benchmarks.ini on sequences rebuilt by titans-genomics-rebuild from a small
# synthetic FASTA and interval files of its four task names: every task loads with labels in
# sorted class order, and the table reports accuracy and MCC for each. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
echo "1..2"
REBUILD=./titans-genomics-rebuild
# chr1: 600 bases of a fixed pseudo-random sequence, 60 a line
awk 'BEGIN { srand(7); print ">1"; s = ""; for (i = 0; i < 600; i++) { s = s substr("ACGT", int(rand() * 4) + 1, 1); if (length(s) == 60) { print s; s = "" } } }' > "$work/ref.fa"
rc=0
for task in human_nontata_promoters human_enhancers_cohn human_enhancers_ensembl human_ocr_ensembl; do
  for split in train test; do
    mkdir -p "$work/coords/$task/$split"
    printf 'id,region,start,end,strand\nn1,chr1,0,70,+\nn2,chr1,100,170,-\nn3,chr1,200,270,+\n' > "$work/coords/$task/$split/negative.csv"
    printf 'id,region,start,end,strand\np1,chr1,300,370,+\np2,chr1,400,470,-\n' > "$work/coords/$task/$split/positive.csv"
  done
  $REBUILD -f "$work/ref.fa" "$work/coords/$task" "$work/data/genomic_benchmarks/$task" >> "$work/rebuild.log" 2>&1 || rc=1
done
[ $rc -eq 0 ] && [ "$(cat "$work/data/genomic_benchmarks/human_ocr_ensembl/test/positive/p2.txt" | wc -c)" -eq 70 ]
check $? "titans-genomics-rebuild writes the four tasks from the synthetic FASTA" "$work/rebuild.log"
MPI_NP=2 $LAUNCH $EVAL -s genomic-benchmarks -d "$work/data" -M lmm --out "$work/out" > "$work/eval.log" 2>&1 &&
  grep -q '^| model | human_nontata_promoters | human_enhancers_cohn | human_enhancers_ensembl | human_ocr_ensembl | human_nontata_promoters MCC |' "$work/out/tables.md" &&
  [ "$(grep -c ',lmm,human_ocr_ensembl,.*"positive","positive"$\|,lmm,human_ocr_ensembl,.*"negative","positive"$' "$work/out/units.csv")" -eq 2 ] &&
  grep -q '^lmm,' "$work/out/genomic-benchmarks.csv"
check $? "the genomic-benchmarks suite runs them: 5 test sequences a task, accuracy and MCC columns" "$work/eval.log"
