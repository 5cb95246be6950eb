"""KexRng version 0 (``KexRng20201124``): MobileCoin's published outputs, server/client
agreement, peeking, the ``StoredRng`` round trip and the refusal of every malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.hashing import blake2b512
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import FogError
from refimpl.fog.kex_rng import (
    OUTPUT_SIZE,
    StoredRng,
    VersionedKexRng,
    kex_rng_20201124_prf,
    kex_rng_pubkey,
    shared_secret,
)
from refimpl.fog.types import KexRngPubkey

KAT = (Path(__file__).resolve().parents[3]
       / "conformance/upstream/mobilecoin/derived/kex_rng_kat.json")

scalars = st.integers(1, L - 1).map(Scalar)


def _kat() -> tuple[Scalar, KexRngPubkey, list[bytes]]:
    doc = json.loads(KAT.read_text())
    private = Scalar.from_canonical_bytes(bytes.fromhex(doc["private_key_hex"]))
    pubkey = KexRngPubkey(bytes.fromhex(doc["kex_rng_pubkey"]["public_key_hex"]),
                          doc["kex_rng_pubkey"]["version"])
    return private, pubkey, [bytes.fromhex(h) for h in doc["outputs_hex"]]


def test_mobilecoin_outputs_are_reproduced() -> None:
    private, pubkey, outputs = _kat()
    assert private == Scalar.from_canonical_bytes(bytes([1]) * 32)
    assert pubkey == KexRngPubkey(bytes([2]) * 32, 0)
    rng = VersionedKexRng.from_kex_pubkey(pubkey, private)
    assert [next(rng) for _ in outputs] == outputs
    assert rng.index == len(outputs)
    assert outputs[0].hex() == "84f2f5e324c9031e1fb92e6038e7a224"


def test_prf_is_the_documented_hash() -> None:
    secret = bytes(range(32))
    expected = blake2b512(b"20201124", secret, (7).to_bytes(8, "little"))[:16]
    assert kex_rng_20201124_prf(secret, 7) == expected


@pytest.mark.parametrize("version", [1, 100, 2**32 - 1])
def test_unknown_version_is_refused(version: int) -> None:
    private, pubkey, _ = _kat()
    with pytest.raises(FogError) as info:
        VersionedKexRng.from_kex_pubkey(KexRngPubkey(pubkey.public_key, version), private)
    assert info.value.code == "fog.kex_rng_unknown_version"


@pytest.mark.parametrize("public_key", [b"", bytes(31), bytes([0xFF]) * 32, bytes([1]) + bytes(31)])
def test_bad_public_key_is_refused(public_key: bytes) -> None:
    with pytest.raises(FogError) as info:
        VersionedKexRng.from_kex_pubkey(KexRngPubkey(public_key, 0), Scalar(5))
    assert info.value.code == "fog.kex_rng_bad_pubkey"


@given(egress=scalars, view=scalars)
def test_server_and_client_agree(egress: Scalar, view: Scalar) -> None:
    """The enclave (egress private, view public) and the user (view private, egress public)
    derive the same sequence, equal to the PRF over the shared secret."""
    pubkey, server = VersionedKexRng.new_from_static_static(egress, Point.mul_base(view))
    assert pubkey == kex_rng_pubkey(Point.mul_base(egress))
    client = VersionedKexRng.from_kex_pubkey(pubkey, view)
    secret = shared_secret(egress, Point.mul_base(view))
    for counter in range(3):
        expected = kex_rng_20201124_prf(secret, counter)
        assert next(server) == next(client) == expected


@given(seed=st.binary(min_size=64, max_size=64), view=scalars)
def test_ephemeral_static_agrees_with_the_client(seed: bytes, view: Scalar) -> None:
    pubkey, server = VersionedKexRng.new_from_ephemeral_static(lambda n: seed[:n],
                                                               Point.mul_base(view))
    client = VersionedKexRng.from_kex_pubkey(pubkey, view)
    assert client.peek_ahead(4) == server.peek_ahead(4)


@given(steps=st.integers(0, 20), ahead=st.integers(0, 8))
def test_peek_ahead_does_not_advance(steps: int, ahead: int) -> None:
    private, pubkey, _ = _kat()
    rng = VersionedKexRng.from_kex_pubkey(pubkey, private)
    for _ in range(steps):
        rng.advance()
    upcoming = rng.peek_ahead(ahead)
    assert rng.index == steps
    assert len(upcoming) == ahead
    assert all(len(output) == OUTPUT_SIZE for output in upcoming)
    assert upcoming == [next(rng) for _ in range(ahead)]


@given(steps=st.integers(0, 30))
def test_stored_rng_round_trip_keeps_the_sequence(steps: int) -> None:
    private, pubkey, _ = _kat()
    rng = VersionedKexRng.from_kex_pubkey(pubkey, private)
    for _ in range(steps):
        rng.advance()
    wire = rng.to_stored().to_protobuf()
    again = VersionedKexRng.from_stored(StoredRng.from_protobuf(wire))
    assert again == rng and again.index == steps
    assert again.peek_ahead(3) == rng.peek_ahead(3)
    copy = rng.copy()
    copy.advance()
    assert copy != rng and copy.index == rng.index + 1


def test_stored_rng_wire_form() -> None:
    """Tags 1..4 in order; prost omits a zero counter and version 0."""
    stored = StoredRng(bytes([9]) * 32, bytes([8]) * 16, 0, 0)
    assert stored.to_protobuf() == b"\x0a\x20" + bytes([9]) * 32 + b"\x12\x10" + bytes([8]) * 16
    counted = StoredRng(bytes([9]) * 32, bytes([8]) * 16, 300, 0)
    assert counted.to_protobuf().endswith(b"\x18\xac\x02")
    assert StoredRng.from_protobuf(counted.to_protobuf()) == counted


@pytest.mark.parametrize(
    ("stored", "code"),
    [
        (StoredRng(bytes(32), bytes(16), 0, 1), "fog.kex_rng_unknown_version"),
        (StoredRng(bytes(32), bytes(15), 0, 0), "fog.stored_rng_bad_length"),
        (StoredRng(bytes(32), bytes(17), 0, 0), "fog.stored_rng_bad_length"),
        (StoredRng(bytes(31), bytes(16), 0, 0), "fog.stored_rng_bad_length"),
        (StoredRng(b"", b"", 0, 0), "fog.stored_rng_bad_length"),
    ],
)
def test_bad_stored_rng_is_refused(stored: StoredRng, code: str) -> None:
    with pytest.raises(FogError) as info:
        VersionedKexRng.from_stored(StoredRng.from_protobuf(stored.to_protobuf()))
    assert info.value.code == code


@given(data=st.binary(max_size=80))
def test_arbitrary_stored_bytes_decode_or_fail_typed(data: bytes) -> None:
    try:
        rng = VersionedKexRng.from_stored(StoredRng.from_protobuf(data))
    except FogError as exc:
        assert exc.code in {"fog.bad_message", "fog.kex_rng_unknown_version",
                            "fog.stored_rng_bad_length"}
    else:
        assert len(rng.peek()) == OUTPUT_SIZE


def test_stored_version_beyond_u32_is_a_bad_message() -> None:
    with pytest.raises(FogError) as info:
        StoredRng.from_protobuf(b"\x20" + b"\x80\x80\x80\x80\x10")  # version = 2^32
    assert info.value.code == "fog.bad_message"


def test_repr_does_not_show_the_secret() -> None:
    private, pubkey, _ = _kat()
    rng = VersionedKexRng.from_kex_pubkey(pubkey, private)
    secret = rng.to_stored().secret
    assert secret.hex() not in repr(rng) and "index=0" in repr(rng)
