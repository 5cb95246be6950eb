"""Block signatures: Ed25519 over digest32(Block, "block-sig"), verify_strict's extra checks,
encodings (MobileCoin blockchain/types/src/block_signature.rs)."""

from __future__ import annotations

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.digestible import digest32
from refimpl.errors import EncodingError, LedgerError, RefImplError
from refimpl.ledger.block import Block
from refimpl.ledger.signature import (
    BlockSignature,
    is_weak_encoding,
    public_key_bytes,
    sign,
    signing_key_from_bytes,
    verify,
)
from refimpl.ledger.synthetic import SyntheticSource

P = 2**255 - 19
KEY = signing_key_from_bytes(bytes(range(32)))
ORIGIN = Block.new_origin_block(SyntheticSource(b"sig").contents(2, 0).outputs)
CHILD = Block.new_with_parent(0, ORIGIN, ORIGIN.root_element, SyntheticSource(b"c").contents(1, 1))

IDENTITY = (1).to_bytes(32, "little")
ORDER_2 = (P - 1).to_bytes(32, "little")  # (0, -1)
ORDER_4 = bytes(32)  # y = 0: (sqrt(-1), 0)


def test_sign_then_verify_and_signed_at_is_not_signed() -> None:
    sig = sign(ORIGIN, KEY, signed_at=1_700_000_000)
    verify(ORIGIN, sig)
    verify(ORIGIN, attrs.evolve(sig, signed_at=0))
    assert sig.signer == public_key_bytes(KEY)
    # the message is the Block aggregate digest, not the id
    Ed25519PublicKey.from_public_bytes(sig.signer).verify(
        sig.signature, digest32(ORIGIN, b"block-sig")
    )


def test_signature_of_another_block_or_signer_fails() -> None:
    sig = sign(ORIGIN, KEY)
    with pytest.raises(LedgerError) as e:
        verify(CHILD, sig)
    assert e.value.code == "ledger.bad_block_signature"
    other = public_key_bytes(signing_key_from_bytes(bytes(32)))
    with pytest.raises(LedgerError) as e:
        verify(ORIGIN, attrs.evolve(sig, signer=other))
    assert e.value.code == "ledger.bad_block_signature"


@pytest.mark.parametrize("position", [0, 31, 32, 63])
def test_flipped_signature_bit_fails(position: int) -> None:
    sig = sign(ORIGIN, KEY)
    tampered = bytearray(sig.signature)
    tampered[position] ^= 0x01
    with pytest.raises(LedgerError) as e:
        verify(ORIGIN, attrs.evolve(sig, signature=bytes(tampered)))
    assert e.value.code in ("ledger.bad_block_signature", "ledger.weak_signer_key")


def test_small_order_forgery_accepted_by_openssl_is_refused() -> None:
    """A = identity, R = identity, s = 0 satisfies the cofactorless equation for ANY message;
    OpenSSL takes it, verify_strict (and this module) refuse the weak key."""
    forged = BlockSignature(IDENTITY + bytes(32), IDENTITY)
    Ed25519PublicKey.from_public_bytes(IDENTITY).verify(forged.signature, ORIGIN.signing_digest())
    with pytest.raises(LedgerError) as e:
        verify(ORIGIN, forged)
    assert e.value.code == "ledger.weak_signer_key"


def test_small_order_r_is_refused() -> None:
    sig = sign(ORIGIN, KEY)
    with pytest.raises(LedgerError) as e:
        verify(ORIGIN, attrs.evolve(sig, signature=ORDER_2 + sig.signature[32:]))
    assert e.value.code == "ledger.weak_signer_key"


