#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer): runs each target for a bounded time.
#
#   scripts/fuzz.sh            # every target, 60 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh route
#
# Targets (fuzz/fuzz_targets/): fixtures (fixture files and exported state parsing),
# route (Router::recognize), scenario (arbitrary text as a scenario file through
# Scenario::from_text: parse and compile; it must give a scenario or an error, never panic;
# seeded with the shipped scenarios/*.json).
#
# cargo-fuzz needs nightly-only flags (-Zsanitizer); on a stable toolchain this script sets
# RUSTC_BOOTSTRAP=1 so stable rustc accepts them. Crashes land in fuzz/artifacts/TARGET/;
# reproduce one with `cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...`, fix it and keep
# the input as a regression test (a unit test beside the code, or in tests/api/).
# The fuzz crate is its own workspace (excluded from the root one) and builds into
# fuzz/target unless CARGO_TARGET_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fixtures route scenario)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
    echo "fuzz: $target for ${seconds}s" >&2
    mkdir -p "fuzz/corpus/$target"
    cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536
done
echo "fuzz: no crashes" >&2
