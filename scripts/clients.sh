#!/usr/bin/env bash
# Real third-party clients against the built binary, for the failures that show only through
# them: Node (fetch, axios, eventsource), Python (http.client, requests, httpx) and headless
# Chromium for CORS (a page on another origin calls the mock).
# Usage: scripts/clients.sh [path/to/prodgy-mock]   (default: target/debug/prodgy-mock)
# Needs node, npm, python3 and chromium; CI installs chromium (.ci/run). Without chromium the
# browser check is skipped locally and fails under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:-target/debug/prodgy-mock}")"
work="$(mktemp -d)"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

"$bin" --port 0 --no-watch >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)
url="$(wait_for_line "$work/mock.out" '^prodgy-mock listening on ' | sed 's/.* on //')"
export PRODGY_MOCK_URL="$url"
echo "== mock at $url"

echo "== node: fetch, axios, eventsource (tests/clients/node)"
(cd tests/clients && npm ci --no-audit --no-fund --silent)
node --test tests/clients/node/

echo "== python: http.client, requests, httpx (tests/clients/python)"
python3 -m pip install --quiet --disable-pip-version-check \
  "requests==2.32.3" "httpx==0.28.1" "pytest==8.3.4"
python3 -m pytest -q -p no:cacheprovider tests/clients/python

echo "== browser: CORS from another origin (tests/clients/browser, headless Chromium)"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "chromium is not installed (CI installs it in .ci/run)" >&2
    exit 1
  fi
  echo "chromium not found: skipping the browser check"
  exit 0
fi
python3 -u -m http.server --bind 127.0.0.1 --directory tests/clients/browser 0 >"$work/page.out" 2>&1 &
pids+=($!)
page_port="$(wait_for_line "$work/page.out" 'port [0-9]+' | sed -E 's/.*port ([0-9]+).*/\1/')"
page="http://127.0.0.1:$page_port/cors.html?mock=$url"
dom="$(chromium --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --virtual-time-budget=10000 --dump-dom "$page" 2>/dev/null)"
result="$(echo "$dom" | grep -o 'status=[^<]*\|error=[^<]*' | head -1)"
echo "page saw: $result"
expected='status=200 total=3 ratelimit-limit=10'
if [ "$result" != "$expected" ]; then
  echo "expected '$expected'" >&2
  exit 1
fi