def test_weak_encodings() -> None:
    for enc in (IDENTITY, ORDER_2, ORDER_4):
        assert is_weak_encoding(enc)
    # the same small-order points with the sign bit set where x != 0
    assert is_weak_encoding(ORDER_4[:31] + b"\x80")
    # non-canonical y (y = p + 1 encodes the identity again), and a y that is not on the curve
    assert is_weak_encoding((P + 1).to_bytes(32, "little"))
    assert is_weak_encoding((2).to_bytes(32, "little"))
    # x = 0 with the sign bit set is not canonical
    assert is_weak_encoding(IDENTITY[:31] + b"\x80")
    assert not is_weak_encoding(public_key_bytes(KEY))
    assert not is_weak_encoding(sign(ORIGIN, KEY).signature[:32])


def _sqrt(a: int) -> int | None:
    r = pow(a, (P + 3) // 8, P)
    if r * r % P != a % P:
        r = r * pow(2, (P - 1) // 4, P) % P
    return r if r * r % P == a % P else None


def test_order_8_points_are_weak() -> None:
    """Order-8 points solve 2Q = (sqrt(-1), 0), i.e. y^2 = -x^2 with
    d x^4 - 2 x^2 - 1 = 0: x^2 = (1 +- sqrt(1 + d)) / d. Each is checked to have order 8 with
    the test's own addition law, then must be refused."""
    from refimpl.ledger.signature import _D

    root = _sqrt(1 + _D)
    assert root is not None
    found = []
    for x2 in ((1 + root) * pow(_D, P - 2, P) % P, (1 - root) * pow(_D, P - 2, P) % P):
        x, y = _sqrt(x2), _sqrt(-x2 % P)
        if x is None or y is None:
            continue
        for point in ((x, y), (P - x, y), (x, P - y), (P - x, P - y)):
            assert _scalar_mul(8, point) == (0, 1) and _scalar_mul(4, point) != (0, 1)
            found.append(point)
    assert len(found) == 4
    for x, y in found:
        enc = bytearray(y.to_bytes(32, "little"))
        enc[31] |= (x & 1) << 7
        assert is_weak_encoding(bytes(enc))


def _add(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int]:
    from refimpl.ledger.signature import _D

    (x1, y1), (x2, y2) = p1, p2
    t = _D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return x3, y3


def _scalar_mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    acc = (0, 1)
    while k:
        if k & 1:
            acc = _add(acc, point)
        point = _add(point, point)
        k >>= 1
    return acc


def test_protobuf_round_trip_and_layout() -> None:
    sig = sign(ORIGIN, KEY, signed_at=300)
    raw = sig.to_protobuf()
    assert raw[:4] == b"\x0a\x42\x0a\x40"  # signature = {data = 64 bytes}
    assert raw[68:72] == b"\x12\x22\x0a\x20"  # signer = {data = 32 bytes}
    assert raw[104:] == b"\x18\xac\x02"  # signed_at = 300
    assert BlockSignature.from_protobuf(raw) == sig
    assert BlockSignature.from_protobuf(sign(ORIGIN, KEY).to_protobuf()).signed_at == 0


def test_digest_is_an_aggregate_of_typed_primitives() -> None:
    sig = sign(ORIGIN, KEY, signed_at=5)
    assert digest32(sig, b"x") != digest32(attrs.evolve(sig, signed_at=6), b"x")


@given(st.binary(max_size=120))
def test_garbage_protobuf_is_a_typed_error(data: bytes) -> None:
    try:
        BlockSignature.from_protobuf(data)
    except RefImplError:
        pass


@given(st.binary(min_size=64, max_size=64), st.binary(min_size=32, max_size=32))
def test_random_signatures_never_verify_and_fail_typed(sig: bytes, signer: bytes) -> None:
    with pytest.raises(LedgerError):
        verify(ORIGIN, BlockSignature(sig, signer))


def test_bad_lengths_are_typed() -> None:
    with pytest.raises(EncodingError):
        BlockSignature(bytes(63), bytes(32))
    with pytest.raises(EncodingError):
        BlockSignature(bytes(64), bytes(31))
    with pytest.raises(EncodingError):
        BlockSignature(bytes(64), bytes(32), signed_at=2**64)
    with pytest.raises(EncodingError):
        signing_key_from_bytes(bytes(31))
