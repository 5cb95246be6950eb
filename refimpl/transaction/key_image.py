"""Key images: the linkable tag that makes a spent TxOut recognisable.

MobileCoin ``crypto/ring-signature/src/ring_signature/key_image.rs`` and ``hash_to_point`` in
``crypto/ring-signature/src/ring_signature/mod.rs``:
``I = x * Hp(x*G)`` with ``Hp(P) = from_uniform_bytes(Blake2b512("mc_onetime_key_hash_to_point"
|| compress(P)))``. A key image hashes (digestible) as a transparent ``ristretto`` primitive.
"""

from __future__ import annotations

import attrs

from refimpl.crypto.hashing import HASH_TO_POINT_DOMAIN_TAG, hash_to_point
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError


def key_image_base(onetime_public_key: Point) -> Point:
    """``Hp(P)``: the base point a key image is computed over."""
    return hash_to_point(HASH_TO_POINT_DOMAIN_TAG, onetime_public_key.to_bytes())


@attrs.frozen(order=False)
class KeyImage:
    """A key image, held as its point. Sorts by encoding (blocks sort key images by bytes)."""

    point: Point

    @classmethod
    def from_private_key(cls, onetime_private_key: Scalar) -> KeyImage:
        """``KeyImage::from(&RistrettoPrivate)``: ``x * Hp(x*G)``."""
        base = key_image_base(Point.mul_base(onetime_private_key))
        return cls(base * onetime_private_key)

    @classmethod
    def from_u64(cls, n: int) -> KeyImage:
        """``KeyImage::from(u64)`` (test helper): the key image of the private key ``Scalar(n)``."""
        if not 0 <= n < 2**64:
            raise EncodingError("encoding.integer_out_of_range", "KeyImage::from takes a u64")
        return cls.from_private_key(Scalar(n))

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyImage:
        return cls(Point.from_bytes(data))

    def to_bytes(self) -> bytes:
        return self.point.to_bytes()

    def __lt__(self, other: KeyImage) -> bool:
        return self.to_bytes() < other.to_bytes()
