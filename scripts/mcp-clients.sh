#!/usr/bin/env bash
# The official MCP SDKs against the built binary's /mcp: Python (`mcp` on PyPI, in a venv,
# in both its default 2026-07-28 mode and the initialize handshake with a session) and
# TypeScript (@modelcontextprotocol/sdk, Streamable HTTP with a session). One mock, its clock
# frozen so executions wait for the tests to advance it; each test works in its own namespace.
# Usage: scripts/mcp-clients.sh [path/to/prodgy-mock]   (default: target/debug/prodgy-mock)
# Needs node, npm and python3; installs the SDKs at pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:-target/debug/prodgy-mock}")"
venv=.venv-mcp
work="$(mktemp -d)"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

echo "== installing the Python SDK (mcp 2.3.0) in $venv and the TypeScript SDK (1.32.2)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mcp==2.3.0" "pytest==8.3.4"
(cd tests/clients/mcp/node && npm ci --no-audit --no-fund --silent)

"$bin" --port 0 --no-watch --clock 2026-03-05T14:30:00Z >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)
url="$(wait_for_line "$work/mock.out" '^prodgy-mock listening on ' | sed 's/.* on //')"
export PRODGY_MOCK_URL="$url"
echo "== mock at $url"

status=0
echo "== python: the official SDK, default (2026-07-28, stateless) and legacy (session) modes"
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/clients/mcp/python || status=1
echo "== node: the official TypeScript SDK, Streamable HTTP with a session"
node --test tests/clients/mcp/node/ || status=1
if grep -E "panicked|ERROR" "$work/mock.err" >&2; then
  echo "the mock logged a panic or an error (above)" >&2
  status=1
fi
exit "$status"
