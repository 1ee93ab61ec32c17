#!/usr/bin/env bash
# Installs the Debian packages mnemo needs that are missing. Idempotent; silent when all are present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libopenblas-dev liblapacke-dev
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libgmp-dev libcli11-dev nlohmann-json3-dev zlib1g-dev
  fflas-ffpack libgivaro-dev libglpk-dev libflint-arb-dev libflint-dev
  libtomlplusplus-dev libboost-dev parallel
  gnuplot-nox dataset-fashion-mnist python3-numpy python3-jsonschema
  python3-torch  # bench/train_vs_mnemo.py, mnemo.to_torch
  pybind11-dev python3-pybind11 python3-pytest  # the Python module and its tests
  z3 cvc5  # SMT-LIB certificate test
  python3-onnx nodejs  # ONNX export test: onnx.checker, onnxruntime-node (npm, below)
  clang libfuzzer-14-dev libomp-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# onnxruntime-node for the ONNX test (tests/onnx_test.py), from npm into a cache directory;
# --ignore-scripts: the package ships its CPU binaries, nothing else is fetched.
ort_dir="${XDG_CACHE_HOME:-$HOME/.cache}/mnemo/onnxruntime"
if command -v npm >/dev/null && [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "install-deps: npm install onnxruntime-node into $ort_dir" >&2
  mkdir -p "$ort_dir"
  (cd "$ort_dir" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 \
     >/dev/null) || echo "install-deps: onnxruntime-node not installed (the ONNX test skips)" >&2
fi
