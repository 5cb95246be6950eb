"""The transaction data model: ``TxIn``, ``TxPrefix``, ``SignatureRctBulletproofs``, ``Tx``.

MobileCoin ``transaction/core/src/tx.rs`` (``Tx``, ``TxPrefix``, ``TxIn``, ``TxHash``),
``transaction/core/src/input_rules.rs`` (``InputRules``), ``revealed_tx_out.rs``,
``transaction/core/src/ring_ct/rct_bulletproofs.rs`` (``SignatureRctBulletproofs``) and the
messages of ``api/proto/external.proto``.

Every type is an immutable attrs class with

* ``append_to(writer, context)``: its ``#[derive(Digestible)]`` layout (``crypto/digestible``:
  empty sequences, empty bytes and ``None`` are omitted; ``fee_token_id`` only when non-zero;
  ``range_proof_bytes`` always);
* ``to_protobuf()`` / ``from_protobuf(data)``: the prost encoding of its ``external.proto``
  message. Decoding follows prost: absent fields, including prost ``required`` messages, take
  their defaults (zero keys, an empty prefix...), which validation then rejects. The one
  difference: points are decompressed while decoding, so a non-canonical key is
  ``crypto.non_canonical_point`` here rather than a verification failure later. Malformed
  input raises typed errors (``encoding.*``, ``crypto.*``), never another exception.

Hashes: ``TxPrefix.hash()`` = ``digest32(prefix, "mobilecoin-tx-prefix")`` (the message the MLSAGs
sign, refimpl/transaction/signing_digest.py), ``Tx.hash()`` = ``digest32(tx, "mobilecoin-tx")``,
``TxIn.signed_digest()`` = ``digest32(TxIn without proofs, "mc-input-rules-digest")`` (what an SCI
ring signs) and ``InputRules.canonical_digest()`` = ``digest32(rules, "mc-input-rules")``
(TxSummary). The protobuf forms of the foreign types ``TxOut`` and ``RingMLSAG`` live here too, as
functions (:func:`tx_out_to_protobuf`, :func:`ring_mlsag_to_protobuf` and their inverses).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from refimpl import protobuf as pb
from refimpl.crypto.digestible import DigestWriter, digest32
from refimpl.crypto.hashing import (
    INPUT_RULES_CONTEXT,
    INPUT_RULES_DIGEST_CONTEXT,
    TX_HASH_CONTEXT,
    TX_PREFIX_HASH_CONTEXT,
)
from refimpl.crypto.pedersen import U64_MAX
from refimpl.crypto.ring_signature import RingMLSAG
from refimpl.crypto.ristretto import Point
from refimpl.errors import EncodingError
from refimpl.transaction.amount import MaskedAmountV1, MaskedAmountV2
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.memo import EncryptedMemo
from refimpl.transaction.tx_out import TxOut

# TxOut oneof tags (external.proto ``TxOut.masked_amount``).
MASKED_AMOUNT_V1_TAG = 1
MASKED_AMOUNT_V2_TAG = 6


def _u64(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= U64_MAX:
        raise EncodingError("encoding.integer_out_of_range", f"{attribute.name} must be a u64")


def _u64s(_instance: object, attribute: attrs.Attribute[tuple[int, ...]],
          value: tuple[int, ...]) -> None:
    for v in value:
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= U64_MAX:
            raise EncodingError(
                "encoding.integer_out_of_range", f"{attribute.name} entries must be u64"
            )


# Typed tuple converters (so that lists may be passed and the instances stay hashable).
def _tx_outs(v: Iterable[TxOut]) -> tuple[TxOut, ...]:
    return tuple(v)


def _tx_ins(v: Iterable[TxIn]) -> tuple[TxIn, ...]:
    return tuple(v)


def _revealed(v: Iterable[RevealedTxOut]) -> tuple[RevealedTxOut, ...]:
    return tuple(v)


def _proofs(v: Iterable[TxOutMembershipProof]) -> tuple[TxOutMembershipProof, ...]:
    return tuple(v)


def _mlsags(v: Iterable[RingMLSAG]) -> tuple[RingMLSAG, ...]:
    return tuple(v)


def _points(v: Iterable[Point]) -> tuple[Point, ...]:
    return tuple(v)


def _byte_strings(v: Iterable[bytes]) -> tuple[bytes, ...]:
    return tuple(v)


def _ints(v: Iterable[int]) -> tuple[int, ...]:
    return tuple(v)


def _bad(message: str) -> EncodingError:
    return EncodingError("encoding.bad_protobuf", message)


# --- protobuf helpers --------------------------------------------------------------------------


def _repeated_len(data: bytes, tag: int) -> list[bytes]:
    """Every occurrence of a repeated message/bytes field, in order."""
    out = []
    for f in pb.parse_fields(data):
        if f.tag == tag:
            if f.wire_type != pb.WIRE_LEN or not isinstance(f.value, bytes):
                raise _bad(f"field {tag} must be length-delimited")
            out.append(f.value)
    return out


def _repeated_fixed64(data: bytes, tag: int) -> list[int]:
    """A ``repeated fixed64`` field, packed (prost's default) or not (both are accepted)."""
    out: list[int] = []
    for f in pb.parse_fields(data):
        if f.tag != tag:
            continue
        if f.wire_type == pb.WIRE_FIXED64 and isinstance(f.value, int):
            out.append(f.value)
        elif f.wire_type == pb.WIRE_LEN and isinstance(f.value, bytes):
            if len(f.value) % 8:
                raise _bad(f"packed fixed64 field {tag} is not a multiple of 8 bytes")
            out.extend(
                int.from_bytes(f.value[i : i + 8], "little") for i in range(0, len(f.value), 8)
            )
        else:
            raise _bad(f"field {tag} has wire type {f.wire_type}, expected fixed64")
    return out


def _packed_fixed64(tag: int, values: Sequence[int]) -> bytes:
    if not values:
        return b""
    return pb.bytes_field(tag, b"".join(v.to_bytes(8, "little") for v in values))


def _wrapped_bytes(data: bytes) -> bytes:
    """A ``{ bytes data = 1; }`` wrapper message (CompressedRistretto, KeyImage, ...)."""
    return pb.bytes_field(1, data)


def _unwrap_bytes(data: bytes, length: int, what: str) -> bytes:
    """The payload of a ``{ bytes data = 1; }`` wrapper as ``derive_prost_message_from_repr_bytes``
    reads it: without field 1 the value stays the default (``length`` zero bytes); a field 1
    of another length is an error (``encoding.bad_length``)."""
    inner = pb.Fields(data)
    if not inner.has(1):
        return bytes(length)
    raw = inner.get_bytes(1)
    if len(raw) != length:
        raise EncodingError("encoding.bad_length", f"{what} must be {length} bytes, got {len(raw)}")
    return raw


def _message(fields: pb.Fields, tag: int) -> bytes:
    """A prost ``required`` (or plain) message field: absent means the default message,
    which decodes exactly as an empty one."""
    found = fields.get_message(tag)
    return b"" if found is None else found


def _point(fields: pb.Fields, tag: int, what: str) -> Point:
    """A ``CompressedRistretto`` wrapper, decompressed here (canonical points only)."""
    return Point.from_bytes(_unwrap_bytes(_message(fields, tag), 32, what))


# --- TxOut and RingMLSAG (types defined elsewhere) ---------------------------------------------


def _masked_amount_to_protobuf(masked: MaskedAmountV1 | MaskedAmountV2) -> bytes:
    """``MaskedAmount { commitment = 1; fixed64 masked_value = 2 (required); bytes
    masked_token_id = 3; }``."""
    return (
        pb.bytes_field(1, _wrapped_bytes(masked.commitment.to_bytes()))
        + pb.fixed64_field(2, masked.masked_value)
        + pb.omit_empty(3, masked.masked_token_id)
    )


def tx_out_to_protobuf(tx_out: TxOut) -> bytes:
    """``external.TxOut``: the masked amount in oneof tag 1 (V1) or 6 (V2), keys 2 and 3, the
    fog hint 4 and the memo 5 (absent before block version 1)."""
    parts = []
    masked = tx_out.masked_amount
    if isinstance(masked, MaskedAmountV1):
        parts.append(pb.bytes_field(MASKED_AMOUNT_V1_TAG, _masked_amount_to_protobuf(masked)))
    parts.append(pb.bytes_field(2, _wrapped_bytes(tx_out.target_key.to_bytes())))
    parts.append(pb.bytes_field(3, _wrapped_bytes(tx_out.public_key.to_bytes())))
    parts.append(pb.bytes_field(4, _wrapped_bytes(tx_out.e_fog_hint.data)))
    if tx_out.e_memo is not None:
        parts.append(pb.bytes_field(5, _wrapped_bytes(tx_out.e_memo.data)))
    if isinstance(masked, MaskedAmountV2):
        parts.append(pb.bytes_field(MASKED_AMOUNT_V2_TAG, _masked_amount_to_protobuf(masked)))
    return b"".join(parts)


def tx_out_from_protobuf(data: bytes) -> TxOut:
    """Decode ``external.TxOut``; the keys must be canonical points, the hint 84 bytes, the
    memo 66 bytes. A masked token id of any length decodes, as with prost: the validation rules
    (``MissingMaskedTokenId``, ``MaskedTokenIdNotAllowed``) judge it."""
    fields = pb.Fields(data)
    oneof = fields.get_oneof_bytes((MASKED_AMOUNT_V1_TAG, MASKED_AMOUNT_V2_TAG))
    masked: MaskedAmountV1 | MaskedAmountV2 | None = None
    if oneof is not None:
        tag, body = oneof
        amount_fields = pb.Fields(body)
        commitment = _point(amount_fields, 1, "commitment")
        masked_value = amount_fields.get_fixed64(2)
        masked_token_id = amount_fields.get_bytes(3)  # any length: validation judges it
        cls = MaskedAmountV1 if tag == MASKED_AMOUNT_V1_TAG else MaskedAmountV2
        masked = cls(commitment, masked_value, masked_token_id)
    memo = fields.get_message(5)
    return TxOut(
        masked_amount=masked,
        target_key=_point(fields, 2, "target_key"),
        public_key=_point(fields, 3, "public_key"),
        e_fog_hint=EncryptedFogHint(
            _unwrap_bytes(_message(fields, 4), 84, "e_fog_hint")
        ),
        e_memo=None if memo is None else EncryptedMemo(_unwrap_bytes(memo, 66, "e_memo")),
    )


def ring_mlsag_to_protobuf(sig: RingMLSAG) -> bytes:
    """``RingMLSAG { CurveScalar c_zero = 1; repeated CurveScalar responses = 2; KeyImage
    key_image = 3; }``."""
    parts = [pb.bytes_field(1, _wrapped_bytes(sig.c_zero.to_bytes()))]
    parts.extend(pb.bytes_field(2, _wrapped_bytes(r.to_bytes())) for r in sig.responses)
    parts.append(pb.bytes_field(3, _wrapped_bytes(sig.key_image.to_bytes())))
    return b"".join(parts)


def ring_mlsag_from_protobuf(data: bytes) -> RingMLSAG:
    """Scalars are reduced modulo L, as MobileCoin's ``CurveScalar`` decoding does."""
    fields = pb.Fields(data)
    c_zero = _unwrap_bytes(_message(fields, 1), 32, "c_zero")
    responses = [_unwrap_bytes(r, 32, "response") for r in _repeated_len(data, 2)]
    key_image = _unwrap_bytes(_message(fields, 3), 32, "key_image")
    return RingMLSAG.from_bytes_parts(c_zero, responses, key_image)


def append_ring_mlsag(writer: DigestWriter, context: bytes, sig: RingMLSAG) -> None:
    """Digest of ``RingMLSAG``: agg {c_zero scalar, responses seq of scalar (opt), key_image
    ristretto}."""
    writer.agg_header(context, b"RingMLSAG")
    writer.scalar(b"c_zero", sig.c_zero)
    writer.seq(b"responses", sig.responses, writer.scalar)
    writer.ristretto(b"key_image", sig.key_image)
    writer.agg_closer(context, b"RingMLSAG")


def _append_tx_outs(writer: DigestWriter, context: bytes, outs: Sequence[TxOut]) -> None:
    writer.seq(context, outs, lambda ctx, out: out.append_to(writer, ctx))


# --- input rules (signed contingent inputs, MCIP #31) ------------------------------------------


@attrs.frozen
class RevealedTxOut:
    """``RevealedTxOut { tx_out = 1; bytes amount_shared_secret = 2; }`` (MCIP #42)."""

    tx_out: TxOut
    amount_shared_secret: bytes = b""

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"RevealedTxOut")
        self.tx_out.append_to(writer, b"tx_out")
        writer.bytes_(b"amount_shared_secret", self.amount_shared_secret)
        writer.agg_closer(context, b"RevealedTxOut")

    def to_protobuf(self) -> bytes:
        return pb.bytes_field(1, tx_out_to_protobuf(self.tx_out)) + pb.omit_empty(
            2, self.amount_shared_secret
        )

    @classmethod
    def from_protobuf(cls, data: bytes) -> RevealedTxOut:
        fields = pb.Fields(data)
        return cls(tx_out_from_protobuf(_message(fields, 1)), fields.get_bytes(2))


