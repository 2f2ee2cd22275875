#!/usr/bin/env bash
# Runs the Python (pytest) and Node (node:test) recipes against a built binary.
# Usage: scripts/run-recipes.sh [path/to/prodgy-mock]   (default: target/debug/prodgy-mock)
set -euo pipefail
cd "$(dirname "$0")/.."
export PRODGY_MOCK_BIN="$(realpath "${1:-target/debug/prodgy-mock}")"
python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet pytest
echo "== pytest recipes/python"
python3 -m pytest -q recipes/python
if command -v node >/dev/null 2>&1; then
  echo "== node --test recipes/node"
  node --test recipes/node/
else
  echo "node not found: skipping the Node recipe"
fi
