#!/bin/sh
# The forecasting averages of a titans-eval run beside the paper's (Titans Table 3: the neural
# memory in the Simba framework, and two of its baselines), as a Markdown table on stdout.
#
#   scripts/forecast_vs_paper.sh results/forecast > results/forecast/vs-paper.md
#
# Reads <run>/<dataset>.csv (titans-eval's per-task CSV of evals/forecast.ini, one row per
# dataset, horizon and model: dataset,horizon,model,n,MSE,MSE lo,MSE hi,MAE,MAE lo,MAE hi): the
# "avg" rows, the mean over horizons 96-720 of MSE and MAE on normalised data, per model column
# (the suite's built-in forecasters are the "floor: ..." rows).
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
files=""
for ds in ETTh1 ETTh2 ETTm1 ETTm2 weather; do
    csv=$run/$ds.csv
    [ -r "$csv" ] || { echo "forecast_vs_paper.sh: $csv: cannot read" >&2; exit 1; }
    head -1 "$csv" | grep -q '^dataset,horizon,model,n,MSE,' ||
        { echo "forecast_vs_paper.sh: $csv: not a forecasting table of this titans-eval (rerun the suite)" >&2; exit 1; }
    files="$files $csv"
done
papers=$(for ds in ETTh1 ETTh2 ETTm1 ETTm2 weather; do echo "$ds $(paper "$ds")"; done)
# columns: every model of any row, first seen first; a model without an avg row gets '-'
# shellcheck disable=SC2086
awk -F, -v papers="$papers" '
FNR == 1 { next }
{ if (!($3 in seen)) { seen[$3] = 1; models[++nm] = $3 }
  if (!($1 in dseen)) { dseen[$1] = 1; sets[++nd] = $1 }
  if ($2 == "avg") v[$1, $3] = sprintf("%.3f / %.3f", $5, $8) }
END {
    np = split(papers, lines, "\n")
    for (i = 1; i <= np; i++) { split(lines[i], f, " "); p[f[1]] = sprintf("%s / %s | %s / %s | %s / %s", f[2], f[3], f[4], f[5], f[6], f[7]) }
    printf "| dataset"; for (j = 1; j <= nm; j++) printf " | %s", models[j]
    print " | paper: neural memory | paper: Simba | paper: iTransformer |"
    printf "|---"; for (j = 1; j <= nm + 3; j++) printf "|---:"; print "|"
    for (i = 1; i <= nd; i++) {
        printf "| %s", sets[i]
        for (j = 1; j <= nm; j++) printf " | %s", ((sets[i], models[j]) in v ? v[sets[i], models[j]] : "-")
        printf " | %s |\n", p[sets[i]]
    }
}' $files
echo
echo "MSE / MAE on z-scored data, averaged over horizons 96, 192, 336 and 720 (lookback 96); '-' where a"
echo "model was not trained at every horizon; floor: a built-in forecaster. Paper columns: Titans"
echo "Table 3 (neural memory inside the Simba framework, 96-720 averages)."
