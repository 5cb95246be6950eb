"""Block signatures: Ed25519 over ``digest32(Block, "block-sig")``.

MobileCoin ``blockchain/types/src/block_signature.rs`` and ``crypto/keys/src/ed25519.rs``.

``BlockSignature { signature: Ed25519Signature (64), signer: Ed25519Public (32), signed_at:
u64 }``. The signature is plain RFC 8032 Ed25519 (ed25519-dalek ``sign``) of the 32-byte block
signing digest; ``signed_at`` (seconds since the epoch) is set after signing and is NOT signed.

Verification: MobileCoin uses ed25519-dalek ``verify_strict``. This module verifies with the
``cryptography`` package (OpenSSL: cofactorless equation, rejects ``S >= L``, compares the
recomputed ``R`` byte for byte, so a non-canonical ``R`` fails) and adds the checks that
``verify_strict`` makes and OpenSSL does not: the signer key and ``R`` must not be of small
order. Both are also required to be canonical encodings (``y < p``), which is slightly stricter
than dalek's decompression (dalek reduces a non-canonical ``y``); no honest signer produces one.

Encodings: protobuf ``blockchain.BlockSignature { external.Ed25519Signature signature = 1;
external.Ed25519Public signer = 2; uint64 signed_at = 3; }`` (each key type is ``{ bytes data
= 1; }``); digestible aggregate "BlockSignature" {"signature": ed25519-sig, "signer": ed25519,
"signed_at": uint}.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from refimpl import protobuf as pb
from refimpl.crypto.digestible import DigestWriter
from refimpl.errors import EncodingError, LedgerError
from refimpl.ledger.block import Block

SIGNATURE_LEN = 64
PUBLIC_KEY_LEN = 32
PRIVATE_KEY_LEN = 32

# --- Edwards25519 small-order test (pure Python, only a few field operations) -------------------
_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _decode_edwards(encoding: bytes) -> tuple[int, int] | None:
    """Affine ``(x, y)`` of a canonical Edwards25519 encoding, or ``None`` (not canonical / not
    on the curve)."""
    y = int.from_bytes(encoding, "little") & ((1 << 255) - 1)
    sign = encoding[31] >> 7
    if y >= _P:
        return None
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * _SQRT_M1) % _P
        if (v * x * x - u) % _P != 0:
            return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _double(x: int, y: int) -> tuple[int, int]:
    """Affine doubling on ``-x^2 + y^2 = 1 + d x^2 y^2`` (complete formula, a = -1)."""
    xy = x * y % _P
    denominator_x = (1 + _D * xy * xy) % _P
    denominator_y = (1 - _D * xy * xy) % _P
    x2 = 2 * xy * pow(denominator_x, _P - 2, _P) % _P
    y2 = (y * y + x * x) * pow(denominator_y, _P - 2, _P) % _P
    return x2, y2


def is_weak_encoding(encoding: bytes) -> bool:
    """True when ``encoding`` is not a canonical curve point or is of small order
    (``[8]P`` is the identity): the points ``verify_strict`` refuses as key or ``R``."""
    point = _decode_edwards(encoding)
    if point is None:
        return True
    x, y = point
    for _ in range(3):
        x, y = _double(x, y)
    return x == 0 and y == 1


# --- the signature type --------------------------------------------------------------------------


def _length(n: int, what: str) -> Callable[[object, attrs.Attribute[bytes], bytes], None]:
    def check(_instance: object, _attribute: attrs.Attribute[bytes], value: bytes) -> None:
        if len(value) != n:
            raise EncodingError("encoding.bad_length", f"{what} must be {n} bytes")

    return check


def _u64(_instance: object, _attribute: object, value: int) -> None:
    if not 0 <= value < 2**64:
        raise EncodingError("encoding.integer_out_of_range", "signed_at must be a u64")


@attrs.frozen
class BlockSignature:
    """A signer's Ed25519 signature of a block, with the (unsigned) time it was made."""

    signature: bytes = attrs.field(validator=_length(SIGNATURE_LEN, "an Ed25519 signature"))
    signer: bytes = attrs.field(validator=_length(PUBLIC_KEY_LEN, "an Ed25519 public key"))
    signed_at: int = attrs.field(default=0, validator=_u64)

    def append_to(self, writer: DigestWriter, context: bytes) -> None:
        writer.agg_header(context, b"BlockSignature")
        writer.ed25519_sig(b"signature", self.signature)
        writer.ed25519(b"signer", self.signer)
        writer.uint64(b"signed_at", self.signed_at)
        writer.agg_closer(context, b"BlockSignature")

    def to_protobuf(self) -> bytes:
        return (
            pb.bytes_field(1, pb.bytes_field(1, self.signature))
            + pb.bytes_field(2, pb.bytes_field(1, self.signer))
            + (pb.varint_field(3, self.signed_at) if self.signed_at else b"")
        )

    @classmethod
    def from_protobuf(cls, data: bytes) -> BlockSignature:
        """Decode; missing or wrongly sized keys/signatures raise ``encoding.*``."""
        fields = pb.Fields(data)
        return cls(
            _inner_bytes(fields, 1, "signature"),
            _inner_bytes(fields, 2, "signer"),
            fields.get_uint(3),
        )


def _inner_bytes(fields: pb.Fields, tag: int, what: str) -> bytes:
    message = fields.get_message(tag)
    if message is None:
        raise EncodingError("encoding.bad_protobuf", f"BlockSignature lacks its {what}")
    return pb.Fields(message).get_bytes(1)


def signing_key_from_bytes(private_key: bytes) -> Ed25519PrivateKey:
    """An Ed25519 signing key from its 32-byte seed (``encoding.bad_length`` otherwise)."""
    if len(private_key) != PRIVATE_KEY_LEN:
        raise EncodingError("encoding.bad_length", "an Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(private_key)


def public_key_bytes(signing_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of ``signing_key``."""
    return signing_key.public_key().public_bytes_raw()


def sign(block: Block, signing_key: Ed25519PrivateKey, signed_at: int = 0) -> BlockSignature:
    """``BlockSignature::from_block_and_keypair``: sign ``block.signing_digest()``."""
    signature = signing_key.sign(block.signing_digest())
    return BlockSignature(signature, public_key_bytes(signing_key), signed_at)


def verify(block: Block, block_signature: BlockSignature) -> None:
    """``BlockSignature::verify``: raise ``ledger.weak_signer_key`` (signer or ``R`` not a
    canonical point of large order) or ``ledger.bad_block_signature``; return on success."""
    if is_weak_encoding(block_signature.signer):
        raise LedgerError("ledger.weak_signer_key", "the signer key is of small order or bad")
    if is_weak_encoding(block_signature.signature[:32]):
        raise LedgerError("ledger.weak_signer_key", "the signature's R is of small order or bad")
    public_key = Ed25519PublicKey.from_public_bytes(block_signature.signer)
    try:
        public_key.verify(block_signature.signature, block.signing_digest())
    except InvalidSignature:
        raise LedgerError(
            "ledger.bad_block_signature", f"block {block.index}: signature does not verify"
        ) from None
