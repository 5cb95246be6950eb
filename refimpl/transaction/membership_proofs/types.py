"""The value types of TxOut membership proofs: ranges and tree elements.

MobileCoin ``transaction/core/src/membership_proofs/range.rs`` (``Range``) and
``transaction/core/src/tx.rs`` (``TxOutMembershipElement``, ``TxOutMembershipHash``); the root
element in ``blockchain/types/src/block.rs``. A block header carries the root element of the TxOut
Merkle tree; the origin block carries the default element (range 0..0, hash zeros). The tree itself
is :mod:`.merkle`.

Digestible layouts: ``Range`` is an aggregate "Range" {"from": uint64, "to": uint64};
``TxOutMembershipElement`` is an aggregate "TxOutMembershipElement" {"range": Range, "hash":
bytes(32)} (``TxOutMembershipHash`` is transparent bytes).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from refimpl import protobuf as pb
from refimpl.crypto.digestible import DigestWriter
from refimpl.crypto.pedersen import U64_MAX
from refimpl.errors import EncodingError


def _u64(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= U64_MAX:
        raise EncodingError("encoding.integer_out_of_range", f"{attribute.name} must be a u64")


def _hash32(_instance: object, _attribute: object, value: bytes) -> None:
    if len(value) != 32:
        raise EncodingError("encoding.bad_length", "a TxOut membership hash is 32 bytes")


@attrs.frozen
class Range:
    """An inclusive range ``[from_, to]`` of TxOut global indices (``Range { from, to }``)."""

    from_: int = attrs.field(default=0, validator=_u64)
    to: int = attrs.field(default=0, validator=_u64)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"Range")
        writer.uint64(b"from", self.from_)
        writer.uint64(b"to", self.to)
        writer.agg_closer(context, b"Range")


@attrs.frozen
class TxOutMembershipElement:
    """A Merkle tree node: the index range it covers and its 32-byte hash."""

    range: Range = attrs.field(factory=Range)
    hash: bytes = attrs.field(default=bytes(32), validator=_hash32)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxOutMembershipElement")
        self.range.append_to(writer, b"range")
        writer.bytes_(b"hash", self.hash)
        writer.agg_closer(context, b"TxOutMembershipElement")


# --- protobuf (api/proto/external.proto: Range, TxOutMembershipElement, TxOutMembershipProof) --


def range_to_protobuf(r: Range) -> bytes:
    """``Range { uint64 from = 1; uint64 to = 2; }`` (proto3: zero values are not written)."""
    return (pb.varint_field(1, r.from_) if r.from_ else b"") + (
        pb.varint_field(2, r.to) if r.to else b""
    )


def range_from_protobuf(data: bytes) -> Range:
    fields = pb.Fields(data)
    return Range(fields.get_uint(1), fields.get_uint(2))


def element_to_protobuf(element: TxOutMembershipElement) -> bytes:
    """``TxOutMembershipElement { Range range = 1; TxOutMembershipHash hash = 2; }``; both
    are prost ``required`` messages, so they are always written; the hash is ``{bytes data=1}``."""
    return pb.bytes_field(1, range_to_protobuf(element.range)) + pb.bytes_field(
        2, pb.bytes_field(1, element.hash)
    )


def element_from_protobuf(data: bytes) -> TxOutMembershipElement:
    """Absent sub-messages take prost's defaults (range 0..0, hash zeros); a present hash
    field must hold exactly 32 bytes (``encoding.bad_length``)."""
    fields = pb.Fields(data)
    range_bytes = fields.get_message(1)
    hash_bytes = fields.get_message(2)
    return TxOutMembershipElement(
        range=Range() if range_bytes is None else range_from_protobuf(range_bytes),
        hash=_hash_from_protobuf(hash_bytes),
    )


def _hash_from_protobuf(data: bytes | None) -> bytes:
    """``TxOutMembershipHash`` (``{ bytes data = 1; }``, repr-bytes rules): zeros when the
    message or its field is absent; a present field must hold 32 bytes."""
    if data is None:
        return bytes(32)
    fields = pb.Fields(data)
    return fields.get_bytes(1) if fields.has(1) else bytes(32)


def _elements(value: Iterable[TxOutMembershipElement]) -> tuple[TxOutMembershipElement, ...]:
    return tuple(value)


@attrs.frozen
class TxOutMembershipProof:
    """A Merkle proof of membership of the TxOut at global ``index`` in the tree whose last
    leaf is ``highest_index`` (``transaction/core/src/tx.rs`` ``TxOutMembershipProof``).
    ``elements`` lists the leaf first, then the siblings in
    the order they combine.

    Digest: aggregate "TxOutMembershipProof" {"index": uint, "highest_index": uint,
    "elements": seq of TxOutMembershipElement (omitted when empty)}.
    """

    index: int = attrs.field(default=0, validator=_u64)
    highest_index: int = attrs.field(default=0, validator=_u64)
    elements: tuple[TxOutMembershipElement, ...] = attrs.field(default=(), converter=_elements)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxOutMembershipProof")
        writer.uint64(b"index", self.index)
        writer.uint64(b"highest_index", self.highest_index)
        writer.values(b"elements", self.elements)
        writer.agg_closer(context, b"TxOutMembershipProof")

    def to_protobuf(self) -> bytes:
        """``TxOutMembershipProof { uint64 index = 1; uint64 highest_index = 2;
        repeated TxOutMembershipElement elements = 3; }``."""
        parts = [
            pb.varint_field(1, self.index) if self.index else b"",
            pb.varint_field(2, self.highest_index) if self.highest_index else b"",
        ]
        parts.extend(pb.bytes_field(3, element_to_protobuf(e)) for e in self.elements)
        return b"".join(parts)

    @classmethod
    def from_protobuf(cls, data: bytes) -> TxOutMembershipProof:
        fields = pb.Fields(data)
        elements = []
        for f in pb.parse_fields(data):
            if f.tag == 3:
                if not isinstance(f.value, bytes):
                    raise EncodingError("encoding.bad_protobuf", "field 3 must be a message")
                elements.append(element_from_protobuf(f.value))
        return cls(fields.get_uint(1), fields.get_uint(2), tuple(elements))
