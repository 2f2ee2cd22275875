#!/usr/bin/env bash
# The dashboard (/__admin/ui) in a real browser: scripts/dashboard_test.py drives headless
# Chromium through chromedriver with selenium, against the built binary on port 0 with a
# frozen clock. It checks that requests appear within a second, that a row shows the masked
# token, that a scenario switched on the page answers the next call, that advancing the clock
# on the page completes an execution, and that a burst of ~2,000 requests leaves the page
# responsive; it prints the page's load time.
#
#   scripts/dashboard-test.sh                                # target/debug/prodgy-mock
#   scripts/dashboard-test.sh target/release/prodgy-mock
#   scripts/dashboard-test.sh --screenshot                   # also writes docs/dashboard.png
#
# Needs python3, chromium and chromedriver (Debian: chromium chromium-driver; .ci/run installs
# them). Without them the test is skipped locally and fails under CI=true.
# Env: DASHBOARD_VENV (where selenium goes; default .venv-dashboard, git-ignored), CHROMIUM and
# CHROMEDRIVER (paths, when not on PATH). Part of .ci/run (after cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
screenshot=()
if [ "${1:-}" = "--screenshot" ]; then
    screenshot=(--screenshot docs/dashboard.png)
    shift
fi
bin="${1:-target/debug/prodgy-mock}"
venv="${DASHBOARD_VENV:-.venv-dashboard}"
# Pinned: a new selenium must be a deliberate upgrade. Pillow only shrinks the screenshot.
packages=(selenium==4.51.0)
[ ${#screenshot[@]} -gt 0 ] && packages+=(pillow==13.0.0)

fail() { echo "dashboard-test: FAILED: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "no binary at $bin (run cargo build first)"
for tool in "${CHROMIUM:-chromium}" "${CHROMEDRIVER:-chromedriver}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        [ "${CI:-}" = "true" ] && fail "$tool is not installed (.ci/run installs chromium chromium-driver)"
        echo "dashboard-test: $tool not found: skipping the browser test"
        exit 0
    fi
done

# shellcheck source=scripts/python-env.sh
source scripts/python-env.sh
pinned_python dashboard-test "$venv" "${packages[@]}"

"${py[@]}" -u scripts/dashboard_test.py "$bin" "${screenshot[@]}"
