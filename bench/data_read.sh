#!/usr/bin/env bash
# What reading data costs: `mnemo data` on Fashion-MNIST (gzip IDX), on a CSV of 200,000 × 50
# doubles + a label, and on the same data as .npy, each with its wall time, peak RSS
# (/usr/bin/time -v) and throughput, beside the references a user would compare with: `zcat` of
# the same images, and NumPy's loadtxt / load on the same files (/usr/bin/python3).
#
#   bench/data_read.sh [MNEMO_BINARY] [ROWS]      (defaults: build/mnemo, 200000)
#
# The generated files live in a temporary directory removed at exit. Each figure is the best of
# three runs (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
mnemo=$(readlink -f "${1:-build/mnemo}")
rows=${2:-200000}
fm=/usr/share/datasets/fashion-mnist
work=$(mktemp -d /tmp/mnemo-data-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# best of 3: prints "seconds peak_MB cpu_seconds" (cpu = user + system: what the load of a
# shared machine does not inflate)
measure() {
  local best_t="" best_m="" best_c=""
  for _ in 1 2 3; do
    /usr/bin/time -v -o "$work/time.txt" "$@" > /dev/null 2> "$work/err.txt" || {
      cat "$work/err.txt" >&2
      return 1
    }
    local t m c
    c=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$work/time.txt")
    t=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":");
          s = 0; for (i = 1; i <= n; ++i) s = s * 60 + p[i]; print s }' "$work/time.txt")
    m=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$work/time.txt")
    if [[ -z $best_t ]] || (($(echo "$t < $best_t" | bc))); then best_t=$t; fi
    if [[ -z $best_m ]] || ((m < best_m)); then best_m=$m; fi
    if [[ -z $best_c ]] || (($(echo "$c < $best_c" | bc))); then best_c=$c; fi
  done
  echo "$best_t $best_m $best_c"
}

row() {  # what, size_MB, "seconds peak cpu"
  local what=$1 mb=$2 t m c
  read -r t m c <<< "$3"
  printf '%-36s %6.2f s %6.0f MB/s  cpu %6.2f s  peak %5d MB\n' "$what" "$t" \
    "$(echo "$mb / $t" | bc -l)" "$c" "$m"
}

pixels=$(echo "60000 * 784 / 1000000" | bc -l)
row "zcat train-images (47 MB of pixels)" "$pixels" \
  "$(measure sh -c "zcat $fm/train-images-idx3-ubyte.gz > /dev/null")"
row "mnemo data fashion-mnist" "$pixels" "$(measure "$mnemo" data fashion-mnist)"

/usr/bin/python3 - "$work" "$rows" << 'EOF'
import sys, numpy as np
work, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
x = rng.standard_normal((n, 50))
y = rng.integers(0, 10, n)
np.savetxt(f"{work}/big.csv", np.column_stack([x, y]), delimiter=",",
           fmt=["%.17g"] * 50 + ["%d"])
np.save(f"{work}/X.npy", x)
np.save(f"{work}/y.npy", y)
EOF
csv_mb=$(echo "$(stat -c %s "$work/big.csv") / 1000000" | bc -l)
npy_mb=$(echo "$(stat -c %s "$work/X.npy") / 1000000" | bc -l)
printf 'CSV: %d rows x 51 columns, %.0f MB; X.npy %.0f MB\n' "$rows" "$csv_mb" "$npy_mb"
row "cat big.csv" "$csv_mb" "$(measure sh -c "cat $work/big.csv > /dev/null")"
row "numpy loadtxt big.csv" "$csv_mb" "$(measure /usr/bin/python3 -c \
  "import numpy as np; np.loadtxt('$work/big.csv', delimiter=',')")"
row "mnemo data big.csv" "$csv_mb" "$(measure "$mnemo" data "$work/big.csv")"
row "numpy load X.npy" "$npy_mb" "$(measure /usr/bin/python3 -c \
  "import numpy as np; np.load('$work/X.npy'); np.load('$work/y.npy')")"
row "mnemo data X.npy --labels y.npy" "$npy_mb" \
  "$(measure "$mnemo" data "$work/X.npy" --labels "$work/y.npy")"
