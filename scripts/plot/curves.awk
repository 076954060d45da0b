# Accuracy vs context length, one line per model with its 95% Wilson band, and the floor:
#   kind=babilong: one figure, babilong, the run's qa tasks pooled; the floor is FLOOR's
#     ("length,floor%" lines of babilong_floor.awk), read before units.csv;
#   kind=sniah: one figure per variant (s-niah-1, ...), the units at random depths (the depth
#     grid has its heatmaps); the floor is 0.
#   awk -F, -v kind=K -v dir=TMP -f common.awk -f curves.awk [FLOOR] units.csv
# Writes TMP/<figure>-<i>.dat ("x accuracy% low% high% n" per length), TMP/<figure>-floor.dat and
# TMP/<figure>.gp (title, ticks and lines for curves.gp); prints "<figure> TMP/<figure>.gp".
FILENAME != ARGV[ARGC - 1] { floor[$1] = $2; next }
FNR == 1 || $3 != kind || (kind == "sniah" && $7 >= 0) { next }
{
    f = kind == "babilong" ? "babilong" : $5; m = $4; l = $6 + 0
    if (!(f in fseen)) { fseen[f] = 1; figs[++nf] = f }
    if (!((f, m) in fm)) { fm[f, m] = 1; models[f, ++nm[f]] = m }
    if (!((f, l) in fl)) { fl[f, l] = 1; lens[f, ++nl[f]] = l }
    if (!((f, $5) in fv)) { fv[f, $5] = 1; tasks[f] = tasks[f] (tasks[f] == "" ? "" : ", ") $5 }
    s[f, m, l] += $9; n[f, m, l]++
}
END { for (i = 1; i <= nf; i++) figure(figs[i]) }

function figure(f,    i, j, k, m, l, L, names, count, ord, zero_x, gp, dat, xt, p, w) {
    k = nl[f]; for (i = 1; i <= k; i++) L[i] = lens[f, i]
    sort_num(L, k)
    # length 0 (BABILong's facts only) sits one octave left of the shortest length
    zero_x = 0; for (i = 1; i <= k && !zero_x; i++) if (L[i] > 0) zero_x = L[i] / 2
    if (!zero_x) zero_x = 1
    xt = ""; for (i = 1; i <= k; i++) xt = xt (i > 1 ? ", " : "") "\"" length_label(L[i]) "\" " (L[i] > 0 ? L[i] : zero_x)
    # names: the paper's, with the suite name added where two models would share one
    for (j = 1; j <= nm[f]; j++) count[paper_name(models[f, j])]++
    for (j = 1; j <= nm[f]; j++) {
        m = models[f, j]; names[j] = paper_name(m)
        if (count[names[j]] > 1) names[j] = names[j] " [" m "]"
    }
    legend_order(names, nm[f], ord)
    gp = dir "/" f ".gp"
    for (j = 1; j <= nm[f]; j++) {
        m = models[f, ord[j]]; dat = dir "/" f "-" j ".dat"
        for (i = 1; i <= k; i++) {
            l = L[i]
            if (!((f, m, l) in n)) continue
            p = s[f, m, l] / n[f, m, l]; split(wilson(p, n[f, m, l]), w, " ")
            printf "%s %.4f %.4f %.4f %d\n", (l > 0 ? l : zero_x), 100 * p, 100 * w[1], 100 * w[2], n[f, m, l] > dat
        }
        close(dat)
    }
    dat = dir "/" f "-floor.dat"
    for (i = 1; i <= k; i++)
        if (kind == "sniah" || L[i] in floor) printf "%s %s\n", (L[i] > 0 ? L[i] : zero_x), (kind == "sniah" ? 0 : floor[L[i]]) > dat
    close(dat)
    if (kind == "babilong") {
        printf "title = \"BABILong %s (mean)\"\n", tasks[f] > gp
        printf "floor_title = \"floor: most common answer\"\n" > gp
        printf "xlab = \"context length (bytes; 0: the facts only)\"\n" > gp
    } else {
        printf "title = \"%s\"\nfloor_title = \"floor (0)\"\n", toupper(f) > gp
    }
    # more than eight lengths crowd the axis (128K 256K 512K 1M): labels at 45 degrees
    printf "base = \"%s/%s\"\nset xtics %s(%s)\nset xrange [%g:%g]\n", dir, f,
           (k > 8 ? "rotate by 45 right " : ""), xt, (L[1] > 0 ? L[1] : zero_x) / 1.25, L[k] * 1.25 > gp
    declare_lines(gp, names, ord, nm[f])
    close(gp)
    print f, gp
}
