#!/usr/bin/env bash
# Runs every libFuzzer harness in fuzz/ for SECONDS each (default 60), starting from the seed
# corpus in fuzz/corpus/<name>. Builds them first (clang, ASan + UBSan) in build-fuzz unless
# --binaries DIR names a build that has them. New corpus entries stay in the work directory
# (default build-fuzz/work), never in the repository; executions per harness are added up in
# WORK/executions.tsv. A crash leaves its input in WORK/crashes/ and makes the script exit 1:
# fix it, then keep the input in fuzz/regressions/<name>/ (the test suite replays those).
#
#   scripts/fuzz.sh [--only NAME] [--binaries DIR] [--work DIR] [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=60
only=""
binaries=""
work="$root/build-fuzz/work"
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --binaries) binaries="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) seconds="$1"; shift ;;
  esac
done
harnesses=(csv npy idx network synthetic options)
[ -n "$only" ] && harnesses=("$only")

if [ -z "$binaries" ]; then
  "$root/scripts/install-deps.sh"
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DMNEMO_FUZZ=ON -DMNEMO_SANITIZE=address \
    -DMNEMO_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  targets=()
  for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
  cmake --build "$root/build-fuzz" -j"$(nproc)" "${targets[@]}" >/dev/null
  binaries="$root/build-fuzz/fuzz"
fi

mkdir -p "$work/crashes"
touch "$work/executions.tsv"
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$work/corpus/$h"
  log="$work/$h.log"
  set +e
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    "$binaries/fuzz_$h" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 \
    -rss_limit_mb=3072 -artifact_prefix="$work/crashes/$h-" \
    "$work/corpus/$h" "$root/fuzz/corpus/$h" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$h" "${runs:-0}" "$rc" >>"$work/executions.tsv"
  total=$(awk -v h="$h" '$2 == h { s += $3 } END { print s + 0 }' "$work/executions.tsv")
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz_$h: FAILED after ${runs:-0} executions (exit $rc), see $log and $work/crashes/"
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" || true
  else
    echo "fuzz_$h: ok, ${runs:-0} executions in ${seconds}s ($total in total)"
  fi
done
exit $status
