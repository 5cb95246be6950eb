"""A throwaway PostgreSQL server for tests (the fog recovery database runs on it).

:func:`postgres_cluster` creates a cluster in a fresh temporary directory with ``initdb``,
starts it with ``pg_ctl`` on 127.0.0.1 at a free port (its unix socket in the same directory,
durability settings off since the data is thrown away), yields a :class:`PostgresCluster`,
and at the end stops the server, checks that its postmaster process is gone and removes the
directory. PostgreSQL refuses to run as root, so when the tests run as root the cluster
belongs to the ``postgres`` system user (which the Debian package creates) and every server
command runs through ``runuser -u postgres``.

The server binaries are looked for in ``$PG_BIN``, then ``/usr/lib/postgresql/<newest>/bin``,
then ``PATH``; ``tools/postgres.sh`` (run by ``make test`` and ``.ci/run``) installs them when
absent. The session fixture :func:`postgres_server` skips its tests when there are no
binaries, except under ``CI`` where it fails, so CI never silently skips PostgreSQL.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import psycopg
import pytest

#: The user that owns the cluster when the tests run as root.
SERVER_USER = "postgres"
_START_ATTEMPTS = 3
_SHARED_DATABASE = "tests"
_TIMEOUT_S = 60
#: Throwaway data: no fsync, no full-page writes; few connections, small memory.
_SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=40 -c shared_buffers=16MB"
)


def find_pg_bin() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, if installed."""
    override = os.environ.get("PG_BIN")
    if override:
        return Path(override) if (Path(override) / "initdb").is_file() else None
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.parent.name.split(".")],
    )
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def process_gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie waiting for its parent counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state in ("Z", "X")


def _traversable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


@attrs.define
class PostgresCluster:
    """A running PostgreSQL server owned by this test session."""

    bin_dir: Path
    base_dir: Path
    port: int = 0
    run_as: str | None = None  # the server's user when we are root
    _tests_database: bool = False

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "sock"

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URI for database ``dbname`` over TCP on loopback."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        return subprocess.run(
            [*prefix, str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.base_dir, capture_output=True, text=True, timeout=_TIMEOUT_S, check=check,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        )

    def init(self) -> None:
        """``initdb`` a cluster with trust authentication for the ``postgres`` role."""
        self.socket_dir.mkdir()
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions")

    def start(self) -> None:
        """Start on a free loopback port (a few tries in case another process takes it)."""
        for attempt in range(_START_ATTEMPTS):
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port}"
                       f" -k {self.socket_dir} {_SERVER_OPTIONS}")
            result = self._run("pg_ctl", "-D", str(self.data_dir), "-l",
                               str(self.base_dir / "server.log"), "-o", options,
                               "-w", "-t", str(_TIMEOUT_S), "start", check=False)
            if result.returncode == 0:
                return
            if attempt == _START_ATTEMPTS - 1:
                log = (self.base_dir / "server.log").read_text(errors="replace")
                raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log}")

    def postmaster_pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the server (fast shutdown) and check that its postmaster is gone."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w",
                  "-t", str(_TIMEOUT_S), "stop")
        status = self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        assert status.returncode == 3, f"pg_ctl status after stop: {status.stdout}"
        assert self.postmaster_pid() is None, "postmaster.pid left behind"
        # The postmaster removes its pid file just before it exits: give it a moment.
        deadline = time.monotonic() + _TIMEOUT_S
        while not process_gone(pid):
            assert time.monotonic() < deadline, f"postmaster {pid} still running after stop"
            time.sleep(0.02)

    def create_database(self, name: str) -> str:
        """Create an empty database; return its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_schema(self, name: str) -> str:
        """Create an empty schema in the shared database ``tests`` and return a URL whose
        connections see only that schema (``search_path``) and are named after it
        (``application_name``): an isolated database for one test, made in milliseconds
        where ``CREATE DATABASE`` takes a fifth of a second."""
        if not self._tests_database:
            self.create_database(_SHARED_DATABASE)
            self._tests_database = True
        with psycopg.connect(self.url(_SHARED_DATABASE), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        query = f"options=-csearch_path%3D{name}&application_name={name}"
        return f"{self.url(_SHARED_DATABASE)}?{query}"


def _base_dir(as_root: bool) -> Path:
    base = Path(tempfile.mkdtemp(prefix="refimpl-pg-"))
    if as_root and not _traversable_by_others(base.parent):
        base.rmdir()
        base = Path(tempfile.mkdtemp(prefix="refimpl-pg-", dir="/tmp"))
    return base


@contextlib.contextmanager
def postgres_cluster(bin_dir: Path) -> Iterator[PostgresCluster]:
    """A started throwaway cluster; stopped and removed on exit."""
    as_root = os.geteuid() == 0
    if as_root:
        pwd.getpwnam(SERVER_USER)  # KeyError: the server package creates this user
        if shutil.which("runuser") is None:
            raise RuntimeError("running as root needs runuser to start PostgreSQL as postgres")
    cluster = PostgresCluster(bin_dir, _base_dir(as_root), run_as=SERVER_USER if as_root else None)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(cluster.base_dir, ignore_errors=True)


def _unavailable(reason: str) -> None:
    """Skip locally; fail under CI (``CI`` set), where PostgreSQL must be installed."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the PostgreSQL tests: run tools/postgres.sh)")
    pytest.skip(f"{reason}; tools/postgres.sh installs it")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresCluster]:
    """A PostgreSQL server for the whole test session (see the module docstring)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        _unavailable("no PostgreSQL server binaries (initdb) found")
        raise AssertionError("unreachable")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            _unavailable(f"running as root and there is no {SERVER_USER!r} user to run the server")
    with postgres_cluster(bin_dir) as cluster:
        yield cluster
