"""Fog's recovery database: ingress keys, ingest invocations, ingested blocks, user events and
reports, on SQLite (the embedded default) or PostgreSQL (as MobileCoin runs it).

MobileCoin sources mirrored:

* ``fog/recovery_db_iface/src/lib.rs``: the ``RecoveryDb`` and ``ReportDb`` traits
  (:mod:`.iface`);
* ``fog/recovery_db_iface/src/types.rs``: the value types (:mod:`.types`);
* ``fog/sql_recovery_db/migrations/2020-11-03-203017_create_initial_db/up.sql``: the schema
  (``schema.sql``);
* ``fog/sql_recovery_db/src/lib.rs`` and ``proto_types.rs``: ``SqlRecoveryDb``, its queries,
  transactions and retries, and the ``ProtoIngestedBlockData`` blob (:mod:`.sql_db`).

Fog ingest writes (new keys and invocations, one ``ingested_blocks`` row per block and key);
fog view reads blocks by (ingress key, block index) and follows the user events with a cursor;
the report server reads and writes ``reports``. Several processes share one database: with
SQLite they share one file in WAL mode, with PostgreSQL one server. Two ingest servers holding
the same ingress key race on ``UNIQUE(ingress_public_key, block_number)``; the loser is told
``block_already_scanned_with_this_key`` and nothing it sent is stored.

Open a database with :func:`open_recovery_db`::

    db = open_recovery_db("sqlite:///var/fog/recovery.db")      # creates the file and schema
    db = open_recovery_db("postgresql://fog@127.0.0.1:5432/fog")  # creates the schema if absent

Every refusal is a :class:`~refimpl.errors.FogError`: ``fog.recovery_db_bad_url``,
``fog.recovery_db_io`` (cannot open, connection lost after three retries, or another database
failure), ``fog.recovery_db_corrupt``, ``fog.recovery_db_bad_argument``,
``fog.recovery_db_bad_ingress_key``, ``fog.recovery_db_out_of_range``,
``fog.recovery_db_bad_report_id``, ``fog.recovery_db_unknown_ingress_key``,
``fog.recovery_db_ingress_key_exists``, ``fog.recovery_db_unknown_ingest_invocation``,
``fog.recovery_db_already_decommissioned`` and ``fog.recovery_db_egress_key_exists``. See
``docs/fog-recovery-db.md`` for the schema, the semantics and how the tests get a PostgreSQL
server.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from refimpl.fog.recovery_db.backend import backend_for_url, sqlite_url
from refimpl.fog.recovery_db.iface import RecoveryDb, ReportDb
from refimpl.fog.recovery_db.sql_db import SqlRecoveryDb, utc_now
from refimpl.fog.recovery_db.types import (
    AddBlockDataStatus,
    ExpiredInvocationRecord,
    FogUserEvent,
    IngestableRange,
    IngestInvocationId,
    IngressPublicKeyRecord,
    IngressPublicKeyRecordFilters,
    IngressPublicKeyStatus,
    ReportData,
)

__all__ = [
    "AddBlockDataStatus",
    "ExpiredInvocationRecord",
    "FogUserEvent",
    "IngestInvocationId",
    "IngestableRange",
    "IngressPublicKeyRecord",
    "IngressPublicKeyRecordFilters",
    "IngressPublicKeyStatus",
    "RecoveryDb",
    "ReportData",
    "ReportDb",
    "SqlRecoveryDb",
    "open_recovery_db",
    "sqlite_url",
]


def open_recovery_db(
    url: str, *, clock: Callable[[], datetime.datetime] = utc_now
) -> SqlRecoveryDb:
    """Open (creating the schema when absent) the recovery database at ``url``:
    ``sqlite:///ABSOLUTE/PATH``, ``sqlite:RELATIVE/PATH`` or a ``postgresql://`` URI.

    ``clock`` gives the naive-UTC ``last_active_at`` timestamps of ingest invocations.
    """
    return SqlRecoveryDb(backend_for_url(url), clock=clock)
