"""Schnorrkel signatures with MobileCoin's deterministic nonce (crypto/keys/src/ristretto.rs).

Byte-exact agreement with MobileCoin's data is checked by the conformance runner over
derived/schnorrkel_sig_kat.json; here: determinism, round trips, and rejection of every
kind of tampering with a typed error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.crypto.schnorrkel import sign, verify
from refimpl.errors import CryptoError

KAT = (
    Path(__file__).resolve().parents[3]
    / "conformance/upstream/mobilecoin/derived/schnorrkel_sig_kat.json"
)

scalars = st.integers(1, L - 1).map(Scalar)
messages = st.binary(max_size=64)


def test_first_mobilecoin_signature_is_reproduced() -> None:
    item = json.loads(KAT.read_text())["cases"]["expected_success"]["items"][0]
    key = Scalar.from_canonical_bytes(bytes.fromhex(item["seckey"]))
    assert sign(key, b"test", b"foobar").hex() == item["sig"]
    verify(Point.from_bytes(bytes.fromhex(item["pubkey"])), b"test", b"foobar",
           bytes.fromhex(item["sig"]))


@given(key=scalars, context=messages, message=messages)
def test_sign_verify_round_trip_and_determinism(key: Scalar, context: bytes,
                                                message: bytes) -> None:
    sig = sign(key, context, message)
    assert len(sig) == 64 and sig[63] & 0x80
    assert sign(key, context, message) == sig
    verify(Point.mul_base(key), context, message, sig)


@given(key=scalars, other=scalars, message=messages)
def test_wrong_key_context_or_message_is_rejected(key: Scalar, other: Scalar,
                                                  message: bytes) -> None:
    sig = sign(key, b"ctx", message)
    public = Point.mul_base(key)
    attempts = [(public, b"ctx2", message), (public, b"ctx", message + b"x")]
    if other != key:
        attempts.append((Point.mul_base(other), b"ctx", message))
    for pub, ctx, msg in attempts:
        with pytest.raises(CryptoError) as info:
            verify(pub, ctx, msg, sig)
        assert info.value.code == "crypto.bad_signature"


@given(key=scalars, position=st.integers(0, 63), flip=st.integers(1, 255))
def test_any_tampered_byte_is_rejected_with_a_typed_error(key: Scalar, position: int,
                                                          flip: int) -> None:
    sig = bytearray(sign(key, b"ctx", b"msg"))
    sig[position] ^= flip
    with pytest.raises(CryptoError) as info:
        verify(Point.mul_base(key), b"ctx", b"msg", bytes(sig))
    assert info.value.code in ("crypto.bad_signature", "crypto.bad_signature_encoding")


@given(sig=st.binary(max_size=100))
def test_arbitrary_bytes_never_crash(sig: bytes) -> None:
    public = Point.mul_base(Scalar(7))
    with pytest.raises(CryptoError) as info:
        verify(public, b"ctx", b"msg", sig)
    assert info.value.code in ("crypto.bad_signature", "crypto.bad_signature_encoding")


def test_encoding_rejections() -> None:
    key = Scalar(12345)
    public = Point.mul_base(key)
    sig = sign(key, b"c", b"m")
    unmarked = sig[:63] + bytes([sig[63] & 0x7F])
    s = int.from_bytes(sig[32:], "little") & ((1 << 255) - 1)
    non_canonical = sig[:32] + ((s + L) | (1 << 255)).to_bytes(32, "little")
    for bad in (sig[:63], sig + b"\x00", unmarked, non_canonical):
        with pytest.raises(CryptoError) as info:
            verify(public, b"c", b"m", bad)
        assert info.value.code == "crypto.bad_signature_encoding"
