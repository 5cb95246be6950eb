"""Schnorrkel (sr25519-style) signatures with MobileCoin's deterministic nonce.

Mirrors ``crypto/keys/src/ristretto.rs`` (``RistrettoPrivate::sign_schnorrkel``,
``RistrettoPublic::verify_schnorrkel``) over the ``schnorrkel-og`` fork (``src/sign.rs``,
``src/context.rs``, ``src/keys.rs``):

1. ``nonce = Merlin("SigningNonce")`` with ``("context", ctx)``, ``("private", x)``,
   ``("message", msg)``, challenge ``("nonce", 32)``;
2. ``T = Merlin("SigningContext")`` with ``("", ctx)``, ``("sign-bytes", msg)``,
   ``("proto-name", "Schnorr-sig")``, ``("sign:pk", P)``;
3. witness ``r = wide(T.build_rng().rekey_with_witness_bytes("signing", nonce)
   .finalize(Hc128Rng.from_seed(nonce)).fill_bytes(64))``;
4. ``R = r*G``; ``T.append("sign:R", R)``; ``k = wide(T.challenge("sign:c", 64))``;
   ``s = k*x + r``;
5. signature ``R || s`` with bit 255 set (schnorrkel's marker).

Verification rebuilds ``T`` and accepts iff ``s*G - k*P`` encodes to exactly the bytes of ``R``.
"""

from __future__ import annotations

from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CryptoError

SIGNATURE_LENGTH = 64
_MARKER = 0x80


def _nonce_seed(private: Scalar, context: bytes, message: bytes) -> bytes:
    """MobileCoin's deterministic 32-byte nonce seed (``sign_schnorrkel``)."""
    t = Transcript(b"SigningNonce")
    t.append_message(b"context", context)
    t.append_message(b"private", private.to_bytes())
    t.append_message(b"message", message)
    return t.challenge_bytes(b"nonce", 32)


def _signing_transcript(context: bytes, message: bytes, public: Point) -> Transcript:
    """``signing_context(context).bytes(message)`` with the protocol name and public key."""
    t = Transcript(b"SigningContext")
    t.append_message(b"", context)
    t.append_message(b"sign-bytes", message)
    t.append_message(b"proto-name", b"Schnorr-sig")
    t.append_message(b"sign:pk", public.to_bytes())
    return t


def _challenge(t: Transcript, r_bytes: bytes) -> Scalar:
    t.append_message(b"sign:R", r_bytes)
    return Scalar.from_bytes_mod_order_wide(t.challenge_bytes(b"sign:c", 64))


def sign(private: Scalar, context: bytes, message: bytes) -> bytes:
    """The 64-byte schnorrkel signature ``R || s`` (marker bit set) of ``message``."""
    public = Point.mul_base(private)
    t = _signing_transcript(context, message, public)
    nonce = _nonce_seed(private, context, message)
    witness_rng = (
        t.build_rng()
        .rekey_with_witness_bytes(b"signing", nonce)
        .finalize(Hc128Rng.from_seed(nonce))
    )
    r = Scalar.from_bytes_mod_order_wide(witness_rng.fill_bytes(64))
    r_bytes = Point.mul_base(r).to_bytes()
    k = _challenge(t, r_bytes)
    s = k * private + r
    s_bytes = bytearray(s.to_bytes())
    s_bytes[31] |= _MARKER
    return r_bytes + bytes(s_bytes)


def _parse_s(signature: bytes) -> Scalar:
    if len(signature) != SIGNATURE_LENGTH:
        raise CryptoError(
            "crypto.bad_signature_encoding",
            f"a schnorrkel signature is {SIGNATURE_LENGTH} bytes, got {len(signature)}",
        )
    s_bytes = bytearray(signature[32:])
    if not s_bytes[31] & _MARKER:
        raise CryptoError(
            "crypto.bad_signature_encoding", "signature lacks the schnorrkel marker bit"
        )
    s_bytes[31] &= 0x7F
    s = int.from_bytes(s_bytes, "little")
    if s >= L:
        raise CryptoError("crypto.bad_signature_encoding", "signature scalar is not canonical")
    return Scalar(s)


def verify(public: Point, context: bytes, message: bytes, signature: bytes) -> None:
    """Return if ``signature`` is valid for ``message`` under ``public``; raise otherwise.

    Raises ``crypto.bad_signature_encoding`` for a wrong length, a missing marker bit or a
    non-canonical ``s``, and ``crypto.bad_signature`` when the equation does not hold.
    """
    s = _parse_s(bytes(signature))
    r_bytes = bytes(signature[:32])
    k = _challenge(_signing_transcript(context, message, public), r_bytes)
    if (Point.mul_base(s) - public * k).to_bytes() != r_bytes:
        raise CryptoError("crypto.bad_signature", "schnorrkel signature does not verify")
