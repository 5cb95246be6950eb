"""``SqlRecoveryDb``: the recovery database on SQL, one implementation for both back ends.

Mirrors MobileCoin ``fog/sql_recovery_db/src/lib.rs`` (``SqlRecoveryDb``): the same tables,
the same queries and transactions, and the same retry policy (a lost connection is retried
three times, 20 ms apart; other errors are not). Each method checks its arguments
(:mod:`.checks`) before touching the database; each write runs in one transaction, so a refused
or failed call leaves the database as it was. Dialect differences (placeholders, column types,
timestamps, driver errors) live in :mod:`.backend`.

Differences from MobileCoin, each deliberate:

* refusals are typed: an unknown ingress key or invocation, a key or egress key already
  present, a second decommission are ``fog.recovery_db_*`` codes where MobileCoin has a diesel
  error (a foreign-key, not-found or UNIQUE violation);
* ``report_lost_ingress_key`` for a key whose missing range is already recorded (the same key
  reported twice, or two keys with the same range) marks the key lost and adds no second
  event; MobileCoin fails on ``UNIQUE(missing_blocks_start, missing_blocks_end)`` and leaves
  the key not lost;
* ``last_active_at`` is the caller's clock (naive UTC), not the database server's ``now()``;
* results whose order MobileCoin leaves to the database are ordered (by id, or by start block
  and key for ingress-key records).
"""

from __future__ import annotations

import datetime
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from refimpl.errors import FogError, RefImplError
from refimpl.fog.recovery_db import checks
from refimpl.fog.recovery_db.backend import Backend, ErrorKind
from refimpl.fog.recovery_db.iface import RecoveryDb, ReportDb
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
from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    BlockRange,
    DecommissionedIngestInvocation,
    ETxOutRecord,
    FixedTxOutSearchResult,
    IngestedBlockData,
    KexRngPubkey,
    RngRecord,
    TxOutSearchResultCode,
)
from refimpl.ledger.block import Block

_T = TypeVar("_T")

#: ``postgres_retry_count`` and ``postgres_retry_millis`` of MobileCoin's connection config.
RETRY_COUNT = 3
RETRY_DELAY_S = 0.020


def utc_now() -> datetime.datetime:
    """The current time as a naive UTC datetime (what ``last_active_at`` stores)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class _UniqueViolation(Exception):
    """A UNIQUE constraint refused a row (internal; the caller decides what it means)."""


class Tx:
    """Statements of one transaction (or one autocommit statement) on a back end."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return self._backend.execute(sql, params).rows

    def row(self, sql: str, *params: object) -> tuple[Any, ...] | None:
        rows = self.rows(sql, *params)
        return rows[0] if rows else None

    def value(self, sql: str, *params: object) -> Any:
        """The first column of the first row (``None`` if no row)."""
        row = self.row(sql, *params)
        return None if row is None else row[0]

    def execute(self, sql: str, *params: object) -> int:
        """Run a statement; return the number of rows it changed."""
        return self._backend.execute(sql, params).rowcount


def _corrupt(message: str) -> FogError:
    return FogError("fog.recovery_db_corrupt", message)


def _decode_block(proto: object) -> list[ETxOutRecord]:
    if not isinstance(proto, bytes | memoryview):
        raise _corrupt("proto_ingested_block_data is not bytes")
    try:
        return list(IngestedBlockData.from_protobuf(bytes(proto)).e_tx_out_records)
    except RefImplError as exc:
        raise _corrupt(f"undecodable ProtoIngestedBlockData: {exc.message}") from exc


def _search_result(search_key: bytes, payload: bytes | None) -> FixedTxOutSearchResult:
    """``FixedTxOutSearchResult::new``: the payload zero-padded to the fixed length."""
    if payload is None:
        return FixedTxOutSearchResult(search_key, TxOutSearchResultCode.NOT_FOUND,
                                      bytes(FIXED_CIPHERTEXT_LENGTH), 0)
    if len(payload) > FIXED_CIPHERTEXT_LENGTH:
        raise _corrupt(f"stored payload of {len(payload)} bytes exceeds the fixed length")
    padded = payload + bytes(FIXED_CIPHERTEXT_LENGTH - len(payload))
    return FixedTxOutSearchResult(search_key, TxOutSearchResultCode.FOUND, padded, len(payload))


