"""The recovery database contract: the ``RecoveryDb`` and ``ReportDb`` interfaces.

Mirrors the traits of MobileCoin ``fog/recovery_db_iface/src/lib.rs`` (method names in
snake_case, same arguments and results). Fog ingest writes through it; fog view and the report
server read. Every implementation raises :class:`~refimpl.errors.FogError` with a
``fog.recovery_db_*`` code (or ``fog.bad_block_range`` from :class:`BlockRange`) for bad input
and for database failures; a refused call changes nothing.

Block indices, counts and ``pubkey_expiry`` are ``u64`` in Rust but live in ``BIGINT``
columns; values of ``2^63`` and more are refused (``fog.recovery_db_out_of_range``) except
``cumulative_txo_count`` and the signature timestamp, which are stored as MobileCoin stores
them (the ``u64`` bits in an ``i64``) and read back unchanged.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Sequence

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
from refimpl.fog.types import BlockRange, ETxOutRecord, FixedTxOutSearchResult, KexRngPubkey
from refimpl.ledger.block import Block


class RecoveryDb(ABC):
    """``RecoveryDb``: ingress keys, ingest invocations, ingested blocks and user events."""

    @abstractmethod
    def get_ingress_key_status(self, key: bytes) -> IngressPublicKeyStatus | None:
        """The status of an ingress public key, ``None`` if unknown."""

    @abstractmethod
    def new_ingress_key(self, key: bytes, start_block_count: int) -> int:
        """Add an ingress key that is not yet known; return the accepted start block, which is
        ``max(start_block_count, highest known block index + 1)``.

        Refuses a known key (``fog.recovery_db_ingress_key_exists``).
        """

    @abstractmethod
    def retire_ingress_key(self, key: bytes, set_retired: bool) -> None:
        """Mark a key retiring (``True``: no new reports, scan up to its expiry, then stop) or
        undo that (``False``). An unknown key is a no-op, as in MobileCoin."""

    @abstractmethod
    def get_last_scanned_block_index(self, key: bytes) -> int | None:
        """The highest block index scanned with this key, ``None`` if none."""

    @abstractmethod
    def get_ingress_key_records(
        self, start_block_at_least: int, filters: IngressPublicKeyRecordFilters
    ) -> list[IngressPublicKeyRecord]:
        """Keys whose start block is at least ``start_block_at_least``, filtered."""

    @abstractmethod
    def new_ingest_invocation(
        self,
        prev_ingest_invocation_id: IngestInvocationId | None,
        ingress_public_key: bytes,
        egress_public_key: KexRngPubkey,
        start_block: int,
    ) -> IngestInvocationId:
        """Record a new ingest invocation (and its ``NewRngRecord`` user event), decommissioning
        ``prev_ingest_invocation_id`` in the same transaction when given."""

    @abstractmethod
    def get_ingestable_ranges(self) -> list[IngestableRange]:
        """Every ingest invocation's range, in id order."""

    @abstractmethod
    def decommission_ingest_invocation(self, ingest_invocation_id: IngestInvocationId) -> None:
        """Mark an invocation decommissioned and add its user event, whose last ingested block
        is read when events are searched. Refuses an unknown id and one already decommissioned
        (MobileCoin fails on the user event's UNIQUE constraint)."""

    @abstractmethod
    def add_block_data(
        self,
        ingest_invocation_id: IngestInvocationId,
        block: Block,
        block_signature_timestamp: int,
        txs: Sequence[ETxOutRecord],
    ) -> AddBlockDataStatus:
        """Store the records of a fully processed block and mark the invocation active.

        If the block was already stored for this invocation or for its ingress key, nothing is
        written and the status says ``block_already_scanned_with_this_key``.
        """

    @abstractmethod
    def report_lost_ingress_key(self, lost_ingress_key: bytes) -> None:
        """Mark a key lost; the blocks ``[last scanned + 1, pubkey_expiry)`` (from its start
        block when nothing was scanned) become a missing-blocks user event if not empty."""

    @abstractmethod
    def get_missed_block_ranges(self) -> list[BlockRange]:
        """Every missing-blocks range, in event order."""

    @abstractmethod
    def search_user_events(
        self, start_from_user_event_id: int
    ) -> tuple[list[FogUserEvent], int]:
        """Events with id greater than ``start_from_user_event_id``, in id order, and the id to
        pass next time (the highest id returned, else ``start_from_user_event_id``)."""

    @abstractmethod
    def get_tx_outs(
        self, start_block: int, search_keys: Sequence[bytes]
    ) -> list[FixedTxOutSearchResult]:
        """One result per search key, looked up in blocks from ``start_block`` on (slow: it
        decodes every block; MobileCoin keeps it for tests)."""

    @abstractmethod
    def update_last_active_at(self, ingest_invocation_id: IngestInvocationId) -> None:
        """Mark an invocation as alive now (an unknown id is a no-op, as in MobileCoin)."""

    @abstractmethod
    def get_tx_outs_by_block_and_key(
        self, ingress_key: bytes, block_index: int
    ) -> list[ETxOutRecord] | None:
        """The records stored for this key and block, ``None`` if it was not scanned with it."""

    @abstractmethod
    def get_tx_outs_by_block_range_and_key(
        self, ingress_key: bytes, block_range: BlockRange
    ) -> list[list[ETxOutRecord]]:
        """Records of consecutive blocks from ``block_range.start_block`` for this key, stopping
        at the range's end or the first block not stored."""

    @abstractmethod
    def get_invocation_id_by_block_and_key(
        self, ingress_key: bytes, block_index: int
    ) -> IngestInvocationId | None:
        """The invocation that stored this block with this key, if any."""

    @abstractmethod
    def get_cumulative_txo_count_for_block(self, block_index: int) -> int | None:
        """The block's cumulative TxOut count, if any invocation stored the block."""

    @abstractmethod
    def get_block_signature_timestamp_for_block(self, block_index: int) -> int | None:
        """The block's signature timestamp (seconds since the epoch), if stored."""

    @abstractmethod
    def get_highest_known_block_index(self) -> int | None:
        """The highest block index with any data."""

    @abstractmethod
    def get_expired_invocations(
        self, expiration: datetime.datetime
    ) -> list[ExpiredInvocationRecord]:
        """Invocations not active since ``expiration`` (naive datetimes are UTC)."""


class ReportDb(ABC):
    """``ReportDb``: the reports the report server publishes."""

    @abstractmethod
    def get_all_reports(self) -> list[tuple[str, ReportData]]:
        """Every (fog report id, report data), in insertion order."""

    @abstractmethod
    def set_report(
        self, ingress_public_key: bytes, report_id: str, data: ReportData
    ) -> IngressPublicKeyStatus:
        """Publish ``data`` under ``report_id`` (replacing what was there) and raise the key's
        ``pubkey_expiry`` to ``data.pubkey_expiry`` if larger; return the key's status.

        If the key is retired nothing is written; the returned status says so. Refuses an
        unknown key.
        """

    @abstractmethod
    def remove_report(self, report_id: str) -> None:
        """Remove the report with this id (no-op if absent)."""
