#!/usr/bin/env bash
# The main job: memorize the full Fashion-MNIST training set (60,000 x 784, 10 classes) by
# construction, verify every image exactly, print the size table and times. No training.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DMNEMO_BUILD_TESTS=OFF -DMNEMO_BUILD_BENCH=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target mnemo
mnemo=build-release/mnemo
out=${MNEMO_DEMO_DIR:-$(mktemp -d)}
construction=bitextract
echo "== mnemo build fashion-mnist -c $construction"
"$mnemo" build fashion-mnist -c "$construction" -o "$out/fashion-mnist.json"
echo
echo "== mnemo verify (exact, every one of the 60,000 training images)"
"$mnemo" verify "$out/fashion-mnist.json" fashion-mnist
echo
echo "network written to $out/fashion-mnist.json"
