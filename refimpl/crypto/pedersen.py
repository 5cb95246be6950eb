"""Pedersen commitments with one value generator per token id.

MobileCoin ``crypto/ring-signature/src/ring_signature/mod.rs`` (``generators(token_id)``) and
``crypto/ring-signature/src/amount/commitment.rs``:

* value generator ``H_t = from_uniform_bytes(Blake2b512("mc_onetime_key_hash_to_point" ||
  (G_compressed with bytes 0..8 XORed by LE64(t))))``; token 0 (MOB) keeps the pre-token-id
  generator, which is this formula at ``t = 0``;
* blinding generator ``G`` (the ristretto basepoint) for every token;
* commitment ``C = v*H_t + blinding*G``.
"""

from __future__ import annotations

from functools import lru_cache

from refimpl.crypto.hashing import HASH_TO_POINT_DOMAIN_TAG, hash_to_point
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError

U64_MAX = 2**64 - 1


def _require_u64(value: int, what: str) -> None:
    if not 0 <= value <= U64_MAX:
        raise EncodingError("encoding.integer_out_of_range", f"{what} must fit in a u64")


@lru_cache(maxsize=64)
def value_generator(token_id: int) -> Point:
    """``H_t``: the value generator of token ``token_id`` (a u64)."""
    _require_u64(token_id, "token id")
    base = bytearray(Point.base().to_bytes())
    for i, b in enumerate(token_id.to_bytes(8, "little")):
        base[i] ^= b
    return hash_to_point(HASH_TO_POINT_DOMAIN_TAG, bytes(base))


def blinding_generator() -> Point:
    """The blinding generator ``G``, shared by all tokens."""
    return Point.base()


def commit(value: int, blinding: Scalar, token_id: int) -> Point:
    """``value*H_token + blinding*G`` (``PedersenGens::commit``); ``value`` is a u64."""
    _require_u64(value, "committed value")
    return value_generator(token_id) * Scalar(value) + Point.mul_base(blinding)
