"""Root entropy -> account private keys (MobileCoin ``account-keys/src/identity.rs``).

``RootIdentity`` holds 32 bytes of root entropy. Each private key is
``reduce32(HKDF-Blake2b256(salt=none, ikm=root_entropy, info=label, L=32))`` with label
``"spend"`` or ``"view"`` (MobileCoin ``account-keys/src/identity.rs``, ``RootIdentity``).
"""

from __future__ import annotations

from refimpl.crypto.hashing import ROOT_ENTROPY_SPEND_INFO, ROOT_ENTROPY_VIEW_INFO, hkdf
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import EncodingError

ROOT_ENTROPY_LENGTH = 32


def _private_key(root_entropy: bytes, label: bytes) -> Scalar:
    okm = hkdf("blake2b256", None, root_entropy, label, 32)
    return Scalar.from_bytes_mod_order(okm)


def keys_from_root_entropy(root_entropy: bytes) -> tuple[Scalar, Scalar]:
    """Return ``(spend_private, view_private)`` derived from 32 bytes of root entropy."""
    if len(root_entropy) != ROOT_ENTROPY_LENGTH:
        raise EncodingError(
            "encoding.bad_length",
            f"root entropy must be {ROOT_ENTROPY_LENGTH} bytes, got {len(root_entropy)}",
        )
    return (
        _private_key(root_entropy, ROOT_ENTROPY_SPEND_INFO),
        _private_key(root_entropy, ROOT_ENTROPY_VIEW_INFO),
    )
