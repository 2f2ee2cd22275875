#!/usr/bin/env bash
# Runs the Python (pytest plugin) and Node (node:test) recipes against a built binary and the
# packages' sources (python/prodgy_mock, npm/prodgy-mock), without packaging anything: the
# quick loop while editing them. scripts/package-test.sh runs the same recipes against the
# packages that scripts/package.sh builds.
# Usage: scripts/run-recipes.sh [path/to/prodgy-mock]   (default: target/debug/prodgy-mock)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
export PRODGY_MOCK_BIN="$(realpath "${1:-target/debug/prodgy-mock}")"
export PYTHONDONTWRITEBYTECODE=1
python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet pytest
echo "== pytest recipes/python (plugin from python/prodgy_mock)"
PYTHONPATH="$repo/python${PYTHONPATH:+:$PYTHONPATH}" \
    python3 -m pytest -q -p prodgy_mock.pytest_plugin -p no:cacheprovider recipes/python
if command -v node >/dev/null 2>&1; then
    echo "== node --test recipes/node (package from npm/prodgy-mock)"
    project="$(mktemp -d)"
    trap 'rm -rf "$project"' EXIT
    mkdir "$project/node_modules"
    ln -s "$repo/npm/prodgy-mock" "$project/node_modules/prodgy-mock"
    cp recipes/node/*.test.mjs "$project/"
    node --test "$project"/*.test.mjs
else
    echo "node not found: skipping the Node recipe"
fi
