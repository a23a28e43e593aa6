#!/usr/bin/env bash
# Fuzzes one target of tests/fuzz with libFuzzer: scripts/fuzz.sh TARGET [SECONDS] (default 600).
# Builds build-fuzz/ with Clang, AddressSanitizer and UndefinedBehaviorSanitizer over the whole project, fuzzes
# a copy of the seed corpus (build-fuzz/corpus/TARGET keeps what it finds; the repository's stays small) and
# writes crashing inputs to build-fuzz/crashes/TARGET/. A crash worth keeping goes to tests/fuzz/regressions/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-600}
build_dir=build-fuzz
seeds=tests/fuzz/corpus/$target
regressions=tests/fuzz/regressions/$target
[[ -f tests/fuzz/fuzz_$target.cpp ]] || { echo "error: no fuzz target tests/fuzz/fuzz_$target.cpp" >&2; exit 2; }
[[ -d $seeds ]] || { echo "error: no seed corpus in $seeds" >&2; exit 2; }

if [[ ! -f $build_dir/build.ninja ]]; then
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DACCESSION_FUZZ=ON -DACCESSION_BUILD_BENCH=OFF "${launcher[@]}"
fi
cmake --build "$build_dir" --parallel "${ACCESSION_BUILD_JOBS:-$(nproc)}" --target "fuzz_$target"

corpus=$build_dir/corpus/$target
crashes=$build_dir/crashes/$target
mkdir -p "$corpus" "$crashes"
cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
inputs=("$corpus")
[[ -d $regressions ]] && inputs+=("$regressions") # read, never written: libFuzzer adds only to the first folder

log=$build_dir/fuzz-$target.log
status=0
"$build_dir/tests/fuzz/fuzz_$target" "${inputs[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1 || status=$?
tail -n 40 "$log"
echo "--- $target: $(grep -E '^Done [0-9]+ runs' "$log" || grep -E 'stat::number_of_executed_units' "$log" || echo 'no execution count (see the log)')"
echo "--- log: $log; crashes: $(find "$crashes" -type f | wc -l) in $crashes/"
exit "$status"
