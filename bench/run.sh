#!/usr/bin/env bash
# The benchmark suite: builds release binaries (prodgy-mock and the bare-hyper baseline),
# then measures startup, throughput/latency, memory and scale, printing a markdown report
# and writing it to bench/RESULTS.md.
#
#   bench/run.sh            # full run (about 5 minutes)
#   bench/run.sh --quick    # smoke run (about a minute), same tables, smaller numbers
#
# Env: CARGO_TARGET_DIR (default: target/ for the mock, bench/baseline/target/ for the baseline,
# a workspace of its own; when set, both build there), BENCH_RATELIMIT_SCENARIO (a scenario name or
# file with high limits; default "ratelimit", skipped with a note if absent or if it limits).
# Needs python3 and wrk (installed with apt-get if missing). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
    echo "installing wrk..." >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

cargo build --release --bin prodgy-mock >&2
cargo build --release --manifest-path bench/baseline/Cargo.toml >&2
mock="${CARGO_TARGET_DIR:-target}/release/prodgy-mock"
baseline="${CARGO_TARGET_DIR:-bench/baseline/target}/release/prodgy-baseline"
exec python3 bench/bench.py --mock "$mock" --baseline "$baseline" "$@"
