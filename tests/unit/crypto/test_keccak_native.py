"""The optional C Keccak-f[1600] (refimpl/crypto/_keccak.c) equals the pure-Python permutation
(itself checked against hashlib's SHA-3 in test_keccak.py) on random states, and SHA3-256 built
on it matches hashlib."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.keccak import keccak_f1600

_keccak = pytest.importorskip("refimpl.crypto._keccak")


@settings(max_examples=100)
@given(st.binary(min_size=200, max_size=200))
def test_native_permutation_equals_python(state: bytes) -> None:
    native = bytearray(state)
    _keccak.f1600_inplace(native)
    assert bytes(native) == keccak_f1600(state)


def _sha3_256(message: bytes) -> bytes:
    rate = 136
    padded = bytearray(message + b"\x06" + bytes(-(len(message) + 1) % rate))
    padded[-1] |= 0x80
    state = bytearray(200)
    for off in range(0, len(padded), rate):
        for i in range(rate):
            state[i] ^= padded[off + i]
        _keccak.f1600_inplace(state)
    return bytes(state[:32])


@pytest.mark.parametrize("length", [0, 1, 135, 136, 137, 500])
def test_sha3_256_on_the_native_permutation(length: int) -> None:
    message = bytes(range(256))[:length] * (1 + length // 256)
    message = message[:length]
    assert _sha3_256(message) == hashlib.sha3_256(message).digest()


def test_wrong_state_size_is_refused() -> None:
    with pytest.raises(ValueError):
        _keccak.f1600_inplace(bytearray(199))
    with pytest.raises(TypeError):
        _keccak.f1600_inplace(bytes(200))  # immutable
