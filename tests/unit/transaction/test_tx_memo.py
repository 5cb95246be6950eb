"""Memo encryption: AES-256 Ctr64BE, including the 64-bit counter wrap (memo.rs)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.hashing import hkdf
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import EncodingError
from refimpl.transaction.memo import (
    EncryptedMemo,
    MemoPayload,
    aes256_ctr64be_keystream,
)

points = st.integers(min_value=1, max_value=L - 1).map(lambda n: Point.mul_base(Scalar(n)))


def ecb_block(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def test_counter_wraps_within_its_low_64_bits() -> None:
    key = bytes(range(32))
    prefix = bytes.fromhex("0011223344556677")
    iv = prefix + (2**64 - 2).to_bytes(8, "big")
    stream = aes256_ctr64be_keystream(key, iv, 5 * 16)
    expected_counters = [2**64 - 2, 2**64 - 1, 0, 1, 2]
    for i, counter in enumerate(expected_counters):
        block = ecb_block(key, prefix + counter.to_bytes(8, "big"))
        assert stream[16 * i : 16 * (i + 1)] == block
    # A 128-bit counter would carry into the prefix at the wrap: the streams differ there.
    ctr128 = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor().update(bytes(80))
    assert stream[:32] == ctr128[:32]
    assert stream[32:] != ctr128[32:]


@given(key=st.binary(min_size=32, max_size=32), iv=st.binary(min_size=16, max_size=16))
def test_agrees_with_128_bit_ctr_away_from_the_wrap(key: bytes, iv: bytes) -> None:
    if int.from_bytes(iv[8:], "big") > 2**64 - 6:
        return
    ours = aes256_ctr64be_keystream(key, iv, 66)
    theirs = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor().update(bytes(66))
    assert ours == theirs


@given(ss=points, payload=st.binary(min_size=66, max_size=66))
def test_memo_round_trip(ss: Point, payload: bytes) -> None:
    memo = MemoPayload(payload)
    encrypted = memo.encrypt(ss)
    assert encrypted.decrypt(ss) == memo
    okm = hkdf("sha512", b"mc-memo-okm", ss.to_bytes(), b"", 48)
    stream = aes256_ctr64be_keystream(okm[:32], okm[32:], 66)
    assert encrypted.data == bytes(a ^ b for a, b in zip(payload, stream, strict=True))


def test_default_memo_and_accessors() -> None:
    memo = MemoPayload.new(b"\x01\x00", bytes(range(64)))
    assert memo.memo_type == b"\x01\x00" and memo.memo_data == bytes(range(64))
    assert MemoPayload().data == bytes(66)


@pytest.mark.parametrize("length", [0, 65, 67])
def test_lengths_are_checked(length: int) -> None:
    with pytest.raises(EncodingError):
        EncryptedMemo(bytes(length))
    with pytest.raises(EncodingError):
        MemoPayload(bytes(length))