@attrs.frozen
class InputRules:
    """``InputRules`` (``transaction/core/src/input_rules.rs``): conditions under which an SCI
    ring signature is valid. Verified by the validation layer
    (:mod:`refimpl.transaction.input_rules`)."""

    required_outputs: tuple[TxOut, ...] = attrs.field(default=(), converter=_tx_outs)
    max_tombstone_block: int = attrs.field(default=0, validator=_u64)
    partial_fill_outputs: tuple[RevealedTxOut, ...] = attrs.field(default=(), converter=_revealed)
    partial_fill_change: RevealedTxOut | None = None
    min_partial_fill_value: int = attrs.field(default=0, validator=_u64)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"InputRules")
        _append_tx_outs(writer, b"required_outputs", self.required_outputs)
        writer.uint64(b"max_tombstone_block", self.max_tombstone_block)
        writer.values(b"partial_fill_outputs", self.partial_fill_outputs)
        if self.partial_fill_change is not None:
            self.partial_fill_change.append_to(writer, b"partial_fill_change")
        writer.uint64(b"min_partial_fill_value", self.min_partial_fill_value)
        writer.agg_closer(context, b"InputRules")

    def canonical_digest(self) -> bytes:
        """``InputRules::canonical_digest``: ``digest32(rules, "mc-input-rules")``."""
        return digest32(self, INPUT_RULES_CONTEXT)

    def to_protobuf(self) -> bytes:
        parts = [pb.bytes_field(1, tx_out_to_protobuf(o)) for o in self.required_outputs]
        if self.max_tombstone_block:
            parts.append(pb.fixed64_field(2, self.max_tombstone_block))
        parts.extend(pb.bytes_field(3, r.to_protobuf()) for r in self.partial_fill_outputs)
        if self.partial_fill_change is not None:
            parts.append(pb.bytes_field(4, self.partial_fill_change.to_protobuf()))
        if self.min_partial_fill_value:
            parts.append(pb.fixed64_field(5, self.min_partial_fill_value))
        return b"".join(parts)

    @classmethod
    def from_protobuf(cls, data: bytes) -> InputRules:
        fields = pb.Fields(data)
        change = fields.get_message(4)
        return cls(
            required_outputs=tuple(tx_out_from_protobuf(o) for o in _repeated_len(data, 1)),
            max_tombstone_block=fields.get_fixed64(2),
            partial_fill_outputs=tuple(
                RevealedTxOut.from_protobuf(r) for r in _repeated_len(data, 3)
            ),
            partial_fill_change=None if change is None else RevealedTxOut.from_protobuf(change),
            min_partial_fill_value=fields.get_fixed64(5),
        )


