#!/usr/bin/env bash
# The long oracle run: `mnemo verify` and `mnemo predict` against the independent Python
# evaluator on mutants of networks built by every construction, until COMPARISONS row
# comparisons (default 1,000,000) have agreed. The test suite runs 10,000 of them. A progress
# line (comparisons, mutants, elapsed, time left) goes to stderr every PROGRESS seconds
# (environment variable, default 30; 0 turns it off).
#
#   scripts/oracle.sh [COMPARISONS] [SEED]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${MNEMO_TEST_BUILD_DIR:-$root/build-test}"
if [ ! -x "$build/mnemo" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target mnemo >/dev/null
fi
exec /usr/bin/python3 "$root/tests/oracle/mutation_test.py" "$build/mnemo" "$build/oracle-long" \
  --comparisons "${1:-1000000}" --rows 160 --seed "${2:-1}" --progress "${PROGRESS:-30}"
