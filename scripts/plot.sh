#!/bin/sh
# PNG plots of a titans-eval run, from its units.csv, with gnuplot:
#   - sniah-grid-<model>.png: S-NIAH accuracy over needle depth x context length (the tasks of
#     the run's depth grid averaged), one heatmap per model;
#   - babilong.png: BABILong accuracy vs context length, qa1-qa5 averaged, one line per model.
#
#   scripts/plot.sh results/sniah            (writes the PNGs beside units.csv)
#   scripts/plot.sh results/babilong OUTDIR
#
# Only the first 13 columns of units.csv are read (prediction and target, quoted, come after).
set -eu
run=${1:?usage: plot.sh RESULT_DIR [OUT_DIR]}
out=${2:-$run}
csv=$run/units.csv
[ -r "$csv" ] || { echo "plot.sh: $csv: cannot read (run titans-eval first)" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# units.csv: unit,task,family,model,variant,length,depth,sample,score,...
# S-NIAH cells with a set depth: mean score x 100 per (model, length, depth).
awk -F, 'NR > 1 && $3 == "sniah" && $7 >= 0 { k = $4 SUBSEP $6 SUBSEP $7; s[k] += $9; n[k]++ }
    END { for (k in s) { split(k, p, SUBSEP); printf "%s %s %s %.2f\n", p[1], p[2], p[3], 100 * s[k] / n[k] } }' \
    "$csv" | sort -k1,1 -k2,2n -k3,3n > "$tmp/grid"
for model in $(cut -d' ' -f1 "$tmp/grid" | sort -u); do
    awk -v m="$model" '$1 == m { print $2, $3, $4 }' "$tmp/grid" > "$tmp/$model.dat"
    # lengths become columns 0..n-1, labelled in K
    awk '{ if (!($1 in c)) { c[$1] = n++; l[c[$1]] = $1 } print c[$1], $2, $3 }
         END { for (i = 0; i < n; i++) printf "%d %s\n", i, (l[i] >= 1048576 ? l[i] / 1048576 "M" : l[i] / 1024 "K") > "/dev/stderr" }' \
        "$tmp/$model.dat" > "$tmp/$model.xyz" 2> "$tmp/$model.labels"
    xtics=$(awk '{ printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $2, $1 }' "$tmp/$model.labels")
    gnuplot <<EOF
set terminal pngcairo size 720,420 font ",10"
set output "$out/sniah-grid-$model.png"
set title "S-NIAH accuracy (%), model $model"
set xlabel "context length (bytes)"
set ylabel "needle depth"
set xtics ($xtics)
set cbrange [0:100]
set palette defined (0 "#b2182b", 50 "#fddbc7", 100 "#2166ac")
set view map
set key off
plot "$tmp/$model.xyz" using 1:2:3 with image, \
     "$tmp/$model.xyz" using 1:2:(sprintf("%.0f", \$3)) with labels font ",8"
EOF
    echo "plot.sh: $out/sniah-grid-$model.png"
done

# BABILong: mean score x 100 per (model, length) over qa1-qa5.
awk -F, 'NR > 1 && $3 == "babilong" { k = $4 SUBSEP $6; s[k] += $9; n[k]++ }
    END { for (k in s) { split(k, p, SUBSEP); printf "%s %s %.2f\n", p[1], p[2], 100 * s[k] / n[k] } }' \
    "$csv" | sort -k1,1 -k2,2n > "$tmp/babilong"
if [ -s "$tmp/babilong" ]; then
    plots=""
    for model in $(cut -d' ' -f1 "$tmp/babilong" | sort -u); do
        # length 0 (facts only) is drawn at 256 bytes to fit the log axis
        awk -v m="$model" '$1 == m { print ($2 > 0 ? $2 : 256), $3 }' "$tmp/babilong" > "$tmp/b-$model.dat"
        plots="$plots${plots:+, }\"$tmp/b-$model.dat\" using 1:2 with linespoints title \"$model\""
    done
    gnuplot <<EOF
set terminal pngcairo size 720,420 font ",10"
set output "$out/babilong.png"
set title "BABILong qa1-qa5 accuracy (%) vs context length"
set xlabel "context length (bytes; 0K drawn at 256)"
set ylabel "accuracy (%)"
set logscale x 2
set yrange [0:100]
set key outside right
set grid
plot $plots
EOF
    echo "plot.sh: $out/babilong.png"
fi
