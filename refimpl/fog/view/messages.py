"""The messages a client and the view enclave exchange: ``QueryRequestAAD``, ``QueryRequest``,
``QueryResponse`` and the legacy ``TxOutSearchResult``.

MobileCoin ``fog/types/src/view.rs`` (the prost structs and ``From<FixedTxOutSearchResult> for
TxOutSearchResult``) and ``fog/api/proto/view.proto`` (field numbers). Encodings follow prost
(fields in tag order, zero integers omitted) with one exception that keeps every search result
the same length on the wire: the fixed-width fields of a search result and both bytes fields of
a legacy result are always written, even when empty or zero (prost omits them; every protobuf
decoder reads both forms alike). The ciphertext and padding lengths of a legacy result add up
to :data:`~refimpl.fog.types.FIXED_CIPHERTEXT_LENGTH`, so their two length prefixes always take
three bytes together and every legacy result of a given search-key length has one size.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from refimpl.errors import FogError, RefImplError
from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    BlockRange,
    DecommissionedIngestInvocation,
    FixedTxOutSearchResult,
    RngRecord,
    TxOutSearchResultCode,
)
from refimpl.fog.wire import (
    decode_fields,
    int64_field,
    repeated_bytes,
    signed_int64,
    uint_field,
)
from refimpl.protobuf import bytes_field, fixed32_field


@attrs.frozen
class QueryRequestAAD:
    """``QueryRequestAAD {int64 start_from_user_event_id = 1; uint64 start_from_block_index =
    2}``: the clear part of a query (the untrusted server reads the user events with it;
    ``start_from_block_index`` is unused, as in MobileCoin)."""

    start_from_user_event_id: int = 0
    start_from_block_index: int = 0

    def to_protobuf(self) -> bytes:
        return (int64_field(1, self.start_from_user_event_id)
                + uint_field(2, self.start_from_block_index))

    @classmethod
    def from_protobuf(cls, data: bytes) -> QueryRequestAAD:
        fields = decode_fields("QueryRequestAAD", data)
        try:
            return cls(signed_int64(fields.get_uint(1)), fields.get_uint(2))
        except RefImplError as exc:
            raise FogError("fog.bad_message", f"QueryRequestAAD: {exc.message}") from exc


@attrs.frozen
class QueryRequest:
    """``QueryRequest {repeated bytes get_txos = 1}``: the search keys to look up (encrypted)."""

    get_txos: tuple[bytes, ...] = ()

    def to_protobuf(self) -> bytes:
        return b"".join(bytes_field(1, key) for key in self.get_txos)

    @classmethod
    def from_protobuf(cls, data: bytes) -> QueryRequest:
        return cls(tuple(repeated_bytes("QueryRequest", data, 1)))


@attrs.frozen
class TxOutSearchResult:
    """Legacy ``TxOutSearchResult {bytes search_key = 1; fixed32 result_code = 2; bytes
    ciphertext = 3; bytes padding = 4}``: the ciphertext cut to its payload, then zero padding
    up to 255 bytes."""

    search_key: bytes
    result_code: int
    ciphertext: bytes
    padding: bytes

    @classmethod
    def from_fixed(cls, fixed: FixedTxOutSearchResult) -> TxOutSearchResult:
        """MobileCoin's ``From<FixedTxOutSearchResult>``."""
        length = fixed.payload_length
        return cls(fixed.search_key, fixed.result_code, fixed.ciphertext[:length],
                   bytes(FIXED_CIPHERTEXT_LENGTH - length))

    def to_protobuf(self) -> bytes:
        return (bytes_field(1, self.search_key) + fixed32_field(2, self.result_code)
                + bytes_field(3, self.ciphertext) + bytes_field(4, self.padding))

    @classmethod
    def from_protobuf(cls, data: bytes) -> TxOutSearchResult:
        fields = decode_fields("TxOutSearchResult", data)
        try:
            return cls(fields.get_bytes(1), fields.get_fixed32(2), fields.get_bytes(3),
                       fields.get_bytes(4))
        except RefImplError as exc:
            raise FogError("fog.bad_message", f"TxOutSearchResult: {exc.message}") from exc


@attrs.frozen
class QueryResponse:
    """``QueryResponse`` (``view.proto`` fields 1-10): what the enclave answers a query with."""

    highest_processed_block_count: int = 0
    highest_processed_block_signature_timestamp: int = 0
    next_start_from_user_event_id: int = 0
    missed_block_ranges: tuple[BlockRange, ...] = ()
    rng_records: tuple[RngRecord, ...] = ()
    decommissioned_ingest_invocations: tuple[DecommissionedIngestInvocation, ...] = ()
    tx_out_search_results: tuple[TxOutSearchResult, ...] = ()
    last_known_block_count: int = 0
    last_known_block_cumulative_txo_count: int = 0
    fixed_tx_out_search_results: tuple[FixedTxOutSearchResult, ...] = ()

    def to_protobuf(self) -> bytes:
        return b"".join([
            uint_field(1, self.highest_processed_block_count),
            uint_field(2, self.highest_processed_block_signature_timestamp),
            int64_field(3, self.next_start_from_user_event_id),
            *(bytes_field(4, r.to_protobuf()) for r in self.missed_block_ranges),
            *(bytes_field(5, r.to_protobuf()) for r in self.rng_records),
            *(bytes_field(6, d.to_protobuf()) for d in self.decommissioned_ingest_invocations),
            *(bytes_field(7, t.to_protobuf()) for t in self.tx_out_search_results),
            uint_field(8, self.last_known_block_count),
            uint_field(9, self.last_known_block_cumulative_txo_count),
            *(bytes_field(10, f.to_protobuf()) for f in self.fixed_tx_out_search_results),
        ])

    @classmethod
    def from_protobuf(cls, data: bytes) -> QueryResponse:
        kind = "QueryResponse"
        fields = decode_fields(kind, data)

        def each(tag: int) -> list[bytes]:
            return repeated_bytes(kind, data, tag)

        try:
            return cls(
                highest_processed_block_count=fields.get_uint(1),
                highest_processed_block_signature_timestamp=fields.get_uint(2),
                next_start_from_user_event_id=signed_int64(fields.get_uint(3)),
                missed_block_ranges=tuple(BlockRange.from_protobuf(m) for m in each(4)),
                rng_records=tuple(RngRecord.from_protobuf(m) for m in each(5)),
                decommissioned_ingest_invocations=tuple(
                    DecommissionedIngestInvocation.from_protobuf(m) for m in each(6)),
                tx_out_search_results=tuple(TxOutSearchResult.from_protobuf(m)
                                            for m in each(7)),
                last_known_block_count=fields.get_uint(8),
                last_known_block_cumulative_txo_count=fields.get_uint(9),
                fixed_tx_out_search_results=tuple(FixedTxOutSearchResult.from_protobuf(m)
                                                  for m in each(10)),
            )
        except FogError:
            raise
        except RefImplError as exc:
            raise FogError("fog.bad_message", f"{kind}: {exc.message}") from exc


def not_found(search_key: bytes) -> FixedTxOutSearchResult:
    """``FixedTxOutSearchResult::new_not_found``: NotFound, zero ciphertext, payload length 0."""
    return FixedTxOutSearchResult(search_key, TxOutSearchResultCode.NOT_FOUND,
                                  bytes(FIXED_CIPHERTEXT_LENGTH), 0)


def legacy_results(fixed: Sequence[FixedTxOutSearchResult]) -> tuple[TxOutSearchResult, ...]:
    """The legacy form of each fixed result, as the router fills field 7."""
    return tuple(TxOutSearchResult.from_fixed(f) for f in fixed)