# --- TxIn, TxPrefix ------------------------------------------------------------------------------


@attrs.frozen
class TxIn:
    """An input: a ring of TxOuts (one of them the real input), one membership proof per ring
    member, and optional input rules (then the ring is a presigned SCI)."""

    ring: tuple[TxOut, ...] = attrs.field(converter=_tx_outs)
    proofs: tuple[TxOutMembershipProof, ...] = attrs.field(default=(), converter=_proofs)
    input_rules: InputRules | None = None

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxIn")
        _append_tx_outs(writer, b"ring", self.ring)
        writer.values(b"proofs", self.proofs)
        if self.input_rules is not None:
            self.input_rules.append_to(writer, b"input_rules")
        writer.agg_closer(context, b"TxIn")

    def signed_digest(self) -> bytes:
        """``TxIn::signed_digest``: ``digest32(TxIn with proofs cleared,
        "mc-input-rules-digest")`` — what a presigned (SCI) ring signs
        (``transaction/core/src/tx.rs`` ``TxIn::signed_digest``, MCIP #31)."""
        return digest32(attrs.evolve(self, proofs=()), INPUT_RULES_DIGEST_CONTEXT)

    def to_protobuf(self) -> bytes:
        parts = [pb.bytes_field(1, tx_out_to_protobuf(o)) for o in self.ring]
        parts.extend(pb.bytes_field(2, p.to_protobuf()) for p in self.proofs)
        if self.input_rules is not None:
            parts.append(pb.bytes_field(3, self.input_rules.to_protobuf()))
        return b"".join(parts)

    @classmethod
    def from_protobuf(cls, data: bytes) -> TxIn:
        fields = pb.Fields(data)
        rules = fields.get_message(3)
        return cls(
            ring=tuple(tx_out_from_protobuf(o) for o in _repeated_len(data, 1)),
            proofs=tuple(TxOutMembershipProof.from_protobuf(p) for p in _repeated_len(data, 2)),
            input_rules=None if rules is None else InputRules.from_protobuf(rules),
        )


