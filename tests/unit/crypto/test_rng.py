"""HC-128 (rand_hc 0.3) and rand_core 0.6 BlockRng buffering: the rand_hc test vectors
(Wu's paper vectors 1-3, the u64 and fill_bytes vectors) and the buffering rules."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CryptoError

ZERO_SEED = bytes(32)
IV1_SEED = bytes(16) + b"\x01" + bytes(15)
KEY55_SEED = b"\x55" + bytes(31)


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (ZERO_SEED, [0x73150082, 0x3BFD03A0, 0xFB2FD77F, 0xAA63AF0E, 0xDE122FC6, 0xA7DC29B6,
                     0x62A68527, 0x8B75EC68, 0x9036DB1E, 0x81896005, 0x00ADE078, 0x491FBF9A,
                     0x1CDC3013, 0x6C3D6E24, 0x90F664B2, 0x9CD57102]),
        (IV1_SEED, [0xC01893D5, 0xB7DBE958, 0x8F65EC98, 0x64176604, 0x36FC6724, 0xC82C6EEC,
                    0x1B1C38A7, 0xC9B42A95, 0x323EF123, 0x0A6A908B, 0xCE757B68, 0x9F14F7BB,
                    0xE4CDE011, 0xAEB5173F, 0x89608C94, 0xB5CF46CA]),
        (KEY55_SEED, [0x518251A4, 0x04B4930A, 0xB02AF931, 0x0639F032, 0xBCB4A47A, 0x5722480B,
                      0x2BF99F72, 0xCDC0E566, 0x310F0C56, 0xD3CC83E8, 0x663DB8EF, 0x62DFE07F,
                      0x593E1790, 0xC5CEAA9C, 0xAB03806F, 0xC9A6E5A0]),
    ],
)
def test_paper_vectors(seed: bytes, expected: list[int]) -> None:
    rng = Hc128Rng.from_seed(seed)
    assert [rng.next_u32() for _ in range(16)] == expected


def test_u64_vectors_across_p_and_q_blocks() -> None:
    rng = Hc128Rng.from_seed(ZERO_SEED)
    assert [rng.next_u64() for _ in range(8)] == [
        0x3BFD03A073150082, 0xAA63AF0EFB2FD77F, 0xA7DC29B6DE122FC6, 0x8B75EC6862A68527,
        0x818960059036DB1E, 0x491FBF9A00ADE078, 0x6C3D6E241CDC3013, 0x9CD5710290F664B2,
    ]
    for _ in range(800):
        rng.next_u64()
    assert [rng.next_u64() for _ in range(8)] == [
        0xD8C4D6CA84D0FC10, 0xF16A5D91DC66E8E7, 0xD800DE5BC37A8653, 0x7BAE1F88C0DFBB4C,
        0x3BFE1F374E6D4D14, 0x424B55676BE3FA06, 0xE3A1E8758CBFF579, 0x417F7198C5652BCD,
    ]


def test_fill_bytes_vector_after_a_u64() -> None:
    rng = Hc128Rng.from_seed(KEY55_SEED)
    assert rng.next_u64() == 0x04B4930A518251A4
    assert rng.fill_bytes(128).hex() == (
        "31f92ab032f039067aa4b4bc0b482257729ff92b66e5c0cd560c0f31e883ccd3"
        "efb83d667fe0df6290173e599caacec56f8003aba0e5a6c96095847aa5685a84"
        "ead5f3ea73a9ad01797dbe9feae3f9740eda2fa0e47b4b1bdd17694afe9f5695"
        "ad836b9d60a199969000667ffa7e65e9ac8b923477b423d0b9abb1477d4a130a"
    )


def _words(seed: bytes, n: int) -> list[int]:
    rng = Hc128Rng.from_seed(seed)
    return [rng.next_u32() for _ in range(n)]


@given(seed=st.binary(min_size=32, max_size=32), skip=st.integers(0, 40))
def test_u64_is_low_word_first_even_across_a_block_edge(seed: bytes, skip: int) -> None:
    words = _words(seed, skip + 2 + 16)
    rng = Hc128Rng.from_seed(seed)
    for _ in range(skip):
        rng.next_u32()
    assert rng.next_u64() == words[skip] | words[skip + 1] << 32
    assert rng.next_u32() == words[skip + 2]


@given(seed=st.binary(min_size=32, max_size=32),
       sizes=st.lists(st.integers(0, 70), min_size=1, max_size=6))
def test_fill_bytes_consumes_partial_words_whole(seed: bytes, sizes: list[int]) -> None:
    total_words = sum((n + 3) // 4 for n in sizes)
    stream = struct.pack(f"<{total_words}I", *_words(seed, total_words))
    rng = Hc128Rng.from_seed(seed)
    offset = 0
    for n in sizes:
        assert rng.fill_bytes(n) == stream[offset : offset + n]
        offset += 4 * ((n + 3) // 4)


def test_rng_is_an_injectable_byte_source() -> None:
    a, b = Hc128Rng.from_seed(ZERO_SEED), Hc128Rng.from_seed(ZERO_SEED)
    assert a(64) == b.fill_bytes(64)


@given(st.binary(max_size=64).filter(lambda b: len(b) != 32))
def test_bad_seed_length_is_typed_error(seed: bytes) -> None:
    with pytest.raises(CryptoError) as info:
        Hc128Rng.from_seed(seed)
    assert info.value.code == "crypto.bad_rng_seed"


def test_negative_draw_is_typed_error() -> None:
    with pytest.raises(CryptoError):
        Hc128Rng.from_seed(ZERO_SEED).fill_bytes(-1)
