"""ChaCha (rand_chacha 0.3) and StdRng: the block function against the published ChaCha20
keystream and the `cryptography` package, the 64-bit counter, BlockRng word semantics over
64-word refills, and a ChaCha12 known answer from MobileCoin's memo vectors."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import ChaChaRng, chacha_block, std_rng_from_seed
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import CryptoError


def test_chacha20_zero_key_keystream() -> None:
    # RFC 8439 §A.1 test vector #1 / rand_chacha test_chacha_true_values_a (first block).
    rng = ChaChaRng.from_seed(bytes(32), rounds=20)
    assert rng.fill_bytes(64).hex() == (
        "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
    )


@given(
    key=st.binary(min_size=32, max_size=32),
    counter=st.integers(min_value=0, max_value=2**32 - 3),
    counter_high=st.integers(min_value=0, max_value=2**32 - 1),
    stream=st.integers(min_value=0, max_value=2**64 - 1),
)
def test_block_function_agrees_with_openssl_chacha20(
    key: bytes, counter: int, counter_high: int, stream: int
) -> None:
    # OpenSSL's 16-byte ChaCha20 IV fills state words 12..15, so it is (counter, stream).
    full_counter = counter | (counter_high << 32)
    iv = full_counter.to_bytes(8, "little") + stream.to_bytes(8, "little")
    expected = Cipher(algorithms.ChaCha20(key, iv), None).encryptor().update(bytes(128))
    words = struct.unpack("<8I", key)
    ours = chacha_block(words, full_counter, stream, 20) + chacha_block(
        words, full_counter + 1, stream, 20
    )
    assert struct.pack("<32I", *ours) == expected


def test_counter_is_64_bits_wide_and_wraps() -> None:
    words = struct.unpack("<8I", bytes(range(32)))
    at_carry = chacha_block(words, 2**32, 0, 12)
    assert at_carry[12:14] != chacha_block(words, 0, 0, 12)[12:14]
    rng = ChaChaRng.from_seed(bytes(range(32)))
    rng._core.counter = 2**64 - 2  # type: ignore[attr-defined]
    refill = [rng.next_u32() for _ in range(64)]
    assert refill[32:48] == chacha_block(words, 0, 0, 12)  # third block wrapped to 0


@given(ops=st.lists(st.sampled_from(["u32", "u64", "fill1", "fill5", "fill64"]), max_size=60))
def test_block_rng_consumes_whole_words_in_order(ops: list[str]) -> None:
    seed = bytes(range(32))
    rng = std_rng_from_seed(seed)
    stream = ChaChaRng.from_seed(seed, rounds=12)
    words = [stream.next_u32() for _ in range(64 * 8)]
    pos = 0
    for op in ops:
        if op == "u32":
            assert rng.next_u32() == words[pos]
            pos += 1
        elif op == "u64":
            assert rng.next_u64() == words[pos] | (words[pos + 1] << 32)
            pos += 2
        else:
            n = int(op.removeprefix("fill"))
            used = (n + 3) // 4
            expected = struct.pack(f"<{used}I", *words[pos : pos + used])[:n]
            assert rng.fill_bytes(n) == expected
            pos += used


def test_std_rng_is_chacha12_as_memo_vectors_need() -> None:
    # memos/correct_encrypted_sender_memos.jsonl line 1: the sender is AccountKey::new(spend,
    # view) from the first two Scalar::random draws of StdRng::from_seed([2u8; 32]).
    rng = std_rng_from_seed(bytes([2]) * 32)
    sender = AccountKey(Scalar.random(rng), Scalar.random(rng)).default_subaddress()
    assert sender.view_public.hex() == (
        "269f76626e8eaa1e466fe45f57cc100b5f9ec696ce922e34095294db2581ee70"
    )
    assert sender.spend_public.hex() == (
        "2683a173c59787b013c2e0a5486c6b82b8736b3411a52caa45a293e83d79b355"
    )
    other_rounds = ChaChaRng.from_seed(bytes([2]) * 32, rounds=20)
    assert other_rounds.fill_bytes(64) != std_rng_from_seed(bytes([2]) * 32).fill_bytes(64)


@pytest.mark.parametrize(("seed", "rounds"), [(bytes(31), 12), (bytes(33), 12), (bytes(32), 10)])
def test_bad_seed_or_rounds_are_typed_errors(seed: bytes, rounds: int) -> None:
    with pytest.raises(CryptoError) as info:
        ChaChaRng.from_seed(seed, rounds=rounds)
    assert info.value.code == "crypto.bad_rng_seed"


def test_negative_draw_is_a_typed_error() -> None:
    with pytest.raises(CryptoError) as info:
        std_rng_from_seed(bytes(32)).fill_bytes(-1)
    assert info.value.code == "crypto.bad_rng_seed"
