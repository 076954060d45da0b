# BABILong's floor per length: the score of always giving each task's most common answer on the
# same samples (what a model that learned the answer's form but not the facts can reach), the mean
# over the tasks run at that length. Counted on the samples of the run's first model (every model
# gets the same samples). Shared by babilong_summary.sh and plot.sh.
#   awk -F, -f babilong_floor.awk units.csv     prints "length,floor%" lines, lengths ascending
# Reads unit,task,family,model,variant,length,... and the target last (quoted; BABILong targets
# hold no comma).
NR == 1 || $3 != "babilong" { next }
first == "" { first = $4 }
$4 == first {
    v = $5; l = $6 + 0
    if (!(l in seen)) { seen[l] = 1; lengths[++nl] = l }
    hit[v, $NF]++; cell[v, l, $NF]++; nc[v, l]++
}
END {
    for (i = 2; i <= nl; i++)
        for (j = i; j > 1 && lengths[j] < lengths[j - 1]; j--) { t = lengths[j]; lengths[j] = lengths[j - 1]; lengths[j - 1] = t }
    for (k in hit) { split(k, p, SUBSEP); if (hit[k] > best[p[1]]) { best[p[1]] = hit[k]; answer[p[1]] = p[2] } }
    for (i = 1; i <= nl; i++) {
        f = nv = 0
        for (v in answer) if ((v, lengths[i]) in nc) { f += cell[v, lengths[i], answer[v]] / nc[v, lengths[i]]; nv++ }
        printf "%d,%.6f\n", lengths[i], 100 * f / nv
    }
}
