"""The versioned crypto box and the fog hint built on it (crypto/box,
transaction/core/src/fog_hint.rs)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto import box
from refimpl.crypto.hashing import hkdf
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import CryptoError, EncodingError, RefImplError, TxError
from refimpl.transaction.fog_hint import ENCRYPTED_FOG_HINT_LEN, EncryptedFogHint

scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)


def seeded_rng(seed: int) -> Callable[[int], bytes]:
    return random.Random(seed).randbytes


@given(key=scalars, plaintext=st.binary(max_size=200), seed=st.integers(0, 2**32))
def test_round_trip(key: Scalar, plaintext: bytes, seed: int) -> None:
    sealed = box.encrypt(seeded_rng(seed), Point.mul_base(key), plaintext)
    assert len(sealed) == len(plaintext) + box.FOOTER_SIZE
    assert sealed[-2:] == b"\x01\x00"
    assert box.decrypt(key, sealed) == plaintext


def test_layout_matches_the_construction() -> None:
    # ciphertext || E || tag || 1 || 0, with E = e*G and e = wide(first 64 rng bytes).
    rng_bytes = bytes(range(64))
    recipient = Scalar(1234567)
    sealed = box.encrypt(lambda n: rng_bytes[:n], Point.mul_base(recipient), b"hello")
    ephemeral = Scalar.from_bytes_mod_order_wide(rng_bytes)
    assert sealed[5:37] == Point.mul_base(ephemeral).to_bytes()
    dh = Point.mul_base(recipient) * ephemeral
    okm = hkdf("blake2b512", b"dei-salty-box", dh.to_bytes(), b"aead-key-iv", 44)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    expected = AESGCM(okm[:32]).encrypt(okm[32:], b"hello", None)
    assert sealed[:5] + sealed[37:53] == expected


@given(
    key=scalars,
    plaintext=st.binary(min_size=1, max_size=64),
    seed=st.integers(0, 2**32),
    data=st.data(),
)
def test_any_tampering_is_rejected_with_a_typed_error(
    key: Scalar, plaintext: bytes, seed: int, data: st.DataObject
) -> None:
    sealed = bytearray(box.encrypt(seeded_rng(seed), Point.mul_base(key), plaintext))
    index = data.draw(st.integers(0, len(sealed) - 1))
    sealed[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(CryptoError) as info:
        box.decrypt(key, bytes(sealed))
    assert info.value.code in (
        "crypto.box_decryption_failed",
        "crypto.box_bad_version",
        "crypto.non_canonical_point",
    )


@given(key=scalars, blob=st.binary(max_size=120))
def test_garbage_gives_typed_errors(key: Scalar, blob: bytes) -> None:
    with pytest.raises(RefImplError):
        box.decrypt(key, blob)


def test_wrong_key_fails() -> None:
    sealed = box.encrypt(seeded_rng(1), Point.mul_base(Scalar(5)), b"secret")
    with pytest.raises(CryptoError) as info:
        box.decrypt(Scalar(6), sealed)
    assert info.value.code == "crypto.box_decryption_failed"


@given(ingest=scalars, view=scalars, seed=st.integers(0, 2**32))
def test_fog_hint_round_trip(ingest: Scalar, view: Scalar, seed: int) -> None:
    view_public = Point.mul_base(view)
    hint = EncryptedFogHint.encrypt(seeded_rng(seed), Point.mul_base(ingest), view_public)
    assert len(hint.data) == ENCRYPTED_FOG_HINT_LEN
    assert hint.decrypt(ingest) == view_public


def test_fake_hint_has_no_magic() -> None:
    # The fake hint seals zeros to a random point: nobody can open it, and its layout is real.
    hint = EncryptedFogHint.fake_onetime_hint(seeded_rng(3))
    assert len(hint.data) == ENCRYPTED_FOG_HINT_LEN and hint.data[-2:] == b"\x01\x00"
    with pytest.raises(CryptoError):
        hint.decrypt(Scalar(9))


def test_hint_with_bad_magic_is_rejected() -> None:
    ingest = Scalar(77)
    plaintext = Point.base().to_bytes() + b"\x2a\x00"
    sealed = box.encrypt(seeded_rng(4), Point.mul_base(ingest), plaintext)
    with pytest.raises(TxError) as info:
        EncryptedFogHint(sealed).decrypt(ingest)
    assert info.value.code == "tx.bad_fog_hint"


def test_hint_length_is_checked() -> None:
    with pytest.raises(EncodingError):
        EncryptedFogHint(bytes(83))
    assert EncryptedFogHint.zero().data == bytes(84)
