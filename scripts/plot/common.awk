# Functions shared by the figure scripts (awk -f common.awk -f KIND.awk): the paper's model names,
# a line style per name, length labels and the Wilson score interval.

# The paper's name of a suite model: the variant part of its name (sniah-mac, ETTh1-96-mag, mac)
# mapped, an ablation suffix kept in parentheses (lmm-nodecay: "LMM (w/o weight decay)"), the
# built-in forecasters spelled out; any other name as it is.
function paper_name(m,    t, part, k, i, j, name, rest) {
    if (m == "naive-last") return "naive (last value)"
    if (m == "naive-mean") return "naive (window mean)"
    split("lmm LMM mac MAC mag MAG mal MAL swa SWA attn Transformer", t, " ")
    k = split(m, part, "-")
    for (i = 1; i <= k; i++) {
        name = ""
        for (j = 1; j < 12; j += 2) if (part[i] == t[j]) name = t[j + 1]
        if (name == "") continue
        rest = ""
        for (j = i + 1; j <= k; j++) rest = rest (rest == "" ? "" : "-") part[j]
        return rest == "" ? name : name " (" ablation(rest) ")"
    }
    return m
}

# The paper's Table 5 wording of an ablation suffix
function ablation(s) {
    if (s == "noconv") return "w/o convolution"
    if (s == "nodecay") return "w/o weight decay"
    if (s == "nomomentum") return "w/o momentum"
    if (s == "nopersistent") return "w/o persistent memory"
    return s
}

# style.gp's line style of a name, also its place in a legend: one fixed style per paper model,
# so a model keeps its colour across figures; ablations and other names take the dashed styles
# 7-12 in order of arrival; the forecasting floors 13 and 14.
function style_of(name,    i, base) {
    split("MAC MAG MAL LMM SWA Transformer", base, " ")
    for (i = 1; i <= 6; i++) if (name == base[i]) return i
    if (name == "naive (last value)") return 13
    if (name == "naive (window mean)") return 14
    if (!(name in extra_style)) extra_style[name] = 7 + n_extra++ % 6
    return extra_style[name]
}

# 1K, 2K, ..., 1M (bytes, powers of 1024); other lengths as they are
function length_label(l) {
    if (l >= 1048576 && l % 1048576 == 0) return l / 1048576 "M"
    if (l >= 1024 && l % 1024 == 0) return l / 1024 "K"
    return l
}

# Wilson score interval (95%) of a mean score p in [0, 1] over n units, as "low high"
function wilson(p, n,    z, c, h) {
    z = 1.959964
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (c - h < 0 ? 0 : c - h) " " (c + h > 1 ? 1 : c + h)
}

# sorts a[1..k] ascending, numerically
function sort_num(a, k,    i, j, t) {
    for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j] < a[j - 1]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
}

# A figure's lines in legend order (by style, then arrival): ord[1..k] indexes names[1..k]
function legend_order(names, k, ord,    i, j, t, key) {
    for (i = 1; i <= k; i++) { ord[i] = i; key[i] = style_of(names[i]) * 1000 + i }
    for (i = 2; i <= k; i++)
        for (j = i; j > 1 && key[ord[j]] < key[ord[j - 1]]; j--) { t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t }
}

# Declares a figure's lines in its gnuplot fragment: N, label[i] and style[i] of line i, whose data
# the caller writes to <base>-<i>.dat
function declare_lines(gp, names, ord, k,    i) {
    printf "N = %d\narray label[N]\narray style[N]\n", k > gp
    for (i = 1; i <= k; i++) printf "label[%d] = \"%s\"; style[%d] = %d\n", i, names[ord[i]], i, style_of(names[ord[i]]) > gp
}
