#!/bin/sh
# The forecasting averages of a titans-eval run beside the paper's (Titans Table 3: the neural
# memory in the Simba framework, and two of its baselines), as a Markdown table on stdout.
#
#   scripts/forecast_vs_paper.sh results/forecast > results/forecast/vs-paper.md
#
# Reads <run>/<dataset>.csv (titans-eval's per-task CSV of evals/forecast.ini): the "avg" row,
# the mean over horizons 96-720 of MSE and MAE on normalised data, per model column.
set -eu
run=${1:?usage: forecast_vs_paper.sh RESULT_DIR}
# dataset, then MSE/MAE of: Neural Memory, Simba, iTransformer (Titans Table 3)
paper() {
    case $1 in
    ETTm1) echo "0.358 0.387 0.383 0.396 0.407 0.410" ;;
    ETTm2) echo "0.261 0.309 0.271 0.327 0.288 0.332" ;;
    ETTh1) echo "0.420 0.421 0.441 0.432 0.454 0.447" ;;
    ETTh2) echo "0.336 0.382 0.361 0.391 0.383 0.407" ;;
    weather) echo "0.231 0.265 0.255 0.280 0.258 0.278" ;;
    esac
}
first=1
for ds in ETTh1 ETTh2 ETTm1 ETTm2 weather; do
    csv=$run/$ds.csv
    [ -r "$csv" ] || { echo "forecast_vs_paper.sh: $csv: cannot read" >&2; exit 1; }
    if [ $first = 1 ]; then
        # header: dataset,horizon,<model> MSE,<model> MAE,...
        head -1 "$csv" | awk -F, '{ printf "| dataset"; for (i = 3; i <= NF; i += 2) { m = $i; sub(/ MSE$/, "", m); printf " | %s", m }
            print " | paper: neural memory | paper: Simba | paper: iTransformer |"
            printf "|---"; for (i = 3; i <= NF + 6; i += 2) printf "|---:"; print "|" }'
        first=0
    fi
    awk -F, -v ds="$ds" -v paper="$(paper "$ds")" '$2 == "avg" {
        printf "| %s", ds
        for (i = 3; i <= NF; i += 2) printf " | %s", ($i == "" ? "-" : sprintf("%.3f / %.3f", $i, $(i + 1)))
        split(paper, p, " ")
        printf " | %s / %s | %s / %s | %s / %s |\n", p[1], p[2], p[3], p[4], p[5], p[6] }' "$csv"
done
echo
echo "MSE / MAE on z-scored data, averaged over horizons 96, 192, 336 and 720 (lookback 96); '-' where a"
echo "model was not trained at every horizon. Paper columns: Titans Table 3 (neural memory inside"
echo "the Simba framework, 96-720 averages)."