@attrs.frozen
class TxPrefix:
    """The signed part of a transaction: inputs, outputs, fee (in ``fee_token_id``), and the
    tombstone block (the tx is invalid in blocks with index >= tombstone_block)."""

    inputs: tuple[TxIn, ...] = attrs.field(converter=_tx_ins)
    outputs: tuple[TxOut, ...] = attrs.field(converter=_tx_outs)
    fee: int = attrs.field(validator=_u64)
    tombstone_block: int = attrs.field(validator=_u64)
    fee_token_id: int = attrs.field(default=0, validator=_u64)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"TxPrefix")
        writer.values(b"inputs", self.inputs)
        _append_tx_outs(writer, b"outputs", self.outputs)
        writer.uint64(b"fee", self.fee)
        writer.uint64(b"tombstone_block", self.tombstone_block)
        if self.fee_token_id != 0:  # #[digestible(omit_when = 0)]
            writer.uint64(b"fee_token_id", self.fee_token_id)
        writer.agg_closer(context, b"TxPrefix")

    def hash(self) -> bytes:
        """``TxPrefix::hash``: ``digest32(prefix, "mobilecoin-tx-prefix")``."""
        return digest32(self, TX_PREFIX_HASH_CONTEXT)

    def to_protobuf(self) -> bytes:
        parts = [pb.bytes_field(1, i.to_protobuf()) for i in self.inputs]
        parts.extend(pb.bytes_field(2, tx_out_to_protobuf(o)) for o in self.outputs)
        if self.fee:
            parts.append(pb.varint_field(3, self.fee))
        if self.tombstone_block:
            parts.append(pb.varint_field(4, self.tombstone_block))
        if self.fee_token_id:
            parts.append(pb.fixed64_field(5, self.fee_token_id))
        return b"".join(parts)

    @classmethod
    def from_protobuf(cls, data: bytes) -> TxPrefix:
        fields = pb.Fields(data)
        return cls(
            inputs=tuple(TxIn.from_protobuf(i) for i in _repeated_len(data, 1)),
            outputs=tuple(tx_out_from_protobuf(o) for o in _repeated_len(data, 2)),
            fee=fields.get_uint(3),
            tombstone_block=fields.get_uint(4),
            fee_token_id=fields.get_fixed64(5),
        )


