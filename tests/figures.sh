#!/bin/sh
# scripts/plot.sh, each figure kind: a short run of a trained checkpoint (LMM, linear memory) (an S-NIAH-1 depth
# grid and random depths) gives heatmaps whose cells sit on their ticks and print the table's
# value and n, and a curve with the table's mean and its Wilson band; hand-made units.csv files
# with known answers give the BABILong curve (its floor is babilong_summary.sh's) and the
# forecasting figures (one line per paper model across its per-horizon checkpoints). Every figure
# comes as PNG, PDF and SVG with the right magic; the SVG's text shows what is printed. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
plot=$top/scripts/plot.sh
lib=$top/scripts/plot
echo "1..9"
if ! command -v gnuplot > /dev/null; then
  for i in 1 2 3 4 5 6 7 8 9; do echo "ok $i # SKIP no gnuplot"; done
  exit 0
fi
export PLOT_FORMATS="png pdf svg"

# magic NAME...: each NAME.png, NAME.pdf and NAME.svg starts as its format does
magic() {
  for f in "$@"; do
    [ "$(head -c 4 "$f.png" | od -An -c | tr -d ' ')" = "211PNG" ] && [ "$(head -c 5 "$f.pdf")" = "%PDF-" ] &&
      grep -q '<svg' "$f.svg" || return 1
  done
}
# svg_texts FILE: "x y text" for each text gnuplot placed (translate(x,y) on the line before)
svg_texts() {
  awk '/transform="translate\(/ { match($0, /translate\([^)]*\)/); at = substr($0, RSTART + 10, RLENGTH - 11); sub(",", " ", at) }
       /<text>/ { t = $0; sub(/.*<text>/, "", t); sub(/<\/text>.*/, "", t); print at, t }' "$1"
}
# table CSV COLUMN ROW: the run's per-task table cell, as the heatmap prints it
table() { awk -F, -v col="$2" -v row="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
  $1 == row { printf "%.0f\n", $c }' "$1"; }
# prep DIR KIND.awk [awk ARGS...]: the data plot.sh draws, in DIR
prep() { mkdir -p "$1" && d=$1 k=$2 && shift 2 && awk -F, -v dir="$d" -f "$lib/common.awk" -f "$lib/$k" "$@"; }

# ---- a trained checkpoint: S-NIAH-1 at 1K and 2K, the needle at depth 0.5 and at random depths
printf '[suite]\nname = figures\nseed = 1234\n[model.sniah-lmm-linear]\ncheckpoint = %s\n' "$top/checkpoints/sniah/fair-lmm-linear.h5" > "$work/f.ini"
printf '[task.grid]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k, 2k\ndepths = 0.5\nsamples = 5\nmodels = *\n' >> "$work/f.ini"
printf '[task.sniah]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1k, 2k\nsamples = 5\nmodels = *\n' >> "$work/f.ini"
$LAUNCH $EVAL --suite "$work/f.ini" --out "$work/run" > "$work/log" 2>&1 &&
  sh "$plot" "$work/run" "$work/fig" >> "$work/log" 2>&1 && magic "$work/fig/sniah-grid-sniah-lmm-linear" "$work/fig/s-niah-1" &&
  [ "$(ls "$work/fig" | wc -l)" -eq 6 ]
check $? "a run's S-NIAH heatmap and curve, each as PNG, PDF and SVG" "$work/log"

svg_texts "$work/fig/sniah-grid-sniah-lmm-linear.svg" > "$work/grid.txt"
ok=0
for l in 1K 2K; do
  x=$(awk -v l="$l" '$3 == l { print $1 }' "$work/grid.txt")
  awk -v x="$x" -v l="$l" '$1 == x && $3 != l { print $3 }' "$work/grid.txt" > "$work/cell"
  echo "cell at $l (x $x): $(tr '\n' ' ' < "$work/cell"); table: $(table "$work/run/grid.csv" "s-niah-1 $l" sniah-lmm-linear)" >> "$work/cells"
  [ -n "$x" ] && [ "$(sed -n 1p "$work/cell")" = "$(table "$work/run/grid.csv" "s-niah-1 $l" sniah-lmm-linear)" ] &&
    [ "$(sed -n 2p "$work/cell")" = "n=5" ] && [ "$(wc -l < "$work/cell")" -eq 2 ] || ok=1
done
grep -q ' 50%$' "$work/grid.txt" && grep -q ' LMM (linear): S-NIAH-1$' "$work/grid.txt" || ok=1
[ $ok -eq 0 ] && [ "$(table "$work/run/grid.csv" "s-niah-1 2K" sniah-lmm-linear)" != 100 ]
check $? "heatmap: each cell on its length's tick, with the table's value and n, the paper's name" "$work/cells"

# 5 of 5 at 1K and 2 of 5 at 2K in the table (the prompts leave RULER's 128 bytes, reserve = auto):
# Wilson's 95% intervals are [56.55, 100] and [11.76, 76.93]
prep "$work/c" curves.awk -v kind=sniah "$work/run/units.csv" > /dev/null
printf '1024 100.0000 56.5518 100.0000 5\n2048 40.0000 11.7621 76.9276 5\n' > "$work/want"
[ "$(table "$work/run/sniah.csv" "s-niah-1 2K" sniah-lmm-linear)" = 40 ] && cmp -s "$work/want" "$work/c/s-niah-1-1.dat" &&
  printf '1024 0\n2048 0\n' | cmp -s - "$work/c/s-niah-1-floor.dat" &&
  svg_texts "$work/fig/s-niah-1.svg" | awk '{ print $3, $4 }' | grep -qx 'floor (0)' &&
  svg_texts "$work/fig/s-niah-1.svg" | cut -d' ' -f3- | grep -qx 'LMM (linear)'
check $? "S-NIAH curve: the table's mean, the Wilson band and n per length, the floor 0, the legend" "$work/c/s-niah-1-1.dat"

# ---- BABILong, known answers (as tests/eval_ranks.sh's babilong_summary.sh case): model x
# scores 1/2 at length 0 and 2/2 at 2K; always answering qa1's most common answer, "a", scores
# 2/2 at 0 and 1/2 at 2K
mkdir -p "$work/bl"
{ echo 'unit,task,family,model,variant,length,depth,sample,score,mae,tokens,seconds,rank,prediction,target'
  echo '0,t,babilong,babilong-mag,qa1,0,-1,0,1,0,9,0.1,0,"a, b","a"'; echo '1,t,babilong,babilong-mag,qa1,0,-1,1,0,0,9,0.1,0,"b","a"'
  echo '2,t,babilong,babilong-mag,qa1,2048,-1,0,1,0,9,0.1,0,"a","a"'; echo '3,t,babilong,babilong-mag,qa1,2048,-1,1,1,0,9,0.1,0,"b","b"'; } > "$work/bl/units.csv"
awk -F, -f "$top/scripts/babilong_floor.awk" "$work/bl/units.csv" > "$work/bl-floor.csv"
prep "$work/b" curves.awk -v kind=babilong "$work/bl-floor.csv" "$work/bl/units.csv" > /dev/null
printf '1024 50.0000 9.4531 90.5469 2\n2048 100.0000 34.2380 100.0000 2\n' > "$work/want"
sh "$top/scripts/babilong_summary.sh" "$work/bl" > "$work/bl.md" &&
  grep -qx "| each task's most common answer | 100 | 50 |" "$work/bl.md" &&
  cmp -s "$work/want" "$work/b/babilong-1.dat" && printf '1024 100.000000\n2048 50.000000\n' | cmp -s - "$work/b/babilong-floor.dat"
check $? "BABILong curve: length 0 an octave below 2K, means, Wilson bands, babilong_summary.sh's floor" "$work/b/babilong-1.dat"

sh "$plot" "$work/bl" > "$work/logbl" 2>&1 && magic "$work/bl/babilong" &&
  svg_texts "$work/bl/babilong.svg" | cut -d' ' -f3- > "$work/bl.txt" &&
  grep -qx 0 "$work/bl.txt" && grep -qx 2K "$work/bl.txt" && grep -qx MAG "$work/bl.txt" &&
  grep -qx 'floor: most common answer' "$work/bl.txt"
check $? "BABILong figure: PNG, PDF, SVG; lengths 0 and 2K, the paper's name, the floor in the legend" "$work/logbl"

# ---- forecasting: two datasets; LMM's checkpoints for horizons 96 and 192 make one line
mkdir -p "$work/fc"
{ echo 'unit,task,family,model,variant,length,depth,sample,score,mae,tokens,seconds,rank,prediction,target'
  echo '0,ETTh1,forecast,naive-last,ETTh1,96,-1,0,1.0,0.9,0,0.1,0,"",""'; echo '1,ETTh1,forecast,naive-last,ETTh1,96,-1,1,1.2,0.9,0,0.1,0,"",""'
  echo '2,ETTh1,forecast,naive-mean,ETTh1,96,-1,0,0.8,0.7,0,0.1,0,"",""'
  echo '3,ETTh1,forecast,ETTh1-96-lmm,ETTh1,96,-1,0,0.4,0.4,0,0.1,0,"",""'; echo '4,ETTh1,forecast,ETTh1-96-lmm,ETTh1,96,-1,1,0.6,0.4,0,0.1,0,"",""'
  echo '5,ETTh1,forecast,ETTh1-192-lmm,ETTh1,192,-1,0,0.7,0.5,0,0.1,0,"",""'
  echo '6,weather,forecast,weather-96-mag,weather,96,-1,0,0.2,0.2,0,0.1,0,"",""'; } > "$work/fc/units.csv"
prep "$work/f" forecast.awk "$work/fc/units.csv" > /dev/null
grep -q '^label\[1\] = "LMM"; style\[1\] = 4$' "$work/f/forecast-ETTh1.gp" &&
  printf '96 0.500000 2\n192 0.700000 1\n' | cmp -s - "$work/f/forecast-ETTh1-1.dat" &&
  printf '96 1.100000 2\n' | cmp -s - "$work/f/forecast-ETTh1-2.dat"
check $? "forecasting: one LMM line across its per-horizon checkpoints, the mean MSE per horizon, the floors" "$work/f/forecast-ETTh1.gp"

sh "$plot" "$work/fc" > "$work/logfc" 2>&1 && magic "$work/fc/forecast-ETTh1" "$work/fc/forecast-weather" &&
  svg_texts "$work/fc/forecast-ETTh1.svg" | cut -d' ' -f3- > "$work/fc.txt" &&
  [ "$(grep -cx LMM "$work/fc.txt")" -eq 1 ] && grep -qx 'naive (last value)' "$work/fc.txt" &&
  grep -qx 'naive (window mean)' "$work/fc.txt" && grep -qx 192 "$work/fc.txt" &&
  svg_texts "$work/fc/forecast-weather.svg" | cut -d' ' -f3- | grep -qx MAG
check $? "forecasting figures: one per dataset, PNG, PDF, SVG, the models and the floors in the legend" "$work/logfc"

# ---- the paper's names
printf '%s\n' sniah-mac ETTh1-96-mag mal lmm babilong-swa attn lmm-linear lmm-nodecay lmm-noconv naive-last mixed > "$work/names"
echo '{ print paper_name($0) }' > "$work/names.awk"
awk -f "$lib/common.awk" -f "$work/names.awk" "$work/names" > "$work/paper" 2>&1
printf '%s\n' MAC MAG MAL LMM SWA Transformer 'LMM (linear)' 'LMM (w/o weight decay)' 'LMM (w/o convolution)' \
  'naive (last value)' mixed | cmp -s - "$work/paper"
check $? "the paper's names: MAC, MAG, MAL, LMM, SWA, Transformer, ablations in parentheses" "$work/paper"

# ---- nothing to draw
mkdir -p "$work/none"
echo 'unit,task,family,model,variant,length,depth,sample,score,mae,tokens,seconds,rank,prediction,target' > "$work/none/units.csv"
echo '0,g,genomics,dna-mac,prom,300,-1,0,1,0,9,0.1,0,"1","1"' >> "$work/none/units.csv"
! sh "$plot" "$work/none" > "$work/lognone" 2>&1 && grep -q 'no S-NIAH, BABILong or forecasting units' "$work/lognone" &&
  ! sh "$plot" "$work/absent" >> "$work/lognone" 2>&1 && grep -q 'absent/units.csv: cannot read' "$work/lognone"
check $? "nothing to draw, or no units.csv: non-zero exit, a message" "$work/lognone"
