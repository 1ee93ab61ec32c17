#!/usr/bin/env bash
# Runs every libFuzzer harness in fuzz/ for SECONDS each (default 60), starting from the seed
# corpus in fuzz/corpus/<name>. Builds them first (clang, ASan + UBSan) in build-fuzz unless
# --binaries DIR names a build that has them.
#
#   --fast      fuzz with the throughput build (libFuzzer + UBSan without ASan, build-fuzz-fast:
#               3-4x the executions per second), then replay everything it found under ASan
#   --record    add one line per harness to fuzz/EXECUTIONS.md (the running totals; commit it)
#   --totals    print the executions per harness recorded in fuzz/EXECUTIONS.md and exit
#
# New corpus entries go to the work directory (default build-fuzz/work), never to the
# repository: libFuzzer writes new units into the FIRST corpus directory it is given, so the
# work corpus always comes first, and the script fails if fuzz/corpus changed during a run.
# A crash leaves its input in WORK/crashes/ and makes the script exit 1: fix it, then keep the
# input in fuzz/regressions/<name>/ (the test suite replays those).
#
#   scripts/fuzz.sh [--only NAME] [--fast] [--record] [--binaries DIR] [--work DIR] [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=60
only=""
binaries=""
fast=0
record=0
work="$root/build-fuzz/work"
ledger="$root/fuzz/EXECUTIONS.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --binaries) binaries="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --fast) fast=1; shift ;;
    --record) record=1; shift ;;
    --totals)
      awk -F'|' '$3 ~ /[a-z]/ && $4 ~ /[0-9]/ { gsub(/[ ,]/, "", $4); gsub(/ /, "", $3);
                  s[$3] += $4 } END { for (h in s) printf "%-10s %12d\n", h, s[h] }' "$ledger" | sort
      exit 0 ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) seconds="$1"; shift ;;
  esac
done
harnesses=(csv npy idx network synthetic options)
[ -n "$only" ] && harnesses=("$only")
work="$(realpath -m "$work")"
case "$work/" in
  "$root/fuzz/"*) echo "fuzz.sh: --work $work is inside fuzz/: libFuzzer would write there" >&2; exit 2 ;;
esac
mkdir -p "$work/crashes"

# build DIR SANITIZER: the harnesses in build directory DIR.
build() {
  "$root/scripts/install-deps.sh"
  local launcher=() targets=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DMNEMO_FUZZ=ON -DMNEMO_SANITIZE="$2" -DMNEMO_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
  cmake --build "$1" -j"$(nproc)" "${targets[@]}" >/dev/null
}
if [ -z "$binaries" ]; then
  build "$root/build-fuzz" address
  binaries="$root/build-fuzz/fuzz"
fi
kind=asan
runner="$binaries"
if [ "$fast" = 1 ]; then
  build "$root/build-fuzz-fast" undefined
  runner="$root/build-fuzz-fast/fuzz"
  kind=ubsan
fi

corpus_state() { find "$root/fuzz/corpus" -type f -printf '%p %s %T@\n' | sort | md5sum; }

export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
touch "$work/executions.tsv"
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$work/corpus/$h"
  log="$work/$h.log"
  before="$(corpus_state)"
  # The network seeds reach 14 kB and parsing is linear: 4 kB inputs (libFuzzer's default when
  # the seeds are small) give more executions.
  limit=()
  [ "$h" = network ] && limit=(-max_len=4096)
  set +e
  "$runner/fuzz_$h" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 "${limit[@]}" \
    -rss_limit_mb=3072 -artifact_prefix="$work/crashes/$h-" \
    "$work/corpus/$h" "$root/fuzz/corpus/$h" >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ] && [ "$fast" = 1 ]; then  # everything the fast run kept, once under ASan
    "$binaries/fuzz_$h" -runs=0 -timeout=30 -rss_limit_mb=3072 "${limit[@]}" \
      -artifact_prefix="$work/crashes/$h-" "$work/corpus/$h" >"$work/$h.replay.log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || log="$work/$h.replay.log"
  fi
  set -e
  if [ "$(corpus_state)" != "$before" ]; then
    echo "fuzz_$h: fuzz/corpus/$h changed during the run (libFuzzer wrote into it)" >&2
    rc=3
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$h.log" | grep -o '[0-9]*$' || echo 0)
  result=ok
  [ "$rc" -eq 0 ] || result="FAILED (exit $rc)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$h" "${runs:-0}" "$kind" "$rc" >>"$work/executions.tsv"
  if [ "$record" = 1 ]; then
    printf '| %s | %s | %s | %s | %s |\n' "$(date -u +%FT%TZ)" "$h" "${runs:-0}" \
      "$kind, ${seconds} s" "$result" >>"$ledger"
  fi
  total=$(awk -v h="$h" '$2 == h { s += $3 } END { print s + 0 }' "$work/executions.tsv")
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz_$h: FAILED after ${runs:-0} executions (exit $rc), see $log and $work/crashes/"
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" || true
  else
    echo "fuzz_$h: ok, ${runs:-0} executions in ${seconds}s ($kind; $total in $work)"
  fi
done
exit $status
