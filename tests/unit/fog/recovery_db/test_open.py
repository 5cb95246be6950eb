"""Opening a recovery database: URLs, unreachable databases, and several processes creating the
schema at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from refimpl.errors import FogError
from refimpl.fog.recovery_db import SqlRecoveryDb, open_recovery_db, sqlite_url
from refimpl.fog.recovery_db.backend import PostgresBackend, SqliteBackend, backend_for_url
from tests.pg import PostgresCluster
from tests.unit.fog.recovery_db._data import TABLES, dump, ingress_key


@pytest.mark.parametrize(
    "url",
    [
        "",
        "recovery.db",
        "mysql://localhost/fog",
        "sqlite:",
        "sqlite://",
        "sqlite://host/path.db",
        "sqlite:///path.db?mode=ro",
        "sqlite:///path.db#x",
        "sqlite:///pa\0th.db",
        "postgresql://[::1",
        "postgresql://host/db?no_such_option=1",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(FogError) as excinfo:
        open_recovery_db(url)
    assert excinfo.value.code == "fog.recovery_db_bad_url"


def test_a_url_must_be_a_string() -> None:
    with pytest.raises(FogError) as excinfo:
        open_recovery_db(b"sqlite:///x.db")  # type: ignore[arg-type]
    assert excinfo.value.code == "fog.recovery_db_bad_url"


def test_a_bad_postgres_url_does_not_echo_its_password() -> None:
    with pytest.raises(FogError) as excinfo:
        open_recovery_db("postgresql://fog:s3cret@[::1/db")
    assert "s3cret" not in str(excinfo.value) and "s3cret" not in excinfo.value.message


def test_url_forms() -> None:
    assert isinstance(backend_for_url("sqlite:///var/fog/r.db"), SqliteBackend)
    assert backend_for_url("sqlite:///var/fog/r.db").describe() == "sqlite:/var/fog/r.db"
    assert backend_for_url("sqlite:rel/r.db").describe() == "sqlite:rel/r.db"
    assert backend_for_url("SQLITE:///x.db").describe() == "sqlite:/x.db"
    assert sqlite_url("/var/fog/r.db") == "sqlite:///var/fog/r.db"
    assert sqlite_url("rel/r.db") == "sqlite:rel/r.db"
    for url in ("postgresql://u:pw@h:5433/fog", "postgres://h/fog"):
        backend = backend_for_url(url)
        assert isinstance(backend, PostgresBackend)
        assert "pw" not in backend.describe()


def test_relative_sqlite_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_recovery_db("sqlite:sub.db") as db:
        assert db.backend_name == "sqlite"
        db.new_ingress_key(ingress_key(1), 0)
    assert (tmp_path / "sub.db").is_file()


def test_sqlite_file_that_cannot_be_created(tmp_path: Path) -> None:
    with pytest.raises(FogError) as excinfo:
        open_recovery_db(sqlite_url(str(tmp_path / "missing-dir" / "r.db")))
    assert excinfo.value.code == "fog.recovery_db_io"


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not an SQLite database file, not at all" * 100)
    with pytest.raises(FogError) as excinfo:
        open_recovery_db(sqlite_url(str(path)))
    assert excinfo.value.code == "fog.recovery_db_io"


def test_unreachable_postgres_server() -> None:
    # Port 1 on loopback: nothing listens there; connection refused, retried, then refused.
    with pytest.raises(FogError) as excinfo:
        open_recovery_db("postgresql://postgres@127.0.0.1:1/fog?connect_timeout=2")
    assert excinfo.value.code == "fog.recovery_db_io"


def test_postgres_database_that_does_not_exist(postgres_server: PostgresCluster) -> None:
    with pytest.raises(FogError) as excinfo:
        open_recovery_db(postgres_server.url("no_such_database"))
    assert excinfo.value.code == "fog.recovery_db_io"


def test_several_processes_create_the_schema_at_once(db_url: str) -> None:
    """Services starting together each open the fresh database (PostgreSQL: serialised by an
    advisory lock; SQLite: by the write lock)."""
    opened: list[SqlRecoveryDb] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4, timeout=30)

    def open_one() -> None:
        barrier.wait()
        try:
            opened.append(open_recovery_db(db_url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert len(opened) == 4
        opened[0].new_ingress_key(ingress_key(1), 0)
        assert all(db.get_ingress_key_status(ingress_key(1)) is not None for db in opened)
        assert set(dump(db_url)) == set(TABLES)
    finally:
        for db in opened:
            db.close()
