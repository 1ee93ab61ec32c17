#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
#
#   scripts/test.sh           the whole suite (gcc, RelWithDebInfo) in build-test, then the
#                             short sanitizer suite below (CI runs both; MNEMO_ASAN=0 skips it)
#   scripts/test.sh --asan    the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#                             (clang, build-asan), plus a short run of every fuzz harness;
#                             MNEMO_CTEST_ARGS adds ctest arguments (e.g. -E to leave tests out);
#                             the five tests that measure peak memory or run under ulimit -v
#                             skip themselves there (tests/sanitizers.h)
#   scripts/test.sh --asan-short  under ASan + UBSan (build-asan): every fuzz corpus and kept
#                             crash input replayed (CSV, npy, IDX readers, network loader,
#                             synthetic specs, construction options); the exact, network (loader),
#                             evaluate, verify, decide and io tests. It builds the core and
#                             constructions libraries, not the CLI (the suite above runs the CLI's
#                             bad-input and build/verify/predict tests with the gcc binary)
#   scripts/test.sh --tsan    the OpenMP paths (exact evaluation, verification, progress bars)
#                             under ThreadSanitizer (clang + LLVM's OpenMP with Archer, build-tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
scripts/install-deps.sh
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
jobs="$(nproc)"

case "$mode" in
  "")
    build=${MNEMO_TEST_BUILD_DIR:-build-test}
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMO_BUILD_BENCH=ON "${launcher[@]}" >/dev/null
    cmake --build "$build" -j"$jobs"
    (cd "$build" && ctest --output-on-failure -j"$jobs" --timeout 900)
    if [ "${MNEMO_ASAN:-1}" != 0 ]; then MNEMO_TEST_BUILD_DIR= scripts/test.sh --asan-short; fi
    ;;
  --asan | --asan-short)
    build=${MNEMO_TEST_BUILD_DIR:-build-asan}
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DMNEMO_SANITIZE=address -DMNEMO_FUZZ=ON -DMNEMO_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    if [ "$mode" = --asan ]; then
      cmake --build "$build" -j"$jobs"
      cd "$build"
      ctest --output-on-failure -j"$jobs" --timeout 1800 ${MNEMO_CTEST_ARGS:-}
      exit 0
    fi
    # The libraries' tests only: not the CLI and the modules it links (most of a cold build).
    targets=(exact_test network_test evaluate_test verify_test decide_test io_test)
    for h in csv npy idx network synthetic options; do targets+=("fuzz_replay_$h"); done
    cmake --build "$build" -j"$jobs" $(printf -- '--target %s ' "${targets[@]}")
    cd "$build"
    short='^(fuzz_replay_|ExactTest|NetworkTest|EvaluateTest|VerifyTest|DecideTest|IoTest)'
    ctest --output-on-failure -j"$jobs" --timeout 900 -R "$short"
    ;;
  --tsan)
    build=${MNEMO_TEST_BUILD_DIR:-build-tsan}
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DMNEMO_SANITIZE=thread -DMNEMO_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
    cmake --build "$build" -j"$jobs" --target mnemo evaluate_test verify_test
    archer="$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | tail -1)"
    export OMP_TOOL_LIBRARIES="$archer" OMP_NUM_THREADS=4
    # libomp is not instrumented: Archer asks TSan to ignore it (else its own mutexes race).
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1"
    "$build/tests/evaluate_test"
    "$build/tests/verify_test"
    # The progress bar draws only on a terminal: script(1) gives the run one.
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$build/mnemo" build 'synthetic:ball?n=4000&d=8&classes=5' -c bitextract --depth 12 \
      -o "$tmp/net.json" --no-verify >/dev/null
    script -qec "$build/mnemo verify $tmp/net.json 'synthetic:ball?n=4000&d=8&classes=5' --mode both" \
      /dev/null >"$tmp/out.txt"
    grep -q "4000/4000 correct" "$tmp/out.txt"
    script -qec "$build/mnemo predict $tmp/net.json 'synthetic:ball?n=4000&d=8&classes=5' -o $tmp/p.csv" \
      /dev/null >/dev/null
    echo "tsan: evaluate_test, verify_test, verify and predict with progress bars: 4 passed, 0 failed"
    ;;
  *)
    echo "usage: scripts/test.sh [--asan | --asan-short | --tsan]" >&2
    exit 2
    ;;
esac
