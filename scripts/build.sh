#!/usr/bin/env bash
# Configures (once) and builds Accession in build/ with every core.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ACCESSION_BUILD_DIR:-build}
if [[ ! -f "$build_dir/build.ninja" ]]; then
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build_dir" --parallel "$(nproc)"
