"""The versioned crypto box ``RistrettoHkdfBlake2bAes256Gcm`` (ECIES over ristretto255).

MobileCoin ``crypto/box/src/{hkdf_box,versioned,traits}.rs``:

1. ephemeral ``e = wide(64 rng bytes)``, ``E = e*G``; ``dh = compress(e * recipient)``;
2. ``okm = HKDF-Blake2b512(salt "dei-salty-box", ikm dh, info "aead-key-iv", 44)``;
   key = okm[0:32], nonce = okm[32:44];
3. AES-256-GCM without associated data;
4. output = ciphertext || E (32) || tag (16) || major 0x01 || minor 0x00 (footer 50 bytes).

Decryption checks the version bytes, then the tag. Tag comparison is done by ``cryptography``;
the rest of this module is not constant-time (a reference, not a wallet).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from refimpl.crypto.hashing import CRYPTO_BOX_INFO, CRYPTO_BOX_SALT, hkdf
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import CryptoError

MAJOR_VERSION = 1
#: Minor version 0 = RistrettoHkdfBlake2bAes256Gcm, the only algorithm defined.
MINOR_VERSION = 0
_TAG_SIZE = 16
#: E (32) + GCM tag (16) + the two version bytes.
FOOTER_SIZE = 32 + _TAG_SIZE + 2


def _aead_key_and_nonce(dh: Point) -> tuple[bytes, bytes]:
    okm = hkdf("blake2b512", CRYPTO_BOX_SALT, dh.to_bytes(), CRYPTO_BOX_INFO, 44)
    return okm[:32], okm[32:]


def encrypt(rng: RandomSource, recipient_public: Point, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` to ``recipient_public``; the result is ``len(plaintext) + 50`` bytes.

    Draws exactly 64 bytes from ``rng`` (the ephemeral scalar), as ``Kex::new_secret`` does.
    """
    ephemeral = Scalar.random(rng)
    key, nonce = _aead_key_and_nonce(recipient_public * ephemeral)
    sealed = AESGCM(key).encrypt(nonce, plaintext, None)
    ciphertext, tag = sealed[: len(plaintext)], sealed[len(plaintext) :]
    footer = Point.mul_base(ephemeral).to_bytes() + tag + bytes([MAJOR_VERSION, MINOR_VERSION])
    return ciphertext + footer


def decrypt(recipient_private: Scalar, data: bytes) -> bytes:
    """Open a box made by :func:`encrypt`; raise a typed :class:`CryptoError` on any failure."""
    if len(data) < FOOTER_SIZE:
        raise CryptoError(
            "crypto.box_too_short", f"a crypto box is at least {FOOTER_SIZE} bytes, got {len(data)}"
        )
    ciphertext, footer = data[:-FOOTER_SIZE], data[-FOOTER_SIZE:]
    major, minor = footer[-2], footer[-1]
    if major != MAJOR_VERSION or minor != MINOR_VERSION:
        raise CryptoError(
            "crypto.box_bad_version", f"crypto box version {major}.{minor} is not 1.0"
        )
    ephemeral_public = Point.from_bytes(footer[:32])
    tag = footer[32 : 32 + _TAG_SIZE]
    key, nonce = _aead_key_and_nonce(ephemeral_public * recipient_private)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext + tag, None)
    except InvalidTag as exc:
        raise CryptoError(
            "crypto.box_decryption_failed", "the crypto box tag does not verify"
        ) from exc
