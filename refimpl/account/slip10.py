"""SLIP-10 ed25519 derivation of MobileCoin's per-account key, and its split into view/spend.

* ``slip10_ed25519::derive_ed25519_private_key`` (SLIP-0010, ed25519 curve, hardened only):
  master ``I = HMAC-SHA512("ed25519 seed", seed)``; each step
  ``I = HMAC-SHA512(c, 0x00 || k || BE32(i | 2^31))``; the key is ``k = I[0:32]``.
* MobileCoin's path is ``m/44'/866'/account_index'`` (``core/src/consts.rs`` ``USAGE_BIP44``,
  ``COINTYPE_MOBILECOIN``).
* ``Slip10Key -> RistrettoPrivate`` (``core/src/slip10/mod.rs``): view private =
  ``wide(HKDF-SHA512(salt="mobilecoin-ristretto255-view", ikm=key, info="", L=64))``,
  spend private the same with salt ``"mobilecoin-ristretto255-spend"``.

MobileCoin ``core/src/slip10/mod.rs`` (SLIP-0010 ed25519 derivation, then the two HKDFs).
"""

from __future__ import annotations

import hashlib
import hmac

from refimpl.crypto.hashing import SLIP10_SPEND_SALT, SLIP10_VIEW_SALT, hkdf
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import AccountError, EncodingError

USAGE_BIP44 = 44
COINTYPE_MOBILECOIN = 866
HARDENED = 0x8000_0000
SLIP10_KEY_LENGTH = 32
_ED25519_SEED_KEY = b"ed25519 seed"


def wallet_path(account_index: int) -> tuple[int, int, int]:
    """The hardened path ``m/44'/866'/account_index'`` as three child numbers."""
    if not 0 <= account_index < HARDENED:
        raise AccountError(
            "account.bad_account_index",
            f"the account index must be in 0..2^31-1, got {account_index}",
        )
    return (USAGE_BIP44 | HARDENED, COINTYPE_MOBILECOIN | HARDENED, account_index | HARDENED)


def derive_ed25519_private_key(seed: bytes, path: tuple[int, ...]) -> bytes:
    """SLIP-10 ed25519 hardened derivation of a 32-byte private key from a BIP-39 seed."""
    digest = hmac.new(_ED25519_SEED_KEY, seed, hashlib.sha512).digest()
    key, chain_code = digest[:32], digest[32:]
    for child in path:
        if not HARDENED <= child < 2**32:
            raise AccountError(
                "account.bad_account_index", f"SLIP-10 ed25519 needs hardened indices: {child}"
            )
        data = b"\x00" + key + child.to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        key, chain_code = digest[:32], digest[32:]
    return key


def slip10_key_from_seed(seed: bytes, account_index: int) -> bytes:
    """The ``Slip10Key`` of an account: the key at ``m/44'/866'/account_index'``."""
    return derive_ed25519_private_key(seed, wallet_path(account_index))


def view_okm(slip10_key: bytes) -> bytes:
    """The 64-byte HKDF-SHA512 output reduced into the view private key (vectors store it)."""
    return hkdf("sha512", SLIP10_VIEW_SALT, _checked(slip10_key), b"", 64)


def spend_okm(slip10_key: bytes) -> bytes:
    """The 64-byte HKDF-SHA512 output reduced into the spend private key."""
    return hkdf("sha512", SLIP10_SPEND_SALT, _checked(slip10_key), b"", 64)


def keys_from_slip10_key(slip10_key: bytes) -> tuple[Scalar, Scalar]:
    """Return ``(spend_private, view_private)`` of a 32-byte SLIP-10 key."""
    return (
        Scalar.from_bytes_mod_order_wide(spend_okm(slip10_key)),
        Scalar.from_bytes_mod_order_wide(view_okm(slip10_key)),
    )


def _checked(slip10_key: bytes) -> bytes:
    if len(slip10_key) != SLIP10_KEY_LENGTH:
        raise EncodingError(
            "encoding.bad_length",
            f"a SLIP-10 key must be {SLIP10_KEY_LENGTH} bytes, got {len(slip10_key)}",
        )
    return slip10_key
