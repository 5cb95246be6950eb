"""Fixtures: every recovery-database test runs on SQLite (a file in ``tmp_path``) and on a real
PostgreSQL server (``tests/pg.py``: one throwaway server per session, one schema per test).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from refimpl.fog.recovery_db import SqlRecoveryDb, open_recovery_db, sqlite_url
from tests.pg import PostgresCluster, postgres_server  # noqa: F401 (session fixture)
from tests.unit.fog.recovery_db._data import Clock

_database_numbers = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty database on each back end."""
    if request.param == "sqlite":
        return sqlite_url(str(tmp_path_factory.mktemp("recovery_db") / "recovery.db"))
    server: PostgresCluster = request.getfixturevalue("postgres_server")
    return server.create_schema(f"recovery_{next(_database_numbers)}")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(db_url: str, clock: Clock) -> Iterator[SqlRecoveryDb]:
    """An open recovery database with a settable clock, closed after the test."""
    with open_recovery_db(db_url, clock=clock) as opened:
        yield opened
