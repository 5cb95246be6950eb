"""Blocks: BlockID transcript, contents hash, origin and child construction, signing digest."""

from __future__ import annotations

import random

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import AccountKey
from refimpl.crypto.digestible import digest32
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import EncodingError, TxError
from refimpl.ledger.block import Block, BlockContents, compute_block_id
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.types import Range, TxOutMembershipElement
from refimpl.transaction.tx_out import TxOut

RECIPIENT = AccountKey(Scalar(5), Scalar(6)).default_subaddress()


def outputs(n: int, version: int = 0, seed: int = 0) -> tuple[TxOut, ...]:
    rng = random.Random(seed).randbytes
    return tuple(
        TxOut.new(version, Amount(i + 1, 0), RECIPIENT, Scalar.random(rng),
                  EncryptedFogHint.fake_onetime_hint(rng))
        for i in range(n)
    )


def test_block_id_transcript_matches_notes() -> None:
    element = TxOutMembershipElement(Range(3, 9), bytes(range(32)))
    t = Transcript(b"mobilecoin-block-id")

    def prim(ctx: bytes, type_name: bytes, data: bytes) -> None:
        t.append_message(ctx, b"prim")
        t.append_message(type_name, data)

    prim(b"version", b"uint", (2).to_bytes(4, "little"))
    prim(b"parent_id", b"bytes", b"\x11" * 32)
    prim(b"index", b"uint", (7).to_bytes(8, "little"))
    prim(b"cumulative_txo_count", b"uint", (40).to_bytes(8, "little"))
    t.append_message(b"root_element", b"agg")
    t.append_message(b"name", b"TxOutMembershipElement")
    t.append_message(b"range", b"agg")
    t.append_message(b"name", b"Range")
    prim(b"from", b"uint", (3).to_bytes(8, "little"))
    prim(b"to", b"uint", (9).to_bytes(8, "little"))
    t.append_message(b"range", b"agg-end")
    t.append_message(b"name", b"Range")
    prim(b"hash", b"bytes", bytes(range(32)))
    t.append_message(b"root_element", b"agg-end")
    t.append_message(b"name", b"TxOutMembershipElement")
    prim(b"contents_hash", b"bytes", b"\x22" * 32)
    expected = t.challenge_bytes(b"digest32", 32)
    assert compute_block_id(2, b"\x11" * 32, 7, 40, element, b"\x22" * 32) == expected


def test_origin_block_shape() -> None:
    outs = outputs(3)
    origin = Block.new_origin_block(outs)
    assert (origin.version, origin.index, origin.cumulative_txo_count) == (0, 0, 3)
    assert origin.parent_id == bytes(32)
    assert origin.root_element == TxOutMembershipElement(Range(0, 0), bytes(32))
    assert origin.contents_hash == BlockContents(outputs=outs).hash()
    assert origin.is_block_id_valid()


def test_child_block_links_to_parent() -> None:
    origin = Block.new_origin_block(outputs(2))
    contents = BlockContents((KeyImage.from_u64(1),), outputs(4, version=1, seed=1))
    child = Block.new_with_parent(1, origin, TxOutMembershipElement(), contents)
    assert child.parent_id == origin.id and child.index == 1
    assert child.cumulative_txo_count == 6 and child.version == 1
    assert child.is_block_id_valid() and child.id != origin.id


@given(field=st.sampled_from(["version", "parent_id", "index", "cumulative_txo_count",
                              "root_element", "contents_hash"]))
def test_changing_any_header_field_invalidates_the_id(field: str) -> None:
    block = Block.new_origin_block(outputs(1))
    changed = {
        "version": 1,
        "parent_id": b"\x01" * 32,
        "index": 1,
        "cumulative_txo_count": 2,
        "root_element": TxOutMembershipElement(Range(0, 1), bytes(32)),
        "contents_hash": b"\x02" * 32,
    }[field]
    assert not attrs.evolve(block, **{field: changed}).is_block_id_valid()


def test_contents_hash_omits_empty_fields_and_respects_order() -> None:
    outs = outputs(2)
    with_images = BlockContents((KeyImage.from_u64(3),), outs)
    assert BlockContents(outputs=outs).hash() != with_images.hash()
    assert BlockContents(outputs=outs).hash() != BlockContents(outputs=outs[::-1]).hash()
    t = Transcript(b"digestible")
    t.append_message(b"block_contents", b"agg")
    t.append_message(b"name", b"BlockContents")
    t.append_message(b"block_contents", b"agg-end")
    t.append_message(b"name", b"BlockContents")
    assert BlockContents().hash() == t.challenge_bytes(b"digest32", 32)


def test_signing_digest_is_the_block_aggregate() -> None:
    block = Block.new_origin_block(outputs(1))
    assert block.signing_digest() == digest32(block, b"block-sig")
    assert block.signing_digest() != block.id
    other = attrs.evolve(block, cumulative_txo_count=9)
    assert other.signing_digest() != block.signing_digest()


def test_field_validation_is_typed() -> None:
    block = Block.new_origin_block(outputs(1))
    with pytest.raises(EncodingError):
        attrs.evolve(block, parent_id=b"short")
    with pytest.raises(EncodingError):
        attrs.evolve(block, version=2**32)
    with pytest.raises(EncodingError):
        Range(-1, 0)
    with pytest.raises(TxError):
        Block.new(9, bytes(32), 1, 1, TxOutMembershipElement(), BlockContents())
