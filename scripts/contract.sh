#!/usr/bin/env bash
# Contract test: schemathesis (from PyPI) against the running binary and its own
# /swagger.json, over every operation, with a bounded number of examples per operation.
# Fails on any 5xx, any response that violates the served schema (body, status code,
# content type, headers), or any other check failure.
#
#   scripts/contract.sh                    # debug binary, 30 examples per operation
#   CONTRACT_EXAMPLES=100 scripts/contract.sh
#
# Env: CARGO_TARGET_DIR (default target/), CONTRACT_EXAMPLES, CONTRACT_PROFILE (debug|release),
# CONTRACT_VENV (where schemathesis is installed; default .venv-contract, git-ignored),
# CONTRACT_EXCLUDE_CHECKS (comma-separated schemathesis checks to skip everywhere; default
# none). Every check runs on every operation, except positive_data_acceptance on the
# operations listed, each with its reason, in scripts/contract.toml (documented business-rule
# 400s that no schema can express, such as "agent already installed").
# Part of .ci/run. Exit status: 0 clean, 1 any failure (the report above says which
# operation, check and a curl line to reproduce it).
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${CONTRACT_EXAMPLES:-30}"
profile="${CONTRACT_PROFILE:-debug}"
venv="${CONTRACT_VENV:-.venv-contract}"
# Pinned: a new schemathesis release adds checks and changes generation, which must be a
# deliberate upgrade here rather than a surprise red CI run.
version="4.32.5"

fail() { echo "contract: FAILED: $*" >&2; exit 1; }

# A venv; where python3-venv (ensurepip) is missing, a pip --target directory instead.
if [ -x "$venv/bin/schemathesis" ]; then
    st=("$venv/bin/schemathesis")
else
    st=(env PYTHONPATH="$venv/site" python3 -c \
        'import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())')
fi
installed() { "${st[@]}" --version 2>/dev/null | grep -qF "version $version"; }
if ! installed; then
    echo "contract: installing schemathesis $version into $venv" >&2
    rm -rf "$venv"
    if python3 -m venv "$venv" >/dev/null 2>&1; then
        "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" \
            || fail "pip install schemathesis==$version (is PyPI reachable?)"
        st=("$venv/bin/schemathesis")
    else
        echo "contract: python3 -m venv failed; installing with pip --target $venv/site" >&2
        python3 -m pip install --quiet --disable-pip-version-check --target "$venv/site" \
            "schemathesis==$version" || fail "pip install schemathesis==$version (is PyPI reachable?)"
    fi
    installed || fail "schemathesis $version does not run after installing it"
fi
if [ "$profile" = release ]; then cargo build --release --bin prodgy-mock >&2; else cargo build --bin prodgy-mock >&2; fi
bin="${CARGO_TARGET_DIR:-target}/$profile/prodgy-mock"

work="$(mktemp -d)"
# Lenient auth with a well-formed token that is in no fixture: it acts for the default
# product, so every operation is reachable, and no generated request can revoke,
# deactivate or regenerate it (a fixture token's id is listed, and schemathesis would
# find it). The documented 401s still appear for requests sent without it.
"$bin" --port 0 --seed 7 --journal-size 0 --no-watch --auth lenient >"$work/stdout" 2>"$work/stderr" </dev/null &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 200); do
    grep -q "listening on" "$work/stdout" && break
    sleep 0.05
done
url="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/stdout" | head -1)"
[ -n "$url" ] || { cat "$work/stderr" >&2; fail "the mock did not start"; }

echo "contract: schemathesis against $url/swagger.json, $examples examples per operation" >&2
exclude_checks="${CONTRACT_EXCLUDE_CHECKS:-}"
exclude=()
[ -z "$exclude_checks" ] || exclude=(--exclude-checks "$exclude_checks")
# One worker: hypothesis's lambda-source cache is not thread-safe on Python 3.11 (it
# raised "AST constructor recursion depth mismatch" with two), and one is fast enough.
status=0
"${st[@]}" --config-file scripts/contract.toml run "$url/swagger.json" \
    --url "$url" \
    --header "X-API-Token: prodgy_ContractTestToken0000000000000001" \
    "${exclude[@]}" \
    --max-examples "$examples" \
    --seed 1 \
    --workers 1 \
    --request-timeout 10 \
    --suppress-health-check all \
    --no-color \
    "${@}" || status=$?
kill -0 "$pid" 2>/dev/null || { tail -20 "$work/stderr" >&2; fail "the mock exited during the run"; }
if grep -q "panicked" "$work/stderr"; then
    grep -B2 -A8 "panicked" "$work/stderr" >&2
    fail "the mock panicked during the run (its log is above)"
fi
[ "$status" -eq 0 ] || fail "schemathesis exit status $status: see FAILURES / ERRORS above"
echo "contract: OK" >&2
