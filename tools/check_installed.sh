#!/usr/bin/env bash
# Installed, not only cloned: a non-editable `pip install` of this checkout into a fresh venv,
# then, from a directory outside the checkout, `mcref --version`, `mcref check` and
# `mcref conformance run` must all exit 0 (spec/, data/ and conformance/ are read from the
# package data, refimpl/_resources/, through refimpl/resources.py). Prints the time of each step.
# Wheels come from the same places as `make install` (pip's find-links / index configuration).
# Usage: tools/check_installed.sh            (PYTHON=python3.x to choose the interpreter)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
# Outside the checkout (make exports TMPDIR=<checkout>/.tmp, so not $TMPDIR).
WORK="$(mktemp -d "${CHECK_INSTALLED_BASE:-/tmp}/mcref-installed.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
START=$SECONDS

step() {  # step NAME COMMAND...: run, time, fail on a non-zero exit
    local name="$1" t0=$SECONDS
    shift
    echo "== $name"
    if ! "$@"; then
        echo "check_installed: FAILED: $name" >&2
        exit 1
    fi
    echo "   ($name: $((SECONDS - t0)) s)"
}

step "fresh venv" "$PYTHON" -m venv "$WORK/venv"
BIN="$WORK/venv/bin"
pip_install() {  # pip warns once per absent local index directory; keep the rest
    "$BIN/python" -m pip install -q "$ROOT[formal]" 2> >(grep -v "is ignored: it is neither" >&2)
}
step "pip install (non-editable) $ROOT[formal]" pip_install

cd "$WORK"  # outside the checkout: nothing may be found through the working directory
export TMPDIR="$WORK/tmp"  # rbcl writes its libsodium copy here
mkdir -p "$TMPDIR"

where_from() {  # the package and its data must come from the venv, not the checkout
    "$BIN/python" - "$WORK/venv" <<'EOF'
import sys
from pathlib import Path

import refimpl
from refimpl.resources import NAMES, resource_root

venv = Path(sys.argv[1]).resolve()
paths = [Path(refimpl.__file__).resolve()] + [resource_root(n) for n in NAMES]
for p in paths:
    print("  ", p)
outside = [p for p in paths if venv not in p.resolve().parents]
if outside:
    sys.exit(f"not from the installed package: {outside}")
EOF
}
step "package and data come from the venv" where_from

version() {
    local expected out
    expected="mcref $("$BIN/python" -c 'import refimpl; print(refimpl.__version__)')"
    out="$("$BIN/mcref" --version)"
    echo "   $out"
    [ "$out" = "$expected" ] || { echo "expected '$expected'" >&2; return 1; }
}
if grep -q -- '"--version"' "$ROOT"/refimpl/cli/*.py; then
    step "mcref --version" version
else
    echo "== mcref --version: not offered by this CLI yet (skipped)"
fi
step "mcref check" "$BIN/mcref" check
step "mcref conformance run" "$BIN/mcref" conformance run

echo "check_installed: OK in $((SECONDS - START)) s"
