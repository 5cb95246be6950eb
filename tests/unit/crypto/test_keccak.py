"""Keccak-f[1600]: a sponge built on our permutation must equal hashlib's SHA3 and SHAKE."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.keccak import keccak_f1600, keccak_f1600_inplace, keccak_f1600_lanes
from refimpl.errors import EncodingError


def _sponge(message: bytes, rate: int, suffix: int, out_len: int) -> bytes:
    """FIPS 202 §4 sponge with pad10*1 and the SHA-3/SHAKE domain suffix."""
    padded = bytearray(message)
    padded.append(suffix)
    while len(padded) % rate:
        padded.append(0)
    padded[-1] |= 0x80
    state = bytes(200)
    for i in range(0, len(padded), rate):
        block = padded[i : i + rate] + bytes(200 - rate)
        state = keccak_f1600(bytes(a ^ b for a, b in zip(state, block, strict=True)))
    out = bytearray()
    while True:
        out += state[:rate]
        if len(out) >= out_len:
            return bytes(out[:out_len])
        state = keccak_f1600(state)


@given(st.binary(max_size=400))
def test_sha3_256_matches_hashlib(message: bytes) -> None:
    assert _sponge(message, 136, 0x06, 32) == hashlib.sha3_256(message).digest()


@given(st.binary(max_size=200), st.integers(1, 400))
def test_shake128_matches_hashlib(message: bytes, out_len: int) -> None:
    assert _sponge(message, 168, 0x1F, out_len) == hashlib.shake_128(message).digest(out_len)


def test_zero_state_known_answer() -> None:
    # Keccak team's KeccakF-1600 intermediate values: first lane after permuting zeros.
    assert keccak_f1600_lanes([0] * 25)[0] == 0xF1258F7940E1DDE7


@given(st.binary(min_size=200, max_size=200))
def test_inplace_and_bytes_forms_agree(state: bytes) -> None:
    buf = bytearray(state)
    keccak_f1600_inplace(buf)
    assert bytes(buf) == keccak_f1600(state)


@given(st.binary(max_size=300).filter(lambda b: len(b) != 200))
def test_wrong_state_length_is_typed_error(state: bytes) -> None:
    with pytest.raises(EncodingError) as info:
        keccak_f1600(state)
    assert info.value.code == "encoding.bad_length"
