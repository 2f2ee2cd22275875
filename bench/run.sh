#!/usr/bin/env bash
# The benchmark suite: builds release binaries (prodgy-mock and the bare-hyper baseline),
# then measures startup, throughput/latency, memory and scale, printing a markdown report
# and writing it to bench/RESULTS.md.
#
#   bench/run.sh            # full run (about 5 minutes)
#   bench/run.sh --quick    # smoke run (about a minute), same tables, smaller numbers
#
# Env: CARGO_TARGET_DIR (default target/), BENCH_RATELIMIT_SCENARIO (a scenario name or
# file with high limits; default "ratelimit", skipped with a note if absent or if it limits).
# Needs python3 and wrk (installed with apt-get if missing). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
    echo "installing wrk..." >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

cargo build --release --workspace --bins >&2
target="${CARGO_TARGET_DIR:-target}/release"
exec python3 bench/bench.py --mock "$target/prodgy-mock" --baseline "$target/prodgy-baseline" "$@"