# --- signature and transaction -----------------------------------------------------------------


@attrs.frozen
class SignatureRctBulletproofs:
    """The RingCT signature: one MLSAG and one pseudo-output commitment per input, and the
    range proofs — ``range_proof_bytes`` (one proof, before v3) or ``range_proofs`` (one per
    token id, from v3) with the token id of every pseudo-output and output (from v3)."""

    ring_signatures: tuple[RingMLSAG, ...] = attrs.field(converter=_mlsags)
    pseudo_output_commitments: tuple[Point, ...] = attrs.field(converter=_points)
    range_proof_bytes: bytes = b""
    range_proofs: tuple[bytes, ...] = attrs.field(default=(), converter=_byte_strings)
    pseudo_output_token_ids: tuple[int, ...] = attrs.field(
        default=(), converter=_ints, validator=_u64s
    )
    output_token_ids: tuple[int, ...] = attrs.field(default=(), converter=_ints, validator=_u64s)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"SignatureRctBulletproofs")
        writer.seq(
            b"ring_signatures",
            self.ring_signatures,
            lambda ctx, sig: append_ring_mlsag(writer, ctx, sig),
        )
        writer.seq(b"pseudo_output_commitments", self.pseudo_output_commitments, writer.ristretto)
        writer.bytes_(b"range_proof_bytes", self.range_proof_bytes, omit_empty=False)
        writer.seq(b"range_proofs", self.range_proofs, writer.bytes_)
        writer.seq(b"pseudo_output_token_ids", self.pseudo_output_token_ids, writer.uint64)
        writer.seq(b"output_token_ids", self.output_token_ids, writer.uint64)
        writer.agg_closer(context, b"SignatureRctBulletproofs")

    def key_images(self) -> tuple[Point, ...]:
        return tuple(sig.key_image for sig in self.ring_signatures)

    def to_protobuf(self) -> bytes:
        parts = [pb.bytes_field(1, ring_mlsag_to_protobuf(s)) for s in self.ring_signatures]
        parts.extend(
            pb.bytes_field(2, _wrapped_bytes(c.to_bytes())) for c in self.pseudo_output_commitments
        )
        parts.append(pb.omit_empty(3, self.range_proof_bytes))
        parts.extend(pb.bytes_field(4, p) for p in self.range_proofs)
        parts.append(_packed_fixed64(5, self.pseudo_output_token_ids))
        parts.append(_packed_fixed64(6, self.output_token_ids))
        return b"".join(parts)

    @classmethod
    def from_protobuf(cls, data: bytes) -> SignatureRctBulletproofs:
        fields = pb.Fields(data)
        return cls(
            ring_signatures=tuple(ring_mlsag_from_protobuf(s) for s in _repeated_len(data, 1)),
            pseudo_output_commitments=tuple(
                Point.from_bytes(_unwrap_bytes(c, 32, "pseudo-output commitment"))
                for c in _repeated_len(data, 2)
            ),
            range_proof_bytes=fields.get_bytes(3),
            range_proofs=tuple(_repeated_len(data, 4)),
            pseudo_output_token_ids=tuple(_repeated_fixed64(data, 5)),
            output_token_ids=tuple(_repeated_fixed64(data, 6)),
        )


