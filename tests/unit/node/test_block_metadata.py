"""Block metadata: signing, verification, the protobuf codec and the digest layout.

refimpl/node/block_metadata.py; MobileCoin ``blockchain/types/src/block_metadata.rs``,
``blockchain/types/src/crypto/metadata.rs``, ``api/proto/blockchain.proto``,
``api/proto/quorum_set.proto``.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.consensus.scp.types import QuorumMember, QuorumSet
from refimpl.crypto.merlin import Transcript
from refimpl.enclave.evidence import Collateral, Evidence
from refimpl.errors import CODES, RefImplError
from refimpl.node.block_metadata import (
    BlockMetadata,
    BlockMetadataContents,
    MetadataSigner,
)
from tests.unit.node._archive_fixtures import (
    NODE_KEYS,
    evidence,
    node_key,
    public,
    raises,
    signer,
)

BLOCK_ID = bytes(range(32))


def contents(**changes: Any) -> BlockMetadataContents:
    base = signer().metadata_for(BLOCK_ID).contents
    return attrs.evolve(base, **changes)


def test_signed_metadata_verifies_and_round_trips() -> None:
    metadata = signer().metadata_for(BLOCK_ID)
    metadata.verify()
    assert metadata.node_key == public(node_key("a:1"))
    assert metadata.contents.block_id == BLOCK_ID
    decoded = BlockMetadata.from_protobuf(metadata.to_protobuf())
    assert decoded == metadata
    decoded.verify()
    assert decoded.to_protobuf() == metadata.to_protobuf()


def test_contents_fields_are_written_in_rust_protobuf_order() -> None:
    """Plain fields in declaration order (1, 2, 4), then the oneof (DCAP evidence, 5)."""
    raw = contents().to_protobuf()
    assert [f.tag for f in pb.parse_fields(raw)] == [1, 2, 4, 5]
    assert [f.tag for f in pb.parse_fields(signer().metadata_for(BLOCK_ID).to_protobuf())] == [
        1, 2, 3
    ]


@pytest.mark.parametrize("change", [
    {"block_id": bytes(32)},
    {"quorum_set": QuorumSet(1, ("b:2", "c:3"))},
    {"node_keys": {"b:2": NODE_KEYS["b:2"], "c:3": NODE_KEYS["local:0"]}},
    {"evidence": evidence(9)},
    {"responder_id": "z:9"},
])
def test_every_field_of_the_contents_is_signed(change: dict[str, Any]) -> None:
    metadata = signer().metadata_for(BLOCK_ID)
    forged = attrs.evolve(metadata, contents=attrs.evolve(metadata.contents, **change))
    assert forged.contents.digest() != metadata.contents.digest()
    with raises("node.metadata_bad_signature"):
        forged.verify()


def test_another_key_or_a_weak_key_does_not_verify() -> None:
    metadata = signer().metadata_for(BLOCK_ID)
    with raises("node.metadata_bad_signature"):
        attrs.evolve(metadata, node_key=public(node_key("b:2"))).verify()
    identity = bytes([1]) + bytes(31)  # the neutral point: small order
    with raises("node.metadata_bad_signature"):
        attrs.evolve(metadata, node_key=identity).verify()
    flipped = bytes([metadata.signature[0] ^ 1]) + metadata.signature[1:]
    with raises("node.metadata_bad_signature"):
        attrs.evolve(metadata, signature=flipped).verify()


def test_construction_refuses_inconsistent_contents() -> None:
    with raises("node.metadata_malformed"):
        contents(node_keys={"c:3": NODE_KEYS["c:3"]})
    with raises("node.metadata_malformed"):
        contents(node_keys=NODE_KEYS)
    with raises("node.metadata_malformed"):
        contents(responder_id="no-port")
    with raises("node.metadata_malformed"):
        contents(block_id=b"short")
    with raises("node.metadata_malformed"):
        contents(quorum_set=QuorumSet(3, ("b:2", "c:3")))
    with raises("node.metadata_malformed"):
        contents(node_keys={"b:2": b"\x01" * 31, "c:3": NODE_KEYS["c:3"]})


def test_ias_reports_and_missing_evidence_are_refused() -> None:
    raw = contents().to_protobuf()
    fields = pb.parse_fields(raw)
    without = b"".join(pb.bytes_field(f.tag, f.value) for f in fields
                       if f.tag != 5 and isinstance(f.value, bytes))
    with raises("node.metadata_malformed"):
        BlockMetadataContents.from_protobuf(without)
    with raises("node.metadata_malformed"):
        BlockMetadataContents.from_protobuf(without + pb.bytes_field(3, b"\x0a\x00"))


def test_a_node_named_with_two_keys_is_refused() -> None:
    qset = QuorumSet(2, ("b:2", QuorumSet(1, ("c:3", "local:0"))))
    keys = {n: NODE_KEYS[n] for n in qset.nodes()}
    raw = contents(quorum_set=qset, node_keys=keys).to_protobuf()
    assert BlockMetadataContents.from_protobuf(raw).quorum_set == qset
    # Give the second appearance of a key a different value by renaming c:3 to b:2 on the wire.
    forged = raw.replace(b"c:3", b"b:2")
    with raises("node.metadata_malformed"):
        BlockMetadataContents.from_protobuf(forged)


def test_digest_layout_matches_the_derive_rules() -> None:
    """An independent transcript of a small case: quorum set 1-of-{b:2}, evidence with a
    quote only, responder a:1."""
    key_b = NODE_KEYS["b:2"]
    minimal = Evidence(b"Q", Collateral((), b"", b"", (), b"", (), b""))
    c = BlockMetadataContents(BLOCK_ID, QuorumSet(1, ("b:2",)), {"b:2": key_b}, minimal, "a:1")

    t = Transcript(b"digestible")

    def msg(label: bytes, data: bytes) -> None:
        t.append_message(label, data)

    def agg(ctx: bytes, name: bytes) -> None:
        msg(ctx, b"agg")
        msg(b"name", name)

    def end(ctx: bytes, name: bytes) -> None:
        msg(ctx, b"agg-end")
        msg(b"name", name)

    def prim(ctx: bytes, kind: bytes, data: bytes) -> None:
        msg(ctx, b"prim")
        msg(kind, data)

    agg(b"block_metadata", b"BlockMetadataContents")
    prim(b"block_id", b"bytes", BLOCK_ID)
    agg(b"quorum_set", b"QuorumSet")
    prim(b"threshold", b"uint", (1).to_bytes(4, "little"))
    msg(b"members", b"seq")
    msg(b"len", (1).to_bytes(8, "little"))
    agg(b"", b"QuorumSetMemberWrapper")
    msg(b"member", b"var")
    msg(b"name", b"QuorumSetMember")
    msg(b"which", (0).to_bytes(4, "little"))
    agg(b"Node", b"NodeID")
    agg(b"responder_id", b"ResponderId")
    prim(b"0", b"str", b"b:2")
    end(b"responder_id", b"ResponderId")
    agg(b"public_key", b"Ed25519Public")
    prim(b"0", b"ed25519", key_b)
    end(b"public_key", b"Ed25519Public")
    end(b"Node", b"NodeID")
    end(b"", b"QuorumSetMemberWrapper")
    end(b"quorum_set", b"QuorumSet")
    agg(b"verification_report", b"DcapEvidence")
    agg(b"quote", b"Quote3")
    prim(b"data", b"bytes", b"Q")
    end(b"quote", b"Quote3")
    agg(b"collateral", b"Collateral")
    end(b"collateral", b"Collateral")
    end(b"verification_report", b"DcapEvidence")
    agg(b"responder_id", b"ResponderId")
    prim(b"0", b"str", b"a:1")
    end(b"responder_id", b"ResponderId")
    end(b"block_metadata", b"BlockMetadataContents")
    assert c.digest() == t.challenge_bytes(b"digest32", 32)


# --- Hypothesis -----------------------------------------------------------------------------------

NAMES = [f"n{i}:{i}" for i in range(8)]


@st.composite
def quorum_sets(draw: st.DrawFn, depth: int = 0) -> QuorumSet:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=0 if depth else 1, max_size=4,
                          unique=True))
    members: list[QuorumMember] = list(names)
    if depth < 2:
        members += draw(st.lists(quorum_sets(depth + 1), max_size=2))
    if not members:
        members = [draw(st.sampled_from(NAMES))]
    return QuorumSet(draw(st.integers(1, len(members))), tuple(members))


def _valid(q: QuorumSet) -> bool:
    try:
        q.validate()
    except RefImplError:
        return False
    return True


@given(quorum_sets().filter(_valid), st.binary(min_size=32, max_size=32))
def test_quorum_sets_with_inner_sets_round_trip(qset: QuorumSet, block_id: bytes) -> None:
    keys = {name: public(node_key(name)) for name in qset.nodes()}
    s = MetadataSigner("me:1", qset, keys, evidence(), node_key("me:1"))
    metadata = s.metadata_for(block_id)
    decoded = BlockMetadata.from_protobuf(metadata.to_protobuf())
    assert decoded == metadata
    decoded.verify()


@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_typed(data: bytes) -> None:
    try:
        BlockMetadata.from_protobuf(data)
    except RefImplError as exc:
        assert exc.code in CODES
