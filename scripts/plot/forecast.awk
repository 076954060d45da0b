# Forecasting MSE vs horizon, one figure per dataset: a line per paper model (the checkpoints of one
# variant, one per horizon, share its line, as they share its table column), and the run's
# built-in forecasters (naive-last, naive-mean) as the floors.
#   awk -F, -v dir=TMP -f common.awk -f forecast.awk units.csv
# Writes TMP/forecast-<dataset>-<i>.dat ("horizon MSE n") and TMP/forecast-<dataset>.gp (title,
# ticks and lines for forecast.gp); prints "forecast-<dataset> TMP/forecast-<dataset>.gp".
NR == 1 || $3 != "forecast" { next }
{
    f = $5; m = paper_name($4); h = $6 + 0
    if (!(f in fseen)) { fseen[f] = 1; figs[++nf] = f }
    if (!((f, m) in fm)) { fm[f, m] = 1; names[f, ++nm[f]] = m }
    if (!((f, h) in fh)) { fh[f, h] = 1; hors[f, ++nh[f]] = h }
    s[f, m, h] += $9; n[f, m, h]++
}
END { for (i = 1; i <= nf; i++) figure(figs[i]) }

function figure(f,    i, j, k, m, H, names_f, ord, gp, dat, xt) {
    k = nh[f]; for (i = 1; i <= k; i++) H[i] = hors[f, i]
    sort_num(H, k)
    xt = ""; for (i = 1; i <= k; i++) xt = xt (i > 1 ? ", " : "") "\"" H[i] "\" " H[i]
    for (j = 1; j <= nm[f]; j++) names_f[j] = names[f, j]
    legend_order(names_f, nm[f], ord)
    for (j = 1; j <= nm[f]; j++) {
        m = names_f[ord[j]]; dat = dir "/forecast-" f "-" j ".dat"
        for (i = 1; i <= k; i++)
            if ((f, m, H[i]) in n) printf "%d %.6f %d\n", H[i], s[f, m, H[i]] / n[f, m, H[i]], n[f, m, H[i]] > dat
        close(dat)
    }
    gp = dir "/forecast-" f ".gp"
    printf "title = \"%s\"\nbase = \"%s/forecast-%s\"\n", toupper(substr(f, 1, 1)) substr(f, 2), dir, f > gp  # Weather
    printf "set xtics (%s)\nset xrange [%g:%g]\n", xt, H[1] / 1.25, H[k] * 1.25 > gp
    declare_lines(gp, names_f, ord, nm[f])
    close(gp)
    print "forecast-" f, gp
}
