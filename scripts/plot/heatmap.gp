# S-NIAH heatmap of one model: accuracy (%) per needle depth (rows) and context length (columns),
# each cell centred on its ticks with its value and its n written in it, on a sequential 0-100
# scale (viridis: perceptually even, dark to light, readable in grey).
# The fragment before it sets title, data ("x y accuracy% n"), the ticks and the ranges.
set title title
set xlabel "context length (bytes)"
set ylabel "needle depth"
set cblabel "accuracy (%)"
set cbrange [0:100]
set cbtics 20 out
set palette defined (0 "#440154", 10 "#482576", 20 "#414487", 30 "#35608D", 40 "#2A788E", \
    50 "#21908C", 60 "#22A884", 70 "#43BF71", 80 "#7AD151", 90 "#BBDF27", 100 "#FDE725")
set tics scale 1
set style fill solid 1 border lc rgb "white"
set object 1 rectangle from graph 0, 0 to graph 1, 1 behind fc rgb "#e0e0e0" fs solid 1 noborder  # cells not run: grey
ink(v) = v < 50 ? 0xffffff : 0x000000   # white on the dark half of the scale, black on the light
plot data using 1:2:(0.5):(0.5):3 with boxxyerror fc palette, \
     data using 1:2:(sprintf("%.0f", $3)):(ink($3)) with labels tc rgb variable offset 0,0.3 font ",9", \
     data using 1:2:(sprintf("n=%d", int($4))):(ink($3)) with labels tc rgb variable offset 0,-0.6 font ",7"
