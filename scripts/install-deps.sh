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
  python3-torch  # bench/train_vs_mnemo.py: the trained MLP beside the constructed network
  clang libfuzzer-14-dev libomp-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
