"""The small value types every fog service shares, with their protobuf forms.

MobileCoin ``fog/types/src/{lib.rs, view.rs, ledger.rs, common.rs}`` and
``fog/api/proto/{kex_rng.proto, view.proto, fog_common.proto}``: ``KexRngPubkey``,
``ETxOutRecord``, ``RngRecord``, ``DecommissionedIngestInvocation``, ``BlockRange`` (half-open,
written ``"start-end"``), the fixed-size search result and the result codes that travel as
``fixed32`` so that every outcome has the same length on the wire. Encodings follow prost:
default values are omitted, fields in tag order.
"""

from __future__ import annotations

import enum

import attrs

from refimpl.errors import FogError
from refimpl.fog.wire import (
    decode_fields,
    int64_field,
    repeated_bytes,
    signed_int64,
    uint_field,
)
from refimpl.protobuf import bytes_field, fixed32_field, omit_empty

#: ``FIXED_CIPHERTEXT_LENGTH`` (``fog/types/src/view.rs``): every search result's ciphertext
#: is padded to this many bytes.
FIXED_CIPHERTEXT_LENGTH = 255
SEARCH_KEY_LEN = 16
KEX_RNG_PUBKEY_LEN = 32
U64_MAX = 2**64 - 1


class TxOutSearchResultCode(enum.IntEnum):
    """``TxOutSearchResultCode`` (sent as ``fixed32``)."""

    INTENTIONALLY_UNUSED = 0
    FOUND = 1
    NOT_FOUND = 2
    BAD_SEARCH_KEY = 3
    INTERNAL_ERROR = 4
    RATE_LIMITED = 5


class KeyImageResultCode(enum.IntEnum):
    """``KeyImageResultCode`` of ``fog/api/proto/ledger.proto`` (sent as ``fixed32``)."""

    UNUSED = 0
    SPENT = 1
    NOT_SPENT = 2
    KEY_IMAGE_ERROR = 3


@attrs.frozen
class KexRngPubkey:
    """``kex_rng.KexRngPubkey {bytes pubkey = 1; uint32 version = 2}``."""

    public_key: bytes
    version: int = 0

    def to_protobuf(self) -> bytes:
        return omit_empty(1, self.public_key) + uint_field(2, self.version)

    @classmethod
    def from_protobuf(cls, data: bytes) -> KexRngPubkey:
        fields = decode_fields("KexRngPubkey", data)
        version = fields.get_uint(2)
        if version >= 2**32:
            raise FogError("fog.bad_message", "KexRngPubkey.version does not fit u32")
        return cls(fields.get_bytes(1), version)


@attrs.frozen
class ETxOutRecord:
    """``ETxOutRecord {bytes search_key = 1; bytes payload = 2}``: one output as ingest stores it
    (the payload is a ``TxOutRecord`` encrypted to the recipient's view key)."""

    search_key: bytes
    payload: bytes

    def to_protobuf(self) -> bytes:
        return omit_empty(1, self.search_key) + omit_empty(2, self.payload)

    @classmethod
    def from_protobuf(cls, data: bytes) -> ETxOutRecord:
        fields = decode_fields("ETxOutRecord", data)
        return cls(fields.get_bytes(1), fields.get_bytes(2))


@attrs.frozen
class IngestedBlockData:
    """``ProtoIngestedBlockData {repeated ETxOutRecord e_tx_out_records = 1}``: the blob the
    recovery database keeps per (ingress key, block)."""

    e_tx_out_records: tuple[ETxOutRecord, ...]

    def to_protobuf(self) -> bytes:
        return b"".join(bytes_field(1, r.to_protobuf()) for r in self.e_tx_out_records)

    @classmethod
    def from_protobuf(cls, data: bytes) -> IngestedBlockData:
        return cls(tuple(ETxOutRecord.from_protobuf(m) for m in repeated_bytes("blocks", data, 1)))


