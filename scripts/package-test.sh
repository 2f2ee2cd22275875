#!/usr/bin/env bash
# Installs what scripts/package.sh put in dist/ the way a user would, outside the
# repository, with no prodgy-mock on PATH and no PRODGY_MOCK_* variables, and runs there:
#
#   Python  a fresh venv with the wheel, pytest and pytest-xdist: python/tests (MockServer,
#           the prodgy_mock fixture, the plugin's options and reports) serially and with
#           -n 2, then recipes/python
#   Node    a fresh npm project with the two tarballs (installed offline: nothing else is
#           downloaded, no install script runs): npm/prodgy-mock/test (ESM, CommonJS,
#           npx) and recipes/node
#   Action  action.yml's main and post steps against the wheel's binary
#
# Part of .ci/run, after scripts/package.sh. Needs python3 (venv), node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }

shopt -s nullglob
wheels=(dist/prodgy_mock-*.whl)
mains=(dist/prodgy-mock-[0-9]*.tgz)
platforms=(dist/prodgy-mock-[a-z]*.tgz)
shopt -u nullglob
[ ${#wheels[@]} -eq 1 ] && [ ${#mains[@]} -eq 1 ] && [ ${#platforms[@]} -eq 1 ] ||
    fail "expected one wheel and two npm tarballs in dist/: run scripts/package.sh first"

# Nothing of the repository's: no PRODGY_MOCK_* settings, no prodgy-mock on PATH.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^PRODGY_MOCK_' || true)
clean=""
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
    [ -n "$dir" ] && [ ! -e "$dir/prodgy-mock" ] || continue
    case "$(cd "$dir" 2>/dev/null && pwd -P)/" in "$repo"/*) continue ;; esac
    clean="${clean:+$clean:}$dir"
done
export PATH="$clean"
! command -v prodgy-mock >/dev/null || fail "prodgy-mock is still on PATH at $(command -v prodgy-mock)"

work="$(mktemp -d "${TMPDIR:-/tmp}/prodgy-mock-package-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
case "$work/" in "$repo"/*) fail "the temporary directory $work is inside the repository" ;; esac

echo "== Python: fresh venv with ${wheels[0]#dist/}"
python3 -m venv "$work/venv" || fail "python3 -m venv (install python3-venv)"
"$work/venv/bin/pip" install --quiet "$repo/${wheels[0]}" "pytest>=7" "pytest-xdist>=3" || fail "pip install"
"$work/venv/bin/prodgy-mock" --version # the wheel's binary, in the venv's scripts directory
mkdir "$work/python"
cp -R python/tests "$work/python/tests"
cp -R recipes/python "$work/python/recipes"
(
    cd "$work/python"
    pytest=("$work/venv/bin/python" -m pytest -p no:cacheprovider -q)
    echo "== pytest python/tests"
    "${pytest[@]}" tests
    echo "== pytest -n 2 python/tests (pytest-xdist)"
    "${pytest[@]}" -n 2 tests
    echo "== pytest -n 2 recipes/python"
    "${pytest[@]}" -n 2 recipes
)

echo "== Node: fresh npm project with ${mains[0]#dist/} and ${platforms[0]#dist/}"
mkdir "$work/node"
printf '{ "name": "package-test", "private": true }\n' >"$work/node/package.json"
(
    cd "$work/node"
    # Offline: the two tarballs are all there is; the other platforms' optional
    # dependencies cannot be fetched and are skipped, as on a machine of this platform.
    npm install --offline --no-audit --no-fund --loglevel=error \
        "$repo/${platforms[0]}" "$repo/${mains[0]}" || fail "npm install"
    node -e '
for (const pkg of ["prodgy-mock", require("prodgy-mock").platformPackage()]) {
  const scripts = require(`${pkg}/package.json`).scripts ?? {};
  const hooks = ["preinstall", "install", "postinstall"].filter((hook) => hook in scripts);
  if (hooks.length) throw new Error(`${pkg} has install scripts: ${hooks}`);
}' || fail "an npm package has an install script"
    cp "$repo"/npm/prodgy-mock/test/* "$repo"/recipes/node/* .
    echo "== node --test (ESM, CommonJS, npx, recipes/node)"
    node --test ./*.test.mjs ./*.test.cjs
)

echo "== action.yml: main and post steps"
ACTION_TEST_BINARY="$work/venv/bin/prodgy-mock" node --test action/
