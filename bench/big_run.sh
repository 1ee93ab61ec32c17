#!/usr/bin/env bash
# Memorize and exactly verify one large generated dataset in one run, with its CPU time, wall
# time and peak resident memory (/usr/bin/time -v). Not part of the test suite (it takes long);
# tests/data_stream_test runs a small version of it under a memory limit.
#
#   bench/big_run.sh [MNEMO_BINARY] [N] [D] [CONSTRUCTION] [EXTRA BUILD FLAGS...]
#   defaults: build/mnemo 10000000 32 bitextract     (10^7 × 32: 2.56 GB as binary64)
#
# Runs at nice 19 (the machine is shared). The network file goes to a temporary directory
# removed at exit; the last lines of mnemo's output and the measured figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
mnemo=$(readlink -f "${1:-build/mnemo}")
n=${2:-10000000}
d=${3:-32}
construction=${4:-bitextract}
shift $(($# < 4 ? $# : 4))
work=$(mktemp -d /tmp/mnemo-big-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
spec="synthetic:ball?n=$n&d=$d&classes=10"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: mnemo build '$spec' -c $construction $* -o net.json"
status=0
nice -n 19 /usr/bin/time -v -o "$work/time.txt" "$mnemo" build "$spec" -c "$construction" "$@" \
  -o "$work/net.json" > "$work/out.txt" 2>&1 || status=$?
grep -E "timings|^ +[0-9.]+ s|verified|correct|error" "$work/out.txt" | tail -8 || true
cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time.txt")
peak=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$work/time.txt")
size=$( [[ -f $work/net.json ]] && du -m "$work/net.json" | cut -f1 || echo 0)
echo "exit $status  cpu ${cpu} s  wall ${wall}  peak ${peak} MB  network ${size} MB"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