def _status(row: tuple[Any, ...]) -> IngressPublicKeyStatus:
    start_block, pubkey_expiry, retired, lost = row
    return IngressPublicKeyStatus(int(start_block), int(pubkey_expiry), bool(retired), bool(lost))


_STATUS_COLUMNS = "start_block, pubkey_expiry, retired, lost"
_LAST_SCANNED_BY_KEY = (
    "(SELECT MAX(b.block_number) FROM ingested_blocks b"
    " WHERE b.ingress_public_key = k.ingress_public_key)"
)


class SqlRecoveryDb(RecoveryDb, ReportDb):
    """The recovery and report database on one :class:`Backend` connection (thread-safe).

    Construct it with :func:`refimpl.fog.recovery_db.open_recovery_db`; it creates the schema
    when absent. ``clock`` gives ``last_active_at`` timestamps (naive UTC).
    """

    def __init__(
        self, backend: Backend, *, clock: Callable[[], datetime.datetime] = utc_now
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._lock = threading.RLock()
        self._closed = False
        try:
            self._run(self._create_schema, atomic=True)
        except BaseException:
            backend.reset()
            raise

    # --- plumbing -------------------------------------------------------------------------

    @property
    def backend_name(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._backend.name

    def close(self) -> None:
        """Close the connection; later calls raise ``fog.recovery_db_io``."""
        with self._lock:
            self._closed = True
            self._backend.reset()

    def __enter__(self) -> SqlRecoveryDb:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(
        self,
        body: Callable[[Tx], _T],
        *,
        atomic: bool = False,
        on_unique: Callable[[], _T] | None = None,
    ) -> _T:
        """Run ``body`` (in one transaction when ``atomic``), retrying a lost connection.

        A UNIQUE violation becomes ``on_unique()`` (after the rollback); other driver errors
        become ``fog.recovery_db_io``; the body's own errors pass through after the rollback.
        """
        with self._lock:
            if self._closed:
                raise FogError("fog.recovery_db_io", f"{self._backend.describe()}: closed")
            attempt = 0
            while True:
                try:
                    return self._attempt(body, atomic)
                except _UniqueViolation as exc:
                    if on_unique is None:
                        raise FogError("fog.recovery_db_io",
                                       f"{self._backend.describe()}: {exc}") from exc
                    return on_unique()
                except _Retry as exc:
                    if attempt >= RETRY_COUNT:
                        raise FogError("fog.recovery_db_io",
                                       f"{self._backend.describe()}: {exc}") from exc
                    attempt += 1
                    time.sleep(RETRY_DELAY_S * random.uniform(0.5, 1.5))

    def _attempt(self, body: Callable[[Tx], _T], atomic: bool) -> _T:
        tx = Tx(self._backend)
        try:
            if atomic:
                tx.execute(self._backend.begin_sql)
            result = body(tx)
            if atomic:
                tx.execute("COMMIT")
            return result
        except BaseException as exc:
            kind = self._backend.classify(exc)  # before the rollback changes the connection
            if atomic:
                self._backend.rollback()
            if kind is None:
                raise
            if kind is ErrorKind.UNIQUE:
                raise _UniqueViolation(str(exc).strip()) from exc
            if kind is ErrorKind.RETRY:
                self._backend.reset()
                raise _Retry(str(exc).strip()) from exc
            raise FogError("fog.recovery_db_io",
                           f"{self._backend.describe()}: {str(exc).strip()}") from exc

    def _create_schema(self, tx: Tx) -> None:
        for statement in self._backend.schema_statements():
            tx.execute(statement)

    def _now(self) -> object:
        return self._backend.encode_time(checks.utc_naive("clock()", self._clock()))

    # --- RecoveryDb: ingress keys ------------------------------------------------------------

    def get_ingress_key_status(self, key: bytes) -> IngressPublicKeyStatus | None:
        key = checks.ingress_key(key)
        return self._run(lambda tx: self._key_status(tx, key))

    @staticmethod
    def _key_status(tx: Tx, key: bytes) -> IngressPublicKeyStatus | None:
        row = tx.row(f"SELECT {_STATUS_COLUMNS} FROM ingress_keys WHERE ingress_public_key = ?",
                     key)
        return None if row is None else _status(row)

    def new_ingress_key(self, key: bytes, start_block_count: int) -> int:
        key = checks.ingress_key(key)
        start = checks.block_index("start block count", start_block_count)

        def body(tx: Tx) -> int:
            highest = tx.value("SELECT MAX(block_number) FROM ingested_blocks")
            accepted = max(start, 0 if highest is None else int(highest) + 1)
            inserted = tx.execute(
                "INSERT INTO ingress_keys"
                " (ingress_public_key, start_block, pubkey_expiry, retired, lost)"
                " VALUES (?, ?, 0, ?, ?) ON CONFLICT DO NOTHING",
                key, accepted, False, False,
            )
            if inserted == 0:
                raise FogError("fog.recovery_db_ingress_key_exists", f"{key.hex()}")
            return accepted

        return self._run(body, atomic=True)

    def retire_ingress_key(self, key: bytes, set_retired: bool) -> None:
        key = checks.ingress_key(key)
        retired = checks.boolean("set_retired", set_retired)
        self._run(lambda tx: tx.execute(
            "UPDATE ingress_keys SET retired = ? WHERE ingress_public_key = ?", retired, key))

    def get_last_scanned_block_index(self, key: bytes) -> int | None:
        key = checks.ingress_key(key)
        return self._run(lambda tx: self._last_scanned(tx, key))

    @staticmethod
    def _last_scanned(tx: Tx, key: bytes) -> int | None:
        value = tx.value(
            "SELECT MAX(block_number) FROM ingested_blocks WHERE ingress_public_key = ?", key)
        return None if value is None else int(value)

    def get_ingress_key_records(
        self, start_block_at_least: int, filters: IngressPublicKeyRecordFilters
    ) -> list[IngressPublicKeyRecord]:
        start = checks.block_index("start_block_at_least", start_block_at_least)
        filters = checks.instance("filters", filters, IngressPublicKeyRecordFilters)
        conditions = ["TRUE"]
        if filters.should_only_include_unexpired_keys:
            conditions.append("last_scanned IS NOT NULL AND pubkey_expiry > last_scanned")
        if not filters.should_include_lost_keys:
            conditions.append("NOT lost")
        if not filters.should_include_retired_keys:
            conditions.append("NOT retired")
        sql = (
            f"SELECT ingress_public_key, {_STATUS_COLUMNS}, last_scanned FROM"
            f" (SELECT k.*, {_LAST_SCANNED_BY_KEY} AS last_scanned FROM ingress_keys k"
            "  WHERE k.start_block >= ?) AS r"
            f" WHERE {' AND '.join(conditions)}"
            " ORDER BY start_block, ingress_public_key"
        )
        rows = self._run(lambda tx: tx.rows(sql, start))
        return [
            IngressPublicKeyRecord(
                bytes(row[0]), _status(row[1:5]), None if row[5] is None else int(row[5])
            )
            for row in rows
        ]

    def report_lost_ingress_key(self, lost_ingress_key: bytes) -> None:
        key = checks.ingress_key(lost_ingress_key)

        def body(tx: Tx) -> None:
            row = tx.row(
                "UPDATE ingress_keys SET lost = ? WHERE ingress_public_key = ?"
                " RETURNING start_block, pubkey_expiry",
                True, key,
            )
            if row is None:
                raise FogError("fog.recovery_db_unknown_ingress_key", key.hex())
            start, end = int(row[0]), int(row[1])
            last_scanned = self._last_scanned(tx, key)
            if last_scanned is not None:
                if last_scanned + 1 >= end:
                    return  # everything promised was scanned
                start = max(start, last_scanned + 1)
            if end <= start:
                return  # never published (expiry 0) or nothing left: no missed blocks
            tx.execute(
                "INSERT INTO user_events (event_type, missing_blocks_start, missing_blocks_end)"
                " VALUES ('missing_blocks', ?, ?) ON CONFLICT DO NOTHING",
                start, end,
            )

        self._run(body, atomic=True)

    def get_missed_block_ranges(self) -> list[BlockRange]:
        rows = self._run(lambda tx: tx.rows(
            "SELECT id, missing_blocks_start, missing_blocks_end FROM user_events"
            " WHERE event_type = 'missing_blocks' ORDER BY id"))
        return [self._missing_range(row[0], row[1], row[2]) for row in rows]

    @staticmethod
    def _missing_range(event_id: int, start: object, end: object) -> BlockRange:
        if not isinstance(start, int) or not isinstance(end, int):
            raise _corrupt(f"user event {event_id}: missing block range is incomplete")
        try:
            return BlockRange(start, end)
        except FogError as exc:
            raise _corrupt(f"user event {event_id}: {exc.message}") from exc

    # --- RecoveryDb: ingest invocations ------------------------------------------------------

    def new_ingest_invocation(
        self,
        prev_ingest_invocation_id: IngestInvocationId | None,
        ingress_public_key: bytes,
        egress_public_key: KexRngPubkey,
        start_block: int,
    ) -> IngestInvocationId:
        prev = (
            None
            if prev_ingest_invocation_id is None
            else checks.signed_id("previous ingest invocation id", prev_ingest_invocation_id)
        )
        key = checks.ingress_key(ingress_public_key)
        egress = checks.instance("egress public key", egress_public_key, KexRngPubkey)
        egress_bytes = checks.opaque_bytes("egress public key bytes", egress.public_key)
        rng_version = checks.u32_bits("rng version", egress.version)
        start = checks.block_index("start block", start_block)

        def egress_exists() -> IngestInvocationId:
            raise FogError("fog.recovery_db_egress_key_exists", egress_bytes.hex())

        def body(tx: Tx) -> IngestInvocationId:
            if prev is not None:
                self._decommission(tx, prev)
            if tx.value("SELECT 1 FROM ingress_keys WHERE ingress_public_key = ?", key) is None:
                raise FogError("fog.recovery_db_unknown_ingress_key", key.hex())
            if tx.value("SELECT 1 FROM ingest_invocations WHERE egress_public_key = ?",
                        egress_bytes) is not None:
                egress_exists()
            new_id = tx.value(
                "INSERT INTO ingest_invocations (ingress_public_key, egress_public_key,"
                " last_active_at, start_block, decommissioned, rng_version)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                key, egress_bytes, self._now(), start, False, rng_version,
            )
            tx.execute(
                "INSERT INTO user_events (event_type, new_ingest_invocation_id)"
                " VALUES ('new_ingest_invocation', ?)",
                new_id,
            )
            return IngestInvocationId(int(new_id))

        return self._run(body, atomic=True, on_unique=egress_exists)

    def _decommission(self, tx: Tx, invocation: int) -> None:
        """Mark ``invocation`` decommissioned and record the event (inside a transaction)."""
        changed = tx.execute(
            "UPDATE ingest_invocations SET decommissioned = ?, last_active_at = ?"
            " WHERE id = ? AND NOT decommissioned",
            True, self._now(), invocation,
        )
        if changed == 0:
            if tx.value("SELECT 1 FROM ingest_invocations WHERE id = ?", invocation) is None:
                raise FogError("fog.recovery_db_unknown_ingest_invocation", str(invocation))
            raise FogError("fog.recovery_db_already_decommissioned", str(invocation))
        tx.execute(
            "INSERT INTO user_events (event_type, decommission_ingest_invocation_id)"
            " VALUES ('decommission_ingest_invocation', ?)",
            invocation,
        )

    def get_ingestable_ranges(self) -> list[IngestableRange]:
        rows = self._run(lambda tx: tx.rows(
            "SELECT i.id, i.start_block, i.decommissioned,"
            " (SELECT MAX(b.block_number) FROM ingested_blocks b"
            "  WHERE b.ingest_invocation_id = i.id)"
            " FROM ingest_invocations i ORDER BY i.id"))
        return [
            IngestableRange(IngestInvocationId(int(row[0])), int(row[1]), bool(row[2]),
                            None if row[3] is None else int(row[3]))
            for row in rows
        ]

    def decommission_ingest_invocation(self, ingest_invocation_id: IngestInvocationId) -> None:
        invocation = checks.signed_id("ingest invocation id", ingest_invocation_id)

        def twice() -> None:
            raise FogError("fog.recovery_db_already_decommissioned", str(invocation))

        self._run(lambda tx: self._decommission(tx, invocation), atomic=True, on_unique=twice)

    def update_last_active_at(self, ingest_invocation_id: IngestInvocationId) -> None:
        invocation = checks.signed_id("ingest invocation id", ingest_invocation_id)
        self._run(lambda tx: tx.execute(
            "UPDATE ingest_invocations SET last_active_at = ? WHERE id = ?",
            self._now(), invocation))

    def get_expired_invocations(
        self, expiration: datetime.datetime
    ) -> list[ExpiredInvocationRecord]:
        before = self._backend.encode_time(checks.utc_naive("expiration", expiration))
        rows = self._run(lambda tx: tx.rows(
            "SELECT id, rng_version, egress_public_key, last_active_at FROM ingest_invocations"
            " WHERE last_active_at < ? ORDER BY id", before))
        return [
            ExpiredInvocationRecord(
                IngestInvocationId(int(row[0])),
                KexRngPubkey(bytes(row[2]), checks.from_u32_bits(int(row[1]))),
                self._backend.decode_time(row[3]),
            )
            for row in rows
        ]

    # --- RecoveryDb: ingested blocks ---------------------------------------------------------

    def add_block_data(
        self,
        ingest_invocation_id: IngestInvocationId,
        block: Block,
        block_signature_timestamp: int,
        txs: Sequence[ETxOutRecord],
    ) -> AddBlockDataStatus:
        invocation = checks.signed_id("ingest invocation id", ingest_invocation_id)
        block = checks.instance("block", block, Block)
        index = checks.block_index("block index", block.index)
        txo_count = checks.u64_bits("cumulative txo count", block.cumulative_txo_count)
        timestamp = checks.u64_bits("block signature timestamp", block_signature_timestamp)
        if isinstance(txs, str | bytes) or not isinstance(txs, Sequence):
            raise FogError("fog.recovery_db_bad_argument", "txs must be a sequence")
        records = tuple(checks.instance("tx record", r, ETxOutRecord) for r in txs)
        proto = IngestedBlockData(records).to_protobuf()

        def body(tx: Tx) -> AddBlockDataStatus:
            key = tx.value("SELECT ingress_public_key FROM ingest_invocations WHERE id = ?",
                           invocation)
            if key is None:
                raise FogError("fog.recovery_db_unknown_ingest_invocation", str(invocation))
            tx.execute(
                "INSERT INTO ingested_blocks (ingest_invocation_id, ingress_public_key,"
                " block_number, cumulative_txo_count, block_signature_timestamp,"
                " proto_ingested_block_data) VALUES (?, ?, ?, ?, ?, ?)",
                invocation, bytes(key), index, txo_count, timestamp, proto,
            )
            tx.execute("UPDATE ingest_invocations SET last_active_at = ? WHERE id = ?",
                       self._now(), invocation)
            return AddBlockDataStatus(block_already_scanned_with_this_key=False)

        return self._run(
            body, atomic=True,
            on_unique=lambda: AddBlockDataStatus(block_already_scanned_with_this_key=True),
        )

    def get_tx_outs(
        self, start_block: int, search_keys: Sequence[bytes]
    ) -> list[FixedTxOutSearchResult]:
        start = checks.block_index("start block", start_block)
        keys = [checks.opaque_bytes("search key", k) for k in search_keys]
        protos = self._run(lambda tx: tx.rows(
            "SELECT proto_ingested_block_data FROM ingested_blocks WHERE block_number >= ?"
            " ORDER BY id", start))
        payloads: dict[bytes, bytes] = {}
        for (proto,) in protos:
            for record in _decode_block(proto):
                payloads[record.search_key] = record.payload
        return [_search_result(k, payloads.get(k)) for k in keys]

    def get_tx_outs_by_block_and_key(
        self, ingress_key: bytes, block_index: int
    ) -> list[ETxOutRecord] | None:
        key = checks.ingress_key(ingress_key)
        index = checks.block_index("block index", block_index)
        rows = self._run(lambda tx: tx.rows(
            "SELECT proto_ingested_block_data FROM ingested_blocks"
            " WHERE ingress_public_key = ? AND block_number = ?", key, index))
        if len(rows) > 1:
            raise _corrupt(f"{len(rows)} rows for key {key.hex()} and block {index}")
        return _decode_block(rows[0][0]) if rows else None

    def get_tx_outs_by_block_range_and_key(
        self, ingress_key: bytes, block_range: BlockRange
    ) -> list[list[ETxOutRecord]]:
        key = checks.ingress_key(ingress_key)
        block_range = checks.instance("block range", block_range, BlockRange)
        start = checks.block_index("range start", block_range.start_block)
        limit = min(block_range.len, checks.I64_MAX)
        rows = self._run(lambda tx: tx.rows(
            "SELECT block_number, proto_ingested_block_data FROM ingested_blocks"
            " WHERE ingress_public_key = ? AND block_number >= ?"
            " ORDER BY block_number LIMIT ?", key, start, limit))
        result: list[list[ETxOutRecord]] = []
        for offset, (block_number, proto) in enumerate(rows):
            if int(block_number) != start + offset:
                break  # a gap: return the consecutive blocks found so far
            result.append(_decode_block(proto))
        return result

    def get_invocation_id_by_block_and_key(
        self, ingress_key: bytes, block_index: int
    ) -> IngestInvocationId | None:
        key = checks.ingress_key(ingress_key)
        index = checks.block_index("block index", block_index)
        rows = self._run(lambda tx: tx.rows(
            "SELECT ingest_invocation_id FROM ingested_blocks"
            " WHERE ingress_public_key = ? AND block_number = ?", key, index))
        if len(rows) > 1:
            raise _corrupt(f"{len(rows)} rows for key {key.hex()} and block {index}")
        return IngestInvocationId(int(rows[0][0])) if rows else None

    def get_cumulative_txo_count_for_block(self, block_index: int) -> int | None:
        index = checks.block_index("block index", block_index)
        rows = self._run(lambda tx: tx.rows(
            "SELECT cumulative_txo_count FROM ingested_blocks WHERE block_number = ?", index))
        counts = {int(row[0]) for row in rows}
        if len(counts) > 1:
            raise _corrupt(f"block {index} has several cumulative txo counts {sorted(counts)}")
        return checks.from_u64_bits(counts.pop()) if counts else None

    def get_block_signature_timestamp_for_block(self, block_index: int) -> int | None:
        index = checks.block_index("block index", block_index)
        value = self._run(lambda tx: tx.value(
            "SELECT block_signature_timestamp FROM ingested_blocks WHERE block_number = ?"
            " ORDER BY id LIMIT 1", index))
        return None if value is None else checks.from_u64_bits(int(value))

    def get_highest_known_block_index(self) -> int | None:
        value = self._run(lambda tx: tx.value("SELECT MAX(block_number) FROM ingested_blocks"))
        return None if value is None else int(value)

    # --- RecoveryDb: user events -------------------------------------------------------------

    def search_user_events(
        self, start_from_user_event_id: int
    ) -> tuple[list[FogUserEvent], int]:
        cursor = checks.signed_id("start_from_user_event_id", start_from_user_event_id)
        if cursor == checks.I64_MAX:
            return [], cursor
        rows = self._run(lambda tx: tx.rows(
            "SELECT e.id, e.event_type, i.id, i.egress_public_key, i.rng_version, i.start_block,"
            " e.decommission_ingest_invocation_id,"
            " (SELECT COALESCE(MAX(b.block_number), 0) FROM ingested_blocks b"
            "  WHERE e.event_type = 'decommission_ingest_invocation'"
            "  AND b.ingest_invocation_id = e.decommission_ingest_invocation_id),"
            " e.missing_blocks_start, e.missing_blocks_end"
            " FROM user_events e"
            " LEFT JOIN ingest_invocations i ON e.new_ingest_invocation_id = i.id"
            " WHERE e.id > ? ORDER BY e.id", cursor))
        events = [self._event(row) for row in rows]
        return events, max([cursor, *(int(row[0]) for row in rows)])

    def _event(self, row: tuple[Any, ...]) -> FogUserEvent:
        (event_id, event_type, new_id, egress, rng_version, start_block,
         decommissioned_id, last_block, missing_start, missing_end) = row
        if event_type == "new_ingest_invocation":
            if new_id is None or egress is None or rng_version is None or start_block is None:
                raise _corrupt(f"user event {event_id}: new ingest invocation is incomplete")
            pubkey = KexRngPubkey(bytes(egress), checks.from_u32_bits(int(rng_version)))
            return RngRecord(int(new_id), pubkey, int(start_block))
        if event_type == "decommission_ingest_invocation":
            if decommissioned_id is None:
                raise _corrupt(f"user event {event_id}: decommission has no invocation id")
            return DecommissionedIngestInvocation(int(decommissioned_id), int(last_block))
        if event_type == "missing_blocks":
            return self._missing_range(event_id, missing_start, missing_end)
        raise _corrupt(f"user event {event_id}: unknown type {event_type!r}")

    # --- ReportDb ---------------------------------------------------------------------------

    def get_all_reports(self) -> list[tuple[str, ReportData]]:
        rows = self._run(lambda tx: tx.rows(
            "SELECT ingest_invocation_id, fog_report_id, report, pubkey_expiry FROM reports"
            " ORDER BY id"))
        return [
            (
                str(report_id),
                ReportData(
                    None if invocation is None else IngestInvocationId(int(invocation)),
                    bytes(report),
                    int(expiry),
                ),
            )
            for invocation, report_id, report, expiry in rows
        ]

    def set_report(
        self, ingress_public_key: bytes, report_id: str, data: ReportData
    ) -> IngressPublicKeyStatus:
        key = checks.ingress_key(ingress_public_key)
        fog_report_id = checks.report_id(report_id)
        data = checks.instance("report data", data, ReportData)
        invocation = (
            None
            if data.ingest_invocation_id is None
            else checks.signed_id("report ingest invocation id", data.ingest_invocation_id)
        )
        evidence = checks.opaque_bytes("attestation evidence", data.attestation_evidence)
        expiry = checks.block_index("pubkey expiry", data.pubkey_expiry)

        def body(tx: Tx) -> IngressPublicKeyStatus:
            # Raise the key's expiry (never lower it), unless the key is retired.
            row = tx.row(
                "UPDATE ingress_keys SET pubkey_expiry = ?"
                " WHERE ingress_public_key = ? AND NOT retired AND pubkey_expiry < ?"
                f" RETURNING {_STATUS_COLUMNS}",
                expiry, key, expiry,
            )
            status = _status(row) if row is not None else self._key_status(tx, key)
            if status is None:
                raise FogError("fog.recovery_db_unknown_ingress_key", key.hex())
            if status.retired:
                return status  # a retired key is not published: nothing written
            if invocation is not None and tx.value(
                "SELECT 1 FROM ingest_invocations WHERE id = ?", invocation
            ) is None:
                raise FogError("fog.recovery_db_unknown_ingest_invocation", str(invocation))
            tx.execute(
                "INSERT INTO reports"
                " (ingress_public_key, ingest_invocation_id, fog_report_id, report, pubkey_expiry)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (fog_report_id) DO UPDATE SET"
                " ingress_public_key = excluded.ingress_public_key,"
                " ingest_invocation_id = excluded.ingest_invocation_id,"
                " report = excluded.report, pubkey_expiry = excluded.pubkey_expiry",
                key, invocation, fog_report_id, evidence, expiry,
            )
            return status

        return self._run(body, atomic=True)

    def remove_report(self, report_id: str) -> None:
        fog_report_id = checks.report_id(report_id)
        self._run(lambda tx: tx.execute("DELETE FROM reports WHERE fog_report_id = ?",
                                        fog_report_id))


class _Retry(Exception):
    """The connection was lost (internal; :meth:`SqlRecoveryDb._run` retries)."""
