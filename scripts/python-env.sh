# Sourced by the scripts that need pinned Python packages (scripts/dashboard-test.sh,
# scripts/openapi-client.sh). `pinned_python NAME VENV PIN...` sets the array `py` to a
# Python that has exactly those pins: a venv at VENV, or, where python3-venv (ensurepip) is
# missing, a pip --target directory VENV/site. NAME prefixes what it prints; it exits 1 when
# the packages cannot be installed.

pinned_python() {
    local name="$1" venv="$2"
    shift 2
    local packages=("$@")
    if [ -x "$venv/bin/python" ]; then
        py=("$venv/bin/python")
    else
        py=(env PYTHONPATH="$venv/site" python3)
    fi
    pinned_installed() {
        "${py[@]}" - "$@" <<'PY' 2>/dev/null
import importlib.metadata as metadata, sys
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    if metadata.version(name) != version:
        sys.exit(1)
PY
    }
    pinned_installed "${packages[@]}" && return 0
    local failed="$name: FAILED: pip install ${packages[*]} (is PyPI reachable?)"
    echo "$name: installing ${packages[*]} into $venv" >&2
    if [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >/dev/null 2>&1; then
        py=("$venv/bin/python")
        "${py[@]}" -m pip install --quiet --disable-pip-version-check "${packages[@]}" \
            || { echo "$failed" >&2; exit 1; }
    else
        echo "$name: python3 -m venv failed; installing with pip --target $venv/site" >&2
        rm -rf "$venv"
        py=(env PYTHONPATH="$venv/site" python3)
        python3 -m pip install --quiet --disable-pip-version-check --target "$venv/site" \
            "${packages[@]}" || { echo "$failed" >&2; exit 1; }
    fi
    pinned_installed "${packages[@]}" || {
        echo "$name: FAILED: ${packages[*]} not importable after installing them" >&2
        exit 1
    }
}
