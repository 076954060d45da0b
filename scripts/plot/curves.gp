# Accuracy vs context length: a line per model over its 95% Wilson band, and the floor dashed.
# The fragment before it sets title, base (line i's data is base-i.dat: "x accuracy% low% high%
# n"; the floor's base-floor.dat), N, label[i], style[i], floor_title and the x ticks and range.
set title title
if (!exists("xlab")) xlab = "context length (bytes)"
set xlabel xlab
set ylabel "accuracy (%)"
set logscale x 2
set yrange [-4:104]   # lines at 0 and 100 clear of the border
set ytics 0, 20, 100
set grid ytics lc rgb "#dddddd" lw 0.5
set key outside right top vertical Left reverse
set style fill transparent solid 0.1 noborder  # overlapping bands stay light
line(i) = sprintf("%s-%d.dat", base, i)
plot for [i=1:N] line(i) using 1:3:4 with filledcurves ls style[i], \
     for [i=1:N] line(i) using 1:2 with linespoints ls style[i] title label[i], \
     base."-floor.dat" using 1:2 with lines ls 15 title floor_title
