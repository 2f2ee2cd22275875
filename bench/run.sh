#!/usr/bin/env bash
# The benchmark suite: builds the release binaries (prodgy-mock here, the bare-hyper baseline in
# its own workspace, bench/baseline), then runs bench/bench.py: CPU per request, req/s and
# latency of each workload against a baseline answering the mock's own bytes, startup, memory
# and scale, with a Targets table. A full run writes bench/RESULTS.md.
#
#   bench/run.sh                          # full run (about 5 minutes)
#   bench/run.sh --quick                  # smoke run (about a minute), same tables, smaller numbers
#   bench/run.sh --only get --json a.json # one workload (get, list, post, get-ratelimit; or a
#                                         # section: startup, memory, scale, namespaces; or
#                                         # ratelimit, issue #4's scenario comparison), no RESULTS.md
#   bench/run.sh --only get --compare a.json   # again after a change: ratios before → now
#
# More flags: --rounds N, --seconds S (bench/bench.py --help).
# Env: CARGO_TARGET_DIR (default: target/ for the mock, bench/baseline/target/ for the baseline;
# when set, both build there), BENCH_RATELIMIT_SCENARIO (a scenario name or file with high
# limits; default bench/ratelimit-high.json, skipped with a note if absent or if it limits).
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
