"""The report server's signature over its report list.

MobileCoin ``fog/sig/report/src/{lib.rs, ed25519.rs}`` and
``crypto/digestible/signature/src/lib.rs``: the leaf key of the operator's chain signs, with
Ed25519, the 32-byte digestible hash (``digest32`` over Merlin) of the ``&[Report]`` slice under
the context ``"Fog ingest reports"``; a verifier recomputes the hash and checks the signature
as ed25519-dalek's ``verify_strict`` does (a small-order or non-canonical key or ``R`` is
refused).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from refimpl.crypto.digestible import DigestWriter, digest32_with
from refimpl.errors import FogError
from refimpl.fog.report.messages import Report
from refimpl.ledger.signature import is_weak_encoding

#: ``mc_fog_sig_report::context()``.
REPORT_SIGNATURE_CONTEXT = b"Fog ingest reports"
ED25519_SIGNATURE_LEN = 64
ED25519_PUBLIC_LEN = 32


def reports_digest(reports: Sequence[Report]) -> bytes:
    """``reports.digest32::<MerlinTranscript>(b"Fog ingest reports")``: what is signed."""

    def append(w: DigestWriter, ctx: bytes) -> None:
        w.seq(ctx, list(reports), w.value, omit_empty=False)

    return digest32_with(REPORT_SIGNATURE_CONTEXT, append)


def sign_reports(key: Ed25519PrivateKey, reports: Sequence[Report]) -> bytes:
    """``Ed25519Pair::sign_reports``: the 64-byte signature."""
    return key.sign(reports_digest(reports))


def verify_reports(public_key: bytes, reports: Sequence[Report], signature: bytes) -> None:
    """``Ed25519Public::verify_reports``; ``fog.report_bad_signature`` unless it verifies."""
    if len(public_key) != ED25519_PUBLIC_LEN or len(signature) != ED25519_SIGNATURE_LEN:
        raise FogError("fog.report_bad_signature",
                       f"an Ed25519 key is {ED25519_PUBLIC_LEN} bytes and a signature "
                       f"{ED25519_SIGNATURE_LEN}, got {len(public_key)} and {len(signature)}")
    if is_weak_encoding(public_key) or is_weak_encoding(signature[:32]):
        raise FogError("fog.report_bad_signature",
                       "the signer key or the signature's R is weak or not a point")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, reports_digest(reports))
    except InvalidSignature:
        raise FogError("fog.report_bad_signature",
                       "the signature over the reports does not verify") from None
