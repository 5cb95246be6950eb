"""The two SQL back ends of the recovery database: SQLite (embedded default) and PostgreSQL.

Everything that differs between them lives here, so that :mod:`.sql_db` holds one copy of
every query: how a URL is parsed and a connection opened, the parameter placeholder, how a
write transaction begins, the column types filled into ``schema.sql``, how timestamps are
stored, and which driver exceptions mean "UNIQUE violated", "connection lost, retry" or
"database failure".

* ``sqlite:///ABSOLUTE/PATH`` or ``sqlite:RELATIVE/PATH``: one file in WAL mode, so one process
  (ingest) writes while others (view, report) read; writers take the lock up front
  (``BEGIN IMMEDIATE``) and wait up to :data:`SQLITE_BUSY_TIMEOUT_MS` for each other; foreign
  keys are enforced; ``synchronous=FULL``.
* ``postgresql://...`` (or ``postgres://``): any libpq URI, through psycopg 3, as MobileCoin
  runs it (``fog/sql_recovery_db``). One connection per database object, in autocommit mode
  with explicit ``BEGIN``/``COMMIT``; schema creation holds an advisory lock so two processes
  starting together do not race.
"""

from __future__ import annotations

import datetime
import enum
import re
import sqlite3
import time
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Sequence
from importlib import resources
from typing import Any

import attrs
import psycopg
import psycopg.conninfo
import psycopg.errors

from refimpl.errors import FogError

#: How long an SQLite writer waits for another process's write transaction.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Connection timeout for PostgreSQL unless the URL sets ``connect_timeout``.
POSTGRES_CONNECT_TIMEOUT_S = 10
#: Key of the PostgreSQL advisory lock held while creating the schema.
_SCHEMA_LOCK_KEY = 0x0F0C_DB01

#: admin_shutdown, crash_shutdown, cannot_connect_now: the server dropped or refused us.
_SERVER_SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03"})

_EVENT_TYPES = ("new_ingest_invocation", "decommission_ingest_invocation", "missing_blocks")
_EVENT_TYPE_LIST = ", ".join(f"'{name}'" for name in _EVENT_TYPES)


class ErrorKind(enum.Enum):
    """How the database layer treats a driver exception."""

    UNIQUE = "unique"  # a UNIQUE or PRIMARY KEY constraint refused a row
    RETRY = "retry"  # the connection failed; reconnect and try the transaction again
    FAILURE = "failure"  # anything else the driver raised


@attrs.frozen
class Result:
    """Rows (empty for statements without a result) and the affected-row count."""

    rows: list[tuple[Any, ...]]
    rowcount: int


class Backend(ABC):
    """One database connection and the dialect it speaks. Not thread-safe: the caller locks."""

    #: ``"sqlite"`` or ``"postgresql"``.
    name: str
    #: The statement that opens a write transaction.
    begin_sql: str

    @abstractmethod
    def execute(self, sql: str, params: Sequence[object]) -> Result:
        """Run one statement written with ``?`` placeholders (connecting first if needed)."""

    @abstractmethod
    def classify(self, exc: BaseException) -> ErrorKind | None:
        """What a driver exception means; ``None`` for exceptions that are not the driver's."""

    @abstractmethod
    def reset(self) -> None:
        """Drop the connection (after a failure); the next statement reconnects."""

    @abstractmethod
    def is_connected(self) -> bool:
        """Whether a connection is open (this never connects)."""

    def rollback(self) -> None:
        """Roll back the open transaction, if the connection still stands (never reconnects:
        a new connection has no transaction); a connection that cannot is dropped."""
        if not self.is_connected():
            return
        try:
            self.execute("ROLLBACK", ())
        except Exception as exc:
            if self.classify(exc) is None:
                raise
            self.reset()

    @abstractmethod
    def schema_statements(self) -> list[str]:
        """The statements that create the schema if absent, run in one write transaction."""

    @abstractmethod
    def encode_time(self, when: datetime.datetime) -> object:
        """A naive UTC datetime as the ``last_active_at`` column stores it."""

    @abstractmethod
    def decode_time(self, value: object) -> datetime.datetime:
        """The inverse of :meth:`encode_time`."""

    @abstractmethod
    def describe(self) -> str:
        """Where the database is, for messages (never a password)."""


def _schema(types: dict[str, str]) -> list[str]:
    """``schema.sql`` with the back end's column types, split into statements."""
    text = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
    filled = text.format(**types)
    return [s.strip() for s in re.split(r";[ \t]*$", filled, flags=re.MULTILINE) if s.strip()]


def _io(message: str) -> FogError:
    return FogError("fog.recovery_db_io", message)



