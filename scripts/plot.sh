#!/bin/sh
# Figures of a titans-eval run, from its units.csv, with gnuplot; each as PNG (200 dpi) and PDF
# (PLOT_FORMATS="png pdf svg" adds SVG), the models under the paper's names:
#   - sniah-grid-<model>: S-NIAH accuracy over needle depth x context length, one heatmap per
#     model, each cell's value and n written in it (plot/grid.awk, plot/heatmap.gp);
#   - s-niah-<k>: S-NIAH accuracy vs context length at random depths, one line per model with its
#     95% Wilson band, floor 0 (plot/curves.awk, plot/curves.gp);
#   - babilong: BABILong accuracy vs context length, the qa tasks pooled, with bands and the
#     floor of always giving each task's most common answer (babilong_floor.awk);
#   - forecast-<dataset>: forecasting MSE vs horizon, the naive forecasters as floors
#     (plot/forecast.awk, plot/forecast.gp).
#
#   scripts/plot.sh results/sniah            (writes the figures beside units.csv)
#   scripts/plot.sh results/babilong OUTDIR
#
# Only the first 13 columns of units.csv are read (prediction and target, quoted, come after), and
# the target of BABILong units, which holds no comma.
set -eu
run=${1:?usage: plot.sh RESULT_DIR [OUT_DIR]}
out=${2:-$run}
csv=$run/units.csv
formats=${PLOT_FORMATS:-png pdf}
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/plot
[ -r "$csv" ] || { echo "plot.sh: $csv: cannot read (run titans-eval first)" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
case $out in *\'*) echo "plot.sh: $out: a folder name with a single quote" >&2; exit 1 ;; esac
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# render TEMPLATE < LIST: each "name fragment" line of LIST drawn by the fragment, then TEMPLATE.gp
render() {
    while read -r name frag; do
        for fmt in $formats; do
            gnuplot -e "fmt = '$fmt'; out = '$out/$name.$fmt'" "$lib/style.gp" "$frag" "$lib/$1.gp"
        done
        echo "plot.sh: $out/$name ($formats)"
    done
}
prep() { awk -F, -v dir="$tmp" -f "$lib/common.awk" "$@"; }

prep -f "$lib/grid.awk" "$csv" > "$tmp/grid.list"
prep -v kind=sniah -f "$lib/curves.awk" "$csv" > "$tmp/sniah.list"
awk -F, -f "$here/babilong_floor.awk" "$csv" > "$tmp/babilong-floor.csv"
prep -v kind=babilong -f "$lib/curves.awk" "$tmp/babilong-floor.csv" "$csv" > "$tmp/babilong.list"
prep -f "$lib/forecast.awk" "$csv" > "$tmp/forecast.list"
if [ ! -s "$tmp/grid.list" ] && [ ! -s "$tmp/sniah.list" ] && [ ! -s "$tmp/babilong.list" ] && [ ! -s "$tmp/forecast.list" ]; then
    echo "plot.sh: $csv: no S-NIAH, BABILong or forecasting units to draw" >&2
    exit 1
fi
render heatmap < "$tmp/grid.list"
render curves < "$tmp/sniah.list"
render curves < "$tmp/babilong.list"
render forecast < "$tmp/forecast.list"
