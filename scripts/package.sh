#!/usr/bin/env bash
# Builds the installable packages into dist/ (git-ignored), with one release build:
#
#   dist/prodgy_mock-VERSION-py3-none-PLATFORM.whl   pip install: the binary + the prodgy_mock package
#   dist/prodgy-mock-VERSION.tgz                      npm: the JS API and `bin`, no binary
#   dist/prodgy-mock-PLATFORM-VERSION.tgz             npm: @prodgy-mock/PLATFORM, the binary alone
#
#   scripts/package.sh                                  # this machine's platform
#   scripts/package.sh --target aarch64-unknown-linux-musl --platform linux-arm64   # what a CI matrix runs
#
# maturin compiles the binary once (release profile, stripped) into the wheel; the npm
# platform package gets that same file, taken out of the wheel. Versions are Cargo.toml's:
# maturin reads it, and the npm package.json files are stamped with it in a staging copy
# (the committed ones are left alone). Needs python3 (venv), node and npm; maturin is installed
# from PyPI into ${CARGO_TARGET_DIR:-target}/package-venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

# Pinned: a new maturin may change wheel tags or layout; upgrade on purpose.
maturin_version="1.16.0"
target="" platform=""
while [ $# -gt 0 ]; do
    case "$1" in
        --target) target="$2"; shift 2 ;;
        --platform) platform="$2"; shift 2 ;;
        *) echo "usage: scripts/package.sh [--target RUST_TRIPLE] [--platform NPM_PLATFORM]" >&2; exit 2 ;;
    esac
done
fail() { echo "package: FAILED: $*" >&2; exit 1; }
command -v npm >/dev/null || fail "npm is needed to pack the npm packages"
[ -n "$platform" ] || platform="$(node -p 'process.platform + "-" + process.arch')"
[ -f "npm/platforms/$platform/package.json" ] || fail "no npm/platforms/$platform/package.json (known: $(ls npm/platforms | tr '\n' ' '))"

# Every platform directory is an optional dependency of the main package, and back.
node -e '
const fs = require("fs");
const listed = Object.keys(require("./npm/prodgy-mock/package.json").optionalDependencies).sort();
const dirs = fs.readdirSync("npm/platforms").map((d) => require(`./npm/platforms/${d}/package.json`).name).sort();
if (JSON.stringify(listed) !== JSON.stringify(dirs)) {
  console.error(`optionalDependencies ${listed} differ from npm/platforms ${dirs}`);
  process.exit(1);
}' || fail "npm/prodgy-mock/package.json and npm/platforms/ disagree"

python="$(command -v python3 || command -v python)" || fail "python3 is needed"
version="$(cargo metadata --no-deps --format-version 1 --manifest-path Cargo.toml |
    "$python" -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "prodgy-mock"))')"

venv="${CARGO_TARGET_DIR:-target}/package-venv"
venv_bin() { if [ -d "$venv/Scripts" ]; then echo "$venv/Scripts"; else echo "$venv/bin"; fi; } # Windows: Scripts
if ! "$(venv_bin)/maturin" --version 2>/dev/null | grep -qF "maturin $maturin_version"; then
    echo "package: installing maturin $maturin_version into $venv" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv" || fail "python3 -m venv (install python3-venv)"
    "$(venv_bin)/python" -m pip install --quiet "maturin==$maturin_version" || fail "pip install maturin (is PyPI reachable?)"
fi
maturin="$(cd "$(venv_bin)" && pwd)/maturin"

rm -rf dist
mkdir -p dist
echo "== wheel (maturin build --release${target:+ --target $target})" >&2
(cd python && "$maturin" build --release --out "$repo/dist" ${target:+--target "$target"}) ||
    fail "maturin build"
wheels=(dist/prodgy_mock-"$version"-*.whl)
[ -f "${wheels[0]}" ] || fail "no wheel for version $version in dist/"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
# The stamped copies: version (and the platform packages' versions) from Cargo.toml.
stamp() {
    node -e '
const fs = require("fs");
const [file, version] = process.argv.slice(1);
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.version = version;
for (const name of Object.keys(pkg.optionalDependencies ?? {})) pkg.optionalDependencies[name] = version;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");' "$1" "$version"
}

echo "== npm packages (prodgy-mock, @prodgy-mock/$platform)" >&2
cp -R npm/prodgy-mock "$stage/main"
rm -rf "$stage/main/test" "$stage/main/node_modules"
stamp "$stage/main/package.json"

exe=prodgy-mock
case "$platform" in win32-*) exe=prodgy-mock.exe ;; esac
mkdir -p "$stage/platform/bin"
cp "npm/platforms/$platform/package.json" "$stage/platform/"
stamp "$stage/platform/package.json"
"$python" - "${wheels[0]}" "$exe" "$stage/platform/bin/$exe" <<'PY' || fail "no $exe in ${wheels[0]}"
import shutil, sys, zipfile
wheel, exe, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    [name] = [n for n in archive.namelist() if n.split("/")[-2:] == ["scripts", exe]]
    with archive.open(name) as source, open(out, "wb") as target:
        shutil.copyfileobj(source, target)
PY
chmod 755 "$stage/platform/bin/$exe"

for dir in "$stage/main" "$stage/platform"; do
    (cd "$dir" && npm pack --silent --pack-destination "$repo/dist" >/dev/null) || fail "npm pack in $dir"
done

echo "== dist/ (version $version)" >&2
ls -l dist >&2