def _enter_wal(conn: sqlite3.Connection) -> Any:
    """``PRAGMA journal_mode = WAL``, retried while another connection holds the lock: SQLite
    answers a journal-mode change that races another opener with SQLITE_BUSY at once, without
    calling the busy handler."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)

class SqliteBackend(Backend):
    """An SQLite file (``sqlite3``, autocommit mode with explicit transactions)."""

    name = "sqlite"
    begin_sql = "BEGIN IMMEDIATE"

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA foreign_keys = ON")
                mode = _enter_wal(conn)
                if mode is None or str(mode[0]).lower() != "wal":
                    raise _io(f"{self.path}: SQLite refused WAL mode ({mode})")
                conn.execute("PRAGMA synchronous = FULL")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def execute(self, sql: str, params: Sequence[object]) -> Result:
        cur = self._connection().execute(sql, tuple(params))
        rows = cur.fetchall() if cur.description is not None else []
        return Result(rows, cur.rowcount)

    def classify(self, exc: BaseException) -> ErrorKind | None:
        if isinstance(exc, sqlite3.IntegrityError) and getattr(
            exc, "sqlite_errorname", ""
        ) in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):
            return ErrorKind.UNIQUE
        if isinstance(exc, sqlite3.Error):
            return ErrorKind.FAILURE
        return None

    def reset(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def is_connected(self) -> bool:
        return self._conn is not None

    def schema_statements(self) -> list[str]:
        return _schema(
            {
                "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
                "bytes": "BLOB",
                "timestamp": "TEXT",
                "event_type": f"TEXT CHECK (event_type IN ({_EVENT_TYPE_LIST}))",
            }
        )

    def encode_time(self, when: datetime.datetime) -> object:
        # Fixed width, so text order is time order.
        return when.isoformat(sep=" ", timespec="microseconds")

    def decode_time(self, value: object) -> datetime.datetime:
        if not isinstance(value, str):
            raise FogError("fog.recovery_db_corrupt", f"timestamp {value!r} is not text")
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError as exc:
            raise FogError("fog.recovery_db_corrupt", f"timestamp {value!r}") from exc

    def describe(self) -> str:
        return f"sqlite:{self.path}"


class PostgresBackend(Backend):
    """A PostgreSQL database (psycopg 3, autocommit mode with explicit transactions)."""

    name = "postgresql"
    begin_sql = "BEGIN"

    def __init__(self, url: str) -> None:
        try:
            self._params = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.Error as exc:
            reason = str(exc).split(" in URI", 1)[0].strip()  # libpq repeats the URI: secrets
            raise FogError("fog.recovery_db_bad_url", f"PostgreSQL url: {reason}") from exc
        self._url = url
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            extra: dict[str, Any] = {}
            if "connect_timeout" not in self._params:
                extra["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
            self._conn = psycopg.connect(self._url, autocommit=True, **extra)
        return self._conn

    def execute(self, sql: str, params: Sequence[object]) -> Result:
        cur = self._connection().execute(sql.replace("?", "%s"), tuple(params) or None)
        rows = cur.fetchall() if cur.description is not None else []
        return Result(rows, cur.rowcount)

    def classify(self, exc: BaseException) -> ErrorKind | None:
        if isinstance(exc, psycopg.errors.UniqueViolation):
            return ErrorKind.UNIQUE
        if isinstance(exc, psycopg.OperationalError):
            conn = self._conn
            lost = conn is None or conn.closed or conn.broken
            state = exc.sqlstate or ""
            if lost or state.startswith("08") or state in _SERVER_SHUTDOWN_STATES:
                return ErrorKind.RETRY
        if isinstance(exc, psycopg.Error):
            return ErrorKind.FAILURE
        return None

    def reset(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def is_connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def schema_statements(self) -> list[str]:
        return [
            f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK_KEY})",
            "DO $$ BEGIN "
            f"CREATE TYPE user_event_type AS ENUM ({_EVENT_TYPE_LIST}); "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            *_schema(
                {
                    "id": "BIGSERIAL PRIMARY KEY",
                    "bytes": "BYTEA",
                    "timestamp": "TIMESTAMP",
                    "event_type": "user_event_type",
                }
            ),
        ]

    def encode_time(self, when: datetime.datetime) -> object:
        return when

    def decode_time(self, value: object) -> datetime.datetime:
        if not isinstance(value, datetime.datetime):
            raise FogError("fog.recovery_db_corrupt", f"timestamp {value!r}")
        return value

    def describe(self) -> str:
        host = self._params.get("host", "") or "local socket"
        return f"postgresql:{host}:{self._params.get('port', '')}/{self._params.get('dbname', '')}"


def backend_for_url(url: str) -> Backend:
    """The back end a recovery-database URL names (nothing is opened yet)."""
    if not isinstance(url, str):
        raise FogError("fog.recovery_db_bad_url", f"expected a url string, got {type(url)}")
    scheme = url.partition(":")[0].lower()
    if scheme in ("postgresql", "postgres"):
        return PostgresBackend(url)
    if scheme != "sqlite":
        raise FogError("fog.recovery_db_bad_url",
                       f"{scheme!r}: expected sqlite:///PATH or postgresql://...")
    parts = urllib.parse.urlsplit(url)
    if parts.netloc or parts.query or parts.fragment or not parts.path or "\0" in parts.path:
        raise FogError("fog.recovery_db_bad_url",
                       "expected sqlite:///ABSOLUTE/PATH or sqlite:RELATIVE/PATH")
    return SqliteBackend(parts.path)


def sqlite_url(path: str) -> str:
    """The URL of the SQLite file ``path`` (absolute or relative)."""
    return f"sqlite://{path}" if path.startswith("/") else f"sqlite:{path}"
