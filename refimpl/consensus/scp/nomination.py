"""Nomination: leader election, voting, accepting, confirming (WP §6.1).

MobileCoin ``consensus/scp/src/slot.rs`` (``update_leaders``, ``do_nominate_phase``,
``additional_values_to_vote_nominated``, ``nominated_values_accepted``/``confirmed``);
WP §6.1 (federated voting on nominate statements) and §6.2 (leader selection).

Leader election hashes ``SHA3-256(slot_be64 ‖ tag ‖ round_be32 ‖ node key)`` with tag 0x01
(neighbour test) and 0x02 (priority). MobileCoin hashes the node's 32-byte Ed25519 public key;
our NodeIDs are strings, so the UTF-8 bytes of the node id take the key's place
(docs/deviations.md#dev-scp-leader-hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from refimpl.consensus.scp.msg import Nominate, StatementIndex
from refimpl.consensus.scp.quorum import QuorumContext, leader_weight
from refimpl.consensus.scp.types import NodeID, QuorumSet, Value

NEIGHBOR_TAG = 1
PRIORITY_TAG = 2
_MAX_HASH = 2**256 - 1


def leader_hash(slot_index: int, tag: int, round_number: int, node_id: NodeID) -> int:
    """``SHA3-256(slot_be64 ‖ tag_u8 ‖ round_be32 ‖ utf8(node_id))`` as a big-endian integer."""
    data = (
        slot_index.to_bytes(8, "big")
        + bytes([tag])
        + round_number.to_bytes(4, "big")
        + node_id.encode("utf-8")
    )
    return int.from_bytes(hashlib.sha3_256(data).digest(), "big")


def neighbors(
    slot_index: int, round_number: int, local_id: NodeID, qset: QuorumSet
) -> list[NodeID]:
    """The round's neighbours: the local node and every quorum-set node whose neighbour hash is
    below ``⌊(2²⁵⁶ − 1) · weight⌋`` (sorted by id)."""
    out = [local_id]
    for node in sorted(qset.nodes() - {local_id}):
        weight = leader_weight(qset, node, local_id)
        bound = _MAX_HASH * weight.numerator // weight.denominator
        if leader_hash(slot_index, NEIGHBOR_TAG, round_number, node) < bound:
            out.append(node)
    return out


def round_leader(
    slot_index: int,
    round_number: int,
    local_id: NodeID,
    qset: QuorumSet,
    chosen: frozenset[NodeID],
) -> NodeID:
    """The neighbour with the highest priority hash among those not already ``chosen``
    (MobileCoin's deviation: every round adds a new leader); the local node if none is left."""
    best: tuple[int, NodeID] | None = None
    for node in neighbors(slot_index, round_number, local_id, qset):
        if node in chosen:
            continue
        key = (leader_hash(slot_index, PRIORITY_TAG, round_number, node), node)
        if best is None or key > best:
            best = key
    return local_id if best is None else best[1]


def values_to_vote(
    local_id: NodeID,
    leaders: frozenset[NodeID],
    W: frozenset[Value],
    Y: frozenset[Value],
    peer_nominations: Mapping[NodeID, Nominate],
) -> frozenset[Value]:
    """New values to vote nominated (only called while Z = ∅): the local proposals if the
    local node leads, and every value a leading peer votes or accepts, minus Y."""
    out: set[Value] = set()
    if local_id in leaders:
        out |= W
    for leader in leaders:
        nom = peer_nominations.get(leader)
        if nom is not None:
            out |= nom.X
            out |= nom.Y
    return frozenset(out) - Y


def newly_accepted(
    X: frozenset[Value],
    Y: frozenset[Value],
    ctx: QuorumContext,
    index: StatementIndex,
) -> frozenset[Value]:
    """Values to accept as nominated: (a) a v-blocking set accepts it (any value in a peer's
    Y), or (b) a quorum including the local node votes-or-accepts it (candidates: local X)."""
    out: set[Value] = set()
    for value, holders in index.nominate_accepts.items():
        if value not in Y and ctx.is_blocking(holders):
            out.add(value)
    for value in X - out:
        if ctx.has_quorum(index.nominate_votes.get(value, set())):
            out.add(value)
    return frozenset(out)


def newly_confirmed(
    Y: frozenset[Value],
    Z: frozenset[Value],
    ctx: QuorumContext,
    index: StatementIndex,
) -> frozenset[Value]:
    """Values to confirm as nominated: a quorum including the local node accepts them."""
    return frozenset(
        value
        for value in Y - Z
        if ctx.has_quorum(index.nominate_accepts.get(value, set()))
    )
