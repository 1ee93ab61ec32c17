# mnemo plot delta.jsonl --kind delta --title 'bitextract: W²L² against log2(1/δ) at N = 10,000 (synthetic grid, d = 32, C = 10)' -o delta.png
# Self-contained gnuplot script (the data are inline); restyle it and rerun: gnuplot delta.gp
set encoding utf8
set terminal pngcairo size 1100,900 enhanced font 'DejaVu Sans,12'
if (!exists("outfile")) outfile = 'delta.png'
set output outfile
set title "bitextract: W²L² against log2(1/δ) at N = 10,000 (synthetic grid, d = 32, C = 10)"
set grid xtics ytics mxtics mytics lc rgb '#e0e0e0' lw 1
set key outside below left vertical Left reverse noautotitle samplen 3 spacing 1.05 font ',10' maxcols 1
set border lw 1.2
set pointsize 1.3
$d0 << EOD
6.64386 3.56454e+06
9.96578 3.56454e+06
13.2877 3.56454e+06
19.9316 3.56454e+06
26.5754 3.56454e+06
EOD
$d1 << EOD
6.64386 3.56454e+06
26.5754 3.56454e+06
EOD
$d2 << EOD
6.64386 3.43031e+06
9.96578 3.54566e+06
13.2877 3.5889e+06
19.9316 3.56454e+06
26.5754 4.01113e+06
EOD
$d3 << EOD
6.64386 318.704
9.96578 276.261
13.2877 303.86
19.9316 290.243
26.5754 267.684
EOD
$d4 << EOD
6.64386 918.894
9.96578 918.894
13.2877 918.894
19.9316 918.894
26.5754 918.894
EOD
$d5 << EOD
6.64386 7.00132e+06
9.96578 7.00132e+06
13.2877 7.00132e+06
19.9316 7.00132e+06
26.5754 7.92986e+06
EOD
$d6 << EOD
6.64386 6.83065e+06
26.5754 7.51823e+06
EOD
$d7 << EOD
6.64386 6.77354e+06
9.96578 7.00132e+06
13.2877 7.08669e+06
19.9316 7.0386e+06
26.5754 7.92044e+06
EOD
$d8 << EOD
6.64386 334.597
9.96578 288.124
13.2877 318.273
19.9316 303.365
26.5754 278.286
EOD
$d9 << EOD
6.64386 879.539
9.96578 879.539
13.2877 879.539
19.9316 879.539
26.5754 872.644
EOD
set logscale xy
set xlabel "log_2(1/δ)"
set ylabel "W^2L^2"
set xrange [5.77727:30.5617]
set xtics ("6" 6, "7" 7, "8" 8, "10" 10, "15" 15, "20" 20, "30" 30)
set yrange [178.456:1.18948e+07]
set ytics ("200" 200, "500" 500, "1000" 1000, "2000" 2000, "5000" 5000, "10000" 10000, "20000" 20000, "50000" 50000, "10^{5}" 100000, "2·10^{5}" 200000, "5·10^{5}" 500000, "10^{6}" 1e+06, "2·10^{6}" 2e+06, "5·10^{6}" 5e+06, "10^{7}" 1e+07)
plot \
  $d0 using 1:2 with points pt 7 lc rgb '#1f77b4' title "bitextract, depth=16", \
  $d1 using 1:2 with lines lw 2.5 lc rgb '#1f77b4' title "  fit ∝ log_2(1/δ)^{0 ± 0} (95%)", \
  $d2 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title "bitextract upper bound: W²L² ≤ c·N·log2(1/δ) (c = 14, the median)", \
  $d3 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' title "bitextract lower bound: W²L² ≥ c·N / log2(W/δ) (c = 1 drawn)", \
  $d4 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' title "bitextract lower bound: W²L²·log2(WL) ≥ c·N (c = 1 drawn)", \
  $d5 using 1:2 with points pt 5 lc rgb '#1f77b4' title "bitextract, depth=64", \
  $d6 using 1:2 with lines lw 2.5 lc rgb '#1f77b4' title "  fit ∝ log_2(1/δ)^{0.0692 ± 0.14} (95%)", \
  $d7 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' notitle, \
  $d8 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' notitle, \
  $d9 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' notitle
