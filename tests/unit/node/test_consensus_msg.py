"""Signed consensus messages: round trip, refusals of forged or malformed payloads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.consensus.scp.msg import Msg, Nominate
from refimpl.consensus.scp.types import QuorumSet
from refimpl.errors import CODES, NodeError
from refimpl.ledger.signature import signing_key_from_bytes
from refimpl.node.consensus_msg import ConsensusMsg

KEY_A = signing_key_from_bytes(bytes([1]) * 32)
KEY_B = signing_key_from_bytes(bytes([2]) * 32)
KEYS = {"a:1": KEY_A.public_key().public_bytes_raw(), "b:1": KEY_B.public_key().public_bytes_raw()}
QSET = QuorumSet.flat(1, ["b:1"])
PARENT = bytes(range(32))


def _msg(sender: str = "a:1", slot: int = 3) -> Msg:
    return Msg(sender, slot, QSET, Nominate(frozenset({b"\x01" * 32}), frozenset()))


def test_round_trip_verifies_against_the_senders_key() -> None:
    signed = ConsensusMsg.sign(_msg(), PARENT, KEY_A)
    back = ConsensusMsg.decode_verified(signed.encode(), KEYS)
    assert back == signed
    assert back.scp_msg == _msg()
    assert back.prev_block_id == PARENT


def test_signed_by_another_key_is_refused() -> None:
    forged = ConsensusMsg.sign(_msg("a:1"), PARENT, KEY_B)
    with pytest.raises(NodeError) as err:
        ConsensusMsg.decode_verified(forged.encode(), KEYS)
    assert err.value.code == "node.msg_bad_signature"


def test_parent_block_id_is_signed() -> None:
    signed = ConsensusMsg.sign(_msg(), PARENT, KEY_A)
    moved = ConsensusMsg(signed.scp_msg, bytes(32), signed.signature)
    with pytest.raises(NodeError) as err:
        ConsensusMsg.decode_verified(moved.encode(), KEYS)
    assert err.value.code == "node.msg_bad_signature"


def test_unknown_sender_is_refused() -> None:
    signed = ConsensusMsg.sign(_msg("c:1"), PARENT, KEY_A)
    with pytest.raises(NodeError) as err:
        ConsensusMsg.decode_verified(signed.encode(), KEYS)
    assert err.value.code == "node.msg_unknown_sender"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_a_typed_refusal(data: bytes) -> None:
    with pytest.raises(NodeError) as err:
        ConsensusMsg.decode_verified(data, KEYS)
    assert err.value.code in CODES


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_every_byte_flip_is_refused_or_harmless(position: int, xor: int) -> None:
    payload = bytearray(ConsensusMsg.sign(_msg(), PARENT, KEY_A).encode())
    position %= len(payload)
    payload[position] ^= xor or 1
    try:
        back = ConsensusMsg.decode_verified(bytes(payload), KEYS)
    except NodeError as exc:
        assert exc.code in CODES
    else:  # a flip the signature does not cover must leave the signed content unchanged
        assert back.scp_msg == _msg() and back.prev_block_id == PARENT
