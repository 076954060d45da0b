#!/bin/sh
# BABILong accuracy of a titans-eval run averaged over its tasks (qa1-qa5), one row per model and
# one column per length, with a floor row: the score of always giving each task's most common
# answer on the same samples (babilong_floor.awk). Markdown on stdout.
#
#   scripts/babilong_summary.sh results/babilong > results/babilong/summary.md
#
# Reads <run>/units.csv: unit,task,family,model,variant,length,depth,sample,score,...
set -eu
run=${1:?usage: babilong_summary.sh RESULT_DIR}
csv=$run/units.csv
[ -r "$csv" ] || { echo "babilong_summary.sh: $csv: cannot read (run titans-eval first)" >&2; exit 1; }
awk -F, -f "$(dirname "$0")/babilong_floor.awk" "$csv" | awk -F, '
FILENAME == "-" { floor[$1] = $2; next }
FNR == 1 || $3 != "babilong" { next }
{
    m = $4; l = $6 + 0
    if (!(m in seen)) { seen[m] = 1; models[++nm] = m }
    if (!(l in lseen)) { lseen[l] = 1; lengths[++nl] = l }
    s[m, l] += $9; n[m, l]++
}
END {
    if (!nm) { print "babilong_summary.sh: no BABILong units" > "/dev/stderr"; exit 1 }
    for (i = 2; i <= nl; i++)  # lengths ascending
        for (j = i; j > 1 && lengths[j] < lengths[j - 1]; j--) { t = lengths[j]; lengths[j] = lengths[j - 1]; lengths[j - 1] = t }
    printf "| model |"; for (i = 1; i <= nl; i++) printf " %s |", lengths[i] >= 1024 ? lengths[i] / 1024 "K" : lengths[i]; print ""
    printf "|---|"; for (i = 1; i <= nl; i++) printf "---:|"; print ""
    for (j = 1; j <= nm; j++) {
        printf "| %s |", models[j]
        for (i = 1; i <= nl; i++) {
            k = models[j] SUBSEP lengths[i]
            if (k in n) printf " %.0f |", 100 * s[k] / n[k]; else printf " |"
        }
        print ""
    }
    printf "| each task'"'"'s most common answer |"
    for (i = 1; i <= nl; i++) if (lengths[i] in floor) printf " %.0f |", floor[lengths[i]]; else printf " |"
    print ""
}' - "$csv"
