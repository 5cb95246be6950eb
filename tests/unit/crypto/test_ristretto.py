"""ristretto255 Point and Scalar over libsodium: encodings, rejection, group laws."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.hashing import HASH_TO_POINT_DOMAIN_TAG, hash_to_point
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import CryptoError, EncodingError

# RFC 9496 appendix A.1: encodings of the first multiples of the basepoint.
RFC9496_MULTIPLES = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
    "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
    "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
]

# RFC 9496 appendix A.2: invalid encodings (non-canonical, negative, non-square x^2, ...).
RFC9496_BAD = [
    "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]

# RFC 9496 appendix A.3: hash-to-group of SHA-512 of these labels (first two).
RFC9496_HASH_TO_GROUP = [
    ("Ristretto is traditionally a short shot of espresso coffee",
     "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"),
    ("made with the normal amount of ground coffee but extracted with",
     "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b"),
]

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)


def test_basepoint_multiples_match_rfc9496() -> None:
    for k, encoding in enumerate(RFC9496_MULTIPLES):
        assert Point.mul_base(Scalar(k)).hex() == encoding
        assert Point.from_bytes(bytes.fromhex(encoding)).hex() == encoding


@pytest.mark.parametrize("encoding", RFC9496_BAD)
def test_non_canonical_encodings_are_rejected(encoding: str) -> None:
    with pytest.raises(CryptoError) as info:
        Point.from_bytes(bytes.fromhex(encoding))
    assert info.value.code == "crypto.non_canonical_point"


def test_top_bit_set_is_rejected_although_libsodium_1_0_18_ignores_it() -> None:
    for k in (1, 2, 3):
        encoding = bytearray(Point.mul_base(Scalar(k)).to_bytes())
        encoding[31] |= 0x80
        with pytest.raises(CryptoError) as info:
            Point.from_bytes(bytes(encoding))
        assert info.value.code == "crypto.non_canonical_point"


def test_wrong_length_is_an_encoding_error() -> None:
    with pytest.raises(EncodingError) as info:
        Point.from_bytes(bytes(31))
    assert info.value.code == "encoding.bad_length"


@pytest.mark.parametrize(("label", "expected"), RFC9496_HASH_TO_GROUP)
def test_from_uniform_bytes_matches_rfc9496(label: str, expected: str) -> None:
    digest = hashlib.sha512(label.encode()).digest()
    assert Point.from_uniform_bytes(digest).hex() == expected


def test_mob_value_generator_is_the_published_constant() -> None:
    # H_0 = Hp(G xor LE64(0)) = Hp(G) (ring_signature/mod.rs generators), confirmed by
    # tx_out_records.
    h0 = hash_to_point(HASH_TO_POINT_DOMAIN_TAG, Point.base().to_bytes())
    assert h0.hex() == "806024d8f41f25e280a0ca45fa2fa28c0529f7b0cbaf182dc195fa23cc58c82b"


def test_scalar_canonical_decoding() -> None:
    assert Scalar.from_canonical_bytes((L - 1).to_bytes(32, "little")).value == L - 1
    with pytest.raises(CryptoError) as info:
        Scalar.from_canonical_bytes(L.to_bytes(32, "little"))
    assert info.value.code == "crypto.non_canonical_scalar"
    assert Scalar.from_bytes_mod_order(L.to_bytes(32, "little")).value == 0


def test_identity_results_do_not_raise() -> None:
    g = Point.base()
    assert (g * Scalar(0)).is_identity()
    assert (g - g).is_identity()
    assert (Point.identity() * Scalar(5)).is_identity()
    assert Point.mul_base(Scalar(0)).is_identity()


@given(scalars, scalars)
def test_scalar_multiplication_is_a_homomorphism(a: Scalar, b: Scalar) -> None:
    g = Point.base()
    assert Point.mul_base(a) + Point.mul_base(b) == Point.mul_base(a + b)
    assert (g * a) * b == Point.mul_base(a * b)
    assert -Point.mul_base(a) == Point.mul_base(-a)


@given(st.binary(min_size=32, max_size=32))
def test_decoding_random_bytes_is_valid_or_typed_error(data: bytes) -> None:
    try:
        point = Point.from_bytes(data)
    except CryptoError as exc:
        assert exc.code == "crypto.non_canonical_point"
    else:
        assert point.to_bytes() == data
