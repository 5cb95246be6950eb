"""Key images: deterministic per one-time key, distinct across keys
(ring_signature/key_image.rs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.hashing import blake2b512
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import CryptoError, EncodingError
from refimpl.transaction.key_image import KeyImage, key_image_base

scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)


@given(x=scalars)
def test_key_image_is_x_times_hp_of_xg(x: Scalar) -> None:
    p = Point.mul_base(x)
    hp = Point.from_uniform_bytes(blake2b512(b"mc_onetime_key_hash_to_point", p.to_bytes()))
    assert key_image_base(p) == hp
    assert KeyImage.from_private_key(x).point == hp * x


@given(x=scalars, y=scalars)
def test_same_key_links_different_keys_do_not(x: Scalar, y: Scalar) -> None:
    assert KeyImage.from_private_key(x) == KeyImage.from_private_key(Scalar(x.value))
    if x != y:
        assert KeyImage.from_private_key(x) != KeyImage.from_private_key(y)


@given(x=scalars)
def test_bytes_round_trip(x: Scalar) -> None:
    image = KeyImage.from_private_key(x)
    assert KeyImage.from_bytes(image.to_bytes()) == image


def test_from_u64_is_the_key_image_of_that_scalar() -> None:
    assert KeyImage.from_u64(42) == KeyImage.from_private_key(Scalar(42))
    assert sorted([KeyImage.from_u64(2), KeyImage.from_u64(1)])[0].to_bytes() == min(
        KeyImage.from_u64(1).to_bytes(), KeyImage.from_u64(2).to_bytes()
    )


@given(blob=st.binary(max_size=40))
def test_garbage_bytes_are_typed_errors(blob: bytes) -> None:
    try:
        image = KeyImage.from_bytes(blob)
    except (CryptoError, EncodingError):
        return
    assert image.to_bytes() == blob


@pytest.mark.parametrize("n", [-1, 2**64])
def test_from_u64_range(n: int) -> None:
    with pytest.raises(EncodingError):
        KeyImage.from_u64(n)
