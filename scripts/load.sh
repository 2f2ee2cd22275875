#!/usr/bin/env bash
# Load test: 30 s of wrk with 256 connections against a mixed workload (bench/lua/mixed.lua:
# reads by id, list pages, creates, updates, deletes, health) on the release binary.
# Fails (exit 1) on any socket error, any non-2xx response, or if health does not answer
# at the end.
#
#   scripts/load.sh              # 30 s, 256 connections
#   LOAD_SECONDS=5 scripts/load.sh
#
# Env: CARGO_TARGET_DIR (default target/), LOAD_SECONDS, LOAD_CONNECTIONS, LOAD_THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${LOAD_SECONDS:-30}"
connections="${LOAD_CONNECTIONS:-256}"
threads="${LOAD_THREADS:-2}"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
cargo build --release --bin prodgy-mock >&2
bin="${CARGO_TARGET_DIR:-target}/release/prodgy-mock"

work="$(mktemp -d)"
"$bin" --port 0 --log-format json >"$work/stdout" 2>"$work/stderr" </dev/null &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$work/stdout" && break
    sleep 0.05
done
url="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/stdout" | head -1)"
[ -n "$url" ] || { echo "load: the mock did not start" >&2; cat "$work/stderr" >&2; exit 1; }

echo "load: wrk -t$threads -c$connections -d${seconds}s against $url" >&2
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/lua/mixed.lua "$url" | tee "$work/wrk"

failed=0
errors="$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$work/wrk")"
if [ -n "$errors" ]; then
    echo "load: FAIL socket errors (connect read write timeout): $errors" >&2
    failed=1
fi
unexpected="$(sed -n 's/^unexpected_non2xx=\([0-9]*\)$/\1/p' "$work/wrk")"
if [ "${unexpected:-missing}" != 0 ]; then
    echo "load: FAIL unexpected non-2xx responses: ${unexpected:-not reported}" >&2
    failed=1
fi
health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/__admin/health" || true)"
if [ "$health" != 200 ]; then
    echo "load: FAIL health answered '$health' after the load" >&2
    failed=1
fi
kill -0 "$pid" 2>/dev/null || { echo "load: FAIL the mock exited" >&2; failed=1; }
[ "$failed" = 0 ] && echo "load: OK (no socket errors, no unexpected non-2xx, health 200)" >&2
exit "$failed"
