"""ristretto255 group elements and scalars, as curve25519-dalek 4 defines them for MobileCoin.

* :class:`Scalar` is an integer modulo the group order ``L``; arithmetic is plain Python ``int``
  (faster than calling libsodium for scalar-field work).
* :class:`Point` holds the 32-byte canonical (compressed) encoding; group operations go through
  libsodium. Decoding rejects non-canonical encodings exactly as dalek's
  ``CompressedRistretto::decompress`` does (RFC 9496 §4.3.1); the identity encodes as 32 zero
  bytes and is a valid point.

Mirrors ``curve25519_dalek::{scalar::Scalar, ristretto::RistrettoPoint}`` and the MobileCoin
wrappers in ``crypto/keys/src/ristretto.rs``. Not constant-time: this is a reference, not a wallet.
"""

from __future__ import annotations

from typing import Protocol

from refimpl.crypto import _sodium
from refimpl.errors import CryptoError, EncodingError

#: The prime order of the ristretto255 group.
L = 2**252 + 27742317777372353535851937790883648493


class RandomSource(Protocol):
    """Anything that yields random bytes; all randomness is injected (docs/architecture.md)."""

    def __call__(self, n: int) -> bytes: ...


def _require_length(data: bytes, n: int, what: str) -> None:
    if len(data) != n:
        raise EncodingError("encoding.bad_length", f"{what} must be {n} bytes, got {len(data)}")


class Scalar:
    """An element of Z/LZ. Immutable; ``value`` is always in ``[0, L)``."""

    __slots__ = ("value",)
    value: int

    def __init__(self, value: int) -> None:
        object.__setattr__(self, "value", value % L)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Scalar is immutable")

    # --- constructors ------------------------------------------------------------------
    @classmethod
    def from_canonical_bytes(cls, data: bytes) -> Scalar:
        """dalek ``Scalar::from_canonical_bytes``: 32 LE bytes that must already be < L."""
        _require_length(data, 32, "scalar")
        n = int.from_bytes(data, "little")
        if n >= L:
            raise CryptoError("crypto.non_canonical_scalar", "scalar is not reduced modulo L")
        return cls(n)

    @classmethod
    def from_bytes_mod_order(cls, data: bytes) -> Scalar:
        """dalek ``Scalar::from_bytes_mod_order``: 32 LE bytes reduced modulo L."""
        _require_length(data, 32, "scalar")
        return cls(int.from_bytes(data, "little"))

    @classmethod
    def from_bytes_mod_order_wide(cls, data: bytes) -> Scalar:
        """dalek ``Scalar::from_bytes_mod_order_wide``: 64 LE bytes reduced modulo L."""
        _require_length(data, 64, "wide scalar input")
        return cls(int.from_bytes(data, "little"))

    @classmethod
    def random(cls, rng: RandomSource) -> Scalar:
        """dalek ``Scalar::random``: 64 bytes from ``rng``, reduced (wide)."""
        return cls.from_bytes_mod_order_wide(rng(64))

    # --- encoding ----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return self.value.to_bytes(32, "little")

    def hex(self) -> str:
        return self.to_bytes().hex()

    # --- arithmetic --------------------------------------------------------------------
    def __add__(self, other: Scalar) -> Scalar:
        return Scalar(self.value + other.value)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar(self.value - other.value)

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar(self.value * other.value)

    def __neg__(self) -> Scalar:
        return Scalar(-self.value)

    def invert(self) -> Scalar:
        if self.value == 0:
            raise CryptoError("crypto.zero_scalar", "zero has no inverse")
        return Scalar(pow(self.value, -1, L))

    def is_zero(self) -> bool:
        return self.value == 0

    # --- comparison --------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Scalar", self.value))

    def __repr__(self) -> str:
        return f"Scalar({self.hex()})"


class Point:
    """A ristretto255 group element, held as its canonical 32-byte encoding. Immutable."""

    __slots__ = ("_encoding",)
    _encoding: bytes

    def __init__(self, encoding: bytes, *, _trusted: bool = False) -> None:
        if not _trusted:
            _require_length(encoding, 32, "ristretto point")
            if not _sodium.is_valid_point(encoding):
                raise CryptoError(
                    "crypto.non_canonical_point",
                    "bytes are not a canonical ristretto255 encoding",
                )
        object.__setattr__(self, "_encoding", bytes(encoding))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    # --- constructors ------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, encoding: bytes) -> Point:
        """dalek ``CompressedRistretto::decompress``; raises on non-canonical input."""
        return cls(encoding)

    @classmethod
    def identity(cls) -> Point:
        return cls(bytes(32), _trusted=True)

    @classmethod
    def base(cls) -> Point:
        """The ristretto255 basepoint ``G`` (dalek ``RISTRETTO_BASEPOINT_POINT``)."""
        return _BASEPOINT

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """dalek ``RistrettoPoint::from_uniform_bytes`` (= libsodium ``from_hash``)."""
        _require_length(data, 64, "uniform bytes")
        return cls(_sodium.from_hash(data), _trusted=True)

    @classmethod
    def random(cls, rng: RandomSource) -> Point:
        """dalek ``RistrettoPoint::random``: ``from_uniform_bytes`` of 64 bytes from ``rng``."""
        return cls.from_uniform_bytes(rng(64))

    @classmethod
    def mul_base(cls, scalar: Scalar) -> Point:
        """``scalar * G``."""
        return cls(_sodium.scalarmult_base(scalar.to_bytes()), _trusted=True)

    # --- encoding ----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return self._encoding

    def hex(self) -> str:
        return self._encoding.hex()

    def is_identity(self) -> bool:
        return self._encoding == bytes(32)

    # --- group operations --------------------------------------------------------------
    def __add__(self, other: Point) -> Point:
        return Point(_sodium.add(self._encoding, other._encoding), _trusted=True)

    def __sub__(self, other: Point) -> Point:
        return Point(_sodium.sub(self._encoding, other._encoding), _trusted=True)

    def __neg__(self) -> Point:
        return Point(_sodium.sub(bytes(32), self._encoding), _trusted=True)

    def __mul__(self, scalar: Scalar) -> Point:
        if self.is_identity():
            return self
        return Point(_sodium.scalarmult(scalar.to_bytes(), self._encoding), _trusted=True)

    def __rmul__(self, scalar: Scalar) -> Point:
        return self.__mul__(scalar)

    # --- comparison --------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other._encoding == self._encoding

    def __hash__(self) -> int:
        return hash(("Point", self._encoding))

    def __repr__(self) -> str:
        return f"Point({self.hex()})"


_BASEPOINT = Point(
    bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"),
    _trusted=True,
)
