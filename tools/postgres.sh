#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries are installed: the fog recovery-database tests
# start a throwaway server with them (tests/pg.py). `make test` and .ci/run call this.
#
# Nothing to do when initdb is found ($PG_BIN, /usr/lib/postgresql/*/bin, or PATH). Otherwise
# install Debian's `postgresql` package with apt-get, as root or through passwordless sudo.
# When that is impossible: under CI (CI set) fail, since CI must run those tests; elsewhere
# warn and carry on (the PostgreSQL tests then skip).
set -euo pipefail

have_initdb() {
    if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then return 0; fi
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
    command -v initdb >/dev/null 2>&1
}

unavailable() {
    if [ -n "${CI:-}" ]; then
        echo "tools/postgres.sh: $1; CI needs the PostgreSQL server" >&2
        exit 1
    fi
    echo "tools/postgres.sh: $1; the PostgreSQL tests will be skipped" >&2
    exit 0
}

have_initdb && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    unavailable "PostgreSQL is not installed and installing it needs root"
fi
command -v apt-get >/dev/null 2>&1 || unavailable "PostgreSQL is not installed and there is no apt-get"

echo "tools/postgres.sh: installing the PostgreSQL server (apt-get install postgresql)" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
have_initdb || unavailable "apt-get installed postgresql but initdb is still missing"
