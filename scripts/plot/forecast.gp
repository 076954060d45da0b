# Forecasting MSE vs horizon of one dataset: a line per model, the naive forecasters dashed.
# The fragment before it sets title, base (line i's data is base-i.dat: "horizon MSE n"), N,
# label[i], style[i] and the x ticks and range.
set title title
set xlabel "forecast horizon (steps)"
set ylabel "MSE (normalised data)"
set logscale x 2
set yrange [0:*]
set grid ytics lc rgb "#dddddd" lw 0.5
set key outside right top vertical Left reverse
line(i) = sprintf("%s-%d.dat", base, i)
plot for [i=1:N] line(i) using 1:2 with linespoints ls style[i] title label[i]
