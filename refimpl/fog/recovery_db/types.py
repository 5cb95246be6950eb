"""Value types of the recovery database contract.

Mirrors MobileCoin ``fog/recovery_db_iface/src/types.rs`` and the filter struct of
``fog/recovery_db_iface/src/lib.rs``: an ingress key's status and record (with the block range
a view server must load for it), the ingest invocation id, the result of adding block data,
ingestable ranges, expired-invocation records and report data.

A ``FogUserEvent`` is one of three shared types of :mod:`refimpl.fog.types`, told apart with
``isinstance``: an :class:`~refimpl.fog.types.RngRecord` (Rust ``NewRngRecord``), a
:class:`~refimpl.fog.types.DecommissionedIngestInvocation` (``DecommissionIngestInvocation``)
or a :class:`~refimpl.fog.types.BlockRange` (``MissingBlocks``).
"""

from __future__ import annotations

import datetime
from typing import NewType

import attrs

from refimpl.fog.types import (
    U64_MAX,
    BlockRange,
    DecommissionedIngestInvocation,
    KexRngPubkey,
    RngRecord,
)

#: ``IngestInvocationId``: the database id (an ``i64``) of one run of an ingest enclave.
IngestInvocationId = NewType("IngestInvocationId", int)

#: ``FogUserEvent``: NewRngRecord | DecommissionIngestInvocation | MissingBlocks.
FogUserEvent = RngRecord | DecommissionedIngestInvocation | BlockRange

#: Length of a compressed Ristretto ingress public key.
INGRESS_KEY_LEN = 32


@attrs.frozen
class IngressPublicKeyStatus:
    """``IngressPublicKeyStatus``: what the database knows about one ingress key.

    ``start_block`` is the first block fog promises to scan with the key; ``pubkey_expiry`` the
    largest expiry ever published in a report for it (at most ``start_block`` means never
    published); ``retired`` keys get no new reports and are scanned up to ``pubkey_expiry``;
    ``lost`` keys can scan nothing more.
    """

    start_block: int
    pubkey_expiry: int
    retired: bool
    lost: bool


@attrs.frozen
class IngressPublicKeyRecord:
    """``IngressPublicKeyRecord``: a key, its status and the last block scanned with it."""

    key: bytes
    status: IngressPublicKeyStatus
    last_scanned_block: int | None

    def get_block_range(self) -> BlockRange:
        """The blocks a view server must load for this key: ``[start, last_scanned + 1)`` when
        lost (empty when it scanned nothing), ``[start, pubkey_expiry)`` when retired, else
        ``[start, 2^64 - 1)``. An end below the start (Rust keeps such a range; it contains
        nothing) is raised to the start, since :class:`BlockRange` refuses ``end < start``."""
        start = self.status.start_block
        if self.status.lost:
            if self.last_scanned_block is None:
                return BlockRange(0, 0)
            return BlockRange(start, max(start, self.last_scanned_block + 1))
        if self.status.retired:
            return BlockRange(start, max(start, self.status.pubkey_expiry))
        return BlockRange(start, U64_MAX)

    def covers_block_index(self, block_index: int) -> bool:
        """Whether a view server needs block ``block_index`` from this key."""
        return self.get_block_range().contains(block_index)

    def next_needed_block_index(self) -> int | None:
        """The block an ingest server should scan next with this key, if it still covers it."""
        candidate = (
            self.status.start_block
            if self.last_scanned_block is None
            else self.last_scanned_block + 1
        )
        return candidate if self.covers_block_index(candidate) else None


@attrs.frozen
class IngressPublicKeyRecordFilters:
    """``IngressPublicKeyRecordFilters`` of ``get_ingress_key_records``.

    ``should_only_include_unexpired_keys`` keeps only keys that scanned at least one block and
    whose last scanned block is below their ``pubkey_expiry``.
    """

    should_include_lost_keys: bool = True
    should_include_retired_keys: bool = True
    should_only_include_unexpired_keys: bool = False


@attrs.frozen
class AddBlockDataStatus:
    """``AddBlockDataStatus``: ``True`` means the block was already scanned with this ingress
    key (by this or another invocation) and nothing was written."""

    block_already_scanned_with_this_key: bool


@attrs.frozen
class IngestableRange:
    """``IngestableRange``: the blocks one ingest invocation has ingested or will ingest."""

    id: IngestInvocationId
    start_block: int
    decommissioned: bool
    last_ingested_block: int | None

    def can_provide_block(self, block: int) -> bool:
        """Whether this invocation has provided, or (when still active) will provide, ``block``."""
        if block < self.start_block:
            return False
        if not self.decommissioned:
            return True
        return self.last_ingested_block is not None and self.last_ingested_block >= block


@attrs.frozen
class ExpiredInvocationRecord:
    """``ExpiredInvocationRecord``: an invocation not active since some time (naive UTC)."""

    ingest_invocation_id: IngestInvocationId
    egress_public_key: KexRngPubkey
    last_active_at: datetime.datetime


@attrs.frozen
class ReportData:
    """``ReportData``: what the report server publishes for one fog report id.

    ``attestation_evidence`` is the serialized evidence of the ingest enclave (MobileCoin keeps
    the prost bytes of its evidence in ``reports.report``); the database stores it opaquely.
    ``pubkey_expiry`` is the last block at which a client may use the key.
    """

    ingest_invocation_id: IngestInvocationId | None
    attestation_evidence: bytes
    pubkey_expiry: int
