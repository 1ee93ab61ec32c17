#!/usr/bin/env bash
# Issue 10's end-to-end figure through the CLI: build and exactly verify N = 10^6 points in
# d = 100 (bitextract at its default depth) in one `mnemo build`, with the CPU time (user +
# system), the wall time and the peak resident memory of the process, and mnemo's own timings
# line (build against verify). BM_EndToEndMillion in verify_benchmark.cc measures the same
# through the library.
#
#   bench/million.sh [MNEMO_BINARY] [N]     (default N: 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
mnemo=$(readlink -f "${1:-build-test/mnemo}")
n=${2:-1000000}
work=$(mktemp -d /tmp/mnemo-million.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f '%U %S %e %M' -o "$work/time" \
  "$mnemo" build "synthetic:ball?n=$n&d=100&classes=10" -c bitextract -o "$work/big.json" > "$work/log"
grep -A2 ' timings' "$work/log"
grep -E '^(depth|width|nonzero parameters)' "$work/log"
read -r user sys wall peak < "$work/time"
awk -v n="$n" -v u="$user" -v s="$sys" -v w="$wall" -v p="$peak" \
  'BEGIN { printf "N=%s: CPU %.1f s (user %.1f, sys %.1f), wall %.1f s, peak %d MB\n", n, u + s, u, s, w, p / 1024 }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