@attrs.frozen
class Tx:
    """A transaction: prefix, RingCT signature and the fee-map digest it was built against."""

    prefix: TxPrefix
    signature: SignatureRctBulletproofs
    fee_map_digest: bytes = b""

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"Tx")
        self.prefix.append_to(writer, b"prefix")
        self.signature.append_to(writer, b"signature")
        writer.bytes_(b"fee_map_digest", self.fee_map_digest)
        writer.agg_closer(context, b"Tx")

    def hash(self) -> bytes:
        """``Tx::tx_hash``: ``digest32(tx, "mobilecoin-tx")`` (the bytes of ``TxHash``)."""
        return digest32(self, TX_HASH_CONTEXT)

    def key_images(self) -> tuple[Point, ...]:
        return self.signature.key_images()

    def output_public_keys(self) -> tuple[Point, ...]:
        return tuple(out.public_key for out in self.prefix.outputs)

    def to_protobuf(self) -> bytes:
        """``external.Tx``: prefix and signature are prost ``required`` (always written)."""
        return (
            pb.bytes_field(1, self.prefix.to_protobuf())
            + pb.bytes_field(2, self.signature.to_protobuf())
            + pb.omit_empty(3, self.fee_map_digest)
        )

    @classmethod
    def from_protobuf(cls, data: bytes) -> Tx:
        fields = pb.Fields(data)
        return cls(
            prefix=TxPrefix.from_protobuf(_message(fields, 1)),
            signature=SignatureRctBulletproofs.from_protobuf(_message(fields, 2)),
            fee_map_digest=fields.get_bytes(3),
        )
