#!/usr/bin/env bash
# Generated-client test: openapi-python-client (from PyPI) turns the running binary's own
# /swagger.json into a Python client, and scripts/openapi_client_test.py calls at least one
# operation of every resource with it, checking that each answer parses into its generated
# model. Catches a document that a generator drops models from or cannot parse answers with.
#
#   scripts/openapi-client.sh                              # target/debug/prodgy-mock
#   scripts/openapi-client.sh target/release/prodgy-mock
#
# Env: OPENAPI_CLIENT_VENV (where the generator is installed; default .venv-openapi,
# git-ignored). Part of .ci/run (after cargo build). Exit status: 0 clean; 1 when any
# operation's answer does not parse (the report above names the operation) or the generator
# warns (it leaves a model or response out of the client).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/prodgy-mock}"
venv="${OPENAPI_CLIENT_VENV:-.venv-openapi}"
# Pinned: a new generator release changes what it accepts and what it names models, which must
# be a deliberate upgrade here. The other three are the generated client's runtime deps.
packages=(openapi-python-client==0.29.1 httpx==0.28.1 attrs==26.1.0 python-dateutil==2.9.0.post0)

fail() { echo "openapi-client: FAILED: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "no binary at $bin (run cargo build first)"

# shellcheck source=scripts/python-env.sh
source scripts/python-env.sh
pinned_python openapi-client "$venv" "${packages[@]}"

work="$(mktemp -d)"
# A frozen clock: the started execution stays running while the test pauses and stops it.
"$bin" --port 0 --seed 7 --journal-size 0 --no-watch --clock 2026-03-05T14:30:00Z \
    >"$work/stdout" 2>"$work/stderr" </dev/null &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 200); do
    grep -q "listening on" "$work/stdout" && break
    sleep 0.05
done
url="$(sed -n 's/^prodgy-mock listening on \(http[^ ]*\).*/\1/p' "$work/stdout" | head -1)"
[ -n "$url" ] || { cat "$work/stderr" >&2; fail "the mock did not start"; }

python3 - "$url/swagger.json" "$work/swagger.json" <<'EOF' || fail "could not fetch $url/swagger.json"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response, open(sys.argv[2], "wb") as out:
    out.write(response.read())
EOF

echo "openapi-client: generating a client from $url/swagger.json" >&2
# No post hooks: formatting the generated code (ruff) is not what is tested here.
printf 'post_hooks: []\n' >"$work/config.yaml"
mkdir -p "$work/client"
"${py[@]}" -m openapi_python_client generate --path "$work/swagger.json" \
    --output-path "$work/client/prodgy_client" --meta none --config "$work/config.yaml" \
    >"$work/generate.log" 2>&1 || { cat "$work/generate.log" >&2; fail "openapi-python-client rejected /swagger.json"; }
# A warning means a model or response was left out of the client: report it, still run the
# calls (they name the operations it breaks), and fail at the end.
warned=0
if grep -qi "warning" "$work/generate.log"; then
    warned=1
    echo "openapi-client: openapi-python-client warned while generating:" >&2
    cat "$work/generate.log" >&2
fi

echo "openapi-client: calling every resource with the generated client" >&2
status=0
"${py[@]}" scripts/openapi_client_test.py "$work/client" "$url" || status=$?
kill -0 "$pid" 2>/dev/null || { tail -20 "$work/stderr" >&2; fail "the mock exited during the run"; }
[ "$status" -eq 0 ] || fail "an answer did not parse into its generated model: see FAIL lines above"
[ "$warned" -eq 0 ] || fail "openapi-python-client warned about /swagger.json: see its report above"
echo "openapi-client: OK" >&2
