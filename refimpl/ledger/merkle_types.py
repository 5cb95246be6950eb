"""The value types of TxOut membership proofs: ranges and tree elements.

MobileCoin ``transaction/core/src/membership_proofs/range.rs`` (``Range``) and
``transaction/core/src/tx.rs`` (``TxOutMembershipElement``, ``TxOutMembershipHash``); notes
§5 and §6.2. A block header carries the root element of the TxOut Merkle tree; the origin block
carries the default element (range 0..0, hash zeros). The tree itself lives elsewhere.

Digestible layouts: ``Range`` is an aggregate "Range" {"from": uint64, "to": uint64};
``TxOutMembershipElement`` is an aggregate "TxOutMembershipElement" {"range": Range, "hash":
bytes(32)} (``TxOutMembershipHash`` is transparent bytes).
"""

from __future__ import annotations

import attrs

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
