#!/usr/bin/env bash
# Builds Accession with AddressSanitizer and UndefinedBehaviorSanitizer (gcc) in build-asan/ and runs the whole
# CTest suite there: any out-of-bounds access, use after free or undefined behaviour stops its test with a stack.
# Extra arguments go to ctest (e.g. -R tst_imagedecoder). CI's plain scripts/test.sh stays as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
build_dir=${ACCESSION_ASAN_BUILD_DIR:-build-asan}
if [[ ! -f "$build_dir/build.ninja" ]]; then
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCESSION_SANITIZE=ON \
        -DACCESSION_BUILD_BENCH=OFF "${launcher[@]}"
fi
cmake --build "$build_dir" --parallel "${ACCESSION_BUILD_JOBS:-$(nproc)}"

# Leaks are checked: tst_csvreader, tst_imagedecoder, tst_importjob and the Torch-heavy tst_networks report none
# from LibTorch or Qt, and libFuzzer runs the image target with leak checks too. Known third-party noise goes in
# scripts/lsan-suppressions.txt and scripts/asan-suppressions.txt. Torch's libraries are not instrumented, so container-overflow checks that span
# them could misfire: off.
export ASAN_OPTIONS=${ASAN_OPTIONS:-suppressions=$PWD/scripts/asan-suppressions.txt:detect_leaks=1:halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_container_overflow=0:strict_string_checks=1:check_initialization_order=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Test timeouts are tripled in this build (tests/CMakeLists.txt): instrumented code runs several times slower.
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" "$@"
