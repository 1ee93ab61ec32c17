# mnemo plot nscale.jsonl --kind scaling --title 'bitextract: W²L² against N at δ = 1e-9 (synthetic grid, d = 32, C = 10)' --where delta=1e-9 -o nscale.png
# Self-contained gnuplot script (the data are inline); restyle it and rerun: gnuplot nscale.gp
set encoding utf8
set terminal pngcairo size 1100,900 enhanced font 'DejaVu Sans,12'
if (!exists("outfile")) outfile = 'nscale.png'
set output outfile
set title "bitextract: W²L² against N at δ = 1e-9 (synthetic grid, d = 32, C = 10)"
set grid xtics ytics mxtics mytics lc rgb '#e0e0e0' lw 1
set key outside below left vertical Left reverse noautotitle samplen 3 spacing 1.05 font ',10' maxcols 1
set border lw 1.2
set pointsize 1.3
$d0 << EOD
1000 389376
3000 1.0816e+06
10000 3.56454e+06
30000 1.04458e+07
EOD
$d1 << EOD
1000 382501
30000 1.03528e+07
EOD
$d2 << EOD
1000 358049
3000 1.07415e+06
10000 3.59899e+06
30000 1.05188e+07
EOD
$d3 << EOD
1000 25.5871
3000 75.3406
10000 245.824
30000 723.676
EOD
$d4 << EOD
1000 107.696
3000 299.33
10000 918.894
30000 2573.29
EOD
$d5 << EOD
1000 1.2996e+06
3000 3.69408e+06
10000 8.66714e+06
30000 2.06479e+07
EOD
$d6 << EOD
1000 1.38548e+06
30000 2.1156e+07
EOD
$d7 << EOD
1000 1.04681e+06
3000 3.14043e+06
10000 1.05222e+07
30000 3.07532e+07
EOD
$d8 << EOD
1000 26.2848
3000 77.4173
10000 254.321
30000 751.003
EOD
$d9 << EOD
1000 98.4754
3000 275.018
10000 867.787
30000 2469.19
EOD
set logscale xy
set xlabel "points N"
set ylabel "W^2L^2"
set xrange [869.565:34500]
set xtics ("1000" 1000, "2000" 2000, "5000" 5000, "10000" 10000, "20000" 20000)
set yrange [17.0581:4.61299e+07]
set ytics ("100" 100, "1000" 1000, "10000" 10000, "10^{5}" 100000, "10^{6}" 1e+06, "10^{7}" 1e+07)
plot \
  $d0 using 1:2 with points pt 7 lc rgb '#1f77b4' title "bitextract, depth=16", \
  $d1 using 1:2 with lines lw 2.5 lc rgb '#1f77b4' title "  fit ∝ N^{0.97 ± 0.039} (95%)", \
  $d2 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' title "bitextract upper bound: W²L² ≤ c·N·log2(1/δ) (c = 11.2, the median)", \
  $d3 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' title "bitextract lower bound: W²L² ≥ c·N / log2(W/δ) (c = 1 drawn)", \
  $d4 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' title "bitextract lower bound: W²L²·log2(WL) ≥ c·N (c = 1 drawn)", \
  $d5 using 1:2 with points pt 5 lc rgb '#1f77b4' title "bitextract, depth=64", \
  $d6 using 1:2 with lines lw 2.5 lc rgb '#1f77b4' title "  fit ∝ N^{0.801 ± 0.15} (95%)", \
  $d7 using 1:2 with lines lw 2 dt 2 lc rgb '#1f77b4' notitle, \
  $d8 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' notitle, \
  $d9 using 1:2 with lines lw 2 dt 3 lc rgb '#1f77b4' notitle