@attrs.frozen
class BlockRange:
    """``fog_common.BlockRange {uint64 start_block = 1; uint64 end_block = 2}``: the blocks
    ``start_block <= b < end_block``."""

    start_block: int
    end_block: int

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.start_block <= self.end_block <= U64_MAX:
            raise FogError("fog.bad_block_range",
                           f"{self.start_block}-{self.end_block}: need 0 <= start <= end < 2^64")

    @property
    def len(self) -> int:
        return self.end_block - self.start_block

    def contains(self, block: int) -> bool:
        return self.start_block <= block < self.end_block

    def overlaps(self, other: BlockRange) -> bool:
        return self.start_block < other.end_block and other.start_block < self.end_block

    def __str__(self) -> str:
        return f"{self.start_block}-{self.end_block}"

    @classmethod
    def parse(cls, text: str) -> BlockRange:
        """``"start-end"`` (``BlockRange``'s ``FromStr``)."""
        start, sep, end = text.partition("-")
        if not sep or not start.isdigit() or not end.isdigit():
            raise FogError("fog.bad_block_range", f"{text!r}: expected START-END")
        return cls(int(start), int(end))

    def to_protobuf(self) -> bytes:
        return uint_field(1, self.start_block) + uint_field(2, self.end_block)

    @classmethod
    def from_protobuf(cls, data: bytes) -> BlockRange:
        fields = decode_fields("BlockRange", data)
        return cls(fields.get_uint(1), fields.get_uint(2))


@attrs.frozen
class RngRecord:
    """``RngRecord {int64 ingest_invocation_id = 1; KexRngPubkey pubkey = 2;
    uint64 start_block = 3}``: an egress key clients derive search keys from."""

    ingest_invocation_id: int
    pubkey: KexRngPubkey
    start_block: int

    def to_protobuf(self) -> bytes:
        return (int64_field(1, self.ingest_invocation_id)
                + bytes_field(2, self.pubkey.to_protobuf()) + uint_field(3, self.start_block))

    @classmethod
    def from_protobuf(cls, data: bytes) -> RngRecord:
        fields = decode_fields("RngRecord", data)
        pubkey = fields.get_message(2)
        return cls(signed_int64(fields.get_uint(1)), KexRngPubkey.from_protobuf(pubkey or b""),
                   fields.get_uint(3))


@attrs.frozen
class DecommissionedIngestInvocation:
    """``DecommissionedIngestInvocation {int64 ingest_invocation_id = 1;
    uint64 last_ingested_block = 2}``."""

    ingest_invocation_id: int
    last_ingested_block: int

    def to_protobuf(self) -> bytes:
        return int64_field(1, self.ingest_invocation_id) + uint_field(2, self.last_ingested_block)

    @classmethod
    def from_protobuf(cls, data: bytes) -> DecommissionedIngestInvocation:
        fields = decode_fields("DecommissionedIngestInvocation", data)
        return cls(signed_int64(fields.get_uint(1)), fields.get_uint(2))


@attrs.frozen
class FixedTxOutSearchResult:
    """``FixedTxOutSearchResult {bytes search_key = 1; fixed32 result_code = 2;
    bytes ciphertext = 3; fixed32 payload_length = 4}``: the ciphertext is always
    :data:`FIXED_CIPHERTEXT_LENGTH` bytes (the payload, then padding), so Found and NotFound
    answers have the same size."""

    search_key: bytes
    result_code: int
    ciphertext: bytes
    payload_length: int

    def __attrs_post_init__(self) -> None:
        if len(self.ciphertext) != FIXED_CIPHERTEXT_LENGTH:
            raise FogError("fog.bad_search_result",
                           f"ciphertext is {len(self.ciphertext)} bytes, not "
                           f"{FIXED_CIPHERTEXT_LENGTH}")
        if not 0 <= self.payload_length <= FIXED_CIPHERTEXT_LENGTH:
            raise FogError("fog.bad_search_result", f"payload length {self.payload_length}")

    @property
    def payload(self) -> bytes:
        """The ciphertext without its padding."""
        return self.ciphertext[: self.payload_length]

    def to_protobuf(self) -> bytes:
        """Fixed-width fields are always written, so every result has the same length."""
        return (bytes_field(1, self.search_key) + fixed32_field(2, self.result_code)
                + bytes_field(3, self.ciphertext) + fixed32_field(4, self.payload_length))

    @classmethod
    def from_protobuf(cls, data: bytes) -> FixedTxOutSearchResult:
        fields = decode_fields("FixedTxOutSearchResult", data)
        return cls(fields.get_bytes(1), fields.get_fixed32(2), fields.get_bytes(3),
                   fields.get_fixed32(4))
