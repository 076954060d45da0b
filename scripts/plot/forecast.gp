# Forecasting MSE vs horizon of one dataset: a line per model, the naive forecasters dashed.
# The fragment before it sets title, base (line i's data is base-i.dat: "horizon MSE n"), N,
# label[i], style[i] and the x ticks and range.
set title title
set xlabel "forecast horizon (steps; models offset sideways)"
set ylabel "MSE (normalised data)"
set logscale x 2
set yrange [0:*]
set grid ytics lc rgb "#dddddd" lw 0.5
set key outside right top vertical Left reverse
line(i) = sprintf("%s-%d.dat", base, i)
# the models' lines nudged sideways (a fraction of an octave), so those trained at one horizon
# show side by side instead of on one point; the floors (styles 13, 14, last) stay on the ticks
M = 0
do for [i=1:N] { if (style[i] < 13) { M = M + 1 } }
dodge(i) = i > M ? 1 : 2 ** ((i - (M + 1) / 2.0) * 0.07)
plot for [i=1:N] line(i) using ($1 * dodge(i)):2 with linespoints ls style[i] title label[i]
