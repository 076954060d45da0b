# The look every figure of plot.sh shares: a 6 x 3.2 in figure (full text width), DejaVu Sans 9 pt in each format,
# and the line styles of common.awk's style_of, in the Okabe-Ito colours (told apart by readers
# with any colour-vision deficiency), with a marker per model for print in grey.
# plot.sh sets fmt (png, pdf or svg) and out (the file to write).
W = 6.0; H = 3.2
if (fmt eq "pdf") {
    # pdfcairo's fonts come out at 96/72 of their size: 0.75 makes 9 pt 9 pt
    set terminal pdfcairo size W, H font "DejaVu Sans,9" fontscale 0.75 linewidth 1.5 rounded noenhanced
} else { if (fmt eq "svg") {
    set terminal svg size W * 96, H * 96 font "DejaVu Sans,9" fontscale 96.0 / 72 linewidth 1.5 rounded noenhanced
} else {
    # the pdf at 200 dpi: pango sets text at 96 dpi, and a png line is a pixel (a pdf's 0.5 pt)
    set terminal pngcairo size W * 200, H * 200 font "DejaVu Sans,9" fontscale 200.0 / 96 linewidth 1.5 * 200.0 / 144 rounded noenhanced
} }
set output out

set style line 1 lc rgb "#D55E00" lw 1.5 pt 7 ps 1.0             # MAC: vermillion
set style line 2 lc rgb "#0072B2" lw 1.5 pt 5 ps 1.0             # MAG: blue
set style line 3 lc rgb "#009E73" lw 1.5 pt 9 ps 1.1             # MAL: bluish green
set style line 4 lc rgb "#E69F00" lw 1.5 pt 13 ps 1.1            # LMM: orange
set style line 5 lc rgb "#CC79A7" lw 1.5 pt 11 ps 1.1            # SWA: reddish purple
set style line 6 lc rgb "#56B4E9" lw 1.5 pt 15 ps 1.1            # Transformer: sky blue
set style line 7 lc rgb "#0072B2" lw 1.5 pt 4 ps 1.0 dt 2        # ablations and other names
set style line 8 lc rgb "#009E73" lw 1.5 pt 8 ps 1.1 dt 2
set style line 9 lc rgb "#D55E00" lw 1.5 pt 6 ps 1.0 dt 2
set style line 10 lc rgb "#CC79A7" lw 1.5 pt 10 ps 1.1 dt 2
set style line 11 lc rgb "#56B4E9" lw 1.5 pt 14 ps 1.1 dt 2
set style line 12 lc rgb "#000000" lw 1.5 pt 12 ps 1.1 dt 2
set style line 13 lc rgb "#000000" lw 1.2 pt 2 ps 0.9 dt 2       # floors: naive (last value)
set style line 14 lc rgb "#666666" lw 1.2 pt 1 ps 0.9 dt 4       # naive (window mean)
set style line 15 lc rgb "#000000" lw 1.2 dt 2                   # accuracy floor

set border lw 0.8
set tics out nomirror
set key noautotitle samplen 2.5 spacing 1.1
