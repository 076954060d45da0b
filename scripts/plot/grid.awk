# S-NIAH depth x length grid, one heatmap per model: the units with a set needle depth (depth >= 0),
# the run's variants pooled. Every model's heatmap has the run's lengths and depths, so the
# heatmaps line up; a cell a model did not run stays empty.
#   awk -F, -v dir=TMP -f common.awk -f grid.awk units.csv
# Writes TMP/grid-<model>.dat ("x y accuracy% n", x and y the cell's column and row) and
# TMP/grid-<model>.gp (title and ticks for heatmap.gp); prints "sniah-grid-<model> TMP/grid-<model>.gp".
NR > 1 && $3 == "sniah" && $7 >= 0 {
    m = $4; l = $6 + 0; d = $7 + 0
    if (!(m in seen)) { seen[m] = 1; models[++nm] = m }
    if (!((m, $5) in mv)) { mv[m, $5] = 1; variants[m] = variants[m] (variants[m] == "" ? "" : ", ") toupper($5) }
    if (!(l in xl)) { xl[l] = 1; lengths[++nl] = l }
    if (!(d in yd)) { yd[d] = 1; depths[++nd] = d }
    s[m, l, d] += $9; n[m, l, d]++
}
END {
    sort_num(lengths, nl); sort_num(depths, nd)
    xt = ""; for (i = 1; i <= nl; i++) xt = xt (i > 1 ? ", " : "") "\"" length_label(lengths[i]) "\" " i - 1
    yt = ""; for (j = 1; j <= nd; j++) yt = yt (j > 1 ? ", " : "") sprintf("\"%g%%%%\" %d", 100 * depths[j], j - 1)  # %% in a tick label: a literal %
    for (k = 1; k <= nm; k++) {
        m = models[k]; dat = dir "/grid-" m ".dat"; gp = dir "/grid-" m ".gp"
        unrun = 0
        for (i = 1; i <= nl; i++)
            for (j = 1; j <= nd; j++)
                if ((m, lengths[i], depths[j]) in n)
                    printf "%d %d %.6f %d\n", i - 1, j - 1, 100 * s[m, lengths[i], depths[j]] / n[m, lengths[i], depths[j]],
                        n[m, lengths[i], depths[j]] > dat
                else unrun = 1
        close(dat)
        printf "title = \"%s: %s%s\"\n", paper_name(m), variants[m], (unrun ? " (grey: not run)" : "") > gp
        printf "data = \"%s\"\nset xtics (%s)\nset ytics (%s)\n", dat, xt, yt > gp
        printf "set xrange [-0.5:%g]\nset yrange [%g:-0.5]\n", nl - 0.5, nd - 0.5 > gp
        close(gp)
        print "sniah-grid-" m, gp
    }
}
